#!/usr/bin/env bash
# idle-h2.sh: memory per idle HTTP/2 connection (cleartext, prior knowledge) of ballast, HAProxy
# and NGINX, same run. The HTTP/2 sibling of idle-tls.sh.
#
# Each balancer in turn listens for h2c with prior knowledge on CPU 0 (HAProxy: bind ... proto h2;
# NGINX: listen ... http2; ballast: any listener) in front of one NGINX backend. A Python client
# (asyncio, raw sockets, on CPU 1) opens N connections; on each it sends the connection preface
# and an empty SETTINGS frame, acknowledges the server's SETTINGS, waits for the ack of its own
# and, with REQUEST=1 (the default), makes one GET / on stream 1 and reads the answer to its end.
# Then it holds them all open and idle. The balancer's resident memory (VmRSS of its process
# tree, from /proc) is read before the connections open and while they are held, after a quiet
# second (for ballast after a full GC by jcmd, so that garbage of the set-up is not counted):
# (held - before) / N is the memory an idle HTTP/2 connection costs. Idle timeouts are 600 s for
# every balancer (ballast timeouts.client_idle, HAProxy timeout client, NGINX keepalive_timeout
# and client_header_timeout). Only 127.0.0.1 is used; every process is stopped by its PID.
#
# Usage: bench/idle-h2.sh [N]   (default 10000)
# N is bounded by ulimit -n (each held connection is one descriptor in the client and one in the
# balancer; 20000 here) and by the ephemeral port range. HAProxy reserves two descriptors per
# connection (client and server side) and by default refuses to start when the limit is below
# that; the script gives it `no strict-limits` so that it starts with the limit there is: an idle
# connection has no server side, so N below the limit is enough.
# Environment: ONLY (haproxy,nginx,ballast), REQUEST (1; 0: preface and SETTINGS only), JAVA,
# BALLAST_JAR, LB_CPU (0), LOAD_CPU (1).
set -euo pipefail

N=${1:-10000}
ONLY=${ONLY:-haproxy,nginx,ballast}
REQUEST=${REQUEST:-1}
JAVA=${JAVA:-java}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BALLAST_JAR=${BALLAST_JAR:-$ROOT/server/target/ballast.jar}
LB_CPU=${LB_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "N: '$N' (expected: > 0)" >&2; exit 2; }
[[ $REQUEST == 0 || $REQUEST == 1 ]] || { echo "REQUEST: '$REQUEST' (expected: 0 or 1)" >&2; exit 2; }
(($(ulimit -n) > N + 200)) || { echo "ulimit -n is $(ulimit -n) (expected: above $((N + 200)))" >&2; exit 2; }
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
((port_hi - port_lo > N + 1000)) || { echo "ephemeral ports $port_lo-$port_hi: too few for N=$N" >&2; exit 2; }
for t in nginx haproxy python3 taskset; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ballast-idle-h2.XXXXXX")
chmod 755 "$TMP"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  local i
  for ((i = 0; i < 300; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}
# rss_kb PID: VmRSS of PID and its children (an NGINX master and its worker).
rss_kb() {
  local total=0 p kb
  for p in "$1" $(pgrep -P "$1" || true); do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

BACKEND=$(free_port)
mkdir -p "$TMP/backend"
cat >"$TMP/backend.conf" <<CONF
daemon off; worker_processes 1; pid $TMP/backend/nginx.pid; error_log $TMP/backend/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $TMP/backend/b; proxy_temp_path $TMP/backend/p;
  fastcgi_temp_path $TMP/backend/f; uwsgi_temp_path $TMP/backend/u; scgi_temp_path $TMP/backend/s;
  server { listen 127.0.0.1:$BACKEND; location / { return 200 "ok\n"; } } }
CONF
taskset -c "$LOAD_CPU" nginx -p "$TMP/backend" -e "$TMP/backend/error.log" -c "$TMP/backend.conf" &
PIDS+=($!)
wait_port "$BACKEND"

cat >"$TMP/hold.py" <<'PY'
import asyncio, sys
port, n, request = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"      # empty SETTINGS, stream 0
SETTINGS_ACK = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"
# GET / on stream 1, END_STREAM | END_HEADERS; HPACK: :method GET (static 2), :scheme http (6),
# :path / (4), :authority localhost (literal, name static 1, not indexed).
BLOCK = b"\x82\x86\x84\x01\x09localhost"
HEADERS = len(BLOCK).to_bytes(3, "big") + b"\x01\x05\x00\x00\x00\x01" + BLOCK

async def frame(r):
    head = await r.readexactly(9)
    body = await r.readexactly(int.from_bytes(head[:3], "big"))
    kind, flags, stream = head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
    if kind == 7:
        raise RuntimeError("GOAWAY from the server")
    return kind, flags, stream

async def one(sem):
    async with sem:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(PREFACE + SETTINGS)
        settings = acked = False
        while not (settings and acked):
            kind, flags, _ = await frame(r)
            if kind == 4 and flags & 1:
                acked = True
            elif kind == 4:
                settings = True
                w.write(SETTINGS_ACK)
        if request:
            w.write(HEADERS)
            while True:   # until the response ends: DATA or HEADERS on stream 1 with END_STREAM
                kind, flags, stream = await frame(r)
                if stream == 1 and kind in (0, 1) and flags & 1:
                    break
        await w.drain()
        return r, w

async def main():
    sem = asyncio.Semaphore(200)
    conns = await asyncio.gather(*[one(sem) for _ in range(n)])
    print("held", len(conns), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
PY

measure() {  # measure NAME PID PORT
  local name=$1 pid=$2 port=$3 before held client line i
  wait_port "$port"
  # Warm: a few connections first, so that lazily loaded code does not count as per-connection.
  timeout 60 taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" 50 "$REQUEST" >"$TMP/warm.out" 2>&1 &
  local warm=$!
  sleep 3; kill "$warm" 2>/dev/null || true; wait "$warm" 2>/dev/null || true
  grep -q '^held 50' "$TMP/warm.out" || { echo "$name: warm-up failed: $(tail -3 "$TMP/warm.out")" >&2; return 1; }
  sleep 2
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  before=$(rss_kb "$pid")
  taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" "$N" "$REQUEST" >"$TMP/hold.out" 2>&1 &
  client=$!
  for ((i = 0; i < 600; i++)); do
    grep -q '^held' "$TMP/hold.out" 2>/dev/null && break
    kill -0 "$client" 2>/dev/null || { echo "$name: client failed: $(tail -3 "$TMP/hold.out")" >&2; return 1; }
    sleep 0.2
  done
  grep -q '^held' "$TMP/hold.out" || { echo "$name: the client did not open $N connections in 120 s" >&2; kill "$client"; return 1; }
  sleep 1
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  held=$(rss_kb "$pid")
  kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  line="| $name | $N | $((before / 1024)) | $((held / 1024)) | $(awk -v a="$before" -v b="$held" -v n="$N" 'BEGIN { printf "%.1f", (b - a) * 1024 / n / 1024 }') |"
  echo "$line"
}

echo "| balancer | idle h2c connections$( ((REQUEST)) && echo " (one GET each)") | RSS before (MiB) | RSS held (MiB) | KiB per idle connection |"
echo "|---|---:|---:|---:|---:|"
for name in ${ONLY//,/ }; do
  port=$(free_port)
  case $name in
    haproxy)
      cat >"$TMP/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn $((N + 100))
  # Two descriptors per connection would be 2 x maxconn; idle connections need one.
  no strict-limits
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 600s
  timeout server 30s
  timeout http-keep-alive 600s
frontend f
  bind 127.0.0.1:$port proto h2
  default_backend b
backend b
  server s 127.0.0.1:$BACKEND
CONF
      taskset -c "$LB_CPU" haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.out" 2>&1 &
      ;;
    nginx)
      mkdir -p "$TMP/proxy"
      cat >"$TMP/proxy.conf" <<CONF
daemon off; worker_processes 1; worker_rlimit_nofile $((N + 1000)); pid $TMP/proxy/nginx.pid; error_log $TMP/proxy/error.log warn;
events { worker_connections $((N + 1000)); }
http { access_log off; keepalive_timeout 600s; client_header_timeout 600s;
  client_body_temp_path $TMP/proxy/b; proxy_temp_path $TMP/proxy/p;
  fastcgi_temp_path $TMP/proxy/f; uwsgi_temp_path $TMP/proxy/u; scgi_temp_path $TMP/proxy/s;
  upstream b { server 127.0.0.1:$BACKEND; keepalive 64; }
  server { listen 127.0.0.1:$port http2;
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
      taskset -c "$LB_CPU" nginx -p "$TMP/proxy" -e "$TMP/proxy/error.log" -c "$TMP/proxy.conf" &
      ;;
    ballast)
      cat >"$TMP/ballast.yaml" <<CONF
listeners:
  - name: h2c
    bind: "127.0.0.1:$port"
    pool: b
pools:
  - {name: b, algorithm: round-robin, backends: [{address: "127.0.0.1:$BACKEND"}]}
timeouts: {client_idle: 600s}
admin: {enabled: false}
access_log: {enabled: false}
CONF
      taskset -c "$LB_CPU" "$JAVA" -jar "$BALLAST_JAR" run -c "$TMP/ballast.yaml" >"$TMP/ballast.out" 2>&1 &
      ;;
    *) echo "unknown: $name" >&2; exit 2 ;;
  esac
  pid=$!
  PIDS+=("$pid")
  measure "$name" "$pid" "$port" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
