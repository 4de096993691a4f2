"""The escalation policies page says which incident role a target pages its people for."""

from __future__ import annotations

from datetime import timedelta

from ondeck.domain.model import TargetKind
from ondeck.domain.org import LevelSpec, PolicySpec, TargetSpec
from ondeck.web.ui.present import policy_rows


def test_a_target_with_a_role_reads_as_that_role_and_one_without_reads_as_none() -> None:
    policy = PolicySpec(
        name="One schedule",
        levels=(
            LevelSpec(
                timedelta(minutes=5),
                (
                    TargetSpec(TargetKind.SCHEDULE, "Incident managers", "incident_manager"),
                    TargetSpec(TargetKind.USER, "grace@example.com", "incident_engineer"),
                    TargetSpec(TargetKind.TEAM, "Responders"),
                ),
            ),
        ),
    )

    [row] = policy_rows([(1, policy)], [], {"grace@example.com": "Grace Hopper"})

    assert row.levels[0].targets == (
        ("schedule", "Incident managers", "incident manager"),
        ("user", "Grace Hopper", "incident engineer"),
        ("team", "Responders", ""),
    )
