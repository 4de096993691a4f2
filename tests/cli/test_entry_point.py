"""The installed `ondeck` entry point in a process of its own, and the in-process runner most
tests use (``run_cli``) answering exactly as it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ondeck_env, run_cli_in_process, run_cli_process


def test_a_real_process_applies_and_the_in_process_runner_answers_identically(
    tmp_path: Path,
) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")

    applied = run_cli_process(env, "apply", "-f", "-", input_text=EXAMPLE_ORG)

    assert applied.returncode == 0, applied.stderr
    for args in [
        ("apply", "-f", "-"),
        ("export",),
        ("incidents",),
        ("oncall",),
        ("ack", "999"),
        ("apply", "-f", str(tmp_path / "missing.yaml")),
        ("no-such-command",),
        (),
    ]:
        text = EXAMPLE_ORG if args == ("apply", "-f", "-") else None
        real = run_cli_process(env, *args, input_text=text)
        here = run_cli_in_process(env, *args, input_text=text)
        assert (here.returncode, here.stdout, here.stderr) == (
            real.returncode,
            real.stdout,
            real.stderr,
        ), args


def test_settings_of_the_running_tests_do_not_leak_into_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")
    del env["ONDECK_SECRET_KEY"]
    monkeypatch.setenv("ONDECK_SECRET_KEY", "y" * 40)

    result = run_cli_in_process(env, "export")

    assert result.returncode == 1
    assert "ONDECK_SECRET_KEY is not set" in result.stderr
