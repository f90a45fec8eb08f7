#!/usr/bin/env bash
# idle-tls.sh: memory per idle TLS connection of ballast, HAProxy and NGINX, same run.
#
# Each balancer in turn terminates TLS (one ECDSA P-256 certificate made with openssl) on CPU 0
# in front of one NGINX backend. A Python client (asyncio, on CPU 1) opens N TLS 1.3 connections
# to it, finishes every handshake and one keep-alive request on each, then holds them all open.
# The balancer's resident memory (VmRSS of its process tree, from /proc) is read before the
# connections open and while they are held, after a quiet second (and, for ballast, a full GC by
# jcmd so that garbage of the handshakes is not counted): (held - before) / N is the memory an
# idle TLS connection costs. Only 127.0.0.1 is used; every process is stopped by its PID.
#
# Usage: bench/idle-tls.sh [N]   (default 9000: HAProxy needs two descriptors per connection, so
# ulimit -n must be above 2 x (N + 100); 9000 fits the common limit of 20000)
# Environment: ONLY (haproxy,nginx,ballast), JAVA, BALLAST_JAR, LB_CPU (0), LOAD_CPU (1).
set -euo pipefail

N=${1:-9000}
ONLY=${ONLY:-haproxy,nginx,ballast}
JAVA=${JAVA:-java}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BALLAST_JAR=${BALLAST_JAR:-$ROOT/server/target/ballast.jar}
LB_CPU=${LB_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "N: '$N' (expected: > 0)" >&2; exit 2; }
(($(ulimit -n) > 2 * (N + 100))) || { echo "ulimit -n is $(ulimit -n) (expected: above $((2 * (N + 100))))" >&2; exit 2; }
for t in openssl nginx haproxy python3 taskset; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ballast-idle-tls.XXXXXX")
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

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/combined.pem"

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
import asyncio, ssl, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
async def one(sem):
    async with sem:
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
        w.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); await w.drain()
        await r.readuntil(b"ok\n")
        return w
async def main():
    sem = asyncio.Semaphore(200)
    conns = await asyncio.gather(*[one(sem) for _ in range(n)])
    print("held", len(conns), flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
PY

measure() {  # measure NAME PID PORT
  local name=$1 pid=$2 port=$3 before held client line
  wait_port "$port"
  # Warm: a few connections first, so that lazily loaded code does not count as per-connection.
  timeout 60 taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" 50 >"$TMP/warm.out" 2>&1 &
  local warm=$!
  sleep 3; kill "$warm" 2>/dev/null || true; wait "$warm" 2>/dev/null || true
  sleep 2
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  before=$(rss_kb "$pid")
  taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" "$N" >"$TMP/hold.out" 2>&1 &
  client=$!
  for ((i = 0; i < 600; i++)); do
    grep -q '^held' "$TMP/hold.out" 2>/dev/null && break
    kill -0 "$client" 2>/dev/null || { echo "$name: client failed: $(tail -3 "$TMP/hold.out")" >&2; return 1; }
    sleep 0.2
  done
  sleep 1
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  held=$(rss_kb "$pid")
  kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  line="| $name | $N | $((before / 1024)) | $((held / 1024)) | $(awk -v a="$before" -v b="$held" -v n="$N" 'BEGIN { printf "%.1f", (b - a) * 1024 / n / 1024 }') |"
  echo "$line"
}

echo "| balancer | idle TLS connections | RSS before (MiB) | RSS held (MiB) | KiB per idle connection |"
echo "|---|---:|---:|---:|---:|"
for name in ${ONLY//,/ }; do
  port=$(free_port)
  case $name in
    haproxy)
      cat >"$TMP/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn $((N + 100))
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 600s
  timeout server 30s
  timeout http-keep-alive 600s
frontend f
  bind 127.0.0.1:$port ssl crt $TMP/combined.pem
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
http { access_log off; keepalive_timeout 600s; client_body_temp_path $TMP/proxy/b; proxy_temp_path $TMP/proxy/p;
  fastcgi_temp_path $TMP/proxy/f; uwsgi_temp_path $TMP/proxy/u; scgi_temp_path $TMP/proxy/s;
  upstream b { server 127.0.0.1:$BACKEND; keepalive 64; }
  server { listen 127.0.0.1:$port ssl; ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem;
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
      taskset -c "$LB_CPU" nginx -p "$TMP/proxy" -e "$TMP/proxy/error.log" -c "$TMP/proxy.conf" &
      ;;
    ballast)
      cat >"$TMP/ballast.yaml" <<CONF
listeners:
  - name: tls
    bind: "127.0.0.1:$port"
    pool: b
    tls: {certificates: [{cert: "$TMP/cert.pem", key: "$TMP/key.pem"}]}
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
