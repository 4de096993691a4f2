"""One ``ondeck serve`` per database for the module's HTTP tests, and Chromium for the
browser tests.

Starting a server (apply, set a password, serve) takes seconds, so the page tests share
one per database; each test triggers incidents of its own and signs in with its own client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, Server, require_postgres
from tests.ui.browsing import launch
from tests.ui.support import prepare, serving


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('ui') / 'ondeck.db'}"
        return
    require_postgres()
    name = f"ondeck_ui_{uuid.uuid4().hex[:12]}"
    admin = _libpq(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def site(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running server with the test organisation and a password for Ada."""
    with serving(prepare(module_database_url), tmp_path_factory) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless Chromium for one test."""
    yield from launch()
