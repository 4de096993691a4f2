"""A database per kind shared by a module's refusal tests: a refused ``ondeck apply``
stores nothing, so every refusal can run against the same empty organisation (and shows,
one after another, that none of them left anything behind)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.support import fresh_database
from tests.conftest import ondeck_env, run_cli


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def refusing_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The environment of an empty, migrated database on SQLite, then on PostgreSQL."""
    directory = tmp_path_factory.mktemp(f"refusals-{request.param}")
    with fresh_database(request.param, directory) as url:
        env = ondeck_env(url)
        run_cli(env, "db", "upgrade")
        yield env
