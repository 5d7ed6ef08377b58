#!/usr/bin/env bash
# Side by side with Keycloak: the same wrk load on the product (dev mode) and on Keycloak (production
# mode, PostgreSQL) for the three OAuth endpoints both have: token (client_credentials), introspection
# (RFC 7662) and revocation (RFC 7009). Prints a table with the ratio product / Keycloak and appends it,
# with the run conditions, to perf/RESULTS.md.
#
#   perf/load/keycloak.sh [--smoke]   (from anywhere; builds nothing of the project)
#
# Needs the project's jars (./mvnw -q -DskipTests package) and the Keycloak distribution
# org.keycloak:keycloak-quarkus-dist:$KC_VERSION (tar.gz) from Maven Central, which it fetches into the
# local Maven repository with ./mvnw dependency:get when missing, unpacks into perf/target/keycloak and
# configures once (kc.sh build --db=postgres --cache=local). Keycloak runs with `kc.sh start --optimized` (production
# mode) over plain HTTP on loopback, against a fresh PostgreSQL database (127.0.0.1:5432, dropped at
# the end); realm perf, confidential client perf-client with service accounts and an audience mapper, so
# its access tokens introspect as active.
# The product's caller is the load service account of perf/load/lib.sh (setup_tenant).
# Per target: 5 s warm-up + 15 s measured, 2 threads x 32 connections; --smoke: 2 s + 2 s, printed only.
# Ports: LOAD_PORT (default 29600) Arc, +1 Atlas, +2 management, +3 Keycloak HTTP, +4 Keycloak management.
# Any non-2xx answer (or socket error) fails the run (exit 1). Every process it starts it stops by PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

WARMUP=5
DURATION=15
MODE=full
case "${1:-}" in
  --smoke) WARMUP=2; DURATION=2; MODE=smoke ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
source perf/load/lib.sh
require_jars
require_tools
command -v psql >/dev/null || { echo "psql (PostgreSQL's client) is needed: Keycloak and the product use a fresh database each" >&2; exit 2; }

KC_VERSION=${KC_VERSION:-26.7.3}
KC_JAVA_HOME=${KC_JAVA_HOME:-}
PORT=${LOAD_PORT:-29600}
ARC_PORT=$PORT
ATLAS_PORT=$((PORT + 1))
MGMT_PORT=$((PORT + 2))
KC_PORT=$((PORT + 3))
KC_MGMT_PORT=$((PORT + 4))
KC="http://127.0.0.1:$KC_PORT"
# The databases are created through PG_URL; Keycloak and the product connect to 127.0.0.1:5432 as postgres
# without a password (this machine's trust authentication), so PG_URL must name that same server.
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432}
require_free_ports "$ARC_PORT" "$ATLAS_PORT" "$MGMT_PORT" "$KC_PORT" "$KC_MGMT_PORT"

# --- 1. Keycloak: fetch, unpack, configure once ---------------------------------------------------
M2=${MAVEN_REPO:-$HOME/.m2/repository}
TGZ="$M2/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.tar.gz"
if [[ ! -f $TGZ ]]; then
  echo "fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION (tar.gz, ~170 MB) from Maven Central" >&2
  ./mvnw -q -B dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz" -Dtransitive=false
fi
KC_PARENT=perf/target/keycloak
KC_HOME="$KC_PARENT/keycloak-$KC_VERSION"
if [[ ! -f "$KC_HOME/.configured-postgres-local" ]]; then
  echo "unpacking and configuring Keycloak $KC_VERSION (kc.sh build --db=postgres --cache=local)" >&2
  rm -rf "$KC_HOME"
  mkdir -p "$KC_PARENT"
  tar xzf "$TGZ" -C "$KC_PARENT"
  # --cache=local: one node, no JGroups cluster ports (two runs at once would otherwise find each other).
  JAVA_HOME=${KC_JAVA_HOME:-${JAVA_HOME:-}} "$KC_HOME/bin/kc.sh" build --db=postgres --cache=local --health-enabled=true \
    >"$WORK/keycloak-build.log" 2>&1 || { tail -20 "$WORK/keycloak-build.log" >&2; exit 1; }
  touch "$KC_HOME/.configured-postgres-local"
fi

# --- 2. Keycloak, production mode, its own database ------------------------------------------------
KC_DB="k0rdent_perf_kc_$$"
psql "$PG_URL/postgres" -qc "create database $KC_DB" >/dev/null
ON_EXIT+=("psql '$PG_URL/postgres' -qc 'drop database if exists $KC_DB' >/dev/null")
KC_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
KC_BOOTSTRAP_ADMIN_USERNAME=perf-admin KC_BOOTSTRAP_ADMIN_PASSWORD="$KC_ADMIN_PASSWORD" \
JAVA_HOME=${KC_JAVA_HOME:-${JAVA_HOME:-}} \
  "$KC_HOME/bin/kc.sh" start --optimized \
  --db-url="jdbc:postgresql://127.0.0.1:5432/$KC_DB" --db-username=postgres --db-password=unused \
  --http-enabled=true --http-host=127.0.0.1 --http-port="$KC_PORT" --http-management-port="$KC_MGMT_PORT" \
  --hostname-strict=false --log-level=WARN >"$WORK/keycloak.log" 2>&1 &
KC_PID=$!
PIDS+=("$KC_PID")

# --- 3. the product (dev mode on PostgreSQL, as Keycloak), started while Keycloak boots -------------
API_DB="k0rdent_perf_api_$$"
psql "$PG_URL/postgres" -qc "create database $API_DB" >/dev/null
ON_EXIT+=("psql '$PG_URL/postgres' -qc 'drop database if exists $API_DB' >/dev/null")
start_product "$ARC_PORT" "$ATLAS_PORT" "$MGMT_PORT" --pg-url "$PG_URL/$API_DB"
setup_tenant

for _ in $(seq 1 300); do
  kill -0 "$KC_PID" 2>/dev/null || { echo "Keycloak exited; log:" >&2; tail -30 "$WORK/keycloak.log" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$KC_MGMT_PORT/health/ready" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$KC_MGMT_PORT/health/ready" >/dev/null \
  || { echo "Keycloak is not ready; log:" >&2; tail -30 "$WORK/keycloak.log" >&2; exit 1; }
echo "configuring Keycloak: realm perf, client perf-client (client_credentials, audience mapper)" >&2
KC_ADMIN=$(call POST "$KC/realms/master/protocol/openid-connect/token" -d client_id=admin-cli \
  -d username=perf-admin --data-urlencode "password=$KC_ADMIN_PASSWORD" -d grant_type=password | jq -r .access_token)
KH=(-H "Authorization: Bearer $KC_ADMIN" -H 'Content-Type: application/json')
KC_SECRET=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
call POST "$KC/admin/realms" "${KH[@]}" -d '{"realm":"perf","enabled":true}' >/dev/null
call POST "$KC/admin/realms/perf/clients" "${KH[@]}" -d "{\"clientId\":\"perf-client\",\"enabled\":true,
  \"protocol\":\"openid-connect\",\"publicClient\":false,\"clientAuthenticatorType\":\"client-secret\",
  \"secret\":\"$KC_SECRET\",\"serviceAccountsEnabled\":true,\"standardFlowEnabled\":false,
  \"directAccessGrantsEnabled\":false,\"protocolMappers\":[{\"name\":\"audience\",\"protocol\":\"openid-connect\",
  \"protocolMapper\":\"oidc-audience-mapper\",\"config\":{\"included.client.audience\":\"perf-client\",
  \"access.token.claim\":\"true\",\"introspection.token.claim\":\"true\"}}]}" >/dev/null
KC_TOKEN_URL="$KC/realms/perf/protocol/openid-connect/token"
KC_BASIC=$(printf 'perf-client:%s' "$KC_SECRET" | base64 -w0)
OURS_BASIC=$(printf '%s:%s' "$SA_ID" "$SA_SECRET" | base64 -w0)

# One token of each to introspect, and a pool of REVOKE_POOL of each to revoke (cycled through).
token_of() { # url basic
  call POST "$1" -H "Authorization: Basic $2" -d grant_type=client_credentials | jq -r .access_token
}
KC_ACTIVE=$(token_of "$KC_TOKEN_URL" "$KC_BASIC")
OURS_ACTIVE=$(token_of "$G/auth/token" "$OURS_BASIC")
REVOKE_POOL=${REVOKE_POOL:-512}
echo "minting $REVOKE_POOL tokens on each server for the revocation target" >&2
for _ in $(seq 1 "$REVOKE_POOL"); do token_of "$KC_TOKEN_URL" "$KC_BASIC"; echo; done >"$WORK/kc-revoke.txt"
for _ in $(seq 1 "$REVOKE_POOL"); do token_of "$G/auth/token" "$OURS_BASIC"; echo; done >"$WORK/ours-revoke.txt"
for pair in "$KC_TOKEN_URL/introspect $KC_BASIC $KC_ACTIVE" "$G/auth/introspect $OURS_BASIC $OURS_ACTIVE"; do
  read -r url basic tok <<<"$pair"
  [[ $(call POST "$url" -H "Authorization: Basic $basic" -d "token=$tok" | jq -r .active) == true ]] \
    || { echo "$url: a fresh token does not introspect as active" >&2; exit 1; }
done

# --- 4. wrk, product and Keycloak alternately --------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "driving ($MODE: ${WARMUP}s warm-up + ${DURATION}s, ${THREADS} threads x ${CONNECTIONS} connections)" >&2
LOAD_BASIC=$OURS_BASIC drive "k0rdent token" token.lua "$G/auth/token"
LOAD_BASIC=$KC_BASIC drive "Keycloak token" token.lua "$KC_TOKEN_URL"
LOAD_BASIC=$OURS_BASIC LOAD_SUBJECT=$OURS_ACTIVE drive "k0rdent introspect" introspect_form.lua "$G/auth/introspect"
LOAD_BASIC=$KC_BASIC LOAD_SUBJECT=$KC_ACTIVE drive "Keycloak introspect" introspect_form.lua "$KC_TOKEN_URL/introspect"
export LOAD_THREADS=$THREADS
LOAD_BASIC=$OURS_BASIC LOAD_SUBJECTS_FILE="$WORK/ours-revoke.txt" drive "k0rdent revoke" revoke.lua "$G/auth/revoke"
LOAD_BASIC=$KC_BASIC LOAD_SUBJECTS_FILE="$WORK/kc-revoke.txt" drive "Keycloak revoke" revoke.lua \
  "$KC/realms/perf/protocol/openid-connect/revoke"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 5. report ---------------------------------------------------------------------------------------
# A target without a RESULT line leaves NAMES short: the pairs below would be shifted (or unbound).
if (( FAILED )); then
  echo "FAILED: some target answered non-2xx, had socket errors or printed no RESULT; nothing written to perf/RESULTS.md" >&2
  exit 1
fi
KC_JVM=$("${KC_JAVA_HOME:-${JAVA_HOME:-/usr}}/bin/java" -version 2>&1 | head -1)
{
  echo
  echo "## Keycloak side by side (\`perf/load/keycloak.sh\`), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  conditions
  echo "Product: \`dev --pg-url\` (PostgreSQL on this machine, like Keycloak), rate limits off, service account"
  echo "loadsa@perf.iam (client_secret_basic)."
  echo "Keycloak $KC_VERSION (keycloak-quarkus-dist from Maven Central), \`kc.sh start --optimized\` (production"
  echo "mode; JVM: $KC_JVM), HTTP on loopback, PostgreSQL on this machine, \`--cache=local\` (one node);"
  echo "realm perf, confidential client perf-client (client_credentials, audience mapper). Same wrk settings;"
  echo "both servers run during the whole run, one driven at a time. Token: form grant_type=client_credentials"
  echo "with Basic; introspect: form token=<a valid access token> with Basic; revoke: form token=<one of $REVOKE_POOL"
  echo "access tokens of the client, cycled: revoked on the first pass, already revoked after> with Basic."
  echo "Ratio = k0rdent requests/s / Keycloak requests/s."
  echo
  echo "| endpoint | k0rdent req/s | p50 ms | p99 ms | Keycloak req/s | p50 ms | p99 ms | ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for i in 0 2 4; do
    j=$((i + 1))
    awk -v n="${NAMES[$i]#k0rdent }" -v r="${RPS[$i]}" -v a="${P50[$i]}" -v b="${P99[$i]}" \
      -v kr="${RPS[$j]}" -v ka="${P50[$j]}" -v kb="${P99[$j]}" \
      'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.1f |\n", n, r, a / 1000, b / 1000, kr, ka / 1000, kb / 1000, r / kr }'
  done
} >"$WORK/table.md"

publish_table
