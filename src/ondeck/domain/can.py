"""CAN reports (Conditions, Actions, Needs): what one must say, and when the next is due.

The cadence follows severity (configurable; defaults: High every 30 minutes, Medium every
2 hours, Low once a day). Until a severity is set the High cadence applies: an incident
nobody has sized yet is reported on as if it were serious. The next report is due one
period after the last one (or after the declaration, before any); an overdue report is
reminded once per due time, and the next reminder comes one period later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ondeck.domain.errors import DomainError
from ondeck.domain.severity import Severity

MAX_TEXT = 10_000


class InvalidReport(DomainError):
    """A CAN report with a part missing or too long; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Report:
    """Raises InvalidReport when a part is blank or longer than ``MAX_TEXT`` characters."""

    conditions: str
    actions: str
    needs: str

    def __post_init__(self) -> None:
        for name in ("conditions", "actions", "needs"):
            value = getattr(self, name).strip()
            if not value:
                raise InvalidReport(name, "must not be blank")
            if len(value) > MAX_TEXT:
                raise InvalidReport(name, f"must be at most {MAX_TEXT} characters")
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Cadence:
    high: timedelta = timedelta(minutes=30)
    medium: timedelta = timedelta(hours=2)
    low: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        for name in ("high", "medium", "low"):
            if getattr(self, name) < timedelta(seconds=1):
                raise InvalidReport(name, "a CAN cadence must be at least a second")

    def period(self, severity: Severity | None) -> timedelta:
        """How often reports are due at ``severity`` (None: not set yet, the High cadence)."""
        if severity is Severity.MEDIUM:
            return self.medium
        if severity is Severity.LOW:
            return self.low
        return self.high


def next_due(last: datetime, severity: Severity | None, cadence: Cadence) -> datetime:
    """When the report after one posted (or a declaration made) at ``last`` is due."""
    return last + cadence.period(severity)


def overdue(due: datetime, now: datetime) -> bool:
    """True once ``now`` reaches the due time."""
    return now >= due


def next_reminder(
    due: datetime, now: datetime, severity: Severity | None, cadence: Cadence
) -> datetime:
    """After reminding of a report due at ``due``: the first due time after ``now``, one
    period apart, so a long outage of the engine never fires a burst of reminders."""
    period = cadence.period(severity)
    behind = max(now - due, timedelta(0))
    return due + period * (behind // period + 1)
