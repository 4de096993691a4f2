"""A running ``ondeck serve`` with an organisation of our own, for the schedule API tests
and the schedule paging tests: a database of its own (SQLite or PostgreSQL), the file
applied with ``ondeck apply``, an API token per person and the server's ids by name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from tests.conftest import (
    POSTGRES_URL,
    Server,
    free_port,
    ondeck_env,
    require_postgres,
    run_cli,
    start_process,
    stop_process,
    wait_healthy,
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (sqlite or postgresql), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ondeck.db'}"
        return
    require_postgres()
    name = f"ondeck_api_{uuid.uuid4().hex[:12]}"
    admin = _libpq(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Site:
    """A running server, a client per person (by the part of their email before the @) and
    the ids the server gave people and schedules."""

    server: Server
    users: dict[str, int]
    schedules: dict[str, int]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def as_(self, who: str) -> httpx.Client:
        return self.clients[who]

    @property
    def anonymous(self) -> httpx.Client:
        return self.clients[""]


@contextmanager
def running_site(
    database_url: str, org: str, people: list[str], directory: Path, **env_extra: str
) -> Iterator[Site]:
    """Apply ``org``, give each of ``people`` (emails) a token and serve until the block ends."""
    env = ondeck_env(database_url, **env_extra)
    run_cli(env, "apply", "-f", "-", input_text=org)
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        made = pool.map(lambda email: run_cli(env, "token", "create", "--user", email), people)
        tokens = {
            email.split("@")[0]: result.stdout.strip().splitlines()[-1]
            for email, result in zip(people, made, strict=True)
        }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env["ONDECK_BASE_URL"] = url
    log_path = directory / "server.log"
    process = start_process(env, ["serve", "--port", str(port)], log_path)
    server = Server(url=url, env=env, process=process, log_path=log_path)
    clients = {who: server.client(token) for who, token in tokens.items()}
    clients[""] = server.client()
    try:
        wait_healthy(url, process)
        first = next(iter(clients.values()))
        users = {
            u["email"].split("@")[0]: u["id"] for u in first.get("/api/v1/users").json()["data"]
        }
        schedules = {s["name"]: s["id"] for s in first.get("/api/v1/schedules").json()["data"]}
        yield Site(server, users, schedules, clients)
    finally:
        for client in clients.values():
            client.close()
        stop_process(process)


def handoff_far_from(now: datetime, days_back: int = 30) -> str:
    """A layer start (wall-clock, minutes) ``days_back`` days ago at the time of day twelve
    hours from now: daily handoffs then never fall near ``now`` (or near now ± whole days)."""
    at = (now + timedelta(hours=12)).replace(second=0, microsecond=0)
    return f"{(now - timedelta(days=days_back)).date().isoformat()}T{at:%H:%M}"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
