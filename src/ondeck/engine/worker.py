"""The engine loop: no fixed polling cycle.

It fires due escalations, claims due messages and hands them to a pool of delivery
threads, then sleeps until the earliest due time or until woken (new work committed in
this process, LISTEN/NOTIFY on PostgreSQL, a commit seen on SQLite, a delivery finished).
On SQLite exactly one engine works at a time (a file lock, see ``leader``); on PostgreSQL
any number cooperate through ``FOR UPDATE SKIP LOCKED``.

An engine never claims more messages than it has idle delivery threads: a claimed message
waiting in memory would run down its ``sending`` deadline unsent, and another engine would
then claim and send it again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from ondeck import metrics
from ondeck.bootstrap import Container
from ondeck.domain import storm
from ondeck.engine.leader import leadership_for
from ondeck.engine.recorder import Outcome, OutcomeRecorder
from ondeck.services import command, delivery, paging
from ondeck.services.ports import OutboxMessage

log = logging.getLogger("ondeck.engine")

MAX_SLEEP = 30.0
"""A safety net: look at the database at least this often even if nobody wakes us."""
STANDBY_POLL = 0.5
"""How often a standby engine on SQLite checks whether the working engine is gone."""


class Engine:
    def __init__(self, container: Container) -> None:
        self._c = container
        self._stop = threading.Event()
        self._identity = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._workers = container.settings.delivery_workers
        self._pool = ThreadPoolExecutor(
            max_workers=self._workers, thread_name_prefix="ondeck-deliver"
        )
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._sending_timeout = timedelta(
            seconds=max(30.0, container.settings.delivery_timeout_seconds * 3)
        )
        url = container.engine.url
        self._leadership = leadership_for(url.get_backend_name(), url.database, self._identity)
        self._working = False
        self._thread: threading.Thread | None = None
        settings = container.settings
        self._storm_limit = storm.Limit(
            settings.notify_limit, timedelta(seconds=settings.notify_window_seconds)
        )
        self._command_policy = container.command_policy
        self._recorder = OutcomeRecorder(self._record, recorded=container.wakeup.notify)

    @property
    def working(self) -> bool:
        """True while this engine is the one doing the work (always, on PostgreSQL)."""
        return self._working

    def _lead(self) -> bool:
        held = self._leadership.acquire()
        if held and not self._working:
            log.info("engine %s is working", self._identity)
            if self._leadership.exclusive:
                # Whoever held the lock before stopped or died; what it left sending is ours.
                orphans = delivery.reclaim_orphans(uow=self._c.uow, clock=self._c.clock)
                if orphans:
                    log.warning("re-sending %d page(s) a dead engine had not finished", orphans)
        self._working = held
        return held

    def _idle_workers(self) -> int:
        with self._in_flight_lock:
            return self._workers - self._in_flight

    def run_once(self) -> bool:
        """One pass over both kinds of work; True when it found some."""
        fired = self._fire()
        reminded = self._remind()
        claimed = self._claim()
        return fired or reminded or claimed

    def _fire(self) -> bool:
        due = paging.advance_due_escalations(uow=self._c.uow, clock=self._c.clock)
        now = self._c.clock.now()
        for item in due:
            metrics.escalation_lateness.observe(max((now - item.due_at).total_seconds(), 0.0))
        return bool(due)

    def _remind(self) -> bool:
        policy = self._command_policy
        return command.remind_overdue_can(uow=self._c.uow, clock=self._c.clock, policy=policy) > 0

    def _claim(self) -> bool:
        idle = self._idle_workers()
        if not idle:
            return False
        messages = delivery.claim_messages(
            uow=self._c.uow,
            clock=self._c.clock,
            sending_timeout=self._sending_timeout,
            limit=idle,
            storm_limit=self._storm_limit,
        )
        for message in messages:
            with self._in_flight_lock:
                self._in_flight += 1
            self._pool.submit(self._deliver, message)
        return bool(messages)

    def _pass(self) -> float | None:
        """Do the work that is due; None when some was found, else seconds to sleep.

        A read-only look first says which kind of work is due, so an engine woken by a
        finished delivery does not also open a transaction to look for escalations.
        """
        due, reminder = command.due_times(uow=self._c.uow)
        now = self._c.clock.now()
        worked = False
        if due.escalation is not None and due.escalation <= now:
            worked = self._fire() or worked
        if reminder is not None and reminder <= now:
            worked = self._remind() or worked
        if due.message is not None and due.message <= now:
            worked = self._claim() or worked
        if worked:
            return None
        waits = [
            (moment - now).total_seconds()
            for moment in (due.escalation, due.message, reminder)
            if moment is not None and moment > now
        ]
        if due.message is not None and due.message <= now:
            # Due messages wait for a free worker; a finishing delivery wakes us earlier.
            waits.append(1.0)
        return min([*waits, MAX_SLEEP])

    def _deliver(self, message: OutboxMessage) -> None:
        try:
            self._deliver_one(message)
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1
            self._c.wakeup.notify()  # a worker is free, and a retry may now be due sooner

    def _deliver_one(self, message: OutboxMessage) -> None:
        try:
            page = delivery.prepare_page(uow=self._c.uow, message=message, links=self._c.links)
            if page is None:
                metrics.deliveries.labels(message.kind, "cancelled").inc()
                return
            outcome = delivery.send(channels=self._c.channels, message=message, page=page)
        except Exception:
            log.exception("delivery of message %s crashed; it will be retried", message.id)
            return
        self._recorder.put(message, outcome)
        metrics.deliveries.labels(message.kind, "sent" if outcome.ok else "failed").inc()
        if outcome.ok and message.level == 0 and message.loop == 0 and message.attempts == 1:
            elapsed = self._c.clock.now() - page.created_at
            metrics.alert_to_dispatch.observe(max(elapsed.total_seconds(), 0.0))

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        delivery.record_deliveries(
            uow=self._c.uow,
            clock=self._c.clock,
            outcomes=outcomes,
            max_attempts=self._c.settings.delivery_attempts,
        )

    def run(self) -> None:
        """Work until ``stop()``; database outages are logged and retried, never fatal."""
        log.info("engine %s started", self._identity)
        try:
            while not self._stop.is_set():
                try:
                    if not self._lead():
                        self._stop.wait(STANDBY_POLL)
                        continue
                    sleep = self._pass()
                    if sleep is not None:
                        self._c.wakeup.wait(sleep)
                except Exception:
                    log.exception("engine pass failed; retrying in 1s")
                    self._stop.wait(1.0)
        finally:
            self._pool.shutdown(wait=True)  # no send may outlive the lock
            self._recorder.close()  # nor may its outcome go unrecorded
            self._working = False
            self._leadership.release()
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
