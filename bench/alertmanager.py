"""Prometheus Alertmanager as a baseline, started the way the protocol research's run.sh does.

Loopback listen address, gossip off (``--cluster.listen-address=`` empty), storage in a
temporary folder. Its receiver has no integrations: ``POST /api/v2/alerts`` keeps the
alerts in memory and nothing is sent anywhere.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.procs import HOST, Processes, Started, free_port, http_ok, wait_until

BINARY = "prometheus-alertmanager"

CONFIG = """
route:
  receiver: blackhole
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: blackhole
"""


def binary() -> str | None:
    return shutil.which(BINARY)


def version() -> str:
    found = binary()
    if found is None:
        return "not installed"
    completed = subprocess.run(
        [found, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].strip() if first else "unknown version"


def start(procs: Processes, folder: Path) -> tuple[Started, int]:
    found = binary()
    if found is None:
        raise FileNotFoundError(BINARY)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "alertmanager.yml"
    config.write_text(CONFIG)
    port = free_port()
    started = procs.start(
        "alertmanager",
        [
            found,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address={HOST}:{port}",
            f"--web.external-url=http://{HOST}:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
    )
    wait_until(http_ok(f"http://{HOST}:{port}/-/ready"), started, timeout=30, what="/-/ready")
    return started, port
