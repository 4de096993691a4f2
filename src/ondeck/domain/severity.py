"""Severity from the estimated financial loss, and the response method it calls for.

An estimate gives the cost incurred and the revenue lost per hour, the users affected,
whether there is a security impact and how the user journey is hurt. The rule, first match
wins (thresholds are organisation settings; the defaults are below):

- High (restore immediately): a security impact, a blocked user journey, a loss per hour
  (cost + revenue) of at least ``high_loss_per_hour``, or at least ``high_users`` affected.
- Medium (restore by the next working day): a degraded journey, a loss per hour of at least
  ``medium_loss_per_hour``, or at least ``medium_users`` affected.
- Low (when possible, to the backlog): anything else.

Negative, non-finite and absurd numbers are refused (InvalidEstimate names the field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ondeck.domain.errors import DomainError

MAX_LOSS_PER_HOUR = 1e12
"""More than this per hour is taken for a typing mistake."""
MAX_USERS = 10_000_000_000


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Response(StrEnum):
    RESTORE_IMMEDIATELY = "restore_immediately"
    NEXT_WORKING_DAY = "next_working_day"
    BACKLOG = "backlog"


RESPONSE = {
    Severity.HIGH: Response.RESTORE_IMMEDIATELY,
    Severity.MEDIUM: Response.NEXT_WORKING_DAY,
    Severity.LOW: Response.BACKLOG,
}


class Journey(StrEnum):
    BLOCKED = "blocked"
    """Users cannot complete a user journey."""
    DEGRADED = "degraded"
    """Users can complete a degraded user journey."""
    UNAFFECTED = "unaffected"
    """Users can complete their journey."""


class InvalidEstimate(DomainError):
    """A loss estimate or threshold that makes no sense; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Thresholds:
    high_loss_per_hour: float = 10_000.0
    medium_loss_per_hour: float = 1_000.0
    high_users: int = 1_000
    medium_users: int = 100

    def __post_init__(self) -> None:
        _amount("high_loss_per_hour", self.high_loss_per_hour)
        _amount("medium_loss_per_hour", self.medium_loss_per_hour)
        _count("high_users", self.high_users)
        _count("medium_users", self.medium_users)
        if self.medium_loss_per_hour > self.high_loss_per_hour:
            raise InvalidEstimate("medium_loss_per_hour", "must not exceed high_loss_per_hour")
        if self.medium_users > self.high_users:
            raise InvalidEstimate("medium_users", "must not exceed high_users")


@dataclass(frozen=True)
class LossEstimate:
    """Raises InvalidEstimate when a number is negative, not finite or absurdly large."""

    cost_per_hour: float = 0.0
    revenue_per_hour: float = 0.0
    users_affected: int = 0
    security_impact: bool = False
    journey: Journey = Journey.UNAFFECTED

    def __post_init__(self) -> None:
        _amount("cost_per_hour", self.cost_per_hour)
        _amount("revenue_per_hour", self.revenue_per_hour)
        _count("users_affected", self.users_affected)

    @property
    def loss_per_hour(self) -> float:
        return self.cost_per_hour + self.revenue_per_hour


def _amount(field: str, value: float) -> None:
    if not math.isfinite(value):
        raise InvalidEstimate(field, "must be a finite number")
    if value < 0:
        raise InvalidEstimate(field, f"must not be negative (got {value:g})")
    if value > MAX_LOSS_PER_HOUR:
        raise InvalidEstimate(field, f"{value:g} per hour is more than {MAX_LOSS_PER_HOUR:g}")


def _count(field: str, value: int) -> None:
    if value < 0:
        raise InvalidEstimate(field, f"must not be negative (got {value})")
    if value > MAX_USERS:
        raise InvalidEstimate(field, f"{value} is more than {MAX_USERS}")


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    response: Response
    because: str
    """Why, in words for the timeline."""


def assess(estimate: LossEstimate, thresholds: Thresholds) -> Assessment:
    """The severity and response method ``estimate`` calls for under ``thresholds``."""
    loss = estimate.loss_per_hour
    users = estimate.users_affected
    high = [
        (estimate.security_impact, "a security impact"),
        (estimate.journey is Journey.BLOCKED, "a blocked user journey"),
        (loss >= thresholds.high_loss_per_hour, f"a loss of {loss:g} per hour"),
        (users >= thresholds.high_users, f"{users} users affected"),
    ]
    medium = [
        (estimate.journey is Journey.DEGRADED, "a degraded user journey"),
        (loss >= thresholds.medium_loss_per_hour, f"a loss of {loss:g} per hour"),
        (users >= thresholds.medium_users, f"{users} users affected"),
    ]
    for severity, rules in ((Severity.HIGH, high), (Severity.MEDIUM, medium)):
        reasons = [words for hit, words in rules if hit]
        if reasons:
            return Assessment(severity, RESPONSE[severity], ", ".join(reasons))
    return Assessment(Severity.LOW, Response.BACKLOG, "below every threshold")
