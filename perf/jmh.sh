#!/usr/bin/env bash
# Runs the JMH benchmarks (perf/target/benchmarks.jar) with the GC profiler (-prof gc: bytes allocated per
# operation) on the default JDK and, when present, on JDK 25, and prints a table per benchmark: score and
# error on each JDK, the ratio JDK 25 / default, and allocation per operation. Appends it, with the run
# conditions, to perf/RESULTS.md (not with --smoke).
#
#   perf/jmh.sh [--smoke] [JMH benchmark regexp...]      (builds nothing)
#
# --smoke: 1 warm-up and 1 measured iteration of 100 ms each, default JDK only, printed only.
# JDK25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64): the second JDK; set it empty to skip it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAR=perf/target/benchmarks.jar
[[ -f $JAR ]] || { echo "missing $JAR: this script builds nothing; run ./mvnw -q -DskipTests package first" >&2; exit 2; }
command -v jq >/dev/null || { echo "installing jq (apt-get)" >&2; apt-get install -y jq >/dev/null; }

MODE=full
JMH_OPTS=()
if [[ ${1:-} == --smoke ]]; then
  MODE=smoke
  JMH_OPTS=(-wi 1 -w 100ms -i 1 -r 100ms -f 1)
  shift
fi
JDK25_HOME=${JDK25_HOME-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=$(mktemp -d /tmp/k0rdent-jmh.XXXXXX)

run_on() { # label java-binary [JMH arguments...]
  local label=$1 java=$2
  shift 2
  echo "JMH on $label ($("$java" -version 2>&1 | head -1))" >&2
  "$java" -jar "$JAR" "${JMH_OPTS[@]}" -prof gc -rf json -rff "$OUT/$label.json" "$@" >"$OUT/$label.txt" 2>&1 \
    || { tail -30 "$OUT/$label.txt" >&2; echo "JMH failed on $label; output in $OUT" >&2; exit 1; }
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run_on default "$(command -v java)" "$@"
SECOND=""
if [[ $MODE == full && -n $JDK25_HOME && -x $JDK25_HOME/bin/java ]]; then
  run_on jdk25 "$JDK25_HOME/bin/java" "$@"
  SECOND="$OUT/jdk25.json"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# One row per benchmark (and parameters): name, score, error, unit, B/op.
rows() {
  jq -r '.[] | [ (.benchmark | sub("^io\\.k0rdent\\.api\\.perf\\."; "")) + (if .params then " " + ([.params | to_entries[] | "\(.key)=\(.value)"] | join(",")) else "" end),
    .primaryMetric.score, .primaryMetric.scoreError, .primaryMetric.scoreUnit,
    ((.secondaryMetrics["gc.alloc.rate.norm"] // .secondaryMetrics["·gc.alloc.rate.norm"] // {score: null}).score) ] | @tsv' "$1"
}
{
  echo
  echo "## JMH (\`perf/jmh.sh\`), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$([[ -n $(git status --porcelain 2>/dev/null) ]] && echo ' (with uncommitted changes)'). Cores: $(nproc) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); load average before: $LOAD_BEFORE, after: $LOAD_AFTER."
  echo "Default JDK: $(java -version 2>&1 | head -1)$([[ -n $SECOND ]] && echo "; second: $("$JDK25_HOME/bin/java" -version 2>&1 | head -1)")."
  echo "Each benchmark's own settings (forks, iterations, mode: see its class), one thread, \`-prof gc\`; B/op ="
  echo "gc.alloc.rate.norm. Ratio = JDK 25 score / default-JDK score (for times, below 1 means JDK 25 is faster)."
  echo
  if [[ -n $SECOND ]]; then
    echo "| benchmark | JDK 17 | ± | B/op | JDK 25 | ± | B/op | ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    join -t $'\t' <(rows "$OUT/default.json" | sort -t $'\t' -k1,1) <(rows "$SECOND" | sort -t $'\t' -k1,1) |
      awk -F'\t' '{ printf "| %s | %.3f %s | %.3f | %.0f | %.3f | %.3f | %.0f | %.2f |\n", $1, $2, $4, $3, $5, $6, $7, $9, ($2 > 0 ? $6 / $2 : 0) }'
  else
    echo "| benchmark | score | ± | B/op |"
    echo "|---|---:|---:|---:|"
    rows "$OUT/default.json" | sort -t $'\t' -k1,1 | awk -F'\t' '{ printf "| %s | %.3f %s | %.3f | %.0f |\n", $1, $2, $4, $3, $5 }'
  fi
} >"$OUT/table.md"
cat "$OUT/table.md"
if [[ $MODE == full ]]; then
  cat "$OUT/table.md" >>perf/RESULTS.md
  echo "appended to perf/RESULTS.md; raw JMH output in $OUT" >&2
else
  echo "smoke run: nothing written to perf/RESULTS.md" >&2
  rm -rf "$OUT"
fi
