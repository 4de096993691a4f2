"""A SQLite database with the example organisation, shared within a module by read-only tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ondeck_env, run_cli


@pytest.fixture(scope="module")
def example_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = ondeck_env(f"sqlite:///{tmp_path_factory.mktemp('example') / 'ondeck.db'}")
    run_cli(env, "apply", "-f", "-", input_text=EXAMPLE_ORG)
    yield env
