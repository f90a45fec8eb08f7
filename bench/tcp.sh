#!/usr/bin/env bash
# tcp.sh: L4 TCP proxying of ballast (mode: tcp), HAProxy (mode tcp) and NGINX (stream), same run,
# same pinning, in front of a real redis-server.
#
# One redis-server (no persistence) and every load run on CPU 1 (LOAD_CPU); each balancer listens
# on CPU 0 (LB_CPU) with one backend, the redis. Three loads, each a bounded redis-benchmark run:
#   requests     -c CLIENTS kept connections, SET and GET of 64-byte values (-n REQUESTS each):
#                requests/s, p99 (redis-benchmark's own, ms) and the balancer's CPU per request;
#   connections  -k 0: every request on a new connection (PING_INLINE, -n CONNS): connections/s,
#                p99 and the balancer's CPU per connection (accept, pick, connect, relay, close);
#   bulk         GET of one BULK_BYTES value (-c 8, -n BULK_REQUESTS): the balancer's CPU per GiB
#                relayed (backend to client) and MiB/s.
# The balancer's CPU is utime+stime from /proc (its process tree) read before and after each run.
# Rows run in rounds (RUNS, each round every balancer once, one at a time), and each figure is the
# median over the rounds; a direct row (redis-benchmark straight to redis) is the reference.
# Every balancer is started once and warmed up (a discarded requests run and a connections run);
# only 127.0.0.1 is used; every process is stopped by the PID the script started.
#
# Usage: bench/tcp.sh [--only ballast,haproxy,nginx,direct]
# Environment (defaults): ONLY, RUNS (3), CLIENTS (50), REQUESTS (200000), CONNS (20000),
# BULK_BYTES (262144), BULK_REQUESTS (4000), LB_CPU (0), LOAD_CPU (1), JAVA, BALLAST_JAR
# (server/target/ballast.jar), RESULTS_DIR (bench/results). NGINX needs its stream module
# (Debian: libnginx-mod-stream); without it the row says so.
# Exit status: 0 every row measured or skipped with a reason, 1 a run failed, 2 bad arguments or
# missing tools.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ONLY=${ONLY:-ballast,haproxy,nginx,direct}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-50}
REQUESTS=${REQUESTS:-200000}
CONNS=${CONNS:-20000}
BULK_BYTES=${BULK_BYTES:-262144}
BULK_REQUESTS=${BULK_REQUESTS:-4000}
LB_CPU=${LB_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
JAVA=${JAVA:-java}
BALLAST_JAR=${BALLAST_JAR:-$ROOT/server/target/ballast.jar}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
STREAM_MODULE=${STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}

die() { echo "[tcp] error: $*" >&2; exit 2; }
log() { echo "[tcp] $*" >&2; }

while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a value}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
for n in ${ONLY//,/ }; do
  [[ $n =~ ^(ballast|haproxy|nginx|direct)$ ]] || die "only: '$n' (expected: ballast, haproxy, nginx or direct)"
done
for v in RUNS CLIENTS REQUESTS CONNS BULK_BYTES BULK_REQUESTS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v: '${!v}' (expected: > 0)"
done
for t in redis-server redis-benchmark redis-cli taskset python3; do
  command -v "$t" >/dev/null || die "missing: $t (apt-get install -y redis-server util-linux python3)"
done
[[ ",$ONLY," != *,haproxy,* ]] || command -v haproxy >/dev/null || die "missing: haproxy"
[[ ",$ONLY," != *,nginx,* ]] || command -v nginx >/dev/null || die "missing: nginx"
[[ ",$ONLY," != *,ballast,* ]] || [[ -f $BALLAST_JAR ]] ||
  die "$BALLAST_JAR missing (build it: mvn -B -ntp -q -DskipTests package)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ballast-tcp.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null || true; done
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT

# free_port, wait_port
# shellcheck source=lib/idle-common.sh
source "$ROOT/bench/lib/idle-common.sh"
# cpu_ticks PID: utime+stime of PID and its children (clock ticks).
cpu_ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)

REDIS=$(free_port)
taskset -c "$LOAD_CPU" redis-server --port "$REDIS" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no --logfile "$TMP/redis.log" &
PIDS+=($!)
wait_port "$REDIS" || die "redis-server did not start: $(tail -3 "$TMP/redis.log")"

declare -A PORT LBPID NOTE
start_balancer() {  # NAME: starts it on LB_CPU in front of the redis; sets PORT and LBPID
  local name=$1 port
  port=$(free_port)
  case $name in
    direct) PORT[direct]=$REDIS; LBPID[direct]=""; return 0 ;;
    haproxy)
      cat >"$TMP/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4000
defaults
  mode tcp
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend f
  bind 127.0.0.1:$port
  default_backend b
backend b
  server r 127.0.0.1:$REDIS
CONF
      taskset -c "$LB_CPU" haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.out" 2>&1 &
      ;;
    nginx)
      if [[ ! -f $STREAM_MODULE ]]; then
        NOTE[nginx]="skipped: no NGINX stream module ($STREAM_MODULE; Debian: libnginx-mod-stream)"
        return 1
      fi
      mkdir -p "$TMP/nginx"
      cat >"$TMP/nginx.conf" <<CONF
load_module $STREAM_MODULE;
daemon off; worker_processes 1; worker_rlimit_nofile 20000; pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 10000; }
stream { upstream r { server 127.0.0.1:$REDIS; }
  server { listen 127.0.0.1:$port; proxy_pass r; proxy_connect_timeout 2s; proxy_timeout 60s; } }
CONF
      taskset -c "$LB_CPU" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx.conf" &
      ;;
    ballast)
      cat >"$TMP/ballast.yaml" <<CONF
listeners:
  - {name: redis, mode: tcp, bind: "127.0.0.1:$port", pool: r}
pools:
  - {name: r, algorithm: round-robin, backends: [{address: "127.0.0.1:$REDIS"}]}
admin: {enabled: false}
access_log: {enabled: false}
CONF
      taskset -c "$LB_CPU" "$JAVA" ${BALLAST_JAVA_OPTS:-} -jar "$BALLAST_JAR" run --no-watch \
        -c "$TMP/ballast.yaml" >"$TMP/ballast.out" 2>&1 &
      ;;
  esac
  LBPID[$name]=$!
  PIDS+=("${LBPID[$name]}")
  PORT[$name]=$port
  if ! wait_port "$port" || ! [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
    NOTE[$name]="FAILED: did not start or answer PING"
    return 1
  fi
}

# bench NAME OUT ARGS...: one bounded redis-benchmark run on LOAD_CPU with --csv; prints
# "rps p99_ms cpu_seconds" (the last of the tests it ran for rps and p99).
bench() {
  local name=$1 out=$2 before after
  shift 2
  before=0
  [[ -z ${LBPID[$name]} ]] || before=$(cpu_ticks "${LBPID[$name]}")
  timeout 300 taskset -c "$LOAD_CPU" redis-benchmark -h 127.0.0.1 -p "${PORT[$name]}" --csv "$@" \
    >"$out" 2>"$out.err" || return 1
  after=0
  [[ -z ${LBPID[$name]} ]] || after=$(cpu_ticks "${LBPID[$name]}")
  python3 - "$out" "$((after - before))" "$HZ" <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if r and r[0] != "test"]
if not rows: sys.exit(1)
rps = sum(float(r[1]) for r in rows) / len(rows)
p99 = max(float(r[6]) for r in rows)
print("%.0f %.3f %.4f" % (rps, p99, int(sys.argv[2]) / int(sys.argv[3])))
PY
}

declare -A RES
measure_round() {  # NAME ROUND
  local name=$1 r=$2 line
  line=$(bench "$name" "$TMP/$name-req-$r.csv" -c "$CLIENTS" -n "$REQUESTS" -t set,get -d 64) || return 1
  RES[$name,req,$r]="$line"
  line=$(bench "$name" "$TMP/$name-conn-$r.csv" -c 20 -k 0 -n "$CONNS" -t ping_inline) || return 1
  RES[$name,conn,$r]="$line"
  line=$(bench "$name" "$TMP/$name-bulk-$r.csv" -c 8 -n "$BULK_REQUESTS" -t get -d "$BULK_BYTES") || return 1
  RES[$name,bulk,$r]="$line"
}

names=()
for name in ${ONLY//,/ }; do
  log "$name: starting"
  if start_balancer "$name"; then
    # The value every bulk GET returns, then a discarded warm-up of each load.
    redis-benchmark -h 127.0.0.1 -p "${PORT[$name]}" -c 1 -n 1 -t set -d "$BULK_BYTES" -q >/dev/null 2>&1 || true
    bench "$name" "$TMP/warm.csv" -c "$CLIENTS" -n "$REQUESTS" -t set,get -d 64 >/dev/null || true
    bench "$name" "$TMP/warm.csv" -c 20 -k 0 -n "$CONNS" -t ping_inline >/dev/null || true
    names+=("$name")
  else
    log "$name: ${NOTE[$name]}"
  fi
done
failed=0
for ((r = 1; r <= RUNS; r++)); do
  for name in "${names[@]}"; do
    log "round $r: $name"
    measure_round "$name" "$r" || { NOTE[$name]="FAILED: redis-benchmark (see $TMP)"; failed=1; }
  done
done

mkdir -p "$RESULTS_DIR"
stamp=$(date -u '+%Y%m%d-%H%M%S')
report="$RESULTS_DIR/tcp-$stamp.md"
{
  echo "# TCP proxying in front of redis-server ($stamp)"
  echo
  echo "- balancer on CPU $LB_CPU; redis-server and redis-benchmark on CPU $LOAD_CPU; medians of $RUNS rounds;" \
    "requests: -c $CLIENTS -n $REQUESTS SET+GET 64 B; connections: -c 20 -k 0 -n $CONNS PING_INLINE;" \
    "bulk: -c 8 -n $BULK_REQUESTS GET of $BULK_BYTES B; $(uname -srm)"
  echo
  echo "| balancer | requests/s | p99 ms | CPU µs/request | connections/s (-k 0) | p99 ms | CPU µs/connection | bulk MiB/s | CPU s/GiB relayed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"
for name in ${ONLY//,/ }; do
  if [[ -n ${NOTE[$name]:-} ]]; then
    echo "| $name | ${NOTE[$name]} | | | | | | | |" >>"$report"
    continue
  fi
  args=()
  for ((r = 1; r <= RUNS; r++)); do
    args+=("${RES[$name,req,$r]}" "${RES[$name,conn,$r]}" "${RES[$name,bulk,$r]}")
  done
  python3 - "$name" "$REQUESTS" "$CONNS" "$BULK_REQUESTS" "$BULK_BYTES" "${args[@]}" >>"$report" <<'PY'
import statistics, sys
name, reqs, conns, bulk_n, bulk_b = sys.argv[1], *map(int, sys.argv[2:6])
runs = sys.argv[6:]
med = lambda xs: statistics.median(xs)
req = [list(map(float, runs[i].split())) for i in range(0, len(runs), 3)]
con = [list(map(float, runs[i].split())) for i in range(1, len(runs), 3)]
blk = [list(map(float, runs[i].split())) for i in range(2, len(runs), 3)]
direct = name == "direct"
cpu = lambda v: "–" if direct else v
gib = bulk_n * bulk_b / 2**30
print("| %s | %.0f | %.3f | %s | %.0f | %.3f | %s | %.0f | %s |" % (
    name, med([x[0] for x in req]), med([x[1] for x in req]),
    cpu("%.1f" % (med([x[2] for x in req]) * 1e6 / (2 * reqs))),
    med([x[0] for x in con]), med([x[1] for x in con]),
    cpu("%.1f" % (med([x[2] for x in con]) * 1e6 / conns)),
    med([x[0] for x in blk]) * bulk_b / 2**20,
    cpu("%.2f" % (med([x[2] for x in blk]) / gib))))
PY
done
cat "$report"
log "report written to $report"
exit "$failed"
