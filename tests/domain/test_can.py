"""CAN reports: what a report needs, the cadence by severity, due and overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.can import Cadence, InvalidReport, Report, next_due, next_reminder, overdue
from ondeck.domain.severity import Severity

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CADENCE = Cadence()


@pytest.mark.parametrize(
    ("severity", "due"),
    [
        (Severity.HIGH, T0 + timedelta(minutes=30)),
        (Severity.MEDIUM, T0 + timedelta(hours=2)),
        (Severity.LOW, T0 + timedelta(days=1)),
        (None, T0 + timedelta(minutes=30)),
    ],
)
def test_the_next_report_is_due_one_period_of_the_severity_later(
    severity: Severity | None, due: datetime
) -> None:
    assert next_due(T0, severity, CADENCE) == due


def test_a_report_is_overdue_from_its_due_time_on() -> None:
    assert not overdue(T0, T0 - timedelta(seconds=1))
    assert overdue(T0, T0)
    assert overdue(T0, T0 + timedelta(hours=1))


@pytest.mark.parametrize("blank", ["conditions", "actions", "needs"])
def test_every_part_of_a_report_is_needed(blank: str) -> None:
    parts = {"conditions": "API down", "actions": "rolling back", "needs": "nothing"}
    parts[blank] = "  "
    with pytest.raises(InvalidReport, match=f"^{blank}: must not be blank") as refused:
        Report(**parts)
    assert refused.value.field == blank


def test_a_cadence_shorter_than_a_second_is_refused() -> None:
    with pytest.raises(InvalidReport, match="high"):
        Cadence(high=timedelta(milliseconds=500))
    assert Cadence(high=timedelta(seconds=5)).period(None) == timedelta(seconds=5)


def test_a_configured_cadence_is_used() -> None:
    cadence = Cadence(high=timedelta(minutes=15))
    assert next_due(T0, Severity.HIGH, cadence) == T0 + timedelta(minutes=15)


@given(st.integers(0, 10_000), st.sampled_from([None, *Severity]))
def test_the_next_reminder_is_the_first_due_time_after_now(
    late_minutes: int, severity: Severity | None
) -> None:
    now = T0 + timedelta(minutes=late_minutes)
    following = next_reminder(T0, now, severity, CADENCE)
    period = CADENCE.period(severity)
    assert now < following <= now + period
    assert (following - T0) % period == timedelta(0)
