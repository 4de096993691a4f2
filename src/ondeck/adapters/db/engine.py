"""Database engines and the SQL unit of work.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed ingest survives power loss)
and every writing transaction starts with ``BEGIN IMMEDIATE``, so writers queue on the
busy timeout instead of failing to upgrade a read lock; read-only units of work start a
deferred transaction, which in WAL mode never waits for a writer. PostgreSQL uses a connection pool
with pre-ping, so the process recovers by itself when the database comes back.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import Connection

from ondeck.adapters.db.command import SqlIncidentCommandStore
from ondeck.adapters.db.command_centre import SqlCommandCentreStore
from ondeck.adapters.db.contacts import SqlContactStore
from ondeck.adapters.db.directory import SqlDirectoryStore
from ondeck.adapters.db.incidents import SqlIncidentStore
from ondeck.adapters.db.org import SqlOrgStore
from ondeck.adapters.db.org_settings import SqlOrgSettingsStore
from ondeck.adapters.db.paging import SqlPagingStore
from ondeck.adapters.db.roles import SqlIncidentRoleStore
from ondeck.adapters.db.rosters import SqlScheduleStore
from ondeck.adapters.db.status_page import SqlStatusStore
from ondeck.services.ports import (
    CommandCentreStore,
    ContactStore,
    DirectoryStore,
    IncidentCommandStore,
    IncidentRoleStore,
    IncidentStore,
    OrgSettingsStore,
    OrgStore,
    PagingStore,
    ScheduleStore,
    StatusStore,
    UnitOfWork,
    Wakeup,
)

NOTIFY_CHANNEL = "ondeck_work"
READ_ONLY = "ondeck_read_only"


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class InProcessWakeup:
    """Wakes an engine in this process; PostgreSQL adds LISTEN/NOTIFY across processes."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wait(self, timeout: float) -> bool:
        signalled = self._event.wait(max(timeout, 0.0))
        self._event.clear()
        return signalled

    def notify(self) -> None:
        self._event.set()


class SqlUnitOfWork:
    def __init__(self, engine: Engine, wakeup: Wakeup, *, read_only: bool = False) -> None:
        self._engine = engine
        self._wakeup = wakeup
        self._read_only = read_only
        self._signal = False
        self._committed = False

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        if self._read_only:
            self._conn = self._conn.execution_options(**{READ_ONLY: True})
        self._conn.begin()
        self.incidents: IncidentStore = SqlIncidentStore(self._conn)
        self.paging: PagingStore = SqlPagingStore(self._conn)
        self.directory: DirectoryStore = SqlDirectoryStore(self._conn)
        self.org: OrgStore = SqlOrgStore(self._conn)
        self.schedules: ScheduleStore = SqlScheduleStore(self._conn)
        self.contacts: ContactStore = SqlContactStore(self._conn)
        self.command: IncidentCommandStore = SqlIncidentCommandStore(self._conn)
        self.settings: OrgSettingsStore = SqlOrgSettingsStore(self._conn)
        self.centre: CommandCentreStore = SqlCommandCentreStore(self._conn)
        self.status: StatusStore = SqlStatusStore(self._conn)
        self.roles: IncidentRoleStore = SqlIncidentRoleStore(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._conn.close()
        if self._committed and self._signal:
            self._wakeup.notify()

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._signal and self._engine.dialect.name == "postgresql":
            self._conn.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
        self._conn.commit()
        self._committed = True

    def signal_work(self) -> None:
        self._signal = True


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine, wakeup: Wakeup) -> None:
        self.engine = engine
        self.wakeup = wakeup

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(self.engine, self.wakeup, read_only=read_only)


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            conn.rollback()
        return True
    except Exception:
        return False
