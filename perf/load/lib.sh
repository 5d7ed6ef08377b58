# Shared by perf/load/run.sh and perf/load/keycloak.sh (sourced, not run): tools, process cleanup, the
# product in dev mode with its load-test tenant, HTTP helpers and the wrk driver. Loopback only.

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
API_JAR=verticles/target/k0rdent-api.jar
PERF_JAR=perf/target/benchmarks.jar

require_jars() {
  local jar
  for jar in "$API_JAR" "$PERF_JAR"; do
    if [[ ! -f "$jar" ]]; then
      echo "missing $jar: this script builds nothing; run ./mvnw -q -DskipTests package first" >&2
      exit 2
    fi
  done
}

require_free_ports() { # port...: exit 2 if anything already listens on one (it would answer in our place)
  local p
  for p in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "port $p (127.0.0.1) is already in use; set LOAD_PORT to move this script's ports" >&2
      exit 2
    fi
  done
}

require_tools() { # the commands named (default: wrk jq curl), installed with apt-get when missing
  local need=() t
  (( $# )) || set -- wrk jq curl
  for t in "$@"; do command -v "$t" >/dev/null || need+=("$t"); done
  if (( ${#need[@]} )); then
    echo "installing ${need[*]} (apt-get)" >&2
    local sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    # On a machine whose package lists were never fetched, install fails until apt-get update ran.
    "${sudo[@]}" apt-get install -y "${need[@]}" >/dev/null 2>&1 \
      || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y "${need[@]}" >/dev/null; }
  fi
}

# Processes this script started (stopped by PID on exit), the work directory, and extra cleanup commands.
PIDS=()
ON_EXIT=()
WORK=$(mktemp -d /tmp/k0rdent-load.XXXXXX)
cleanup() {
  local rc=$? pid cmd
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      pkill -TERM -P "$pid" 2>/dev/null || true # children first: kc.sh runs Keycloak's JVM as its child
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  for cmd in "${ON_EXIT[@]}"; do eval "$cmd" || true; done
  if [[ $rc -ne 0 ]] && rmdir "$WORK" 2>/dev/null; then echo "failed (exit $rc)" >&2
  elif [[ $rc -ne 0 ]]; then echo "failed (exit $rc); logs kept in $WORK" >&2
  else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
# Without these, an interrupted run reaches cleanup with $? = 0: its logs are deleted, no "failed" line.
trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP

wait_http() { # url log [tries of 0.2 s] [pid that must stay alive]
  for _ in $(seq 1 "${3:-150}"); do
    if [[ -n ${4:-} ]] && ! kill -0 "$4" 2>/dev/null; then
      echo "the process serving $1 exited; log:" >&2; tail -20 "$2" >&2; return 1
    fi
    curl -s -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "nothing answers on $1; log:" >&2; tail -20 "$2" >&2; return 1
}

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

# start_product ARC_PORT ATLAS_PORT MGMT_PORT [dev options...]: the product in dev mode, rate limits off
# (0 = off); sets API_PID, G (the global region's URL) and ADMIN (a bootstrap-admin token).
start_product() {
  local arc=$1 atlas=$2 mgmt=$3
  shift 3
  K0RDENT_AUTH_RATE_LIMIT_PER_CLIENT=0 \
  K0RDENT_AUTH_RATE_LIMIT_PER_ADDRESS=0 \
  K0RDENT_AUTH_RATE_LIMIT_FAILURES_PER_ADDRESS=0 \
  K0RDENT_LOG_LEVEL=WARN \
    java -jar "$API_JAR" dev --arc-port "$arc" --atlas-port "$atlas" --management-port "$mgmt" "$@" \
    >"$WORK/api.log" 2>&1 &
  API_PID=$!
  PIDS+=("$API_PID")
  G="http://127.0.0.1:$arc/v1/regions/global"
  for _ in $(seq 1 150); do
    grep -q '^K0RDENT_BOOTSTRAP_CLIENT_SECRET=' "$WORK/api.log" && break
    kill -0 "$API_PID" 2>/dev/null || { echo "the product exited; log:" >&2; tail -30 "$WORK/api.log" >&2; exit 1; }
    sleep 0.2
  done
  local boot_id boot_secret
  boot_id=$(sed -n 's/^K0RDENT_BOOTSTRAP_CLIENT_ID=//p' "$WORK/api.log")
  boot_secret=$(sed -n 's/^K0RDENT_BOOTSTRAP_CLIENT_SECRET=//p' "$WORK/api.log")
  [[ -n "$boot_id" && -n "$boot_secret" ]] || { echo "no bootstrap credentials in the banner" >&2; exit 1; }
  wait_http "$G/iam/permissions" "$WORK/api.log"
  ADMIN=$(call POST "$G/auth/token" -u "$boot_id:$boot_secret" -d grant_type=client_credentials | jq -r .access_token)
}

# setup_tenant: organization perf, 50 projects, and the load caller: service account loadsa@perf.iam with
# no roles of its own and 50 ordinary allow bindings (org-viewer on perf, then project-viewer /
# compute-viewer alternating on perf-p01 .. perf-p49). Sets SA_ID, SA_SECRET, SA_TOKEN.
setup_tenant() {
  echo "setting up (organization perf, 50 projects, service account loadsa@perf.iam with 50 bindings)" >&2
  local ah=(-H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json') i
  call POST "$G/organizations" "${ah[@]}" -d '{"id":"perf","displayName":"Load test"}' >/dev/null
  for i in $(seq -w 0 49); do
    call POST "$G/projects" "${ah[@]}" \
      -d "{\"id\":\"perf-p$i\",\"organizationId\":\"perf\",\"displayName\":\"Load test $i\"}" >/dev/null
  done
  call POST "$G/iam/service-accounts" "${ah[@]}" \
    -d '{"id":"loadsa","displayName":"Load test","scope":"organization","scopeId":"perf","roles":[]}' >/dev/null
  bind() { # role scopeType [resource]
    local scope="{\"type\":\"$2\"}"
    [[ -n "${3:-}" ]] && scope="{\"type\":\"$2\",\"resource\":\"$3\"}"
    call POST "$G/iam/policies" "${ah[@]}" \
      -d "{\"orgId\":\"perf\",\"role\":\"$1\",\"principal\":{\"type\":\"serviceAccount\",\"id\":\"loadsa\"},\"scope\":$scope}" >/dev/null
  }
  bind org-viewer org
  for i in $(seq -w 1 49); do
    if (( 10#$i % 2 )); then bind project-viewer project "perf-p$i"; else bind compute-viewer project "perf-p$i"; fi
  done
  SA_ID=loadsa@perf.iam
  SA_SECRET=$(call POST "$G/iam/service-accounts/loadsa/credentials" "${ah[@]}" -d '{}' | jq -r .clientSecret)
  SA_TOKEN=$(call POST "$G/auth/token" -u "$SA_ID:$SA_SECRET" -d grant_type=client_credentials | jq -r .access_token)
  local bindings items
  bindings=$(call GET "$G/iam/policies?orgId=perf&pageSize=100" "${ah[@]}" | jq '[.policies[] | select(.principal.id=="loadsa")] | length')
  items=$(call GET "$G/projects?organizationId=perf&pageSize=50" -H "Authorization: Bearer $SA_TOKEN" | jq '.projects | length')
  [[ $bindings == 50 && $items == 50 ]] || { echo "setup: $bindings bindings, $items listed projects (want 50, 50)" >&2; exit 1; }
}

# drive NAME SCRIPT URL: wrk, WARMUP s then DURATION s, THREADS x CONNECTIONS, --latency, with the Lua
# SCRIPT of perf/load (which sees LOAD_* variables). Appends to NAMES, RPS, P50, P99; any non-2xx answer,
# or a socket error in the measured phase, sets FAILED=1.
declare -a NAMES RPS P50 P99
FAILED=0
drive() {
  local name=$1 script=$2 url=$3
  local out line phase secs non2xx sock
  for phase in warmup measure; do
    secs=$DURATION; [[ $phase == warmup ]] && secs=$WARMUP
    # wrk exits non-zero when it cannot connect: keep its output instead of dying silently under set -e.
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency -s "perf/load/$script" "$url" 2>&1) || true
    echo "$out" >"$WORK/wrk-${name//[^A-Za-z0-9]/_}-$phase.txt"
    line=$(grep '^RESULT ' <<<"$out" || true)
    [[ -n $line ]] || { echo "$name ($phase): no RESULT line:" >&2; echo "$out" >&2; FAILED=1; return; }
    non2xx=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
    sock=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line")
    # Socket errors while warming up (a server still starting its JIT, e.g. Keycloak's first connections) are
    # reported, not fatal: the warm-up is never measured. Any non-2xx answer, and any socket error measured, fails.
    if (( non2xx > 0 || sock > 0 )); then
      echo "$name ($phase): $non2xx non-2xx answers, $sock socket errors" >&2
      grep -i 'non-2xx answer' <<<"$out" >&2 || true
      if (( non2xx > 0 )) || [[ $phase != warmup ]]; then FAILED=1; fi
    fi
  done
  NAMES+=("$name")
  RPS+=("$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")")
  P50+=("$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line")")
  P99+=("$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")")
  echo "  $name: ${RPS[-1]} req/s, p50 ${P50[-1]} us, p99 ${P99[-1]} us" >&2
}

# publish_table: prints $WORK/table.md and appends it to perf/RESULTS.md, unless MODE is smoke.
publish_table() {
  cat "$WORK/table.md"
  if [[ $MODE == smoke ]]; then
    echo "smoke run: nothing written to perf/RESULTS.md" >&2
  else
    cat "$WORK/table.md" >>perf/RESULTS.md
    echo "appended to perf/RESULTS.md" >&2
  fi
}

# The run conditions, as lines for perf/RESULTS.md.
conditions() {
  local commit dirty=""
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  # perf/RESULTS.md does not count: an earlier script of the same run may just have appended to it.
  [[ -n $(git status --porcelain -- . ':!perf/RESULTS.md' 2>/dev/null) ]] && dirty=" (with uncommitted changes)"
  echo "Commit \`$commit\`$dirty. JVM: $(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//'); no VM options."
  echo "Cores (\`nproc\`): $(nproc) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))."
  echo "Load average (1/5/15 min) before the first wrk phase: $LOAD_BEFORE; after the last: $LOAD_AFTER."
  echo "wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), ${THREADS} threads x ${CONNECTIONS} connections, ${WARMUP} s warm-up then ${DURATION} s measured"
  echo "per target, same machine as the servers (client and servers share the cores)."
}
