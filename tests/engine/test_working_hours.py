"""Low-urgency pages wait for working hours on a real database; high urgency never waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml
from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.domain.model import AlertAction, AlertSignal, Severity
from ondeck.services import ingest
from tests.conftest import ROUTING_KEY
from tests.engine.conftest import org_document
from tests.engine.harness import Harness

SATURDAY_NOON = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
NEXT_MONDAY_NINE = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def _org(**ada: object) -> str:
    """Ada (UTC, email only, no rules) on call at level 1."""
    document = yaml.safe_load(org_document(first="1h", second="1h"))
    document["users"][0].pop("notification_rules")
    document["users"][0].update(ada)
    return yaml.safe_dump(document, sort_keys=False)


def _trigger(harness: Harness, severity: Severity) -> None:
    harness.clock.at = SATURDAY_NOON
    outcome = ingest.ingest_signal(
        uow=harness.container.uow,
        clock=harness.clock,
        integration_key=ROUTING_KEY,
        signal=AlertSignal(
            action=AlertAction.TRIGGER, dedup_key="disk", summary="Disk 80%", severity=severity
        ),
    )
    assert outcome.incident_id is not None
    harness.advance()


def _due_times(harness: Harness) -> list[datetime]:
    with harness.container.engine.connect() as conn:
        found: list[datetime] = list(
            conn.execute(select(outbox.c.deliver_at).order_by(outbox.c.id)).scalars()
        )
        conn.rollback()
    return [moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment for moment in found]


def test_a_low_urgency_page_on_saturday_waits_for_monday_morning(harness: Harness) -> None:
    harness.apply(_org())
    _trigger(harness, Severity.WARNING)

    assert _due_times(harness) == [NEXT_MONDAY_NINE]
    assert harness.claim() == []
    harness.clock.at = NEXT_MONDAY_NINE - timedelta(seconds=1)
    assert harness.claim() == []
    harness.clock.at = NEXT_MONDAY_NINE
    [message] = harness.claim()
    assert (message.kind, message.address) == ("email", "ada@example.com")


def test_a_high_urgency_page_on_saturday_goes_at_once(harness: Harness) -> None:
    harness.apply(_org())
    _trigger(harness, Severity.CRITICAL)

    assert _due_times(harness) == [SATURDAY_NOON]
    assert len(harness.claim()) == 1


def test_low_urgency_follows_the_persons_own_working_hours(
    harness: Harness,
) -> None:
    harness.apply(_org(working_hours=["Sat-Sun 13:00-18:00"]))
    _trigger(harness, Severity.INFO)
    assert _due_times(harness) == [SATURDAY_NOON + timedelta(hours=1)]


def test_low_urgency_comes_at_any_time_for_someone_who_asks_for_it(harness: Harness) -> None:
    harness.apply(_org(low_urgency="anytime"))
    _trigger(harness, Severity.WARNING)

    assert _due_times(harness) == [SATURDAY_NOON]
