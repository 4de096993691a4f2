"""What the ingest tests stand on: databases, in-process and real servers, and a mailbox.

Tests share a database within a scope, so each uses dedup keys of its own and compares the
incident list before and after instead of expecting it empty.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ondeck.adapters.db.tables import change_events
from ondeck.adapters.orgfile import parse_org
from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.services import accounts, org
from tests.conftest import POSTGRES_URL, SECRET, Mailbox, free_port, org_yaml, require_postgres

ADMIN = "ada@example.com"
QUIET_ORG = org_yaml(first="30m", second="30m")
"""Escalation levels far apart, so shared stacks page once per incident and then stay calm."""


@dataclass
class Stack:
    """An ondeck instance reached over HTTP, plus a side door to count stored change events."""

    client: httpx.Client
    token: str
    container: Container

    def incidents(self) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/incidents",
            params={"limit": 500},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert response.status_code == 200, response.text
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    def incidents_for(self, dedup_key: str) -> list[dict[str, Any]]:
        """Incidents with ``dedup_key``, oldest first."""
        return sorted(
            (i for i in self.incidents() if i["dedup_key"] == dedup_key), key=lambda i: i["id"]
        )

    def incident(self, dedup_key: str) -> dict[str, Any]:
        found = self.incidents_for(dedup_key)
        assert len(found) == 1, f"expected one incident for {dedup_key!r}, found {found}"
        return found[0]

    def change_count(self) -> int:
        with self.container.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(change_events)).scalar_one())


@dataclass
class Served(Stack):
    """A real ``ondeck serve`` process, engine included, paging into ``mailbox``."""

    url: str
    mailbox: Mailbox


def unique_key(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


@contextmanager
def throwaway_database(kind: str, directory: Path) -> Iterator[str]:
    """A fresh, empty database of ``kind`` that lives as long as the ``with`` block."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ondeck.db'}"
        return
    require_postgres()
    name = f"ondeck_ingest_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepared_container(database_url: str) -> tuple[Container, str]:
    """Migrate, apply the test organisation and create an admin token, all in this process."""
    container = bootstrap(Settings(database_url=database_url, secret_key=SECRET), channels={})
    container.migrate()
    org.apply_org(uow=container.uow, clock=container.clock, spec=parse_org(QUIET_ORG))
    token = accounts.create_token(uow=container.uow, clock=container.clock, email=ADMIN)
    return container, token


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port until the block ends."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", ws="none", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ingest-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class CollectMail:
    """aiosmtpd handler: every message received goes into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def pages_about(mailbox: Mailbox, text: str) -> list[Message]:
    """Messages whose subject mentions ``text``."""
    return [m for m in mailbox.to("@") if text in str(m["Subject"])]


def wait_for_page(mailbox: Mailbox, text: str, timeout: float = 15.0) -> Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pages_about(mailbox, text)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no page about {text!r} within {timeout}s")
