"""How an alert's severity becomes urgency, and which status changes an incident allows."""

from __future__ import annotations

import pytest

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.incidents import check_acknowledge, check_resolve, urgency_for
from ondeck.domain.model import IncidentStatus, Severity, Urgency

HIGH, LOW = Urgency.HIGH, Urgency.LOW


@pytest.mark.parametrize(
    ("severity", "service_urgency", "expected"),
    [
        (Severity.CRITICAL, None, HIGH),
        (Severity.ERROR, None, HIGH),
        (Severity.WARNING, None, LOW),
        (Severity.INFO, None, LOW),
        (None, None, HIGH),
        (Severity.CRITICAL, LOW, LOW),
        (Severity.ERROR, LOW, LOW),
        (None, LOW, LOW),
        (Severity.INFO, HIGH, HIGH),
        (Severity.WARNING, HIGH, HIGH),
    ],
)
def test_urgency_is_the_services_fixed_urgency_or_else_follows_severity(
    severity: Severity | None, service_urgency: Urgency | None, expected: Urgency
) -> None:
    assert urgency_for(severity, service_urgency=service_urgency) is expected


@pytest.mark.parametrize(
    ("status", "changes"),
    [(IncidentStatus.TRIGGERED, True), (IncidentStatus.ACKNOWLEDGED, False)],
)
def test_acknowledging_changes_only_a_triggered_incident(
    status: IncidentStatus, changes: bool
) -> None:
    assert check_acknowledge(status, 12) is changes


def test_a_resolved_incident_cannot_be_acknowledged() -> None:
    with pytest.raises(InvalidTransition, match=r"incident #12 is resolved"):
        check_acknowledge(IncidentStatus.RESOLVED, 12)


@pytest.mark.parametrize("status", [IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED])
def test_an_open_incident_can_be_resolved(status: IncidentStatus) -> None:
    assert check_resolve(status, 12) is True


def test_a_resolved_incident_cannot_be_resolved_again() -> None:
    with pytest.raises(InvalidTransition, match=r"incident #12 is already resolved"):
        check_resolve(IncidentStatus.RESOLVED, 12)
