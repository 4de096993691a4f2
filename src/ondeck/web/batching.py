"""Group commit for ingest: requests that arrive while a batch is being stored form the next.

One background thread applies batches through a use case; each request's coroutine
awaits its own result, so a 202 is still answered only after its event is committed.
Under light load a batch is a single request and nothing waits; under heavy load many
events share one transaction and one fsync. Several writers may drain the same queue
(worth it on PostgreSQL, where transactions run in parallel; SQLite has one writer).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

log = logging.getLogger("ondeck.batching")


class Batcher(Generic[Item, Result]):
    def __init__(
        self,
        process: Callable[[Sequence[Item]], Sequence[Result]],
        *,
        max_batch: int = 256,
        writers: int = 1,
        name: str = "ondeck-batcher",
    ) -> None:
        self._process = process
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{n}", daemon=True)
            for n in range(writers)
        ]
        self._started = False
        self._lock = threading.Lock()

    async def submit(self, item: Item) -> Result:
        """The result of processing ``item``; raises what processing its batch raised."""
        self._ensure_started()
        future: Future[Result] = Future()
        self._queue.put((item, future))
        return await asyncio.wrap_future(future)

    def _ensure_started(self) -> None:
        with self._lock:
            if not self._started:
                for thread in self._threads:
                    thread.start()
                self._started = True

    def close(self) -> None:
        with self._lock:
            if self._started:
                for _ in self._threads:
                    self._queue.put(None)
                for thread in self._threads:
                    thread.join(timeout=10)

    def _take_batch(self) -> list[tuple[Item, Future[Result]]] | None:
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                following = self._queue.get_nowait()
            except queue.Empty:
                break
            if following is None:
                self._queue.put(None)
                break
            batch.append(following)
        return batch

    def _run(self) -> None:
        while (batch := self._take_batch()) is not None:
            live = [
                (item, future) for item, future in batch if future.set_running_or_notify_cancel()
            ]
            if not live:
                continue
            try:
                results = self._process([item for item, _ in live])
            except BaseException as error:  # every waiter must hear about the failure
                for _, future in live:
                    future.set_exception(error)
                continue
            for (_, future), result in zip(live, results, strict=True):
                future.set_result(result)
