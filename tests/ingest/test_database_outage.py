"""When PostgreSQL goes away, ingest answers 503 (senders retry) and never a 202 it cannot
keep; when it comes back, the running server recovers without a restart.

The server reaches PostgreSQL through a TCP proxy owned by the test, so the outage is real
(connections cut, new ones refused) without touching the shared PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests.conftest import AM_KEY, Mailbox, free_port, ondeck_env
from tests.ingest.bodies import FIRING, SUCCESS, change, group_dedup_key, own_group, trigger
from tests.ingest.harness import Stack, prepared_container, unique_key, wait_for_page

WEBHOOK = "/integrations/alertmanager"
UNAVAILABLE = {
    "status": "unavailable",
    "message": "The event could not be stored; retry later",
    "errors": ["database unavailable"],
}


class TcpProxy:
    """Forwards a loopback port to ``target``; ``stop`` closes the listener and cuts every
    open connection, ``start`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _drop(listener)
        with self._lock:
            cut, self._open = self._open, set()
        for sock in cut:
            _drop(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open -= {source, sink}
            _drop(source)
            _drop(sink)


def _drop(sock: socket.socket) -> None:
    """Shut down first: that wakes a thread blocked in accept() or recv() on ``sock``."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def wait_for_health(client: httpx.Client, timeout: float) -> float:
    """Seconds until /healthz answers 200; fail after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if client.get("/healthz").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"/healthz did not recover within {timeout}s")


def test_outage_answers_503_and_the_server_recovers_by_itself(
    postgres_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    container, token = prepared_container(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    proxy.start()
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = start_server(ondeck_env(proxied, ONDECK_SMTP_URL=mailbox.url))
    before, during, after = (unique_key(label) for label in ("before", "during", "after"))
    try:
        with server.client() as client:
            stack = Stack(client=client, token=token, container=container)
            assert client.post("/v2/enqueue", json=trigger(before)).status_code == 202

            changes = stack.change_count()

            proxy.stop()
            webhook = own_group(FIRING, during)
            refused = [
                client.post("/v2/enqueue", json=trigger(during)),
                client.post("/v2/change/enqueue", json=change(during)),
                client.post(WEBHOOK, json=webhook, params={"token": AM_KEY}),
            ]
            health = client.get("/healthz")

            assert [r.status_code for r in refused] == [503, 503, 503]
            assert [r.json() for r in refused] == [UNAVAILABLE] * 3
            assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
            assert health.status_code == 503
            assert health.json() == {"status": "database unavailable"}

            proxy.start()
            assert wait_for_health(client, timeout=10) < 10
            accepted = client.post("/v2/enqueue", json=trigger(after, summary=after))

            assert accepted.status_code == 202
            assert accepted.json() == SUCCESS | {"dedup_key": after}
            assert stack.incidents_for(during) == []
            assert stack.incidents_for(group_dedup_key(webhook)) == []
            assert stack.change_count() == changes
            assert stack.incident(after)["status"] == "triggered"
            assert stack.incident(before)["status"] == "triggered"
            wait_for_page(mailbox, after)  # the engine came back too
    finally:
        proxy.stop()
        container.close()


def test_database_restart_between_requests_loses_no_event(
    postgres_url: str, start_server: Any
) -> None:
    """Pooled connections die with the restart; the next event must still get a 202."""
    container, token = prepared_container(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    proxy.start()
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = start_server(ondeck_env(proxied), "--no-engine")
    first, second = unique_key("first"), unique_key("second")
    try:
        with server.client() as client:
            stack = Stack(client=client, token=token, container=container)
            assert client.post("/v2/enqueue", json=trigger(first)).status_code == 202

            proxy.stop()
            proxy.start()
            accepted = client.post("/v2/enqueue", json=trigger(second))

            assert accepted.status_code == 202, accepted.text
            assert stack.incident(second)["status"] == "triggered"
    finally:
        proxy.stop()
        container.close()
