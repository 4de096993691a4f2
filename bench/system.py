"""The system under test: a fresh database, the bench organisation, ``ondeck`` processes.

The organisation is one user whose only contact method is a webhook to the bench's sink,
one escalation policy whose first level pages that user, and one service with an Events v2
integration key. It is applied in-process through ondeck's own services, as
``ondeck apply`` would.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.procs import HOST, Processes, Started, free_port, http_ok, wait_until
from ondeck.adapters.orgfile import parse_org
from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.services import accounts, org

ROUTING_KEY = "b3nch0123456789abcdef0123456789a"
USER_EMAIL = "pager@bench.example"
SECRET = "bench-secret-" + secrets.token_urlsafe(32)
POSTGRES_ADMIN_URL = os.environ.get(
    "ONDECK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

ORG_YAML = """
users:
  - email: {email}
    name: Bench Pager
    timezone: UTC
    contact_methods:
      - {{type: webhook, address: "{sink}"}}
    notification_rules:
      - {{contact: webhook, after: 0m}}
escalation_policies:
  - name: Bench policy
    repeat: 0
    levels:
      - escalate_after: 1d
        targets: [{{user: {email}}}]
services:
  - name: Bench service
    escalation_policy: Bench policy
    integrations:
      - {{type: events_v2, key: {key}}}
"""


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_available() -> bool:
    try:
        with psycopg.connect(libpq_url(POSTGRES_ADMIN_URL), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty database of ``kind`` (sqlite or postgresql), removed afterwards."""
    if kind == "sqlite":
        path = folder / f"ondeck-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for leftover in folder.glob(path.name + "*"):
                leftover.unlink(missing_ok=True)
        return
    name = f"ondeck_bench_{uuid.uuid4().hex[:12]}"
    admin = libpq_url(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, secret_key=SECRET, log_level="warning", notify_limit=100_000
    )


@dataclass(frozen=True)
class Prepared:
    database_url: str
    token: str


def prepare(database_url: str, sink_url: str) -> Prepared:
    """Migrate the database and apply the bench organisation; returns an API token."""
    container = bootstrap(settings(database_url))
    try:
        container.migrate()
        text = ORG_YAML.format(email=USER_EMAIL, sink=sink_url, key=ROUTING_KEY)
        org.apply_org(uow=container.uow, clock=container.clock, spec=parse_org(text, "bench"))
        token = accounts.create_token(
            uow=container.uow, clock=container.clock, email=USER_EMAIL, name="bench"
        )
    finally:
        container.close()
    return Prepared(database_url=database_url, token=token)


def ondeck_env(database_url: str, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONDECK_")}
    env.update(
        ONDECK_DATABASE_URL=database_url,
        ONDECK_SECRET_KEY=SECRET,
        ONDECK_BASE_URL=base_url,
        ONDECK_LOG_LEVEL="warning",
        # One responder gets every page here: storm control would bundle them, and the bench
        # measures how fast each page goes out, so it is lifted.
        ONDECK_NOTIFY_LIMIT="100000",
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass(frozen=True)
class Ondeck:
    started: Started
    url: str
    port: int


def start_serve(procs: Processes, name: str, database_url: str, *, engine: bool) -> Ondeck:
    """``ondeck serve`` (with or without its engine) on a free port, once healthy."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    args = ["serve", "--host", HOST, "--port", str(port)]
    if not engine:
        args.append("--no-engine")
    started = procs.start_python(name, "ondeck.cli", *args, env=ondeck_env(database_url, url))
    wait_until(http_ok(f"{url}/healthz"), started, timeout=60, what="healthy /healthz")
    return Ondeck(started=started, url=url, port=port)


def start_sink(procs: Processes) -> tuple[Started, str]:
    port = free_port()
    started = procs.start_python("sink", "bench.sink", "--port", str(port))
    url = f"http://{HOST}:{port}"
    wait_until(http_ok(f"{url}/healthz"), started, timeout=20, what="sink answering")
    return started, url
