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

NAME=idle-tls
HOLD_ARGS=()
# shellcheck source=lib/idle-common.sh
source "$ROOT/bench/lib/idle-common.sh"
idle_setup

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/combined.pem"

idle_backend

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

haproxy_global() { :; }
haproxy_bind() { echo "bind 127.0.0.1:$1 ssl crt $TMP/combined.pem"; }
nginx_server() {
  echo "listen 127.0.0.1:$1 ssl; ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem;"
}
ballast_listener() {
  cat <<CONF
  - name: tls
    bind: "127.0.0.1:$1"
    pool: b
    tls: {certificates: [{cert: "$TMP/cert.pem", key: "$TMP/key.pem"}]}
CONF
}

idle_run "idle TLS connections"
