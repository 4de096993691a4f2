"""The engine loop: no fixed polling cycle.

It fires due escalations, claims due messages and hands them to a pool of delivery
threads, then sleeps until the earliest due time or until woken (new work committed in
this process, LISTEN/NOTIFY on PostgreSQL, a commit seen on SQLite). On SQLite exactly one
engine works at a time (a lease row); on PostgreSQL any number cooperate through
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from ondeck import metrics
from ondeck.bootstrap import Container
from ondeck.services import paging
from ondeck.services.ports import OutboxMessage

log = logging.getLogger("ondeck.engine")

LEASE = timedelta(seconds=15)
MAX_SLEEP = 30.0
LEADER_LOCK = "engine"


class Engine:
    def __init__(self, container: Container) -> None:
        self._c = container
        self._stop = threading.Event()
        self._identity = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._pool = ThreadPoolExecutor(
            max_workers=container.settings.delivery_workers, thread_name_prefix="ondeck-deliver"
        )
        self._sending_timeout = timedelta(
            seconds=max(30.0, container.settings.delivery_timeout_seconds * 3)
        )
        self._thread: threading.Thread | None = None

    def _lead(self) -> bool:
        """On SQLite, hold the lease that makes this the only working engine."""
        if self._c.engine.dialect.name != "sqlite":
            return True
        now = self._c.clock.now()
        with self._c.uow() as work:
            held = work.paging.take_leadership(
                LEADER_LOCK, self._identity, now=now, until=now + LEASE
            )
            work.commit()
        return held

    def run_once(self) -> bool:
        """One pass; True when it found work (so the loop should look again at once)."""
        due = paging.advance_due_escalations(uow=self._c.uow, clock=self._c.clock)
        now = self._c.clock.now()
        for item in due:
            metrics.escalation_lateness.observe(max((now - item.due_at).total_seconds(), 0.0))
        messages = paging.claim_messages(
            uow=self._c.uow, clock=self._c.clock, sending_timeout=self._sending_timeout
        )
        for message in messages:
            self._pool.submit(self._deliver, message)
        return bool(due or messages)

    def _deliver(self, message: OutboxMessage) -> None:
        try:
            outcome = paging.deliver(
                uow=self._c.uow,
                clock=self._c.clock,
                channels=self._c.channels,
                links=self._c.links,
                message=message,
                max_attempts=self._c.settings.delivery_attempts,
            )
        except Exception:
            log.exception("delivery of message %s crashed; it will be retried", message.id)
            return
        if outcome is None:
            metrics.deliveries.labels(message.kind, "cancelled").inc()
            return
        page, delivery = outcome
        metrics.deliveries.labels(message.kind, "sent" if delivery.ok else "failed").inc()
        if delivery.ok and message.level == 0 and message.loop == 0 and message.attempts == 1:
            elapsed = self._c.clock.now() - page.created_at
            metrics.alert_to_dispatch.observe(max(elapsed.total_seconds(), 0.0))

    def _sleep_time(self) -> float:
        due = paging.next_due_at(uow=self._c.uow)
        if due is None:
            return MAX_SLEEP
        return min(max((due - self._c.clock.now()).total_seconds(), 0.0), MAX_SLEEP)

    def run(self) -> None:
        """Work until ``stop()``; database outages are logged and retried, never fatal."""
        log.info("engine %s started", self._identity)
        while not self._stop.is_set():
            try:
                if not self._lead():
                    self._stop.wait(LEASE.total_seconds() / 3)
                    continue
                if self.run_once():
                    continue
                self._c.wakeup.wait(min(self._sleep_time(), LEASE.total_seconds() / 3))
            except Exception:
                log.exception("engine pass failed; retrying in 1s")
                self._stop.wait(1.0)
        self._pool.shutdown(wait=True)
        log.info("engine %s stopped", self._identity)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="ondeck-engine", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        self._c.wakeup.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)
