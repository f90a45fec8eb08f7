#!/usr/bin/env bash
# fuzz.sh: the long runs of ballast's request-path fuzz tests (proxy/src/test: DecoderFuzzTest,
# ProxyFuzzTest; the suite runs short versions of both).
#
#   decoder  the HTTP/1.1 codec and request checks in an EmbeddedChannel, CPU only: no exception,
#            no slow input, every forwarded request reads back as the same under a strict parser.
#   proxy    the whole proxy on loopback in front of a recording backend: every answer within
#            5 s, and the backend only ever gets well-formed requests that ballast's own framing
#            found in the input (no smuggled second request).
#
# Builds proxy and its test classes (mvn -o, skipping tests), asks Maven for the test classpath
# once, then runs the chosen main with plain java (Netty's sampled leak detection). Each run
# prints its figures (inputs, inputs/s, the outcomes by refusal reason) to stdout.
#
# Usage: bench/fuzz.sh [--cpu LIST] [--no-build] decoder|proxy [INPUTS [SEED]]
#   --cpu LIST   pin the JVM with taskset -c LIST (e.g. 1)
#   --no-build   use the compiled classes as they are
# Defaults: decoder 1,000,000 inputs, proxy 100,000; seed 16.
# Environment: JAVA (java), MVN (mvn), MVN_OPTS (extra Maven flags, e.g.
#   -Dmaven.repo.local=...).
#
# Example: bench/fuzz.sh --cpu 1 decoder 1000000

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
MVN_OPTS="${MVN_OPTS:-}"
cpu=""
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cpu) cpu="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    decoder|proxy) break ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: bench/fuzz.sh [--cpu LIST] [--no-build] decoder|proxy [INPUTS [SEED]]" >&2; exit 2; }
case "$1" in
  decoder) main=io.ballast.proxy.DecoderFuzzTest ;;
  proxy) main=io.ballast.proxy.ProxyFuzzTest ;;
esac
shift

cd "$REPO_ROOT"
cp_file="$REPO_ROOT/proxy/target/fuzz-classpath.txt"
if [[ $build -eq 1 ]]; then
  # shellcheck disable=SC2086
  "$MVN" -B -ntp -q -o $MVN_OPTS -pl proxy -am test-compile || exit 2
  # shellcheck disable=SC2086
  "$MVN" -B -ntp -q -o $MVN_OPTS -pl proxy dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test || exit 2
fi
cp="proxy/target/test-classes:proxy/target/classes:$(cat "$cp_file")"
pin=()
if [[ -n "$cpu" ]]; then
  pin=(taskset -c "$cpu")
fi
exec "${pin[@]}" "$JAVA" -Xmx512m -cp "$cp" "$main" "$@"
