"""A fast webhook sink: records when each page arrived, keyed by the incident's title.

A hand-written HTTP/1.1 server on asyncio (uvloop when installed), so that receiving pages
costs next to nothing next to the system under test. Any POST is a page: its JSON body's
``incident.title`` is stored with ``time.monotonic()`` at the moment the body was read
(the monotonic clock is shared by every process on Linux, so the load generator's send
times compare with it). ``GET /received`` answers ``{"pages": {title: t}, "duplicates": n}``.

Run as ``python -m bench.sink --port N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from bench import aio


class Sink:
    def __init__(self) -> None:
        self.pages: dict[str, float] = {}
        self.duplicates = 0

    def record(self, body: bytes) -> None:
        at = time.monotonic()
        try:
            data: Any = json.loads(body)
            title = str(data["incident"]["title"])
        except (ValueError, KeyError, TypeError):
            return
        if title in self.pages:
            self.duplicates += 1
        else:
            self.pages[title] = at

    def report(self) -> bytes:
        return json.dumps({"pages": self.pages, "duplicates": self.duplicates}).encode()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path = lines[0].split(" ")[:2]
                length = 0
                close = False
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value.strip())
                    elif name == "connection" and value.strip().lower() == "close":
                        close = True
                body = await reader.readexactly(length) if length else b""
                if method == "GET" and path.startswith("/received"):
                    payload = self.report()
                elif method == "GET":
                    payload = b'{"status":"ok"}'
                else:
                    self.record(body)
                    payload = b"{}"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()


async def serve(host: str, port: int) -> None:
    sink = Sink()
    server = await asyncio.start_server(sink.handle, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    aio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
