"""Cross-process wake-ups for engines: LISTEN/NOTIFY on PostgreSQL, data_version on SQLite.

Both run in a daemon thread and call ``notify`` on the in-process wakeup, so the engine
loop has a single thing to wait on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from urllib.parse import quote

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine

from ondeck.adapters.db.engine import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

SQLITE_CHECK_INTERVAL = 0.05
LISTENER_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
"""A listener on a silently dead connection would hear nothing: notice within ~25 s."""


def _listener_conninfo(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return make_conninfo(url, connect_timeout=3, **LISTENER_KEEPALIVES)


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
    url = _listener_conninfo(engine)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                notify()  # work may have arrived while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        notify()
        except psycopg.Error as error:
            log.warning("wake-up listener lost the database (%s); reconnecting", error)
            stop.wait(1.0)


def _watch_sqlite(engine: Engine, notify: Callable[[], None], stop: threading.Event) -> None:
    """Another process's commit changes ``PRAGMA data_version``: a cheap local check.

    Errors (the file not there yet, a disk hiccup) never end the watcher: it reopens the
    database and signals once, since a commit may have been missed meanwhile.
    """
    path = engine.url.database
    if not path or path == ":memory:":
        return
    while not stop.is_set():
        try:
            with closing(sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True)) as conn:
                last = conn.execute("PRAGMA data_version").fetchone()[0]
                notify()
                while not stop.wait(SQLITE_CHECK_INTERVAL):
                    current = conn.execute("PRAGMA data_version").fetchone()[0]
                    if current != last:
                        last = current
                        notify()
        except sqlite3.Error as error:
            log.warning("SQLite watcher cannot read %s (%s); retrying", path, error)
            stop.wait(1.0)
