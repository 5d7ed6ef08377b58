#!/usr/bin/env bash
# Runs the JMH benchmarks (perf/target/benchmarks.jar) with the GC profiler (-prof gc: bytes allocated per
# operation) on the default JDK and, when present, on JDK 25, and prints a table per benchmark: score and
# error on each JDK, the ratio JDK 25 / default, and allocation per operation. Appends it, with the run
# conditions, to perf/RESULTS.md (not with --smoke).
#
#   perf/jmh.sh [--smoke] [JMH benchmark regexp...]      (builds nothing)
#   perf/jmh.sh --report DIR                             (the table again, from a run's saved output)
#
# --smoke: 1 warm-up and 1 measured iteration of 100 ms each, default JDK only, printed only.
# A full run keeps its raw output (default.json/.txt, jdk25.json/.txt) in perf/target/jmh; --report
# renders and appends the table from such a directory without running anything.
# JDK25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64): the second JDK; set it empty to skip it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAR=perf/target/benchmarks.jar
[[ -f $JAR ]] || { echo "missing $JAR: this script builds nothing; run ./mvnw -q -DskipTests package first" >&2; exit 2; }
source perf/load/lib.sh  # tools, and a work directory removed on success (kept on failure)
require_tools jq

MODE=full
JMH_OPTS=()
case "${1:-}" in
  --smoke) MODE=smoke; JMH_OPTS=(-wi 1 -w 100ms -i 1 -r 100ms -f 1); shift ;;
  --report) MODE=report; [[ -f ${2:-}/default.json ]] || { echo "usage: $0 --report DIR (with DIR/default.json)" >&2; exit 2; } ;;
esac
JDK25_HOME=${JDK25_HOME-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=$WORK

run_on() { # label java-binary [JMH arguments...]
  local label=$1 java=$2
  shift 2
  echo "JMH on $label ($("$java" -version 2>&1 | head -1))" >&2
  "$java" -jar "$JAR" "${JMH_OPTS[@]}" -prof gc -rf json -rff "$OUT/$label.json" "$@" >"$OUT/$label.txt" 2>&1 \
    || { tail -30 "$OUT/$label.txt" >&2; echo "JMH failed on $label" >&2; exit 1; }
}
if [[ $MODE == report ]]; then
  cp "$2"/*.json "$2"/*.txt "$OUT/"
  LOAD_BEFORE="not recorded"; LOAD_AFTER="not recorded"
else
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  run_on default "$(command -v java)" "$@"
  if [[ $MODE == full && -n $JDK25_HOME && -x $JDK25_HOME/bin/java ]]; then
    run_on jdk25 "$JDK25_HOME/bin/java" "$@"
  fi
  LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
fi
SECOND=""
[[ -f $OUT/jdk25.json ]] && SECOND="$OUT/jdk25.json"
vm_of() { sed -n 's/^# VM version: //p' "$OUT/$1.txt" | head -1; }

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
  echo "Commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$([[ -n $(git status --porcelain -- . ':!perf/RESULTS.md' 2>/dev/null) ]] && echo ' (with uncommitted changes)'). Cores: $(nproc) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); load average before: $LOAD_BEFORE, after: $LOAD_AFTER."
  echo "Default JDK: $(vm_of default)$([[ -n $SECOND ]] && echo "; second: $(vm_of jdk25)")."
  echo "Each benchmark's own settings (forks, iterations, mode: see its class), one thread, \`-prof gc\`; B/op ="
  echo "gc.alloc.rate.norm. Ratio = JDK 25 score / default-JDK score (for times, below 1 means JDK 25 is faster)."
  echo "Each benchmark class carries its own baseline (HashMap.get, parseOnly, HS256, oneField): compare within a class."
  echo
  if [[ -n $SECOND ]]; then
    echo "| benchmark | default JDK | ± | B/op | JDK 25 | ± | B/op | ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    join -t $'\t' <(rows "$OUT/default.json" | sort -t $'\t' -k1,1) <(rows "$SECOND" | sort -t $'\t' -k1,1) |
      awk -F'\t' '{ printf "| %s | %.3f %s | %.3f | %.0f | %.3f | %.3f | %.0f | %.2f |\n", $1, $2, $4, $3, $5, $6, $7, $9, ($2 > 0 ? $6 / $2 : 0) }'
  else
    echo "| benchmark | score | ± | B/op |"
    echo "|---|---:|---:|---:|"
    rows "$OUT/default.json" | sort -t $'\t' -k1,1 | awk -F'\t' '{ printf "| %s | %.3f %s | %.3f | %.0f |\n", $1, $2, $4, $3, $5 }'
  fi
} >"$OUT/table.md"
publish_table # (lib.sh: skipped in smoke mode)
if [[ $MODE == full ]]; then
  mkdir -p perf/target/jmh
  cp "$OUT"/*.json "$OUT"/*.txt perf/target/jmh/
  echo "raw JMH output in perf/target/jmh" >&2
fi
