"""Starting and stopping the processes a benchmark needs, on free loopback ports.

Every process is started in a session of its own and registered with a ``Processes``
object; leaving its ``with`` block stops each of them by its own id, also on failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class StartFailed(RuntimeError):
    pass


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    killed: bool = False
    """True when it did not exit within STOP_TIMEOUT of SIGTERM and was killed."""

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class Processes:
    """Processes started by this run; all are stopped when the ``with`` block ends."""

    log_dir: Path
    started: list[Started] = field(default_factory=list)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(self, name: str, args: list[str], *, env: dict[str, str] | None = None) -> Started:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                args,
                env=env if env is not None else os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
                start_new_session=True,
            )
        started = Started(name=name, process=process, log_path=log_path)
        self.started.append(started)
        return started

    def start_python(
        self, name: str, module: str, *args: str, env: dict[str, str] | None = None
    ) -> Started:
        return self.start(name, [sys.executable, "-m", module, *args], env=env)

    def stop(self, started: Started) -> None:
        process = started.process
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                started.killed = True
        if started in self.started:
            self.started.remove(started)

    def stop_all(self) -> None:
        for started in list(reversed(self.started)):
            self.stop(started)


def wait_until(check: Callable[[], bool], started: Started, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not started.alive():
            raise StartFailed(
                f"{started.name} exited with {started.process.returncode} before {what}:\n"
                + started.log_tail()
            )
        if check():
            return
        time.sleep(0.05)
    raise StartFailed(f"{started.name}: no {what} after {timeout:.0f}s:\n" + started.log_tail())


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return True
        except OSError:
            return False

    return check
