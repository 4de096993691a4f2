"""Records delivery outcomes in batches, from one thread.

Sends finish in parallel on the delivery threads; their bookkeeping (mark sent, timeline
entry) shares transactions here, so a burst of pages costs a few commits instead of one
per page. Until its outcome is recorded a message stays ``sending``: if the process dies
first, the message is claimed and sent again after its deadline (at-least-once).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from ondeck.services.ports import Delivery, OutboxMessage

log = logging.getLogger("ondeck.engine")

Outcome = tuple[OutboxMessage, Delivery]

MAX_BATCH = 500
RETRIES = 5


class OutcomeRecorder:
    def __init__(
        self,
        record: Callable[[Sequence[Outcome]], None],
        *,
        recorded: Callable[[], None],
    ) -> None:
        self._record = record
        self._recorded = recorded
        self._queue: queue.SimpleQueue[Outcome | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ondeck-recorder", daemon=True)
        self._thread.start()

    def put(self, message: OutboxMessage, delivery: Delivery) -> None:
        self._queue.put((message, delivery))

    def close(self) -> None:
        """Record everything already put, then stop."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                batch.append(following)
            self._write(batch)

    def _write(self, batch: list[Outcome]) -> None:
        for attempt in range(1, RETRIES + 1):
            try:
                self._record(batch)
            except Exception:
                log.exception(
                    "recording %d delivery outcome(s) failed (attempt %d of %d)",
                    len(batch),
                    attempt,
                    RETRIES,
                )
                time.sleep(min(2.0**attempt, 10.0))
                continue
            self._recorded()
            return
        log.error(
            "gave up recording %d outcome(s); those pages will be sent again after their "
            "sending deadline",
            len(batch),
        )
