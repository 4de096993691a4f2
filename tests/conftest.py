"""Shared fixtures: both databases, a real SMTP server on loopback, real server processes.

PostgreSQL tests create a database of their own on the server named by
``ONDECK_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and drop it afterwards. When the server is unreachable they are skipped locally, but with
``ONDECK_REQUIRE_ALL=1`` (as ``.ci/run`` sets) they fail instead.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ONDECK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_ALL = os.environ.get("ONDECK_REQUIRE_ALL") == "1"
WORKDIR = Path(tempfile.mkdtemp(prefix="ondeck-tests-"))
"""Where test processes run: no developer's .env is read by accident."""
SECRET = "test-secret-" + "x" * 40


SLOWEST_FIRST = ("tests/e2e/", "tests/ui/", "tests/engine/")
"""Directories whose files each take longest (real servers, browsers, timers)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Hand the slowest directories' files to the test workers first, so that the workers
    finish together instead of one of them running a long file alone at the end. The order
    within each part stays as collected."""

    def part(item: pytest.Item) -> int:
        return next(
            (rank for rank, prefix in enumerate(SLOWEST_FIRST) if item.nodeid.startswith(prefix)),
            len(SLOWEST_FIRST),
        )

    items.sort(key=part)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_available() -> bool:
    try:
        with psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def require_postgres() -> None:
    if not postgres_available():
        if REQUIRE_ALL:
            pytest.fail(f"PostgreSQL is required and unreachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable (set ONDECK_REQUIRE_ALL=1 to fail instead)")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    require_postgres()
    name = f"ondeck_t_{uuid.uuid4().hex[:12]}"
    admin = _libpq(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ondeck.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ondeck.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@dataclass
class Mailbox:
    """Messages a real SMTP server on loopback received."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def add(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(raw))

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        got = len(self.to(address))
        raise AssertionError(f"expected {count} message(s) to {address} in {timeout}s, got {got}")


class MailHandler:
    """Keeps every message the SMTP server accepts in its mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    handler: Callable[[Mailbox], MailHandler] = MailHandler,
) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port, running while in the block."""
    port = free_port()
    box = Mailbox(host="127.0.0.1", port=port)
    controller = Controller(handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def text_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("message has no text/plain part")


ORG_TEMPLATE = """
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {{type: email, address: ada@example.com}}
    notification_rules:
      - {{contact: email, after: 0m}}
  - {{email: grace@example.com, name: Grace Hopper, timezone: America/New_York}}
  - {{email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki}}
  - {{email: cto@example.com, name: Cee Tee, timezone: UTC}}
teams:
  - name: Payments
    members: [ada@example.com, grace@example.com, linus@example.com]
schedules:
  - name: Payments primary
    timezone: Europe/London
    layers:
      - name: Weekly
        start: 2020-01-06T09:00
        rotation: 1w
        participants: [ada@example.com]
escalation_policies:
  - name: Payments default
    repeat: {repeat}
    levels:
      - escalate_after: {first}
        targets: [{{schedule: Payments primary}}]
      - escalate_after: {second}
        targets: [{{user: cto@example.com}}]
services:
  - name: Checkout API
    team: Payments
    escalation_policy: Payments default
    runbook_url: https://runbooks.example/checkout
    integrations:
      - {{type: events_v2, key: 0123456789abcdef0123456789abcdef}}
      - {{type: alertmanager, key: am-checkout-secret}}
"""
"""The issue's example organisation with a schedule that keeps Ada on call for the tests."""

ROUTING_KEY = "0123456789abcdef0123456789abcdef"
AM_KEY = "am-checkout-secret"


def org_yaml(*, first: str = "2s", second: str = "2s", repeat: int = 0) -> str:
    return ORG_TEMPLATE.format(first=first, second=second, repeat=repeat)


def ondeck_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ONDECK_") or k.startswith("ONDECK_TEST")
    }
    env.update(
        ONDECK_DATABASE_URL=database_url,
        ONDECK_SECRET_KEY=SECRET,
        ONDECK_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


CLI_IN_PROCESS = os.environ.get("ONDECK_TEST_CLI", "in-process") != "subprocess"
"""``run_cli`` runs commands in this process unless ``ONDECK_TEST_CLI=subprocess``."""
_LONG_RUNNING = frozenset({"serve", "engine"})
"""Commands that run until stopped (and set signal handlers): always a real process."""
_IN_PROCESS = threading.Lock()
"""sys.argv, the standard streams, os.environ and the working directory belong to the whole
process: commands run in it one at a time, even when tests run them from several threads."""


def run_cli(
    env: dict[str, str], *args: str, input_text: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``ondeck ARGS`` with exactly ``env`` as its environment, in ``WORKDIR``.

    By default the command runs in this process (see ``run_cli_in_process``): the same entry
    point, argument parsing, output and exit codes, without a new interpreter's start-up.
    """
    if CLI_IN_PROCESS and not (args and args[0] in _LONG_RUNNING):
        result = run_cli_in_process(env, *args, input_text=input_text)
    else:
        result = run_cli_process(env, *args, input_text=input_text)
    if check and result.returncode != 0:
        raise AssertionError(
            f"ondeck {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def run_cli_process(
    env: dict[str, str], *args: str, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m ondeck.cli ARGS`` as a real process: the installed entry point itself."""
    return subprocess.run(
        [sys.executable, "-m", "ondeck.cli", *args],
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=WORKDIR,
    )


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _closing_containers() -> Iterator[None]:
    """Close every container a command bootstraps once it returns, as the end of its process
    would: no connection outlives the command (a database with one open cannot be dropped)."""
    from ondeck.bootstrap import Container, bootstrap
    from ondeck.cli import common

    made: list[Container] = []

    def tracked(*args: Any, **kwargs: Any) -> Container:
        container = bootstrap(*args, **kwargs)
        made.append(container)
        return container

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(common, "bootstrap", tracked)
            yield
    finally:
        for container in made:
            container.close()


@contextmanager
def _unhandled_logs_to_stderr() -> Iterator[None]:
    """In its own process a command has no logging handlers, so records of level WARNING and
    up reach stderr through ``logging.lastResort``; here pytest's handlers would take them."""
    import logging

    root = logging.getLogger()
    last_resort = logging.lastResort
    if last_resort is None or root.handlers == []:
        yield
        return
    root.addHandler(last_resort)
    try:
        yield
    finally:
        root.removeHandler(last_resort)


def run_cli_in_process(
    env: dict[str, str], *args: str, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """What ``python -m ondeck.cli ARGS`` does, in this process: ``ondeck.cli.main.run()`` with
    ``sys.argv``, stdin, stdout and stderr replaced, ``os.environ`` exactly ``env`` (variables
    not in it are removed for the call, so none of this process's ONDECK_* leak in), in
    ``WORKDIR`` (so only a ``.env`` there is read), and an uncaught exception printed with its
    traceback and exit status 1, as the interpreter would."""
    import traceback

    from click.testing import CliRunner

    from ondeck.cli.main import run

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    overrides.update(env)
    runner = CliRunner()
    argv = sys.argv
    with (
        _IN_PROCESS,
        runner.isolation(input=input_text, env=overrides) as (stdout, stderr, _),
        _working_directory(WORKDIR),
        _closing_containers(),
        _unhandled_logs_to_stderr(),
    ):
        sys.argv = ["ondeck", *args]
        try:
            run()
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                sys.stderr.write(f"{exit_.code}\n")
                code = 1
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
        out_text = stdout.getvalue().decode(runner.charset)
        err_text = stderr.getvalue().decode(runner.charset, "replace")
    return subprocess.CompletedProcess(["ondeck", *args], code, out_text, err_text)


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_process(env: dict[str, str], args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "ondeck.cli", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=WORKDIR,
        start_new_session=True,
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server at {url} did not become healthy in {timeout}s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    """Start ``ondeck serve`` processes; each is stopped when the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], *extra_args: str) -> Server:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {"ONDECK_BASE_URL": url, **env}
        log_path = tmp_path / f"server-{port}.log"
        process = start_process(env, ["serve", "--port", str(port), *extra_args], log_path)
        started.append(process)
        wait_healthy(url, process)
        return Server(url=url, env=env, process=process, log_path=log_path)

    yield start
    for process in started:
        stop_process(process)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
