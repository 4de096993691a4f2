"""Drive ``wrk`` (Debian's package, a C load generator) with a body that changes per request.

The Lua script builds each body as the template's parts joined by a key unique per wrk
thread and request, and prints one JSON line of results from ``done``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.httpload import Target, Throughput
from bench.payloads import Template

SCRIPT = """
local threads = {}
local counter = 0
local prefix = ""
local parts = {%(parts)s}
local headers = {["Content-Type"] = "application/json"}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  prefix = "%(label)s-" .. tid .. "-"
end

function request()
  counter = counter + 1
  return wrk.format("POST", "%(path)s", headers, table.concat(parts, prefix .. counter))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK-RESULT {"requests":%%d,"duration_us":%%d,"status_errors":%%d,' ..
    '"socket_errors":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    target: Target,
    *,
    template: Template,
    label: str,
    connections: int,
    seconds: float,
    threads: int = 1,
) -> Throughput:
    """Closed-loop load for ``seconds``; each body carries a key of its own."""
    if any("]==]" in part for part in template.parts):
        raise ValueError("a body template cannot contain ]==]")
    parts = ", ".join(f"[==[{part}]==]" for part in template.parts)
    script = SCRIPT % {"parts": parts, "label": label, "path": target.path}
    with tempfile.TemporaryDirectory(prefix="ondeck-wrk-") as folder:
        path = Path(folder) / "post.lua"
        path.write_text(script)
        completed = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(int(round(seconds)), 1)}s",
                "--timeout",
                "10s",
                "-s",
                str(path),
                f"http://{target.host}:{target.port}{target.path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    for line in completed.stdout.splitlines():
        if line.startswith("WRK-RESULT "):
            data = json.loads(line.removeprefix("WRK-RESULT "))
            total = int(data["requests"])
            refused = int(data["status_errors"])
            statuses = {200: total - refused, 500: refused, 0: int(data["socket_errors"])}
            return Throughput(
                requests=total,
                seconds=int(data["duration_us"]) / 1e6,
                statuses={status: n for status, n in statuses.items() if n},
            )
    raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
