#!/usr/bin/env bash
# Load test: wrk against a bare Vert.x server (the baseline) and against the product in dev mode, in
# the same run, on this machine. Prints a table (requests/s, p50, p99, ratio to the baseline) and
# appends it, with the run conditions, to perf/RESULTS.md.
#
#   perf/load/run.sh [--smoke]        (from anywhere; uses the jars already built, builds nothing)
#
# Build first: ./mvnw -q -DskipTests package (verticles/target/k0rdent-api.jar, perf/target/benchmarks.jar).
# Closed loop (wrk): 5 s warm-up + 15 s measured per target, 2 threads x 32 connections.
# Open loop (io.k0rdent.api.perf.OpenLoopRun): baseline, /auth/check and /auth/introspect at a fixed
# 5,000 requests/s (OPEN_RATE), 5 s warm-up + 30 s, latency from each request's scheduled send time.
# Then the server's own decision timers (k0rdent_authz_*_seconds quantiles) are read from /metrics.
# --smoke: wrk 2 s warm-up + 2 s, open loop 1 s + 2 s; printed only, nothing appended to perf/RESULTS.md.
# Ports: LOAD_PORT (default 29500) for the baseline, +1 Arc, +2 Atlas, +3 management; loopback only.
# Any non-2xx answer (or socket error) in any phase fails the run (exit 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

WARMUP=5
DURATION=15
OPEN_WARMUP=5
OPEN_DURATION=30
OPEN_RATE=${OPEN_RATE:-5000}
MODE=full
case "${1:-}" in
  --smoke) WARMUP=2; DURATION=2; OPEN_WARMUP=1; OPEN_DURATION=2; MODE=smoke ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
source perf/load/lib.sh
require_jars
require_tools

PORT=${LOAD_PORT:-29500}
BASE_PORT=$PORT
ARC_PORT=$((PORT + 1))
ATLAS_PORT=$((PORT + 2))
MGMT_PORT=$((PORT + 3))
BASE_URL="http://127.0.0.1:$BASE_PORT"
require_free_ports "$BASE_PORT" "$ARC_PORT" "$ATLAS_PORT" "$MGMT_PORT"

# --- 1. baseline -------------------------------------------------------------------------------
java -cp "$PERF_JAR" io.k0rdent.api.perf.BaselineServer "$BASE_PORT" >"$WORK/baseline.log" 2>&1 &
BASE_PID=$!
PIDS+=("$BASE_PID")

# --- 2. the product, dev mode, rate limits off; its load-test tenant ---------------------------
start_product "$ARC_PORT" "$ATLAS_PORT" "$MGMT_PORT"
# Something else on the port would answer too: wait for our own server's line, not for any answer.
for _ in $(seq 1 150); do
  grep -q '^baseline listening' "$WORK/baseline.log" && break
  kill -0 "$BASE_PID" 2>/dev/null || { echo "the baseline exited; log:" >&2; tail -5 "$WORK/baseline.log" >&2; exit 1; }
  sleep 0.2
done
wait_http "$BASE_URL/" "$WORK/baseline.log" 150 "$BASE_PID"
setup_tenant
export LOAD_TOKEN="$SA_TOKEN"
LOAD_BASIC=$(printf '%s:%s' "$SA_ID" "$SA_SECRET" | base64 -w0)
export LOAD_BASIC

# --- 3. wrk ------------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "driving ($MODE: ${WARMUP}s warm-up + ${DURATION}s, ${THREADS} threads x ${CONNECTIONS} connections)" >&2
LOAD_TOKEN="" drive "baseline GET /" get.lua "$BASE_URL/"
drive "POST /auth/check (1 check)" check1.lua "$G/auth/check"
drive "POST /auth/check (10 checks)" check10.lua "$G/auth/check"
drive "POST /auth/introspect (Bearer, JSON)" introspect.lua "$G/auth/introspect"
drive "POST /auth/token (client_credentials, Basic)" token.lua "$G/auth/token"
drive "GET /organizations/perf" get.lua "$G/organizations/perf"
drive "GET /projects?organizationId=perf&pageSize=50 (50 items)" get.lua "$G/projects?organizationId=perf&pageSize=50"

# --- 3b. open loop: fixed arrival rate, latency from the scheduled send time ---------------------
declare -a ONAMES ORESULT
open_loop() { # name url [OpenLoopRun options...]
  local name=$1 url=$2; shift 2
  local out line
  out=$(java -cp "$PERF_JAR" io.k0rdent.api.perf.OpenLoopRun --rate "$OPEN_RATE" --warmup "$OPEN_WARMUP" \
    --duration "$OPEN_DURATION" "$@" "$url" 2>&1) || true
  echo "$out" >"$WORK/open-${name//[^A-Za-z0-9]/_}.txt"
  line=$(grep '^RESULT ' <<<"$out" || true)
  [[ -n $line ]] || { echo "$name (open loop): no RESULT line:" >&2; echo "$out" >&2; FAILED=1; return; }
  local field bad=0
  for field in non2xx errors unanswered; do
    (( $(sed -E "s/.* $field=([0-9]+).*/\1/" <<<"$line") == 0 )) || bad=1
  done
  if (( bad )); then echo "$name (open loop): failures: $line" >&2; grep '^first failure' <<<"$out" >&2 || true; FAILED=1; fi
  ONAMES+=("$name")
  ORESULT+=("$line")
  echo "  $name at $OPEN_RATE/s: $line" >&2
}
echo "open loop ($MODE: ${OPEN_RATE} req/s, ${OPEN_WARMUP}s warm-up + ${OPEN_DURATION}s)" >&2
printf '{"checks":[{"action":"resourcemanager.projects.get","resource":"projects/perf-p07"}]}' >"$WORK/check1.json"
printf '{"token":"%s"}' "$SA_TOKEN" >"$WORK/introspect.json"
JSON_AUTH=(-H "Authorization: Bearer $SA_TOKEN" -H "Content-Type: application/json")
open_loop "baseline GET /" "$BASE_URL/"
open_loop "POST /auth/check (1 check)" "$G/auth/check" -X POST "${JSON_AUTH[@]}" --body-file "$WORK/check1.json"
open_loop "POST /auth/introspect" "$G/auth/introspect" -X POST "${JSON_AUTH[@]}" --body-file "$WORK/introspect.json"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 3c. the server's own decision timers, after all of the above --------------------------------
METRICS=$(curl -sS "http://127.0.0.1:$MGMT_PORT/metrics")
quantile() { # metric q -> microseconds: the upper bound of the histogram bucket holding the q-quantile
  awk -v m="$1" -v q="$2" '
    index($0, m "_bucket{le=\"") == 1 { split($0, a, "\""); le[n] = a[2]; c[n] = $NF; n++ }
    $1 == m "_count" { total = $2 }
    END {
      if (total == 0) { printf "n/a"; exit }
      for (i = 0; i < n; i++) if (c[i] >= q * total) { printf "%.1f", le[i] * 1e6; exit }
    }' <<<"$METRICS"
}
declare -a TNAMES TP50 TP99 TP999
for metric in k0rdent_authz_grants_seconds k0rdent_authz_check_seconds; do
  TNAMES+=("$metric")
  TP50+=("$(quantile $metric 0.5)")
  TP99+=("$(quantile $metric 0.99)")
  TP999+=("$(quantile $metric 0.999)")
  echo "  $metric: p50 ${TP50[-1]} us, p99 ${TP99[-1]} us, p99.9 ${TP999[-1]} us" >&2
done

# --- 3d. IPAM, last: every allocation stays in the in-memory store (hundreds of thousands of addresses),
# which would weigh on the garbage collector in any phase after it. As the administrator (the load caller
# only views): a read of a network, then automatic allocations from it (each takes one more address of a /8).
NET="http://127.0.0.1:$ARC_PORT/v1/regions/local-1/projects/perf-p01/compute"
call POST "$NET/networks" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"id":"load","cidr":"10.0.0.0/8"}' >/dev/null
LOAD_TOKEN="$ADMIN" drive "GET /compute/networks/load" get.lua "$NET/networks/load"
LOAD_TOKEN="$ADMIN" LOAD_NETWORK=load drive "POST /compute/addresses (INTERNAL, server's choice)" allocate.lua \
  "$NET/addresses"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 4. report ---------------------------------------------------------------------------------
BASE_RPS=${RPS[0]}
{
  echo
  echo "## Load test (\`perf/load/run.sh\`), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  conditions
  echo "Baseline: bare Vert.x HTTP server (io.k0rdent.api.perf.BaselineServer, one verticle per core, fixed"
  echo "15-byte JSON). Product: \`dev\` (in-memory store), rate limits off; caller: service account"
  echo "loadsa@perf.iam with no roles of its own and 50 allow bindings (org-viewer on the organization,"
  echo "project-viewer / compute-viewer on 49 projects). Ratio = requests/s / baseline requests/s."
  echo
  echo "| target | requests/s | p50 ms | p99 ms | ratio to baseline |"
  echo "|---|---:|---:|---:|---:|"
  for i in "${!NAMES[@]}"; do
    awk -v n="${NAMES[$i]}" -v r="${RPS[$i]}" -v a="${P50[$i]}" -v b="${P99[$i]}" -v base="$BASE_RPS" \
      'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %.3f |\n", n, r, a / 1000, b / 1000, r / base }'
  done
  echo
  echo "Open loop (io.k0rdent.api.perf.OpenLoopRun): a fixed $OPEN_RATE requests/s whatever the server does,"
  echo "${OPEN_WARMUP} s unrecorded then ${OPEN_DURATION} s; latency from each request's scheduled send time to the end of"
  echo "its answer (no coordinated omission), 64 keep-alive connections, same machine. Ratio = p99 / baseline p99."
  echo
  echo "| target | sent | non-2xx + errors + unanswered | p50 ms | p99 ms | p99.9 ms | max ms | p99 ratio to baseline |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  base_p99=""
  v() { sed -E "s/.* $1=([0-9]+).*/\1/" <<<"$l"; } # field $1 of the RESULT line in $l
  for i in "${!ONAMES[@]}"; do
    l=${ORESULT[$i]}
    [[ -z $base_p99 ]] && base_p99=$(v p99_us)
    awk -v n="${ONAMES[$i]}" -v s="$(v sent)" -v bad="$(( $(v non2xx) + $(v errors) + $(v unanswered) ))" \
      -v a="$(v p50_us)" -v b="$(v p99_us)" -v c="$(v p999_us)" -v m="$(v max_us)" -v base="$base_p99" \
      'BEGIN { printf "| %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.2f |\n", n, s, bad, a / 1000, b / 1000, c / 1000, m / 1000, b / base }'
  done
  echo
  echo "The server's own timers (Micrometer histograms read from /metrics after the run, over every request"
  echo "of the run; each figure is the upper bound of the bucket holding the percentile, buckets 2-33 % apart):"
  echo
  echo "| timer | p50 µs | p99 µs | p99.9 µs |"
  echo "|---|---:|---:|---:|"
  for i in "${!TNAMES[@]}"; do
    echo "| \`${TNAMES[$i]}\` | ${TP50[$i]} | ${TP99[$i]} | ${TP999[$i]} |"
  done
} >"$WORK/table.md"

if (( FAILED )); then
  cat "$WORK/table.md"
  echo "FAILED: some target answered non-2xx (or had socket errors); nothing written to perf/RESULTS.md" >&2
  exit 1
fi
publish_table
