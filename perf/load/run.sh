#!/usr/bin/env bash
# Load test: wrk against a bare Vert.x server (the baseline) and against the product in dev mode, in
# the same run, on this machine. Prints a table (requests/s, p50, p99, ratio to the baseline) and
# appends it, with the run conditions, to perf/RESULTS.md.
#
#   perf/load/run.sh [--smoke]        (from anywhere; uses the jars already built, builds nothing)
#
# Build first: ./mvnw -q -DskipTests package (verticles/target/k0rdent-api.jar, perf/target/benchmarks.jar).
# Phases: 5 s warm-up + 15 s measured per target, 2 threads x 32 connections; --smoke: 2 s + 2 s.
# Ports: LOAD_PORT (default 29500) for the baseline, +1 Arc, +2 Atlas, +3 management; loopback only.
# Any non-2xx answer (or socket error) in any phase fails the run (exit 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

WARMUP=5
DURATION=15
MODE=full
SMOKE_FLAG=""
case "${1:-}" in
  --smoke) WARMUP=2; DURATION=2; MODE=smoke; SMOKE_FLAG=" --smoke" ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
THREADS=2
CONNECTIONS=32

API_JAR=verticles/target/k0rdent-api.jar
PERF_JAR=perf/target/benchmarks.jar
for jar in "$API_JAR" "$PERF_JAR"; do
  if [[ ! -f "$jar" ]]; then
    echo "missing $jar: this script builds nothing; run ./mvnw -q -DskipTests package first" >&2
    exit 2
  fi
done

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if (( ${#need[@]} )); then
  echo "installing ${need[*]} (apt-get)" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y "${need[@]}" >/dev/null; else sudo apt-get install -y "${need[@]}" >/dev/null; fi
fi

PORT=${LOAD_PORT:-29500}
BASE_PORT=$PORT
ARC_PORT=$((PORT + 1))
ATLAS_PORT=$((PORT + 2))
MGMT_PORT=$((PORT + 3))
BASE_URL="http://127.0.0.1:$BASE_PORT"
API="http://127.0.0.1:$ARC_PORT"
G="$API/v1/regions/global"

WORK=$(mktemp -d /tmp/k0rdent-load.XXXXXX)
BASE_PID=""
API_PID=""
cleanup() {
  local rc=$?
  for pid in $BASE_PID $API_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  if [[ $rc -ne 0 ]]; then echo "failed (exit $rc); logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT

wait_http() { # url log
  for _ in $(seq 1 150); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "nothing answers on $1; log:" >&2; tail -20 "$2" >&2; return 1
}

# --- 1. baseline -------------------------------------------------------------------------------
java -cp "$PERF_JAR" io.k0rdent.api.perf.BaselineServer "$BASE_PORT" >"$WORK/baseline.log" 2>&1 &
BASE_PID=$!

# --- 2. the product, dev mode, rate limits off (0 = off) -----------------------------------------
K0RDENT_AUTH_RATE_LIMIT_PER_CLIENT=0 \
K0RDENT_AUTH_RATE_LIMIT_PER_ADDRESS=0 \
K0RDENT_AUTH_RATE_LIMIT_FAILURES_PER_ADDRESS=0 \
K0RDENT_LOG_LEVEL=WARN \
  java -jar "$API_JAR" dev --arc-port "$ARC_PORT" --atlas-port "$ATLAS_PORT" --management-port "$MGMT_PORT" \
  >"$WORK/api.log" 2>&1 &
API_PID=$!

wait_http "$BASE_URL/" "$WORK/baseline.log"
for _ in $(seq 1 150); do
  grep -q '^K0RDENT_BOOTSTRAP_CLIENT_SECRET=' "$WORK/api.log" && break
  kill -0 "$API_PID" 2>/dev/null || { echo "the product exited; log:" >&2; tail -30 "$WORK/api.log" >&2; exit 1; }
  sleep 0.2
done
BOOT_ID=$(sed -n 's/^K0RDENT_BOOTSTRAP_CLIENT_ID=//p' "$WORK/api.log")
BOOT_SECRET=$(sed -n 's/^K0RDENT_BOOTSTRAP_CLIENT_SECRET=//p' "$WORK/api.log")
[[ -n "$BOOT_ID" && -n "$BOOT_SECRET" ]] || { echo "no bootstrap credentials in the banner" >&2; exit 1; }
wait_http "$API/v1/regions/global/iam/permissions" "$WORK/api.log"

# call METHOD URL [curl args...]: prints the body, fails on a non-2xx answer.
call() {
  local method=$1 url=$2; shift 2
  local out code
  out=$(curl -sS -X "$method" -w '\n%{http_code}' "$@" "$url")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [[ $code != 2?? ]]; then echo "$method $url -> $code $out" >&2; return 1; fi
  printf '%s' "$out"
}

echo "setting up (organization perf, 50 projects, service account loadsa@perf.iam with 50 bindings)" >&2
ADMIN=$(call POST "$G/auth/token" -u "$BOOT_ID:$BOOT_SECRET" -d grant_type=client_credentials | jq -r .access_token)
AH=(-H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json')
call POST "$G/organizations" "${AH[@]}" -d '{"id":"perf","displayName":"Load test"}' >/dev/null
for i in $(seq -w 0 49); do
  call POST "$G/projects" "${AH[@]}" \
    -d "{\"id\":\"perf-p$i\",\"organizationId\":\"perf\",\"displayName\":\"Load test $i\"}" >/dev/null
done
# The caller of every product target: a service account of the organization with no roles of its
# own, and 50 ordinary allow bindings: org-viewer on perf, then project-viewer / compute-viewer
# alternating on perf-p01 .. perf-p49.
call POST "$G/iam/service-accounts" "${AH[@]}" \
  -d '{"id":"loadsa","displayName":"Load test","scope":"organization","scopeId":"perf","roles":[]}' >/dev/null
bind() { # role scopeType [resource]
  local scope="{\"type\":\"$2\"}"
  [[ -n "${3:-}" ]] && scope="{\"type\":\"$2\",\"resource\":\"$3\"}"
  call POST "$G/iam/policies" "${AH[@]}" \
    -d "{\"orgId\":\"perf\",\"role\":\"$1\",\"principal\":{\"type\":\"serviceAccount\",\"id\":\"loadsa\"},\"scope\":$scope}" >/dev/null
}
bind org-viewer org
for i in $(seq -w 1 49); do
  if (( 10#$i % 2 )); then bind project-viewer project "perf-p$i"; else bind compute-viewer project "perf-p$i"; fi
done
SA_ID=loadsa@perf.iam
SA_SECRET=$(call POST "$G/iam/service-accounts/loadsa/credentials" "${AH[@]}" -d '{}' | jq -r .clientSecret)
SA_TOKEN=$(call POST "$G/auth/token" -u "$SA_ID:$SA_SECRET" -d grant_type=client_credentials | jq -r .access_token)
BINDINGS=$(call GET "$G/iam/policies?orgId=perf&pageSize=100" "${AH[@]}" | jq '[.policies[] | select(.principal.id=="loadsa")] | length')
ITEMS=$(call GET "$G/projects?organizationId=perf&pageSize=50" -H "Authorization: Bearer $SA_TOKEN" | jq '.projects | length')
[[ $BINDINGS == 50 && $ITEMS == 50 ]] || { echo "setup: $BINDINGS bindings, $ITEMS listed projects (want 50, 50)" >&2; exit 1; }
export LOAD_TOKEN="$SA_TOKEN"
LOAD_BASIC=$(printf '%s:%s' "$SA_ID" "$SA_SECRET" | base64 -w0)
export LOAD_BASIC

# --- 3. wrk ------------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a NAMES RPS P50 P99
FAILED=0
drive() { # name script url [token]
  local name=$1 script=$2 url=$3 token=${4-$SA_TOKEN}
  local out line
  for phase in warmup measure; do
    local secs=$DURATION; [[ $phase == warmup ]] && secs=$WARMUP
    out=$(LOAD_TOKEN="$token" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency -s "perf/load/$script" "$url" 2>&1)
    echo "$out" >"$WORK/wrk-${name//[^A-Za-z0-9]/_}-$phase.txt"
    line=$(grep '^RESULT ' <<<"$out" || true)
    [[ -n $line ]] || { echo "$name ($phase): no RESULT line:" >&2; echo "$out" >&2; FAILED=1; return; }
    local non2xx sock
    non2xx=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
    sock=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line")
    if (( non2xx > 0 || sock > 0 )); then
      echo "$name ($phase): $non2xx non-2xx answers, $sock socket errors" >&2
      grep -i 'non-2xx answer' <<<"$out" >&2 || true
      FAILED=1
    fi
  done
  NAMES+=("$name")
  RPS+=("$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")")
  P50+=("$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line")")
  P99+=("$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")")
  echo "  $name: ${RPS[-1]} req/s, p50 ${P50[-1]} us, p99 ${P99[-1]} us" >&2
}

echo "driving ($MODE: ${WARMUP}s warm-up + ${DURATION}s, ${THREADS} threads x ${CONNECTIONS} connections)" >&2
drive "baseline GET /" get.lua "$BASE_URL/" ""
drive "POST /auth/check (1 check)" check1.lua "$G/auth/check"
drive "POST /auth/check (10 checks)" check10.lua "$G/auth/check"
drive "POST /auth/introspect (Bearer, JSON)" introspect.lua "$G/auth/introspect"
drive "POST /auth/token (client_credentials, Basic)" token.lua "$G/auth/token"
drive "GET /organizations/perf" get.lua "$G/organizations/perf"
drive "GET /projects?organizationId=perf&pageSize=50 (50 items)" get.lua "$G/projects?organizationId=perf&pageSize=50"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 4. report ---------------------------------------------------------------------------------
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=""; [[ -n $(git status --porcelain 2>/dev/null) ]] && DIRTY=" (with uncommitted changes)"
JVM=$(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
BASE_RPS=${RPS[0]}
{
  echo
  echo "## Load test (\`perf/load/run.sh$SMOKE_FLAG\`), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Commit \`$COMMIT\`$DIRTY. JVM: $JVM; no VM options. Cores (\`nproc\`): $(nproc) ($CPU)."
  echo "Load average (1/5/15 min) before the first wrk phase: $LOAD_BEFORE; after the last: $LOAD_AFTER."
  echo "wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), ${THREADS} threads x ${CONNECTIONS} connections, ${WARMUP} s warm-up then ${DURATION} s measured"
  echo "per target, same machine as both servers (client and servers share the cores). Baseline: bare"
  echo "Vert.x HTTP server (io.k0rdent.api.perf.BaselineServer, one verticle per core, fixed 15-byte JSON)."
  echo "Product: \`dev\` (in-memory store), rate limits off; caller: service account loadsa@perf.iam with"
  echo "no roles of its own and 50 allow bindings (org-viewer on the organization, project-viewer /"
  echo "compute-viewer on 49 projects). Every answer was 2xx. Ratio = requests/s / baseline requests/s."
  echo
  echo "| target | requests/s | p50 ms | p99 ms | ratio to baseline |"
  echo "|---|---:|---:|---:|---:|"
  for i in "${!NAMES[@]}"; do
    awk -v n="${NAMES[$i]}" -v r="${RPS[$i]}" -v a="${P50[$i]}" -v b="${P99[$i]}" -v base="$BASE_RPS" \
      'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %.3f |\n", n, r, a / 1000, b / 1000, r / base }'
  done
} >"$WORK/table.md"

if (( FAILED )); then
  cat "$WORK/table.md"
  echo "FAILED: some target answered non-2xx (or had socket errors); nothing written to perf/RESULTS.md" >&2
  exit 1
fi
cat "$WORK/table.md"
cat "$WORK/table.md" >>perf/RESULTS.md
echo "appended to perf/RESULTS.md" >&2
