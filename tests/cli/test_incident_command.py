"""`ondeck declare`, `stage`, `can` and `loss` on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import ingest
from ondeck.services.ports import Clock
from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ROUTING_KEY, SECRET, ondeck_env, run_cli


@pytest.fixture
def env(database_url: str) -> Iterator[dict[str, str]]:
    environment = ondeck_env(database_url)
    run_cli(environment, "apply", "-f", "-", input_text=EXAMPLE_ORG)
    yield environment


def incident(env: dict[str, str]) -> int:
    """A triggered incident, as monitoring would open it."""
    c = bootstrap(Settings(database_url=env["ONDECK_DATABASE_URL"], secret_key=SECRET))
    clock: Clock = c.clock
    try:
        outcome = ingest.ingest_signal(
            uow=c.uow,
            clock=clock,
            integration_key=ROUTING_KEY,
            signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key="cli", summary="Down"),
        )
    finally:
        c.close()
    assert outcome.incident_id is not None
    return outcome.incident_id


def test_a_major_incident_is_declared_staged_reported_and_sized_from_the_command_line(
    env: dict[str, str],
) -> None:
    number = str(incident(env))
    run_cli(env, "ack", number, "--as", "grace@example.com")

    declared = run_cli(env, "declare", number, "--as", "ada@example.com").stdout
    assert "major incident in detect; manager ada@example.com" in declared
    assert "engineer grace@example.com" in declared

    moved = run_cli(env, "stage", number, "assemble", "--as", "ada@example.com").stdout
    assert "in assemble" in moved
    reported = run_cli(
        env,
        "can",
        number,
        "--conditions",
        "Checkout down",
        "--actions",
        "Rolling back",
        "--needs",
        "DB expert",
        "--as",
        "grace@example.com",
    ).stdout
    assert "CAN report 1 posted" in reported
    sized = run_cli(env, "loss", number, "--revenue", "20000", "--as", "grace@example.com")
    assert "severity high: restore immediately" in sized.stdout
    skipped = run_cli(env, "stage", number, "repair", "--reason", "rolled back", "--expert", "Dana")
    assert "in repair" in skipped.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stage", "{n}", "fix"], "stage: unknown stage 'fix'"),
        (["stage", "{n}", "mitigate"], "give a reason to move on anyway"),
        (["loss", "{n}", "--cost", "-1"], "cost_per_hour: must not be negative"),
        (
            [
                "can",
                "{n}",
                "--conditions",
                "x",
                "--actions",
                "y",
                "--needs",
                "z",
                "--as",
                "linus@example.com",
            ],
            "linus@example.com is not a participant",
        ),
        (["declare", "{n}"], "already a major incident"),
    ],
)
def test_bad_input_is_an_error_and_changes_nothing(
    env: dict[str, str], args: list[str], message: str
) -> None:
    number = str(incident(env))
    run_cli(env, "declare", number, "--as", "ada@example.com")
    result = run_cli(env, *[a.replace("{n}", number) for a in args], check=False)
    assert result.returncode == 1
    assert message in result.stderr
