"""Incident status rules and how an alert's severity becomes an incident's urgency."""

from __future__ import annotations

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
