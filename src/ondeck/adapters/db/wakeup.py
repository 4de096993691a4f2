"""Cross-process wake-ups for engines: LISTEN/NOTIFY on PostgreSQL, data_version on SQLite.

Both run in a daemon thread and call ``notify`` on the in-process wakeup, so the engine
loop has a single thing to wait on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from ondeck.adapters.db.engine import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def start_listener(
    engine: Engine, notify: Callable[[], None], stop: threading.Event
) -> threading.Thread:
    """Start the listener that fits the engine's database; it runs until ``stop`` is set."""
    target = _listen_postgres if engine.dialect.name == "postgresql" else _watch_sqlite
    thread = threading.Thread(
        target=target, args=(engine, notify, stop), name="ondeck-wakeup", daemon=True
    )
    thread.start()
    return thread


def _listen_postgres(engine: Engine, notify: Callable[[], None], stop: threading.Event) -> None:
    url = _libpq_url(engine)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                notify()  # work may have arrived while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        notify()
        except psycopg.Error as error:
            log.warning("wake-up listener lost the database (%s); reconnecting", error)
            stop.wait(1.0)


def _watch_sqlite(engine: Engine, notify: Callable[[], None], stop: threading.Event) -> None:
    """Another process's commit changes ``PRAGMA data_version``: a cheap local check."""
    path = engine.url.database
    if not path or path == ":memory:":
        return
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        last = conn.execute("PRAGMA data_version").fetchone()[0]
        while not stop.wait(0.05):
            current = conn.execute("PRAGMA data_version").fetchone()[0]
            if current != last:
                last = current
                notify()
    except sqlite3.Error as error:
        log.warning("SQLite watcher stopped: %s", error)
        time.sleep(0.1)
    finally:
        conn.close()
