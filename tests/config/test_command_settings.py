"""Severity thresholds and the CAN cadence are settings, checked when they are read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from ondeck.config import Settings
from ondeck.domain.severity import Journey, LossEstimate, Severity, assess
from tests.conftest import SECRET


def test_the_defaults_are_the_documented_ones() -> None:
    settings = Settings(secret_key=SECRET)
    assert settings.severity_thresholds.high_loss_per_hour == 10_000
    assert settings.can_cadence.medium == timedelta(hours=2)


def test_configured_thresholds_decide_severity() -> None:
    settings = Settings(secret_key=SECRET, severity_high_users=50, severity_medium_users=5)
    estimate = LossEstimate(users_affected=50, journey=Journey.UNAFFECTED)
    assert assess(estimate, settings.severity_thresholds).severity is Severity.HIGH


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"severity_medium_loss_per_hour": 20_000},
            "ONDECK_SEVERITY_MEDIUM_LOSS_PER_HOUR must not exceed "
            "ONDECK_SEVERITY_HIGH_LOSS_PER_HOUR",
        ),
        (
            {"severity_medium_users": 2_000},
            "ONDECK_SEVERITY_MEDIUM_USERS must not exceed ONDECK_SEVERITY_HIGH_USERS",
        ),
        ({"severity_high_loss_per_hour": -1}, "greater than or equal to 0"),
        ({"can_high_minutes": 0}, "greater than or equal to 1"),
    ],
)
def test_thresholds_out_of_order_or_negative_are_refused(
    values: dict[str, float], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(secret_key=SECRET, **values)  # type: ignore[arg-type]
