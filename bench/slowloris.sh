#!/usr/bin/env bash
# slowloris.sh: how ballast, HAProxy and NGINX shed a slowloris attack while they serve normal
# traffic, same run, same pinning.
#
# Each balancer in turn listens on CPU 0 (LB_CPU) in front of one NGINX backend on CPU 1
# (LOAD_CPU), with its request head deadline at HEAD_TIMEOUT (10 s: HAProxy `timeout
# http-request`, NGINX `client_header_timeout`, ballast `limits.request_head_timeout`, its
# default) and its defaults otherwise. For each: a sanity check and a discarded wrk warm-up; then
# wrk (one thread, LOAD_CONNECTIONS connections, DURATION, on LOAD_CPU) measures normal traffic
# alone; then again while a Python client (asyncio, on LOAD_CPU) holds SLOW_CONNECTIONS slowloris
# connections: each sends a request line, a Host and the start of a header, then one more header
# byte every INTERVAL seconds, and never ends its head. The first wave's connections are timed
# until the balancer closes each (with or without a 408); a connection it closes is replaced at
# once until wrk is done, so the attack lasts the whole measured run. The report gives, per
# balancer: how long until all of the first wave was closed (from the first connection opened),
# how many were closed within the bound, how many got a 408, and wrk's p99 and req/s without and
# with the attack.
#
# A JVM compiles the code paths it has run. A running ballast has met clients that never finish
# their heads before (scanners, broken clients), so by default the warm-up includes them too: while
# wrk warms up, a priming wave of PRIME slowloris connections (not replaced) is held until the
# balancer closes them at its deadline, for every balancer alike. PRIME=0 measures a process that
# meets its first slow client in the measured run: then ballast's JIT recompiles the request path
# the attack's new types reach (deoptimisations, seconds of compiler time on the balancer's one
# CPU), which the p99 with the attack shows. docs/benchmarks.md gives both.
#
# CONTROL=1 sends the attack to a decoy instead (an NGINX on LOAD_CPU with the same head deadline)
# while wrk still measures through each balancer: what the attack costs the load generator's CPU
# alone, to set beside the ratio of a normal run (the balancer's own share is what is left).
#
# Usage: bench/slowloris.sh [--only haproxy,nginx,ballast]
# Environment (defaults): SLOW_CONNECTIONS (500), INTERVAL (3, seconds between header bytes),
# HEAD_TIMEOUT (10s), DURATION (20s, each wrk run), WARMUP (30s; at least HEAD_TIMEOUT + 5 s when
# PRIME is above 0), PRIME (100, the priming wave's connections), LOAD_CONNECTIONS (50), ONLY,
# LB_CPU (0), LOAD_CPU (1), JAVA, BALLAST_JAR (server/target/ballast.jar), RESULTS_DIR
# (bench/results). A smoke run: SLOW_CONNECTIONS=50 INTERVAL=0.5 HEAD_TIMEOUT=2s DURATION=3s
# WARMUP=1s PRIME=0 bench/slowloris.sh.
# Every wait is bounded (a slowloris connection that is never closed is given up HEAD_TIMEOUT +
# DURATION + 30 s after the attack began and reported as not closed); only 127.0.0.1 is used;
# every process is stopped by the PID the script started.
# Exit status: 0 every row measured, 1 a row failed (did not start, wrk errors), 2 bad arguments
# or missing tools.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ONLY=${ONLY:-haproxy,nginx,ballast}
SLOW_CONNECTIONS=${SLOW_CONNECTIONS:-500}
INTERVAL=${INTERVAL:-3}
HEAD_TIMEOUT=${HEAD_TIMEOUT:-10s}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-30s}
PRIME=${PRIME:-100}
CONTROL=${CONTROL:-0}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-50}
LB_CPU=${LB_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
JAVA=${JAVA:-java}
BALLAST_JAR=${BALLAST_JAR:-$ROOT/server/target/ballast.jar}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
REPORT_LUA="$ROOT/bench/wrk-report.lua"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "[slowloris] error: $*" >&2; exit 2; }
log() { echo "[slowloris] $*" >&2; }

while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

seconds() {  # "10s", "1m", "10" → whole seconds
  [[ $1 =~ ^([0-9]+)([sm]?)$ ]] || die "duration: '$1' (expected: N, Ns or Nm)"
  if [[ ${BASH_REMATCH[2]} == m ]]; then echo $((BASH_REMATCH[1] * 60)); else echo "${BASH_REMATCH[1]}"; fi
}
HEAD_S=$(seconds "$HEAD_TIMEOUT")
DURATION_S=$(seconds "$DURATION")
WARMUP_S=$(seconds "$WARMUP")
[[ $PRIME =~ ^[0-9]+$ ]] || die "PRIME: '$PRIME' (expected: >= 0)"
# The priming wave must end, at the balancer's deadline, within the warm-up.
((PRIME == 0 || WARMUP_S >= HEAD_S + 5)) || WARMUP_S=$((HEAD_S + 5))
((HEAD_S > 0 && DURATION_S > 0)) || die "HEAD_TIMEOUT and DURATION must be above 0"
[[ $SLOW_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "SLOW_CONNECTIONS: '$SLOW_CONNECTIONS' (expected: > 0)"
[[ $LOAD_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "LOAD_CONNECTIONS: '$LOAD_CONNECTIONS' (expected: > 0)"
[[ $INTERVAL =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "INTERVAL: '$INTERVAL' (expected: seconds, such as 3 or 0.5)"
for name in ${ONLY//,/ }; do
  [[ $name =~ ^(haproxy|nginx|ballast)$ ]] || die "only: '$name' (expected: haproxy, nginx or ballast)"
done
for t in wrk nginx python3 taskset curl; do
  command -v "$t" >/dev/null || die "missing: $t (apt-get install -y wrk nginx python3 util-linux curl)"
done
[[ ",$ONLY," != *,haproxy,* ]] || command -v haproxy >/dev/null || die "missing: haproxy"
[[ ",$ONLY," != *,ballast,* ]] || [[ -f $BALLAST_JAR ]] ||
  die "$BALLAST_JAR missing (build it: mvn -B -ntp -q -DskipTests package)"
(($(ulimit -n) > SLOW_CONNECTIONS * 2 + 200)) ||
  die "ulimit -n is $(ulimit -n) (expected: above $((SLOW_CONNECTIONS * 2 + 200)))"

NAME=slowloris
# shellcheck source=lib/idle-common.sh
source "$ROOT/bench/lib/idle-common.sh"
idle_setup
idle_backend
DECOY=""
if [[ $CONTROL == 1 ]]; then
  DECOY=$(free_port)
  mkdir -p "$TMP/decoy"
  cat >"$TMP/decoy.conf" <<CONF
daemon off; worker_processes 1; worker_rlimit_nofile $((SLOW_CONNECTIONS * 4 + 1000)); pid $TMP/decoy/nginx.pid; error_log $TMP/decoy/error.log warn;
events { worker_connections $((SLOW_CONNECTIONS * 4 + 500)); }
http { access_log off; client_header_timeout ${HEAD_S}s; client_body_temp_path $TMP/decoy/b; proxy_temp_path $TMP/decoy/p;
  fastcgi_temp_path $TMP/decoy/f; uwsgi_temp_path $TMP/decoy/u; scgi_temp_path $TMP/decoy/s;
  server { listen 127.0.0.1:$DECOY; location / { return 200 "ok\n"; } } }
CONF
  taskset -c "$LOAD_CPU" nginx -p "$TMP/decoy" -e "$TMP/decoy/error.log" -c "$TMP/decoy.conf" &
  PIDS+=($!)
  wait_port "$DECOY"
fi

# The attack. argv: port, connections, interval (s), sustain (s: replace closed connections
# until then), limit (s: give up on the first wave then). Prints "connected N" once the first
# wave is open, then one JSON line with the first wave's figures.
cat >"$TMP/slowloris.py" <<'PY'
import asyncio, json, sys, time
port, n, interval = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sustain, limit = float(sys.argv[4]), float(sys.argv[5])
HEAD = b"GET / HTTP/1.1\r\nHost: bench\r\nX-Slow: "
start = time.monotonic()
closed, answered, reopened, failed = [], [0], [0], [0]

async def one(first, opened):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except (OSError, asyncio.TimeoutError):
        failed[0] += 1
        opened.set()
        return
    opened.set()
    got = b""
    try:
        w.write(HEAD)
        while time.monotonic() - start < limit:
            try:
                data = await asyncio.wait_for(r.read(4096), interval)
            except asyncio.TimeoutError:
                w.write(b"a")          # one more header byte, never the end of the head
                await w.drain()
                continue
            if not data:
                break
            got += data
    except OSError:
        pass                           # reset by the balancer: closed too
    else:
        if time.monotonic() - start >= limit:
            w.close()
            return                     # never closed by the balancer
    finally:
        w.close()
    if first:
        closed.append(time.monotonic() - start)
        answered[0] += got.startswith(b"HTTP/1.1 408") or got.startswith(b"HTTP/1.0 408")
    if time.monotonic() - start < sustain:
        reopened[0] += 1
        asyncio.ensure_future(one(False, asyncio.Event()))

async def main():
    events = [asyncio.Event() for _ in range(n)]
    tasks = []
    for e in events:
        tasks.append(asyncio.ensure_future(one(True, e)))
        await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
    print("connected", n - failed[0], flush=True)
    await asyncio.wait(tasks, timeout=max(0.1, limit - (time.monotonic() - start)))
    while time.monotonic() - start < sustain:
        await asyncio.sleep(0.2)       # replacements run until wrk is done
    c = sorted(closed)
    print(json.dumps({"opened": n - failed[0], "closed": len(c),
                      "all_closed_s": round(c[-1], 2) if len(c) == n - failed[0] and c else None,
                      "median_closed_s": round(c[len(c) // 2], 2) if c else None,
                      "answered_408": answered[0], "reopened": reopened[0]}), flush=True)

asyncio.run(main())
PY

# How each balancer listens here (lb_start's hooks): plain HTTP/1.1 on 127.0.0.1.
haproxy_global() { :; }
haproxy_bind() { echo "bind 127.0.0.1:$1"; }
nginx_server() { echo "listen 127.0.0.1:$1;"; }
ballast_listener() { echo "  - {name: web, bind: \"127.0.0.1:$1\", pool: b}"; }
# Room for the attack, its replacements and wrk; idle connections as the balancers' usual 60 s;
# HAProxy shares idle backend connections as NGINX's keepalive pool and ballast's pools do.
LB_MAXCONN=$((SLOW_CONNECTIONS * 4 + LOAD_CONNECTIONS + 1000)) LB_IDLE=60s LB_HEAD=${HEAD_S}s LB_REUSE=always

stop_balancer() {
  kill "$LB_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$LB_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$LB_PID" 2>/dev/null || true
  wait "$LB_PID" 2>/dev/null || true
}

# wrk_run PORT SECONDS OUT: one wrk run on LOAD_CPU, bounded; prints "p99_ms req_s" or fails.
wrk_run() {
  local port=$1 secs=$2 out=$3 line requests dur errs
  timeout $((secs + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$LOAD_CONNECTIONS" -d"${secs}s" \
    --latency -s "$REPORT_LUA" "http://127.0.0.1:$port/" >"$out" 2>&1 || return 1
  line=$(grep '^BENCH_RESULT ' "$out") || return 1
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
  requests=$(field requests)
  dur=$(field duration_us)
  errs=$(($(field err_connect) + $(field err_read) + $(field err_write) + $(field err_status) + $(field err_timeout)))
  ((errs == 0 && requests > 0)) || { log "wrk errors or no requests: $line"; return 1; }
  awk -v p="$(field p99_us)" -v r="$requests" -v d="$dur" 'BEGIN { printf "%.3f %.0f\n", p / 1000, r / (d / 1e6) }'
}

# measure NAME: one table row.
measure() {
  local name=$1 port base attack pid json i limit
  port=$(free_port)
  log "$name: starting on 127.0.0.1:$port (CPU $LB_CPU), head deadline ${HEAD_S}s"
  lb_start "$name" "$port"
  if ! wait_port "$port" || [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/") != 200 ]]; then
    echo "| $name | FAILED: did not start or answer 200 | | | | | | | |"
    stop_balancer
    return 1
  fi
  log "$name: warm-up ${WARMUP_S}s, then ${DURATION_S}s without the attack"
  if ((PRIME > 0)); then
    taskset -c "$LOAD_CPU" python3 "$TMP/slowloris.py" "$port" "$PRIME" "$INTERVAL" 0 \
      $((HEAD_S + 5)) >"$TMP/$name-prime.out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
  fi
  ((WARMUP_S == 0)) || wrk_run "$port" "$WARMUP_S" "$TMP/$name-warmup.txt" >/dev/null || true
  if ((PRIME > 0)); then
    timeout $((HEAD_S + 60)) tail --pid="$pid" -f /dev/null || kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "$name: priming wave: $(grep '^{' "$TMP/$name-prime.out" || echo 'no figures')"
  fi
  if ! base=$(wrk_run "$port" "$DURATION_S" "$TMP/$name-base.txt"); then
    echo "| $name | FAILED: wrk without the attack | | | | | | | |"
    stop_balancer
    return 1
  fi
  limit=$((HEAD_S + DURATION_S + 30))
  log "$name: $SLOW_CONNECTIONS slowloris connections, a header byte every ${INTERVAL}s; ${DURATION_S}s of wrk"
  timeout $((limit + 90)) taskset -c "$LOAD_CPU" python3 "$TMP/slowloris.py" "${DECOY:-$port}" \
    "$SLOW_CONNECTIONS" "$INTERVAL" $((DURATION_S + 1)) "$limit" >"$TMP/$name-slow.out" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 600; i++)); do
    grep -q '^connected' "$TMP/$name-slow.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  attack=$(wrk_run "$port" "$DURATION_S" "$TMP/$name-attack.txt") || attack="FAILED FAILED"
  wait "$pid" 2>/dev/null || true
  json=$(grep '^{' "$TMP/$name-slow.out" || echo '{}')
  stop_balancer
  python3 - "$name" "$SLOW_CONNECTIONS" "$limit" "$base" "$attack" "$json" "$CONTROL" <<'PY'
import json, sys
name, n, limit, base, attack, raw, control = sys.argv[1:8]
b, a, j = base.split(), attack.split(), json.loads(raw)
closed = j.get("closed", 0)
all_closed = j.get("all_closed_s")
ratio = "–" if "FAILED" in a else "%.2f" % (float(a[0]) / float(b[0]))
print("| %s | %s of %s | %s | %s | %s | %s | %s | %s | %s |" % (
    name + (" (control: the attack on a decoy)" if control == "1" else ""), j.get("opened", 0), n, "%.2f" % all_closed if all_closed is not None
    else "not all within %s s" % limit, "%s (median %s s)" % (closed, j.get("median_closed_s")),
    j.get("answered_408", 0), b[0], a[0], ratio, "%s / %s" % (b[1], a[1])))
PY
}

mkdir -p "$RESULTS_DIR"
stamp=$(date -u '+%Y%m%d-%H%M%S')
report="$RESULTS_DIR/slowloris-$stamp.md"
failed=0
{
  echo "# Slowloris beside normal traffic ($stamp)"
  echo
  echo "- $SLOW_CONNECTIONS slowloris connections, a header byte every ${INTERVAL}s, replaced when closed;" \
    "head deadline ${HEAD_S}s; wrk -t1 -c$LOAD_CONNECTIONS, ${DURATION_S}s per run after a ${WARMUP_S}s warm-up" \
    "with a priming wave of $PRIME slowloris connections;" \
    "balancer on CPU $LB_CPU, wrk, the attack and the backend on CPU $LOAD_CPU; $(uname -srm)"
  echo
  echo "| balancer | slowloris connections opened | all of them closed after (s) | closed (median) | answered 408 | p99 ms without | p99 ms with | p99 with / without | req/s without / with |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"
for name in ${ONLY//,/ }; do
  measure "$name" >>"$report" || failed=1
done
cat "$report"
log "report written to $report"
exit "$failed"
