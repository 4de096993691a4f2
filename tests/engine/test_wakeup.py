"""Engines wake when work arrives, not on a polling cycle.

The engine sleeps until its earliest due time; a page for a new incident is only fast when
the web process's commit wakes the engine in the other process: LISTEN/NOTIFY on PostgreSQL,
``PRAGMA data_version`` on SQLite.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from ondeck.adapters.db.engine import NOTIFY_CHANNEL, create_db_engine
from ondeck.adapters.db.wakeup import start_listener
from tests.conftest import Mailbox
from tests.engine.conftest import ADA, Deploy, Engines, org_document

LATENCY_LIMIT = 2.0


def test_a_separate_engine_hands_the_first_page_to_smtp_right_after_the_202(
    database_url: str, mailbox: Mailbox, deploy: Deploy, engines: Engines
) -> None:
    deployment = deploy(
        database_url, org_document(first="1h", second="1h"), ONDECK_SMTP_URL=mailbox.url
    )
    engines.start(deployment.env)

    latencies = []
    for n in range(3):
        time.sleep(0.5)  # let the engine go back to sleep: nothing is due for an hour
        deployment.trigger(f"latency-{n}")
        sent = time.monotonic()
        mailbox.wait_for(ADA, count=n + 1, timeout=2 * LATENCY_LIMIT)
        latencies.append(time.monotonic() - sent)

    assert max(latencies) < LATENCY_LIMIT, latencies


def test_the_listener_wakes_on_another_connections_commit(database_url: str) -> None:
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE poke (n INTEGER)"))
    woken = threading.Event()
    stop = threading.Event()
    thread = start_listener(engine, woken.set, stop)
    try:
        assert woken.wait(5.0), "a listener signals once when it (re)connects"
        woken.clear()
        time.sleep(0.3)
        assert not woken.is_set(), "nothing was committed since"
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO poke VALUES (1)"))
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        assert woken.wait(2.0)
    finally:
        stop.set()
        thread.join(timeout=5)
        engine.dispose()


def test_the_sqlite_watcher_keeps_trying_until_the_database_can_be_opened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "not-yet" / "ondeck.db"
    engine = create_db_engine(f"sqlite:///{path}")
    woken = threading.Event()
    stop = threading.Event()
    thread = start_listener(engine, woken.set, stop)
    try:
        time.sleep(0.3)
        assert thread.is_alive(), "the watcher gave up on a missing database"
        path.parent.mkdir()
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE poke (n INTEGER)"))
        assert woken.wait(3.0), "the watcher opens the database once it exists"
        woken.clear()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO poke VALUES (1)"))
        assert woken.wait(2.0), "and wakes on the next commit"
    finally:
        stop.set()
        thread.join(timeout=5)
        engine.dispose()
