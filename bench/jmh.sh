#!/usr/bin/env bash
# jmh.sh: run ballast's JMH microbenchmarks (bench/src) with short default settings.
#
# Builds bench/target/benchmarks.jar when it is missing or older than the sources of bench or core,
# then runs it with: -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc, and -p algorithm=<the algorithms this
# build knows> (the @Param list also names algorithms that may not be merged yet). Each default is
# left out when you pass the same option yourself. Every other argument goes to JMH unchanged, so a
# benchmark regex and any JMH option work (java -jar bench/target/benchmarks.jar -h lists them).
# The results JSON goes to bench/results/jmh-<UTC time>.json, and a summary table (mean with its
# error, median of the iterations, B/op) to stdout and to the same name with .md.
#
# Usage: bench/jmh.sh [--cpu LIST] [--no-build] [JMH args...]
#   --cpu LIST   pin the JVM and its forks with taskset -c LIST (e.g. 1); env JMH_CPU
#   --no-build   use the existing jar as it is; env JMH_BUILD=0
# Environment: JAVA (java), MVN (mvn), MVN_OPTS (extra Maven flags, e.g. -o), RESULTS_DIR.
#
# Examples:
#   taskset -c 1 bench/jmh.sh                         # everything, pinned to CPU 1
#   bench/jmh.sh --cpu 1 'PickBenchmark.pick$' -p backends=1000
#   bench/jmh.sh RebuildBenchmark -p algorithm=maglev,ring-hash
#
# Exit status: JMH's (0 when every trial ran), 2 for bad arguments or a failed build.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly SCRIPT_DIR REPO_ROOT
readonly JAR="$SCRIPT_DIR/target/benchmarks.jar"

JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
MVN_OPTS="${MVN_OPTS:-}"
RESULTS_DIR="${RESULTS_DIR:-$SCRIPT_DIR/results}"
JMH_CPU="${JMH_CPU:-}"
JMH_BUILD="${JMH_BUILD:-1}"

die() {
  echo "jmh.sh: $*" >&2
  exit 2
}

ARGS=()
while (($#)); do
  case "$1" in
    --cpu)
      (($# >= 2)) || die "--cpu needs a CPU list (e.g. 1 or 0,1)"
      JMH_CPU="$2"
      shift 2
      ;;
    --no-build)
      JMH_BUILD=0
      shift
      ;;
    --help)
      sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      ARGS+=("$1")
      shift
      ;;
  esac
done

if [[ -n "$JMH_CPU" ]]; then
  command -v taskset >/dev/null || die "--cpu needs taskset (util-linux)"
  [[ "$JMH_CPU" =~ ^[0-9]+([,-][0-9]+)*$ ]] || die "--cpu: $JMH_CPU (expected: a CPU list like 1 or 0,1)"
fi

# True when the user gave this JMH option (as "-opt value" or "-opt=value").
has_option() {
  local opt="$1" a
  for a in "${ARGS[@]+"${ARGS[@]}"}"; do
    [[ "$a" == "$opt" || "$a" == "$opt="* ]] && return 0
  done
  return 1
}

# True when the user set the named @Param with -p NAME=...
has_param() {
  local name="$1" i
  for ((i = 0; i < ${#ARGS[@]}; i++)); do
    if [[ "${ARGS[i]}" == "-p" && "${ARGS[i + 1]:-}" == "$name="* ]]; then
      return 0
    fi
  done
  return 1
}

stale() {
  [[ ! -f "$JAR" ]] && return 0
  [[ -n "$(find "$SCRIPT_DIR/src" "$SCRIPT_DIR/pom.xml" "$REPO_ROOT/core/src/main" \
    "$REPO_ROOT/core/pom.xml" "$REPO_ROOT/pom.xml" -newer "$JAR" -print -quit)" ]]
}

if [[ "$JMH_BUILD" == 1 ]] && stale; then
  echo "jmh.sh: building $JAR" >&2
  # shellcheck disable=SC2086 # MVN_OPTS is a list of flags
  (cd "$REPO_ROOT" && "$MVN" -B -ntp -q $MVN_OPTS -pl bench -am package -DskipTests) \
    || die "build failed: cd $REPO_ROOT && $MVN -B -ntp -pl bench -am package -DskipTests"
fi
[[ -f "$JAR" ]] || die "no $JAR (run without --no-build)"

PIN=()
[[ -n "$JMH_CPU" ]] && PIN=(taskset -c "$JMH_CPU")

DEFAULTS=()
has_option -f || DEFAULTS+=(-f 1)
has_option -wi || DEFAULTS+=(-wi 3)
has_option -w || DEFAULTS+=(-w 1s)
has_option -i || DEFAULTS+=(-i 5)
has_option -r || DEFAULTS+=(-r 1s)
has_option -prof || DEFAULTS+=(-prof gc)
if ! has_param algorithm; then
  KNOWN="$("$JAVA" -cp "$JAR" io.ballast.bench.KnownAlgorithms)"
  [[ -n "$KNOWN" ]] || die "could not list the algorithms of this build"
  DEFAULTS+=(-p "algorithm=$KNOWN")
fi

mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
RESULT_JSON="$RESULTS_DIR/jmh-$STAMP.json"
if has_option -rff; then
  RESULT_JSON=""
else
  DEFAULTS+=(-rf json -rff "$RESULT_JSON")
fi

echo "jmh.sh: ${PIN[*]+${PIN[*]} }$JAVA -jar $JAR ${DEFAULTS[*]} ${ARGS[*]+${ARGS[*]}}" >&2
status=0
"${PIN[@]+"${PIN[@]}"}" "$JAVA" -jar "$JAR" "${DEFAULTS[@]}" "${ARGS[@]+"${ARGS[@]}"}" || status=$?

# A compact table of score and allocation per trial, when python3 is there to read the JSON.
if [[ -n "$RESULT_JSON" && -s "$RESULT_JSON" ]] && command -v python3 >/dev/null; then
  python3 - "$RESULT_JSON" >"${RESULT_JSON%.json}.md" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))

def num(x, digits):
    # JMH writes "NaN" (a string) for the error of a single iteration.
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else str(x)

print("| benchmark | algorithm | backends | threads | score | ± | median | unit | B/op |")
print("|---|---|---:|---:|---:|---:|---:|---|---:|")
for r in rows:
    p = r.get("params", {})
    m = r["primaryMetric"]
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    b = "" if alloc is None else num(alloc["score"], 1)
    name = r["benchmark"].removeprefix("io.ballast.bench.")
    # The median of the iterations resists a few disturbed ones (other processes on the CPU).
    samples = sorted(x for fork in m.get("rawData", []) for x in fork)
    median = samples[len(samples) // 2] if samples else "NaN"
    print(f"| {name} | {p.get('algorithm', '')} | {p.get('backends', '')} | {r['threads']} "
          f"| {num(m['score'], 2)} | {num(m['scoreError'], 2)} | {num(median, 2)} | {m['scoreUnit']} | {b} |")
PY
  cat "${RESULT_JSON%.json}.md"
  echo "jmh.sh: results in $RESULT_JSON and ${RESULT_JSON%.json}.md" >&2
fi
exit "$status"
