"""The `ondeck` command's surface: its commands, and refusing unusable settings clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ondeck_env, run_cli, run_cli_process

COMMANDS = ["serve", "engine", "db", "apply", "export", "demo", "oncall", "incidents", "ack"]
COMMANDS += ["resolve", "token"]


def test_help_lists_every_command(tmp_path: Path) -> None:
    """The installed entry point itself, in a process of its own."""
    result = run_cli_process(ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}"), "--help")

    listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
    assert set(COMMANDS) <= listed, result.stdout


def test_without_a_command_it_shows_the_help_instead_of_doing_anything(tmp_path: Path) -> None:
    result = run_cli(ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}"), check=False)

    assert "Usage: ondeck [OPTIONS] COMMAND" in result.stdout + result.stderr
    assert not (tmp_path / "ondeck.db").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ONDECK_SECRET_KEY", None, "ONDECK_SECRET_KEY is not set"),
        ("ONDECK_SECRET_KEY", "changeme", "ONDECK_SECRET_KEY is not set"),
        ("ONDECK_SECRET_KEY", "x" * 31, "ONDECK_SECRET_KEY must be at least 32 characters long"),
        ("ONDECK_DATABASE_URL", "mysql://db/ondeck", "ONDECK_DATABASE_URL must be sqlite:///PATH"),
        (
            "ONDECK_DATABASE_URL",
            "postgresql+psycopg://nobody@127.0.0.1:1/ondeck",
            "cannot use the database named by ONDECK_DATABASE_URL: connection failed",
        ),
        (
            "ONDECK_DATABASE_URL",
            "sqlite:////nonexistent-directory/ondeck.db",
            "cannot use the database named by ONDECK_DATABASE_URL: unable to open database file",
        ),
        ("ONDECK_BASE_URL", "ondeck.example", "ONDECK_BASE_URL must start with http://"),
        ("ONDECK_SMTP_URL", "mail.example:25", "ONDECK_SMTP_URL must look like smtp://host:port"),
    ],
    ids=[
        "secret missing",
        "secret a placeholder",
        "secret too short",
        "unsupported database",
        "unreachable database",
        "unopenable sqlite file",
        "base url without scheme",
        "smtp url without scheme",
    ],
)
def test_unusable_settings_are_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str | None, message: str
) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")
    if value is None:
        del env[variable]
    else:
        env[variable] = value

    result = run_cli(env, "export", check=False)

    assert result.returncode == 1
    assert result.stderr.startswith("error: "), result.stderr
    assert message in result.stderr
    assert variable in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_database_without_the_schema_asks_for_an_upgrade(tmp_path: Path) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")

    refused = run_cli(env, "incidents", check=False)
    run_cli(env, "db", "upgrade")
    listed = run_cli(env, "incidents")

    assert refused.returncode == 1
    assert "the database has no ondeck tables yet; run `ondeck db upgrade`" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "0 of 0 incidents" in listed.stdout
