"""A hand-driven paging harness: a real database, a clock and channels the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain import storm
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import delivery, incidents, ingest, paging
from ondeck.services.ports import Delivery, DueEscalation, OutboxMessage, Page
from tests.conftest import ROUTING_KEY, SECRET
from tests.engine.conftest import apply_org

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
    slack: FakeChannel = field(default_factory=lambda: FakeChannel("slack"))

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

    def claim(self, storm_limit: storm.Limit | None = None) -> list[OutboxMessage]:
        return delivery.claim_messages(
            uow=self.container.uow,
            clock=self.clock,
            sending_timeout=SENDING_TIMEOUT,
            storm_limit=storm_limit,
        )

    def deliver(self, message: OutboxMessage, *, max_attempts: int = 4) -> bool:
        """Deliver one claimed message; True when a channel was called."""
        outcome = delivery.deliver(
            uow=self.container.uow,
            clock=self.clock,
            channels={"email": self.email, "webhook": self.webhook, "slack": self.slack},
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


@contextmanager
def running_harness(database_url: str, **settings: object) -> Iterator[Harness]:
    clock = FakeClock()
    email, webhook = FakeChannel("email"), FakeChannel("webhook")
    container = bootstrap(
        Settings(database_url=database_url, secret_key=SECRET, **settings),  # type: ignore[arg-type]
        channels={"email": email, "webhook": webhook},
        clock=clock,
    )
    container.migrate()
    try:
        yield Harness(container, clock, email, webhook)
    finally:
        container.close()
