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

NAME=idle-h2
HOLD_ARGS=("$REQUEST")
# shellcheck source=lib/idle-common.sh
source "$ROOT/bench/lib/idle-common.sh"
idle_setup
idle_backend

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

haproxy_global() {
  # Two descriptors per connection would be 2 x maxconn; idle connections need one.
  echo "  no strict-limits"
}
haproxy_bind() { echo "bind 127.0.0.1:$1 proto h2"; }
nginx_server() { echo "listen 127.0.0.1:$1 http2;"; }
ballast_listener() {
  cat <<CONF
  - name: h2c
    bind: "127.0.0.1:$1"
    pool: b
CONF
}

idle_run "idle h2c connections$( ((REQUEST)) && echo " (one GET each)")"
