"""Incident status rules and how an alert's severity becomes an incident's urgency."""

from __future__ import annotations

from datetime import timedelta

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus, Severity, Urgency

HIGH_SEVERITIES = frozenset({Severity.CRITICAL, Severity.ERROR})


def urgency_for(severity: Severity | None, *, service_urgency: Urgency | None) -> Urgency:
    """The service's fixed urgency if it has one; else critical/error page now, the rest wait.

    Signals without a severity (webhooks that carry none) are treated as high: a missed
    page costs more than an unneeded one.
    """
    if service_urgency is not None:
        return service_urgency
    if severity is None or severity in HIGH_SEVERITIES:
        return Urgency.HIGH
    return Urgency.LOW


def check_acknowledge(status: IncidentStatus, number: int) -> bool:
    """True when acknowledging changes something; raise when the incident is resolved."""
    if status is IncidentStatus.RESOLVED:
        raise InvalidTransition(f"incident #{number} is resolved and cannot be acknowledged")
    return status is IncidentStatus.TRIGGERED


def check_resolve(status: IncidentStatus, number: int) -> bool:
    """True when resolving changes something; raise when the incident is already resolved."""
    if status is IncidentStatus.RESOLVED:
        raise InvalidTransition(f"incident #{number} is already resolved")
    return True


def check_escalate(status: IncidentStatus, number: int) -> None:
    """Escalating now works on a triggered or acknowledged incident; raise when resolved."""
    if status is IncidentStatus.RESOLVED:
        raise InvalidTransition(f"incident #{number} is resolved and cannot be escalated")


SNOOZE_LIMITS = (timedelta(minutes=1), timedelta(days=1))


def check_snooze(status: IncidentStatus, number: int, length: timedelta) -> None:
    """A snooze lasts between a minute and a day; a resolved incident cannot be snoozed."""
    if status is IncidentStatus.RESOLVED:
        raise InvalidTransition(f"incident #{number} is resolved and cannot be snoozed")
    shortest, longest = SNOOZE_LIMITS
    if not shortest <= length <= longest:
        raise InvalidTransition(
            f"a snooze must last between 1 minute and 24 hours, not {_minutes(length)} minutes"
        )


def _minutes(length: timedelta) -> int:
    return int(length.total_seconds() // 60)
