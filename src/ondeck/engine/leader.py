"""Which engine works an SQLite database: the one holding an exclusive lock on a file.

SQLite in WAL mode only works when every process using the database runs on the same host,
so an OS file lock beside the database is a complete election, and a better one than a
lease row: the kernel drops the lock the moment its holder dies, even by SIGKILL, so a
standby or restarted engine takes over within one poll instead of waiting out a lease.
Nothing is written to the database to hold it, so holding it never wakes anyone.

PostgreSQL engines need no leader: they share the work through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import fcntl
import os
from typing import Protocol


class Leadership(Protocol):
    exclusive: bool
    """True when holding it means no other engine is alive to be sending anything."""

    def acquire(self) -> bool:
        """True when this engine may work now; never blocks."""

    def release(self) -> None: ...


class Shared:
    """Every engine works (PostgreSQL, or an SQLite database only this process can see)."""

    exclusive = False

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


class FileLock:
    """Leadership held as ``flock(LOCK_EX)`` on ``path`` while the engine runs."""

    exclusive = True

    def __init__(self, path: str, identity: str) -> None:
        self.path = path
        self._identity = identity
        self._fd: int | None = None
        self._held = False

    def acquire(self) -> bool:
        if self._held:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{self._identity}\n".encode(), 0)  # for people: who works
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
        self._fd = None
        self._held = False


def leadership_for(dialect: str, database: str | None, identity: str) -> Leadership:
    """A file lock beside an SQLite database file; shared work everywhere else."""
    if dialect != "sqlite" or not database or database == ":memory:":
        return Shared()
    return FileLock(f"{database}-engine.lock", identity)
