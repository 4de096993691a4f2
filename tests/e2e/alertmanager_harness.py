"""Run the real Prometheus Alertmanager binary on loopback, the way the research experiment did.

Alertmanager gets a config of our making, its own storage directory, a free port and no
cluster gossip (``--cluster.listen-address=`` with an empty value). Alerts are posted to its
``/api/v2/alerts`` exactly as Prometheus would post them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import REQUIRE_ALL, free_port, stop_process

BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")
EXTERNAL_URL = "http://alertmanager.example:9093"
GROUP_BY = ("alertname", "service")


def find_binary() -> str:
    """The Alertmanager executable; fail in CI (ONDECK_REQUIRE_ALL=1) or skip when missing."""
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = "the Alertmanager binary is not installed (apt-get install prometheus-alertmanager)"
    if REQUIRE_ALL:
        pytest.fail(message)
    pytest.skip(message + "; set ONDECK_REQUIRE_ALL=1 to fail instead")


def find_amtool() -> str | None:
    return shutil.which("amtool")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def group_key(labels: dict[str, str]) -> str:
    """The key Alertmanager gives a group of the root route, grouped by GROUP_BY."""
    inner = ", ".join(f'{name}="{labels[name]}"' for name in sorted(GROUP_BY))
    return "{}:{" + inner + "}"


def dedup_key_for(labels: dict[str, str]) -> str:
    """What Alertmanager's PagerDuty notifier sends as ``dedup_key``: SHA-256 of the group key."""
    return hashlib.sha256(group_key(labels).encode()).hexdigest()


def config(receivers: dict[str, Any]) -> dict[str, Any]:
    """A config with one receiver ``ondeck`` and fast timers.

    ``resolve_timeout`` is longer than any scenario, so a resolve seen by ondeck comes from
    the alert posted with ``endsAt`` and not from Alertmanager timing the alert out.
    """
    return {
        "global": {"resolve_timeout": "2m"},
        "route": {
            "receiver": "ondeck",
            "group_by": list(GROUP_BY),
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1h",
        },
        "receivers": [{"name": "ondeck", **receivers}],
    }


@dataclass
class Alertmanager:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post(self, labels: dict[str, str], annotations: dict[str, str], **times: str) -> None:
        """Post one alert as Prometheus does; ``times`` holds ``startsAt`` and maybe ``endsAt``."""
        alert = {
            "labels": labels,
            "annotations": annotations,
            "generatorURL": "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
            **times,
        }
        response = httpx.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=10)
        assert response.status_code == 200, f"{response.status_code}: {response.text}"

    def stop(self) -> None:
        stop_process(self.process)


def write_config(directory: Path, receivers: dict[str, Any]) -> Path:
    path = directory / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config(receivers), sort_keys=False))
    return path


def check_config(path: Path) -> None:
    """Validate with ``amtool check-config`` when amtool is installed."""
    amtool = find_amtool()
    if amtool is None:
        return
    result = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"amtool rejected the config:\n{result.stdout}{result.stderr}"


def start(directory: Path, receivers: dict[str, Any], timeout: float = 30.0) -> Alertmanager:
    """Start Alertmanager with a config for ``receivers`` and wait until it is ready."""
    binary = find_binary()
    directory.mkdir(parents=True, exist_ok=True)
    config_path = write_config(directory, receivers)
    check_config(config_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = directory / "alertmanager.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url={EXTERNAL_URL}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            start_new_session=True,
        )
    manager = Alertmanager(url=url, process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"Alertmanager exited with {process.returncode}:\n{manager.log()}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return manager
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    manager.stop()
    raise AssertionError(f"Alertmanager was not ready in {timeout}s:\n{manager.log()}")
