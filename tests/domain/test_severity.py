"""Severity from financial loss: every threshold at its boundary, and refused estimates."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.severity import (
    InvalidEstimate,
    Journey,
    LossEstimate,
    Response,
    Severity,
    Thresholds,
    assess,
)

DEFAULT = Thresholds()
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        (LossEstimate(), LOW),
        # loss per hour, cost and revenue added, at and around each threshold
        (LossEstimate(cost_per_hour=999.99), LOW),
        (LossEstimate(cost_per_hour=1_000), MEDIUM),
        (LossEstimate(revenue_per_hour=1_000), MEDIUM),
        (LossEstimate(cost_per_hour=500, revenue_per_hour=500), MEDIUM),
        (LossEstimate(cost_per_hour=500, revenue_per_hour=499.99), LOW),
        (LossEstimate(cost_per_hour=9_999.99), MEDIUM),
        (LossEstimate(cost_per_hour=10_000), HIGH),
        (LossEstimate(cost_per_hour=5_000, revenue_per_hour=5_000), HIGH),
        # users affected
        (LossEstimate(users_affected=99), LOW),
        (LossEstimate(users_affected=100), MEDIUM),
        (LossEstimate(users_affected=999), MEDIUM),
        (LossEstimate(users_affected=1_000), HIGH),
        # the journey and security
        (LossEstimate(journey=Journey.DEGRADED), MEDIUM),
        (LossEstimate(journey=Journey.BLOCKED), HIGH),
        (LossEstimate(security_impact=True), HIGH),
        (LossEstimate(security_impact=True, journey=Journey.UNAFFECTED), HIGH),
        # the worst signal wins
        (LossEstimate(users_affected=5, journey=Journey.DEGRADED, cost_per_hour=20_000), HIGH),
    ],
)
def test_default_thresholds(estimate: LossEstimate, expected: Severity) -> None:
    assert assess(estimate, DEFAULT).severity is expected


@pytest.mark.parametrize(
    ("severity", "response"),
    [
        (HIGH, Response.RESTORE_IMMEDIATELY),
        (MEDIUM, Response.NEXT_WORKING_DAY),
        (LOW, Response.BACKLOG),
    ],
)
def test_each_severity_has_its_response_method(severity: Severity, response: Response) -> None:
    estimates = {
        HIGH: LossEstimate(security_impact=True),
        MEDIUM: LossEstimate(users_affected=100),
        LOW: LossEstimate(),
    }
    assert assess(estimates[severity], DEFAULT).response is response


@pytest.mark.parametrize(
    ("loss", "users", "expected"),
    [
        (49.0, 0, LOW),
        (50.0, 0, MEDIUM),
        (199.0, 0, MEDIUM),
        (200.0, 0, HIGH),
        (0.0, 9, LOW),
        (0.0, 10, MEDIUM),
        (0.0, 19, MEDIUM),
        (0.0, 20, HIGH),
    ],
)
def test_configured_thresholds_move_the_boundaries(
    loss: float, users: int, expected: Severity
) -> None:
    mine = Thresholds(
        high_loss_per_hour=200, medium_loss_per_hour=50, high_users=20, medium_users=10
    )
    assert assess(LossEstimate(cost_per_hour=loss, users_affected=users), mine).severity is expected


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cost_per_hour": -1.0}, "cost_per_hour"),
        ({"revenue_per_hour": -0.01}, "revenue_per_hour"),
        ({"users_affected": -3}, "users_affected"),
        ({"cost_per_hour": math.inf}, "cost_per_hour"),
        ({"revenue_per_hour": math.nan}, "revenue_per_hour"),
        ({"cost_per_hour": 1e13}, "cost_per_hour"),
        ({"users_affected": 10**11}, "users_affected"),
    ],
)
def test_negative_or_absurd_numbers_are_refused_naming_the_field(
    fields: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidEstimate, match=f"^{field}: ") as refused:
        LossEstimate(**fields)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(InvalidEstimate, match="medium_loss_per_hour"):
        Thresholds(high_loss_per_hour=10, medium_loss_per_hour=20)
    with pytest.raises(InvalidEstimate, match="medium_users"):
        Thresholds(high_users=1, medium_users=2)


_money = st.floats(min_value=0, max_value=1e9)


@given(_money, _money, st.integers(0, 10**6), st.booleans(), st.sampled_from(Journey))
def test_a_bigger_loss_is_never_less_severe(
    cost: float, extra: float, users: int, security: bool, journey: Journey
) -> None:
    rank = {LOW: 0, MEDIUM: 1, HIGH: 2}
    small = LossEstimate(cost, 0, users, security, journey)
    big = LossEstimate(cost + extra, 0, users, security, journey)
    assert rank[assess(big, DEFAULT).severity] >= rank[assess(small, DEFAULT).severity]
