#!/usr/bin/env bash
# scenario.sh: failover scenarios (a backend killed and revived, turning 10x slower, failing a
# share of requests, flapping) run through ballast, HAProxy and NGINX in turn, same seed and
# timeline for each. The balancer under test is pinned to CPU LB_CPU; the runner (controllable
# backends and the open-loop load generator, one JVM) to CPU LOAD_CPU.
#
# Usage: bench/scenario.sh [--only ballast,haproxy,nginx] [--no-oracle] [scenario ...]
#   --only: the balancers, each optionally with its algorithm in its own words:
#   ballast:auto, ballast:least-connections, haproxy:leastconn, nginx:least_conn. Without it,
#   each scenario's own `balancers:` list, else ballast, haproxy and nginx. The oracle (the
#   reference told the truth, in the runner's JVM) runs last unless --no-oracle.
#   scenario: a name from bench/scenarios/ (kill-revive, slow-backend, partial-errors, flapping,
#   unequal-capacity, cold-return, two-slow-of-five, slow-backend-algorithms, shedding) or a
#   YAML file; none runs them all.
# Environment: LB_CPU (0), LOAD_CPU (1), JAVA (java), BUILD (1: build the jars first),
#   RESULTS_DIR (bench/results).
# Results: a Markdown table per scenario on stdout and, with per-second CSVs, under
#   RESULTS_DIR/scenario-<time>/. See docs/benchmarks.md ("Failover scenarios") for the method.
# Exit status: 0 all runs measured, 1 a run failed, 2 missing tools or bad arguments.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
LB_CPU="${LB_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
JAVA="${JAVA:-java}"
BUILD="${BUILD:-1}"
RESULTS_DIR="${RESULTS_DIR:-$SCRIPT_DIR/results}"
ONLY=""
NO_ORACLE=""
SCENARIOS=()

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --only) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; ONLY=$2; shift 2 ;;
    --only=*) ONLY=${1#--only=}; shift ;;
    --no-oracle) NO_ORACLE=--no-oracle; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) SCENARIOS+=("$1"); shift ;;
  esac
done

missing=()
for tool in haproxy nginx; do
  if ! command -v "$tool" >/dev/null && { [[ -z $ONLY ]] || [[ ,$ONLY, == *,$tool[,:]* ]]; }; then
    missing+=("$tool")
  fi
done
command -v "$JAVA" >/dev/null || { echo "no java ($JAVA)" >&2; exit 2; }
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  echo "missing: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi
if (($(nproc) < 2)) && [[ $LB_CPU != "$LOAD_CPU" ]]; then
  echo "only $(nproc) CPU: running balancer and load on CPU 0" >&2
  LB_CPU=0 LOAD_CPU=0
fi

cd "$REPO_ROOT"
if [[ $BUILD == 1 ]]; then
  modules=bench
  [[ -z $ONLY || ,$ONLY, == *,ballast[,:]* ]] && modules=bench,server
  echo "building $modules (mvn -DskipTests package)" >&2
  mvn -B -ntp -q -pl "$modules" -am -DskipTests package >&2
fi

RUNNER_PID=""
cleanup() {
  # The runner stops the balancer it started from its shutdown hook; we stop the runner by PID.
  if [[ -n $RUNNER_PID ]] && kill -0 "$RUNNER_PID" 2>/dev/null; then
    kill "$RUNNER_PID" 2>/dev/null || true
    wait "$RUNNER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

taskset -c "$LOAD_CPU" "$JAVA" -cp bench/target/benchmarks.jar io.ballast.bench.scenario.ScenarioMain \
  ${ONLY:+--only "$ONLY"} ${NO_ORACLE} --lb-cpu "$LB_CPU" --ballast-jar server/target/ballast.jar \
  --scenarios bench/scenarios --results "$RESULTS_DIR" "${SCENARIOS[@]+"${SCENARIOS[@]}"}" &
RUNNER_PID=$!
rc=0
wait "$RUNNER_PID" || rc=$?
RUNNER_PID=""
exit "$rc"
