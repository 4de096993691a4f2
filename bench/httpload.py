"""A light HTTP/1.1 load generator on asyncio: keep-alive connections, hand-written framing.

httpx spends far more CPU per request than the servers under test on a 2-core machine, so
requests are written and responses parsed by hand (status line, ``Content-Length`` or
chunked body). Two modes:

- ``closed_loop``: each connection sends its next request as soon as the previous one is
  answered (throughput; the fallback when ``wrk`` is not installed);
- ``open_loop``: requests are released at a fixed rate whatever the answers, and the send
  and answer time of each request are recorded (latency under a steady load).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

MakeBody = Callable[[int], bytes]
"""Request body for sequence number ``n``."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str

    def head(self, length: int) -> bytes:
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        ).encode()


class Connection:
    def __init__(self, target: Target) -> None:
        self._target = target
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """The connection, and whether it is a reused one."""
        if self._reader is not None and self._writer is not None and not self._reader.at_eof():
            return self._reader, self._writer, True
        self.close()
        self._reader, self._writer = await asyncio.open_connection(
            self._target.host, self._target.port
        )
        return self._reader, self._writer, False

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def post(self, body: bytes) -> int:
        """Send one request and read the whole answer; returns the status (0: failed).

        A kept-alive connection the server closed while idle fails before any answer
        arrives; such a request is sent once more on a new connection.
        """
        for _ in range(2):
            try:
                reader, writer, reused = await self._open()
            except OSError:
                return 0
            try:
                writer.write(self._target.head(len(body)) + body)
                head = await reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
                self.close()
                partial = isinstance(error, asyncio.IncompleteReadError) and error.partial
                if reused and not partial:
                    continue
                return 0
            try:
                return await self._finish(reader, head)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                self.close()
                return 0
        return 0

    async def _finish(self, reader: asyncio.StreamReader, head: bytes) -> int:
        status = int(head[9:12])
        length = 0
        chunked = close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if chunked:
            await _read_chunked(reader)
        elif length:
            await reader.readexactly(length)
        if close:
            self.close()
        return status


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


@dataclass
class Throughput:
    requests: int
    seconds: float
    statuses: dict[int, int]

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


async def closed_loop(
    target: Target, make_body: MakeBody, *, connections: int, seconds: float, first: int = 0
) -> Throughput:
    """Keep ``connections`` requests in flight for ``seconds``; count the answers."""
    statuses: Counter[int] = Counter()
    sequence = iter(range(first, first + 10**9))
    start = time.monotonic()
    deadline = start + seconds

    async def worker() -> None:
        connection = Connection(target)
        try:
            while time.monotonic() < deadline:
                statuses[await connection.post(make_body(next(sequence)))] += 1
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - start
    return Throughput(sum(statuses.values()), elapsed, dict(statuses))


@dataclass
class Timed:
    """One open-loop run: per request number, when it was sent and when it was answered."""

    rate: float
    seconds: float
    sent: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: set[int] = field(default_factory=set)
    """Request numbers answered 2xx."""
    dispatched: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.accepted)

    @property
    def achieved_rate(self) -> float:
        """Answered 2xx per second over the time it took to send and answer them."""
        span = self.finished_at - self.started_at
        return self.ok / span if span > 0 else 0.0


async def open_loop(
    target: Target,
    make_body: MakeBody,
    *,
    rate: float,
    seconds: float,
    connections: int,
    grace: float = 5.0,
) -> Timed:
    """Release ``rate`` requests a second for ``seconds`` over at most ``connections``.

    A request waits for a free connection when all are busy (the server is behind); what
    is still unsent ``grace`` seconds after the last release is dropped and not counted.
    """
    total = int(rate * seconds)
    result = Timed(rate=rate, seconds=seconds)
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    start = time.monotonic()
    result.started_at = start
    stop_at = start + seconds + grace

    async def worker() -> None:
        connection = Connection(target)
        try:
            while True:
                number = await queue.get()
                if number is None or time.monotonic() > stop_at:
                    return
                body = make_body(number)
                result.sent[number] = time.monotonic()
                status = await connection.post(body)
                result.answered[number] = time.monotonic()
                result.statuses[status] += 1
                if 200 <= status < 300:
                    result.accepted.add(number)
        finally:
            connection.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    for number in range(total):
        due = start + number / rate
        ahead = due - time.monotonic()
        if ahead > 0.001:
            await asyncio.sleep(ahead)
        queue.put_nowait(number)
        result.dispatched += 1
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.wait(workers, timeout=max(stop_at - time.monotonic(), 0.0) + 10.0)
    for task in workers:
        task.cancel()
    result.finished_at = max(result.answered.values(), default=time.monotonic())
    return result
