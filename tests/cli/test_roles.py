"""The seeds' one-schedule model out of the box, from the command line on SQLite and
PostgreSQL: `ondeck apply -f examples/major-incidents.yaml`, an alert pages the incident
manager and engineer together with their roles, each takes their role by `ondeck ack`, and
`ondeck role` hands roles over; bad input is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import ingest, paging
from tests.conftest import SECRET, ondeck_env, run_cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "major-incidents.yaml"
CHECKOUT_KEY = "5eed0000000000000000000000000001"


@dataclass(frozen=True)
class Paged:
    env: dict[str, str]
    number: str
    manager: str
    """The email of whoever the incident manager schedule has on call (paged as manager)."""
    engineer: str


def page_alert(env: dict[str, str]) -> tuple[int, dict[str, str | None]]:
    """An alert to Checkout API and its first escalation level fired, as the engine would:
    the incident and the role each person's page asked for."""
    c = bootstrap(Settings(database_url=env["ONDECK_DATABASE_URL"], secret_key=SECRET))
    try:
        outcome = ingest.ingest_signal(
            uow=c.uow,
            clock=c.clock,
            integration_key=CHECKOUT_KEY,
            signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key="db", summary="DB down"),
        )
        assert outcome.incident_id is not None
        paging.advance_due_escalations(uow=c.uow, clock=c.clock)
        with c.engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.address, outbox.c.role).where(
                    outbox.c.incident_id == outcome.incident_id, outbox.c.purpose == "page"
                )
            ).all()
            conn.rollback()
    finally:
        c.close()
    return outcome.incident_id, {row.address: row.role for row in rows}


@pytest.fixture
def paged(database_url: str) -> Iterator[Paged]:
    env = ondeck_env(database_url)
    applied = run_cli(env, "apply", "-f", str(EXAMPLE)).stdout
    assert "6 users, 2 teams, 2 schedules, 1 escalation policies, 2 services" in applied
    incident_id, roles = page_alert(env)
    by_role = {role: address for address, role in roles.items()}
    assert len(roles) == 2  # level 1: one manager and one engineer, together
    yield Paged(
        env, str(incident_id), by_role["incident_manager"] or "", by_role["incident_engineer"] or ""
    )


def roles_of(paged: Paged) -> str:
    return run_cli(paged.env, "roles", paged.number).stdout


def test_the_example_pages_the_manager_and_the_engineer_of_the_week_together(
    paged: Paged,
) -> None:
    assert paged.manager in ("ada@example.com", "margaret@example.com")
    assert paged.engineer in ("grace@example.com", "linus@example.com")
    exported = run_cli(paged.env, "export").stdout
    assert "- schedule: Incident managers\n      role: incident_manager\n" in exported
    assert "- schedule: Incident engineers\n      role: incident_engineer\n" in exported


def test_each_head_takes_their_role_by_acknowledging(paged: Paged) -> None:
    assert "nobody holds a role" in roles_of(paged)

    acked = run_cli(paged.env, "ack", paged.number, "--as", paged.engineer).stdout
    run_cli(paged.env, "ack", paged.number, "--as", paged.manager)

    assert f"{paged.engineer} is the incident engineer" in acked
    listed = roles_of(paged)
    assert "incident manager: " in listed and f"<{paged.manager}>" in listed
    assert "incident engineer: " in listed and f"<{paged.engineer}>" in listed


def test_ondeck_role_hands_the_manager_role_over_and_adds_and_removes_experts(
    paged: Paged,
) -> None:
    run_cli(paged.env, "ack", paged.number, "--as", paged.manager)

    handed = run_cli(
        paged.env,
        "role",
        paged.number,
        "incident_manager",
        "cto@example.com",
        "--as",
        paged.manager,
    ).stdout
    run_cli(paged.env, "role", paged.number, "subject_matter_expert", "vp@example.com")
    run_cli(paged.env, "role", paged.number, "subject-matter-expert", "vp@example.com", "--remove")

    assert "incident manager: Cee Tee <cto@example.com>" in handed
    assert paged.manager not in handed
    assert "subject matter expert" not in roles_of(paged)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["role", "{n}", "commander", "vp@example.com"], 2, "role: unknown role 'commander'"),
        (["role", "{n}", "incident_manager", "x@example.com"], 2, "user: nobody has the email"),
        (
            ["role", "{n}", "incident_manager", "vp@example.com", "--as", "vp@example.com"],
            1,
            "vp@example.com is not a participant",
        ),
        (
            ["role", "{n}", "incident_manager", "vp@example.com", "--remove"],
            1,
            "cannot be removed as incident manager",
        ),
        (["role", "999999", "incident_manager", "vp@example.com"], 1, "no incident #999999"),
    ],
    ids=["unknown role", "unknown user", "not a participant", "remove a head", "no incident"],
)
def test_a_bad_hand_off_is_an_error_and_changes_nothing(
    paged: Paged, args: list[str], code: int, message: str
) -> None:
    run_cli(paged.env, "ack", paged.number, "--as", paged.manager)
    before = roles_of(paged)

    result = run_cli(paged.env, *[a.replace("{n}", paged.number) for a in args], check=False)

    assert result.returncode == code
    assert message in result.stderr
    assert roles_of(paged) == before
