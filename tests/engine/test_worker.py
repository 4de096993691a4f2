"""The engine loop in this process, with hand-written channels on a real database."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ondeck.adapters.db.tables import outbox
from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.engine.worker import Engine
from ondeck.services import ingest
from ondeck.services.ports import Delivery, Page
from tests.conftest import ROUTING_KEY, SECRET
from tests.engine.conftest import apply_org, org_document, wait_until


@dataclass
class GatedChannel:
    """Holds every send until the gate opens; counts sends in progress and finished."""

    kind: str = "email"
    gate: threading.Event = field(default_factory=threading.Event)
    sending: int = 0
    sent: list[Page] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, page: Page) -> Delivery:
        with self._lock:
            self.sending += 1
        self.gate.wait(timeout=30)
        with self._lock:
            self.sending -= 1
            self.sent.append(page)
        return Delivery(ok=True)


def _container(database_url: str, channel: GatedChannel, workers: int = 8) -> Container:
    # Storm control would bundle five pages to one person; these tests count single pages.
    settings = Settings(
        database_url=database_url, secret_key=SECRET, delivery_workers=workers, notify_limit=100
    )
    container = bootstrap(settings, channels={"email": channel})
    container.migrate()
    return container


def _trigger(container: Container, dedup_key: str) -> None:
    ingest.ingest_signal(
        uow=container.uow,
        clock=container.clock,
        integration_key=ROUTING_KEY,
        signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key=dedup_key, summary="Down"),
    )


def _states(container: Container) -> dict[str, int]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
        conn.rollback()
    return {str(row[0]): int(row[1]) for row in rows}


@dataclass
class Running:
    containers: list[Container] = field(default_factory=list)
    engines: list[Engine] = field(default_factory=list)
    gates: list[threading.Event] = field(default_factory=list)

    def engine(self, container: Container) -> Engine:
        self.engines.append(Engine(container))
        return self.engines[-1]


@pytest.fixture
def running() -> Iterator[Running]:
    """Engines and containers made by a test, stopped and closed when it ends."""
    made = Running()
    yield made
    for gate in made.gates:
        gate.set()
    for engine in made.engines:
        engine.stop()
    for container in made.containers:
        container.close()


def test_an_engine_claims_no_more_messages_than_it_has_idle_delivery_workers(
    database_url: str, running: Running
) -> None:
    channel = GatedChannel()
    running.gates.append(channel.gate)
    container = _container(database_url, channel, workers=2)
    running.containers.append(container)
    apply_org(container, org_document(first="1h", second="1h"))
    for n in range(5):
        _trigger(container, f"disk-full-{n}")

    engine = running.engine(container)
    engine.start()

    wait_until(lambda: channel.sending == 2, timeout=10, what="two sends in progress")
    engine.run_once()  # another pass while both workers are busy claims nothing
    assert _states(container) == {"sending": 2, "queued": 3}
    channel.gate.set()
    wait_until(lambda: len(channel.sent) == 5, timeout=10, what="all five pages sent")
    wait_until(lambda: _states(container) == {"sent": 5}, timeout=5, what="all recorded")


def test_one_engine_works_an_sqlite_database_and_a_standby_takes_over_when_it_stops(
    tmp_path: Path, running: Running
) -> None:
    url = f"sqlite:///{tmp_path / 'ondeck.db'}"
    first_channel, second_channel = GatedChannel(), GatedChannel()
    first_channel.gate.set()
    second_channel.gate.set()
    first = _container(url, first_channel)
    second = _container(url, second_channel)
    running.containers += [first, second]
    apply_org(first, org_document(first="1h", second="1h"))
    for container in (first, second):
        container.listen_for_work()
    working = running.engine(first)
    standby = running.engine(second)

    working.start()
    wait_until(lambda: working.working, timeout=5, what="the first engine works")
    standby.start()
    _trigger(first, "disk-full-1")
    wait_until(lambda: len(first_channel.sent) == 1, timeout=5, what="the first engine pages")
    assert not standby.working
    assert second_channel.sent == []

    working.stop()
    wait_until(lambda: standby.working, timeout=5, what="the standby takes over")
    _trigger(first, "disk-full-2")
    wait_until(lambda: len(second_channel.sent) == 1, timeout=5, what="the standby pages")
    assert len(first_channel.sent) == 1
    holder = (tmp_path / "ondeck.db-engine.lock").read_text()
    assert holder.startswith(f"{socket.gethostname()}:{os.getpid()}:"), "says who works"
