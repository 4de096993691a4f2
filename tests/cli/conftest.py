"""SQLite databases with example organisations, shared by tests that change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.rota import ROTA_ORG
from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ondeck_env, run_cli


@pytest.fixture(scope="module")
def example_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = ondeck_env(f"sqlite:///{tmp_path_factory.mktemp('example') / 'ondeck.db'}")
    run_cli(env, "apply", "-f", "-", input_text=EXAMPLE_ORG)
    yield env


@pytest.fixture(scope="session")
def rota_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The rota organisation, shared by every test that changes nothing (or must not)."""
    env = ondeck_env(f"sqlite:///{tmp_path_factory.mktemp('rota') / 'ondeck.db'}")
    run_cli(env, "apply", "-f", "-", input_text=ROTA_ORG)
    yield env
