"""Helpers for the engine's tests: engine processes, a recording webhook, the incident API.

The process tests run ``ondeck serve --no-engine`` for HTTP and one or more separate
``ondeck engine`` processes, so a crash or a second engine is as real as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import pytest
import yaml

from ondeck.adapters.orgfile import parse_org
from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.services import accounts, org
from tests.conftest import (
    ROUTING_KEY,
    SECRET,
    Mailbox,
    MailHandler,
    Server,
    free_port,
    ondeck_env,
    run_cli,
    smtp_server,
    start_process,
    stop_process,
)

if TYPE_CHECKING:
    from tests.engine.harness import Harness

ADA = "ada@example.com"
CTO = "cto@example.com"


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.05, what: str = ""
) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout}s: {what or predicate}")


# --- organisations ---------------------------------------------------------------------


def org_document(
    *,
    first: str,
    second: str,
    ada_contacts: list[dict[str, str]] | None = None,
    ada_rules: list[dict[str, str]] | None = None,
    first_schedule: str = "Payments primary",
) -> str:
    """Ada on call through a schedule at level 1, the CTO at level 2, no repeats.

    Nobody is on call on the schedule "Next century" (its rota starts in 2099).
    """
    ada: dict[str, Any] = {"email": ADA, "name": "Ada Lovelace", "role": "admin"}
    ada["contact_methods"] = ada_contacts or [{"type": "email", "address": ADA}]
    ada["notification_rules"] = ada_rules or [{"contact": "email", "after": "0m"}]
    document = {
        "users": [ada, {"email": CTO, "name": "Cee Tee"}],
        "teams": [{"name": "Payments", "members": [ADA]}],
        "schedules": [
            {
                "name": "Payments primary",
                "timezone": "UTC",
                "layers": [
                    {
                        "name": "Weekly",
                        "start": "2020-01-06T09:00",
                        "rotation": "1w",
                        "participants": [ADA],
                    }
                ],
            },
            {
                "name": "Next century",
                "timezone": "UTC",
                "layers": [
                    {
                        "name": "Weekly",
                        "start": "2099-01-05T09:00",
                        "rotation": "1w",
                        "participants": [ADA],
                    }
                ],
            },
        ],
        "escalation_policies": [
            {
                "name": "Payments default",
                "repeat": 0,
                "levels": [
                    {"escalate_after": first, "targets": [{"schedule": first_schedule}]},
                    {"escalate_after": second, "targets": [{"user": CTO}]},
                ],
            }
        ],
        "services": [
            {
                "name": "Checkout API",
                "team": "Payments",
                "escalation_policy": "Payments default",
                "integrations": [{"type": "events_v2", "key": ROUTING_KEY}],
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


# --- a deployment: web process, engine processes, API --------------------------------------


@dataclass
class Deployment:
    """A web-only server on a prepared database, with an API client signed in as Ada."""

    web: Server
    token: str
    env: dict[str, str]
    http: httpx.Client

    def trigger(self, dedup_key: str, summary: str = "Checkout error rate 12%") -> None:
        body = {
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "web-1", "severity": "critical"},
        }
        response = self.http.post("/v2/enqueue", json=body)
        assert response.status_code == 202, response.text

    def incidents(self) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/incidents", params={"limit": 500})
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def incident(self, dedup_key: str) -> dict[str, Any]:
        found = [i for i in self.incidents() if i["dedup_key"] == dedup_key]
        assert len(found) == 1, found
        return found[0]

    def timeline(self, incident_id: int) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v1/incidents/{incident_id}/timeline")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def kinds(self, incident_id: int) -> list[str]:
        return [entry["kind"] for entry in self.timeline(incident_id)]

    def acknowledge(self, incident_id: int) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/incidents/{incident_id}/acknowledge")
        assert response.status_code == 200, response.text
        return dict(response.json())


def notified(timeline: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(user, level) of every ``notified`` entry, in order."""
    return [
        (entry["data"]["user"], entry["data"]["level"])
        for entry in timeline
        if entry["kind"] == "notified"
    ]


class Deploy(Protocol):
    def __call__(
        self,
        database_url: str,
        document: str,
        *,
        engine_inside: bool = False,
        cli_apply: bool = False,
        **env: str,
    ) -> Deployment: ...


def apply_org(container: Container, document: str) -> None:
    """Apply an organisation in this process, as ``ondeck apply`` does."""
    org.apply_org(uow=container.uow, clock=container.clock, spec=parse_org(document))


def _prepare(database_url: str, document: str, *, apply_in_process: bool) -> str:
    """Migrate, apply ``document`` and return an API token for Ada.

    Done in this process unless the CLI's ``apply`` is part of what a test shows: each
    ``ondeck`` process started costs a second or more of CPU.
    """
    container = bootstrap(Settings(database_url=database_url, secret_key=SECRET))
    try:
        container.migrate()
        if apply_in_process:
            apply_org(container, document)
        return accounts.create_token(uow=container.uow, clock=container.clock, email=ADA)
    finally:
        container.close()


@pytest.fixture
def deploy(start_server: Any) -> Iterator[Deploy]:
    """``deploy(database_url, document, **env)``: apply an org, make a token, start the web.

    The server runs without its engine unless ``engine_inside=True``; ``cli_apply=True``
    applies the organisation with ``ondeck apply -f -``.
    """
    clients: list[httpx.Client] = []

    def start(
        database_url: str,
        document: str,
        *,
        engine_inside: bool = False,
        cli_apply: bool = False,
        **env: str,
    ) -> Deployment:
        settings = ondeck_env(database_url, **env)
        if cli_apply:
            run_cli(settings, "apply", "-f", "-", input_text=document)
        token = _prepare(database_url, document, apply_in_process=not cli_apply)
        web: Server = start_server(settings, *([] if engine_inside else ["--no-engine"]))
        clients.append(web.client(token))
        return Deployment(web=web, token=token, env=settings, http=clients[-1])

    yield start
    for client in clients:
        client.close()


@dataclass
class EngineProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean-up code runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Engines:
    """Starts ``ondeck engine`` processes and stops the survivors when the test ends."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self.started: list[EngineProcess] = []

    def start(self, env: dict[str, str], *, working: bool = True) -> EngineProcess:
        """Start an engine; wait until it works (with ``working=False``, until it runs)."""
        log_path = self._directory / f"engine-{len(self.started)}.log"
        process = start_process({**env, "ONDECK_LOG_LEVEL": "info"}, ["engine"], log_path)
        engine = EngineProcess(process, log_path)
        self.started.append(engine)
        expected = "is working" if working else "started"

        def ready() -> bool:
            assert process.poll() is None, f"engine exited:\n{engine.log()}"
            return expected in engine.log()

        wait_until(ready, timeout=30, what=f"engine log says {expected!r}")
        return engine

    def stop_all(self) -> None:
        for engine in self.started:
            stop_process(engine.process)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Engines]:
    started = Engines(tmp_path)
    yield started
    started.stop_all()


# --- SMTP servers beyond the shared one -------------------------------------------------------


@pytest.fixture
def other_mailbox() -> Iterator[Mailbox]:
    """A second real SMTP server, so each engine process can deliver to its own."""
    with smtp_server() as box:
        yield box


class _StallingHandler(MailHandler):
    """Leaves the first message's DATA unanswered: its sender hangs mid-delivery."""

    def __init__(self, mailbox: Mailbox, stalled: threading.Event) -> None:
        super().__init__(mailbox)
        self.stalled = stalled

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(60)
            return "451 Too late"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class StallingMailbox:
    box: Mailbox
    stalled: threading.Event


@pytest.fixture
def stalling_mailbox() -> Iterator[StallingMailbox]:
    """An SMTP server that never answers the first message and accepts the others."""
    stalled = threading.Event()
    with smtp_server(lambda box: _StallingHandler(box, stalled)) as box:
        yield StallingMailbox(box, stalled)


SUBJECT_NUMBER = re.compile(r"#(\d+) ")


def incident_numbers(box: Mailbox, address: str) -> list[int]:
    """The incident number of every message to ``address``, from its Subject."""
    numbers = []
    for message in box.to(address):
        found = SUBJECT_NUMBER.search(str(message["Subject"]))
        assert found is not None, message["Subject"]
        numbers.append(int(found.group(1)))
    return numbers


# --- a webhook receiver ---------------------------------------------------------------------


@dataclass(frozen=True)
class HookCall:
    at: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Webhook:
    """A local HTTP server that records each POST and answers with ``status``."""

    port: int
    status: int = 200
    calls: list[HookCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def record(self, call: HookCall) -> int:
        with self._lock:
            self.calls.append(call)
            return self.status

    def received(self) -> list[HookCall]:
        with self._lock:
            return list(self.calls)


def _handler_for(hook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status = hook.record(
                HookCall(
                    at=time.monotonic(),
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            payload = b'{"ok": false}' if status >= 300 else b'{"ok": true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(port=free_port())
    server = ThreadingHTTPServer(("127.0.0.1", hook.port), _handler_for(hook))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    """The paging use cases driven by hand: see ``tests.engine.harness``."""
    from tests.engine.harness import running_harness

    with running_harness(database_url) as running:
        yield running
