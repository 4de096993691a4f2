"""A real HTTP server on loopback that stands in for a provider, and pages to send to it.

Each test module says how its provider behaves (what it checks, how it answers) with an
``answer`` function; the server records every request and can be told to fail the next
ones (``fail_next``) the way the provider fails (429, 500…).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services.ports import Page, PageItem
from tests.conftest import free_port

ONDECK = "https://ondeck.example"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def json(cls, status: int, body: Any) -> Reply:
        return cls(status, json.dumps(body), "application/json")


@dataclass
class Provider:
    port: int
    answer: Callable[[Request], Reply]
    _requests: list[Request] = field(default_factory=list)
    _failures: list[Reply] = field(default_factory=list)
    _replies: list[Reply] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, whatever they hold."""
        with self._lock:
            self._failures.extend(replies)

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self._requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        reply = failure if failure is not None else self.answer(request)
        with self._lock:
            self._replies.append(reply)
        return reply

    def replies(self) -> list[Reply]:
        """What the provider answered, in order."""
        with self._lock:
            return list(self._replies)

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def only_request(self) -> Request:
        found = self.requests()
        assert len(found) == 1, f"expected one request, got {len(found)}"
        return found[0]


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = Request(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            try:
                reply = provider.handle(request)
            except Exception as error:  # a broken check must show, not hang the client
                reply = Reply(599, f"fake provider failed: {error!r}")
            payload = reply.body.encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client stopped waiting (a timeout test)
                self.wfile.write(payload)

        do_POST = _serve
        do_GET = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def local_provider(answer: Callable[[Request], Reply]) -> Iterator[Provider]:
    """``answer`` served on a free loopback port while in the block."""
    provider = Provider(port=free_port(), answer=answer)
    server = ThreadingHTTPServer(("127.0.0.1", provider.port), _handler(provider))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def link(action: str, incident_id: int = 7) -> str:
    return f"{ONDECK}/l/token-{action}-{incident_id}"


def sample_page(address: str, **changes: Any) -> Page:
    """Incident #42 for Ada, high urgency, with all four signed action links."""
    page = Page(
        message_id=1,
        idempotency_key="7:0:0:1:1",
        address=address,
        recipient_name="Ada Lovelace",
        incident_number=42,
        incident_title="Checkout error rate 12%",
        service_name="Checkout API",
        urgency=Urgency.HIGH,
        status=IncidentStatus.TRIGGERED,
        runbook_url="https://runbooks.example/checkout",
        incident_url=f"{ONDECK}/incidents/7",
        acknowledge_url=link("acknowledge"),
        resolve_url=link("resolve"),
        created_at=datetime(2026, 11, 3, 4, 5, tzinfo=UTC),
        details={},
        incident_id=7,
        user_id=1,
        escalate_url=link("escalate"),
        snooze_url=link("snooze"),
    )
    return replace(page, **changes)


def bundle_page(address: str, count: int) -> Page:
    """A storm-control bundle of ``count`` incidents (#100 onwards) for Ada."""
    items = tuple(
        PageItem(
            incident_id=100 + n,
            incident_number=100 + n,
            incident_title=f"Disk full on db-{n}",
            service_name="Storage",
            urgency=Urgency.HIGH if n % 2 == 0 else Urgency.LOW,
            incident_url=f"{ONDECK}/incidents/{100 + n}",
            acknowledge_url=link("acknowledge", 100 + n),
        )
        for n in range(count)
    )
    first = items[0]
    return sample_page(
        address,
        incident_id=first.incident_id,
        incident_number=first.incident_number,
        incident_title=first.incident_title,
        service_name=first.service_name,
        incident_url=first.incident_url,
        acknowledge_url=first.acknowledge_url,
        bundle=items,
    )


def trial_page(address: str) -> Page:
    """What the user's page sends to try a contact method: incident number 0, no actions."""
    return sample_page(
        address,
        incident_id=0,
        incident_number=0,
        incident_title="Test notification",
        service_name="",
        acknowledge_url="",
        resolve_url="",
        escalate_url="",
        snooze_url="",
        runbook_url="",
        test=True,
    )
