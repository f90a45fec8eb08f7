"""A real WebSocket peer for ballast's tests, on Debian's python3-websockets (10.x, asyncio API).

server --name NAME [--port PORT]
    Listens on 127.0.0.1 (PORT, or a free one) and prints "PORT <n>" once it accepts.
    What a connection gets depends on its path:
      .../echo            every message is sent back
      .../whoami          the server's name, then nothing until the client closes
      .../hold            nothing until the client closes
      .../stream/N        N bytes in binary messages of 64 KiB (each starts with its 8-byte
                          index), then a text message "sha256:<hex> bytes:<N>", then a close
      .../stream/forever  64 KiB binary messages until the connection goes
      .../decline/CODE    no handshake: an HTTP answer with status CODE and a short body

client echo URL N
    Sends N text messages while reading their echoes; prints "ok N" when every echo came back
    in order.
client drain URL MARK
    Reads messages until the connection ends; prints "mark" once MARK bytes came, and at the
    end "end bytes=<n> code=<close code>" (1006 when the connection ended without a close
    frame).
client whoami URL [COOKIE]
    Connects (with a Cookie header when given), reads one message and prints a JSON object:
    {"name": ..., "set_cookie": ...} (the Set-Cookie of the handshake's answer, or null).
"""
import asyncio
import hashlib
import http
import json
import logging
import random
import sys

import websockets

CHUNK = 65536


def chunks(total):
    base = random.Random(6455).randbytes(CHUNK)
    index = 0
    sent = 0
    while total is None or sent < total:
        size = CHUNK if total is None else min(CHUNK, total - sent)
        block = (index.to_bytes(8, "big") + base[8:])[:size]
        yield block
        index += 1
        sent += size


async def serve(name, port):
    async def process_request(path, headers):
        parts = path.split("/")
        if "decline" in parts:
            code = int(parts[parts.index("decline") + 1])
            return http.HTTPStatus(code), [("Content-Type", "text/plain")], \
                ("declined by " + name + "\n").encode()
        return None

    async def handler(ws, path=None):
        parts = ws.path.split("/")
        try:
            if "echo" in parts:
                async for message in ws:
                    await ws.send(message)
            elif "whoami" in parts:
                await ws.send(name)
                await ws.wait_closed()
            elif "hold" in parts:
                await ws.wait_closed()
            elif "stream" in parts:
                arg = parts[parts.index("stream") + 1]
                total = None if arg == "forever" else int(arg)
                digest = hashlib.sha256()
                for block in chunks(total):
                    digest.update(block)
                    await ws.send(block)
                await ws.send("sha256:%s bytes:%d" % (digest.hexdigest(), total))
                await ws.close()
            else:
                await ws.close(1008, "unknown path " + ws.path)
        except websockets.ConnectionClosed:
            pass

    async with websockets.serve(handler, "127.0.0.1", port, process_request=process_request,
                                max_size=None) as server:
        print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


async def echo(url, n):
    async with websockets.connect(url, max_size=None) as ws:
        async def send():
            for i in range(n):
                await ws.send("message %d" % i)

        sender = asyncio.ensure_future(send())
        for i in range(n):
            got = await ws.recv()
            if got != "message %d" % i:
                raise SystemExit("echo %d: got %r" % (i, got))
        await sender
    print("ok %d" % n, flush=True)


async def whoami(url, cookie):
    headers = [("Cookie", cookie)] if cookie else []
    async with websockets.connect(url, extra_headers=headers) as ws:
        name = await ws.recv()
        print(json.dumps({"name": name, "set_cookie": ws.response_headers.get("Set-Cookie")}),
              flush=True)


async def drain(url, mark):
    received = 0
    marked = False
    code = None
    async with websockets.connect(url, max_size=None) as ws:
        try:
            async for message in ws:
                received += len(message)
                if not marked and received >= mark:
                    marked = True
                    print("mark", flush=True)
            code = ws.close_code
        except websockets.ConnectionClosed as e:
            code = e.code
    print("end bytes=%d code=%s" % (received, code), flush=True)


def main(argv):
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    if argv[0] == "server":
        name = argv[argv.index("--name") + 1]
        port = int(argv[argv.index("--port") + 1]) if "--port" in argv else 0
        asyncio.run(serve(name, port))
    elif argv[0] == "client" and argv[1] == "echo":
        asyncio.run(echo(argv[2], int(argv[3])))
    elif argv[0] == "client" and argv[1] == "drain":
        asyncio.run(drain(argv[2], int(argv[3])))
    elif argv[0] == "client" and argv[1] == "whoami":
        asyncio.run(whoami(argv[2], argv[3] if len(argv) > 3 else None))
    else:
        raise SystemExit("usage: see the module's docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
