"""`ondeck declare --bridge`, `ondeck bridge`, `ondeck follow` and `ondeck unfollow` on a real
database (SQLite and PostgreSQL); bad input exits 2 with a message and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.test_incident_command import incident
from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ondeck_env, run_cli

BRIDGED = EXAMPLE_ORG + 'major_incidents:\n  bridge: "https://meet.example.com/ondeck-{number}"\n'


@pytest.fixture
def env(database_url: str) -> Iterator[dict[str, str]]:
    environment = ondeck_env(database_url)
    run_cli(environment, "apply", "-f", "-", input_text=BRIDGED)
    yield environment


def test_the_bridge_comes_from_the_template_and_can_be_replaced(env: dict[str, str]) -> None:
    number = str(incident(env))
    declared = run_cli(env, "declare", number, "--as", "ada@example.com").stdout
    assert f"bridge: https://meet.example.com/ondeck-{number}" in declared

    moved = run_cli(
        env, "bridge", number, "https://bridge.example.com/7", "--as", "ada@example.com"
    )
    assert moved.stdout.strip() == f"incident #{number} bridge: https://bridge.example.com/7"
    removed = run_cli(env, "bridge", number, "", "--as", "ada@example.com")
    assert removed.stdout.strip() == f"incident #{number} bridge: none"


def test_a_bridge_given_when_declaring_replaces_the_template(env: dict[str, str]) -> None:
    number = str(incident(env))
    declared = run_cli(
        env, "declare", number, "--bridge", "https://bridge.example.com/war-room"
    ).stdout
    assert "bridge: https://bridge.example.com/war-room" in declared


@pytest.mark.parametrize(
    "args",
    [
        ["declare", "{n}", "--bridge", "not a url"],
        ["declare", "{n}", "--bridge", "https://meet.example.com/{number}"],
    ],
)
def test_a_bad_bridge_exits_2_naming_it_and_declares_nothing(
    env: dict[str, str], args: list[str]
) -> None:
    number = str(incident(env))
    refused = run_cli(env, *[a.replace("{n}", number) for a in args], check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "bridge: " in refused.stderr
    again = run_cli(env, "declare", number, "--as", "ada@example.com").stdout
    assert "major incident in detect" in again  # the refused declaration changed nothing


def test_following_and_unfollowing_from_the_command_line(env: dict[str, str]) -> None:
    number = str(incident(env))
    followed = run_cli(env, "follow", number, "--as", "linus@example.com")
    assert followed.stdout.strip() == f"incident #{number} is followed by linus@example.com"
    added = run_cli(env, "follow", number, "--user", "cto@example.com")
    assert "linus@example.com, cto@example.com" in added.stdout
    left = run_cli(env, "unfollow", number, "--user", "linus@example.com")
    assert left.stdout.strip() == f"incident #{number} is followed by cto@example.com"


def test_following_without_saying_who_exits_2_and_unknown_people_are_refused(
    env: dict[str, str],
) -> None:
    number = str(incident(env))
    nobody = run_cli(env, "follow", number, check=False)
    assert nobody.returncode == 2
    assert "name who follows: --user EMAIL" in nobody.stderr
    unknown = run_cli(env, "follow", number, "--user", "nobody@example.com", check=False)
    assert unknown.returncode == 1
    assert "nobody has the email 'nobody@example.com'" in unknown.stderr
    missing = run_cli(env, "follow", "999999", "--user", "cto@example.com", check=False)
    assert missing.returncode == 1
    assert "no incident #999999" in missing.stderr
    listed = run_cli(env, "unfollow", number, "--user", "cto@example.com")
    assert listed.stdout.strip() == f"incident #{number} is followed by nobody"
