"""The paging use cases on a real database with a hand-written clock and channels.

No processes and no sleeping: time moves when the test says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import incidents, ingest, paging
from ondeck.services.ports import Delivery, DueEscalation, OutboxMessage, Page
from tests.conftest import ROUTING_KEY, SECRET
from tests.engine.conftest import ADA, CTO, apply_org, org_document

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SENDING_TIMEOUT = timedelta(seconds=30)


@dataclass
class FakeClock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class FakeChannel:
    """Answers each send with the next scripted outcome (then success) and keeps the page."""

    kind: str
    outcomes: list[Delivery] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def send(self, page: Page) -> Delivery:
        self.pages.append(page)
        return self.outcomes.pop(0) if self.outcomes else Delivery(ok=True, detail="ok")


@dataclass
class Harness:
    container: Container
    clock: FakeClock
    email: FakeChannel
    webhook: FakeChannel

    def apply(self, document: str) -> None:
        apply_org(self.container, document)

    def trigger(self, dedup_key: str) -> int:
        outcome = ingest.ingest_signal(
            uow=self.container.uow,
            clock=self.clock,
            integration_key=ROUTING_KEY,
            signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key=dedup_key, summary="Down"),
        )
        assert outcome.incident_id is not None
        return outcome.incident_id

    def advance(self) -> list[DueEscalation]:
        return paging.advance_due_escalations(uow=self.container.uow, clock=self.clock)

    def claim(self) -> list[OutboxMessage]:
        return paging.claim_messages(
            uow=self.container.uow, clock=self.clock, sending_timeout=SENDING_TIMEOUT
        )

    def deliver(self, message: OutboxMessage, *, max_attempts: int = 4) -> bool:
        """Deliver one claimed message; True when a channel was called."""
        outcome = paging.deliver(
            uow=self.container.uow,
            clock=self.clock,
            channels={"email": self.email, "webhook": self.webhook},
            links=self.container.links,
            message=message,
            max_attempts=max_attempts,
        )
        return outcome is not None

    def kinds(self, incident_id: int) -> list[str]:
        entries = incidents.incident_timeline(uow=self.container.uow, incident_id=incident_id)
        return [entry.kind for entry in entries]

    def outbox(self) -> list[tuple[str, str, str, int]]:
        """(address, kind, state, attempts) of every message, oldest first."""
        with self.container.engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.address, outbox.c.kind, outbox.c.state, outbox.c.attempts).order_by(
                    outbox.c.id
                )
            ).all()
            conn.rollback()
        return [(r.address, r.kind, r.state, r.attempts) for r in rows]


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    clock = FakeClock()
    email, webhook = FakeChannel("email"), FakeChannel("webhook")
    container = bootstrap(
        Settings(database_url=database_url, secret_key=SECRET),
        channels={"email": email, "webhook": webhook},
        clock=clock,
    )
    container.migrate()
    try:
        yield Harness(container, clock, email, webhook)
    finally:
        container.close()


def test_the_next_level_is_due_exactly_escalate_after_the_level_fired(harness: Harness) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    incident_id = harness.trigger("disk-full")
    harness.clock.advance(seconds=7)  # the engine fires late: the wait counts from firing

    fired = harness.advance()

    assert [(d.incident_id, d.level, d.due_at) for d in fired] == [(incident_id, 0, T0)]
    assert harness.outbox() == [(ADA, "email", "queued", 0)]
    fired_at = T0 + timedelta(seconds=7)
    assert paging.next_due_at(uow=harness.container.uow) == fired_at
    harness.claim()
    assert paging.next_due_at(uow=harness.container.uow) == fired_at + SENDING_TIMEOUT
    harness.clock.at = fired_at + timedelta(minutes=5) - timedelta(microseconds=1)
    assert harness.advance() == []
    harness.clock.at = fired_at + timedelta(minutes=5)
    assert [(d.level, d.loop) for d in harness.advance()] == [(1, 0)]
    assert [m[0] for m in harness.outbox()] == [ADA, CTO]
    harness.clock.advance(hours=1)
    assert harness.advance() == [], "the last level of a policy without repeats ends it"
    assert harness.kinds(incident_id) == ["triggered", "escalated", "escalated"]


def test_a_level_with_nobody_on_call_falls_through_to_the_next_level_at_once(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="5m", second="10m", first_schedule="Next century"))
    incident_id = harness.trigger("disk-full")

    harness.advance()

    assert harness.kinds(incident_id) == ["triggered", "nobody_on_call", "escalated"]
    assert [(m[0], m[2]) for m in harness.outbox()] == [(CTO, "queued")]
    harness.clock.advance(hours=1)
    assert harness.advance() == [], "the CTO's level was the last"


def test_acknowledging_drops_a_claimed_page_and_cancels_the_queued_ones(
    harness: Harness,
) -> None:
    harness.apply(
        org_document(
            first="5m",
            second="10m",
            ada_contacts=[
                {"type": "email", "address": ADA},
                {"type": "webhook", "address": "https://hooks.example/ada"},
            ],
            ada_rules=[{"contact": "email", "after": "0m"}, {"contact": "webhook", "after": "3s"}],
        )
    )
    incident_id = harness.trigger("disk-full")
    harness.advance()
    [message] = harness.claim()  # the email; the webhook is not due for 3 s

    incidents.acknowledge(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        actor=ADA,
        via="api",
    )
    sent = harness.deliver(message)
    harness.clock.advance(seconds=10)

    assert sent is False
    assert harness.claim() == []
    assert harness.email.pages == [] and harness.webhook.pages == []
    assert [(m[1], m[2]) for m in harness.outbox()] == [
        ("email", "cancelled"),
        ("webhook", "cancelled"),
    ]
    health = paging.backlog(uow=harness.container.uow, clock=harness.clock)
    assert health["messages_failed"] == 0, "a cancelled page is not a failed delivery"
    assert "notified" not in harness.kinds(incident_id)


def test_a_message_whose_sender_died_is_claimed_again_after_its_deadline_with_the_same_key(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    harness.trigger("disk-full")
    harness.advance()
    [first] = harness.claim()  # ...and the engine dies before recording an outcome

    harness.clock.advance(seconds=29)
    assert harness.claim() == [], "a live sender keeps its claim until the deadline"
    harness.clock.advance(seconds=2)
    [again] = harness.claim()

    assert (again.id, again.idempotency_key) == (first.id, first.idempotency_key)
    assert (first.attempts, again.attempts) == (1, 2)
    assert harness.deliver(again)
    assert harness.outbox() == [(ADA, "email", "sent", 2)]
    assert harness.claim() == []


def _webhook_then_email() -> str:
    return org_document(
        first="5m",
        second="10m",
        ada_contacts=[
            {"type": "webhook", "address": "https://hooks.example/ada"},
            {"type": "email", "address": ADA},
        ],
        ada_rules=[{"contact": "webhook", "after": "0m"}],
    )


def test_transient_failures_back_off_doubling_then_fail_over_to_the_next_contact(
    harness: Harness,
) -> None:
    harness.apply(_webhook_then_email())
    incident_id = harness.trigger("disk-full")
    harness.webhook.outcomes = [Delivery(ok=False, detail="HTTP 503")] * 3
    harness.advance()

    waits = []
    for _ in range(3):
        [message] = harness.claim()
        harness.deliver(message, max_attempts=3)
        due = paging.next_due_at(uow=harness.container.uow)
        assert due is not None
        waits.append(due - harness.clock.now())
        harness.clock.at = due

    assert waits[:2] == [timedelta(seconds=2), timedelta(seconds=4)]
    assert waits[2] == timedelta(0), "the fallback is due at once"
    [fallback] = harness.claim()
    assert (fallback.kind, fallback.address) == ("email", ADA)
    assert harness.deliver(fallback)
    keys = {page.idempotency_key for page in harness.webhook.pages}
    assert len(keys) == 1 and len(harness.webhook.pages) == 3
    assert harness.kinds(incident_id)[2:] == [
        "delivery_retry",
        "delivery_retry",
        "delivery_failed",
        "failover",
        "notified",
    ]


def test_a_failure_recorded_after_an_acknowledgement_pages_nobody_else(
    harness: Harness,
) -> None:
    harness.apply(_webhook_then_email())
    incident_id = harness.trigger("disk-full")
    harness.webhook.outcomes = [Delivery(ok=False, permanent=True, detail="HTTP 410")]
    harness.advance()
    [message] = harness.claim()

    def acknowledge_while_sending(page: Page) -> Delivery:
        incidents.acknowledge(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            actor=ADA,
            via="api",
        )
        return FakeChannel.send(harness.webhook, page)

    harness.webhook.send = acknowledge_while_sending  # type: ignore[method-assign]
    harness.deliver(message)

    assert [(m[1], m[2]) for m in harness.outbox()] == [("webhook", "failed")]
    assert harness.claim() == []
    assert "failover" not in harness.kinds(incident_id)


def test_concurrent_engines_fire_each_due_level_once(harness: Harness) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    created = [harness.trigger(f"burst-{n}") for n in range(40)]
    start = threading.Barrier(4)
    fired: list[int] = []
    lock = threading.Lock()

    def engine() -> None:
        start.wait()
        for _ in range(5):
            due = harness.advance()
            with lock:
                fired.extend(item.incident_id for item in due)

    threads = [threading.Thread(target=engine) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(fired) == sorted(created)
    for incident_id in created:
        assert harness.kinds(incident_id) == ["triggered", "escalated"]
    assert len(harness.outbox()) == len(created)
