"""`ondeck oncall` against a real database: the person the rotation says, at any moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ondeck_env, run_cli

LONDON = ZoneInfo("Europe/London")
ROTA = ["Ada Lovelace <ada@example.com>", "Grace Hopper <grace@example.com>"]
ROTA += ["Linus Torvalds <linus@example.com>"]


def expected_on_call(at: datetime) -> str:
    """Worked out by hand from the example: from Monday 2026-11-02 09:00 London, weekly."""
    local = at.astimezone(LONDON)
    days = (local.date() - date(2026, 11, 2)).days
    if local.time() < time(9, 0):
        days -= 1
    return "nobody" if days < 0 else ROTA[(days // 7) % 3]


def on_call_row(output: str) -> str:
    rows = [line for line in output.splitlines() if "Payments primary" in line]
    assert len(rows) == 1, output
    return rows[0]


def test_the_schedule_shows_who_is_on_call_until_when_and_who_is_next(database_url: str) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=EXAMPLE_ORG)

    output = run_cli(
        env, "oncall", "--schedule", "Payments primary", "--at", "2026-11-10T12:00:00+00:00"
    ).stdout

    row = on_call_row(output)
    assert expected_on_call(datetime(2026, 11, 10, 12, tzinfo=UTC)) == ROTA[1]
    assert "Grace Hopper <grace@example.com>" in row
    assert "2026-11-16T09:00+00:00" in row
    assert "Linus Torvalds" in row


@pytest.mark.parametrize(
    "at",
    [
        "2026-11-02T08:59:00+00:00",
        "2026-11-02T09:00:00+00:00",
        "2026-11-23T10:00:00+01:00",
        "2026-12-31T23:59:00-05:00",
        "2027-03-29T08:30:00+00:00",
        "2027-04-05T07:59:00+00:00",
        "2027-04-05T08:00:00+00:00",
    ],
)
def test_the_person_on_call_at_any_moment_follows_the_rotation_in_london_time(
    example_env: dict[str, str], at: str
) -> None:
    output = run_cli(example_env, "oncall", "--at", at).stdout

    assert expected_on_call(datetime.fromisoformat(at)) in on_call_row(output)


def test_without_a_moment_it_shows_who_is_on_call_now(example_env: dict[str, str]) -> None:
    before = datetime.now(UTC)
    output = run_cli(example_env, "oncall").stdout
    after = datetime.now(UTC)

    row = on_call_row(output)
    assert expected_on_call(before) in row or expected_on_call(after) in row


def test_a_naive_moment_is_read_as_utc(example_env: dict[str, str]) -> None:
    output = run_cli(example_env, "oncall", "--at", "2026-11-09T08:59:00").stdout

    assert ROTA[0] in on_call_row(output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--schedule", "Payments secondary"), "no schedule named 'Payments secondary'"),
        (("--at", "next tuesday"), "--at 'next tuesday' is not an ISO 8601 time"),
    ],
    ids=["unknown schedule", "unreadable moment"],
)
def test_a_bad_question_is_an_error_that_says_what_is_wrong(
    example_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run_cli(example_env, "oncall", *args, check=False)

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {message}")
    assert result.stdout == ""


def test_a_one_person_rotation_answers_at_once_with_nobody_next(tmp_path: Path) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")
    alone = EXAMPLE_ORG.replace(
        "participants: [ada@example.com, grace@example.com, linus@example.com]",
        "participants: [ada@example.com]",
    )
    run_cli(env, "apply", "-f", "-", input_text=alone)

    row = on_call_row(run_cli(env, "oncall", "--at", "2027-06-01T12:00:00+00:00").stdout)

    assert ROTA[0] in row
    assert row.count(" - ") == 2, row


def test_expected_on_call_itself_agrees_with_handoffs_worked_out_by_hand() -> None:
    assert expected_on_call(datetime(2026, 11, 2, 8, 59, tzinfo=UTC)) == "nobody"
    assert expected_on_call(datetime(2026, 11, 9, 9, 0, tzinfo=UTC)) == ROTA[1]
    assert expected_on_call(datetime(2027, 3, 29, 8, 30, tzinfo=UTC)) == ROTA[0]
    assert expected_on_call(datetime(2027, 4, 5, 7, 59, tzinfo=UTC)) == ROTA[0]
    assert expected_on_call(datetime(2027, 4, 5, 8, 0, tzinfo=UTC)) == ROTA[1]
