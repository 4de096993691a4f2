"""``make bench``: the three measurements in one run, a table, and bench/results.json.

1. Events v2 ingest throughput of ``ondeck serve --no-engine`` (SQLite and PostgreSQL),
   against a no-op app on the same server stack and against Alertmanager's in-memory API.
2. Alert-to-dispatch latency (event sent → webhook page received) with the engine running,
   at a steady 1 000 events/s, and at a lower rate ondeck sustains when it cannot keep up.
3. Escalation lateness with 50 000 open incidents whose timers fall due across a window.
4. Schedule maths in process: ``on_call()`` on a 5-layer schedule with 1 000 overrides, and
   one year of ``shifts()``, against one time-zone conversion (see ``bench/schedules.py``).
   It runs first, before any server process has started; ``--only schedules`` runs it alone.

Nothing here passes or fails; each number is printed next to its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
from rich.console import Console

from bench import alertmanager, escalation, ingest, latency, schedules, wrk
from bench.procs import REPO, Processes
from bench.report import Results, show
from bench.system import POSTGRES_ADMIN_URL, libpq_url, postgres_available

RESULTS = REPO / "bench" / "results.json"
PARTS = ("ingest", "latency", "escalation", "schedules")
SERVED = ("ingest", "latency", "escalation")
"""The parts that start servers and need the databases (and, for ingest, wrk)."""

console = Console()
if not console.is_terminal:
    console = Console(width=150)


def _say(message: str) -> None:
    console.print(f"[dim]{dt.datetime.now():%H:%M:%S}[/dim] {message}", highlight=False)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _postgres_version() -> str:
    try:
        with psycopg.connect(libpq_url(POSTGRES_ADMIN_URL), connect_timeout=2) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except psycopg.Error:
        return "unreachable"


def _git(*args: str) -> str:
    completed = subprocess.run(
        ["git", *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    return completed.stdout.strip()


def _commit() -> str:
    """The commit measured, and whether product code differed from it."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = _git("status", "--porcelain", "--", "src")
    if changed:
        return f"{head} + {len(changed.splitlines())} uncommitted changes under src/"
    return head


def environment(use_wrk: bool) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "cores": os.cpu_count(),
        "cpu": _cpu(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
        "alertmanager": alertmanager.version(),
        "generator": "wrk" if use_wrk else "python asyncio",
        "sqlite_durability": "WAL, synchronous=FULL (fsync per commit)",
        "load_average_at_start": _load_average(),
    }


def _load_average() -> list[float]:
    """Other work on the machine skews every number; the 1/5/15-minute load says how much."""
    return [round(value, 2) for value in os.getloadavg()]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="ingest: measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="ingest: warm-up seconds")
    parser.add_argument("--connections", type=int, default=16, help="ingest: connections")
    parser.add_argument(
        "--python-generator", action="store_true", help="ingest: do not use wrk even if present"
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="latency: events per second")
    parser.add_argument("--rate-seconds", type=float, default=12.0, help="latency: seconds")
    parser.add_argument(
        "--retry-seconds", type=float, default=10.0, help="latency: seconds at a lower rate"
    )
    parser.add_argument("--incidents", type=int, default=50_000, help="escalation: incidents")
    parser.add_argument("--window", type=float, default=60.0, help="escalation: due window (s)")
    parser.add_argument(
        "--extra", type=float, default=30.0, help="escalation: seconds to wait after the window"
    )
    parser.add_argument(
        "--escalation-databases",
        default="postgresql,sqlite",
        help="escalation: comma-separated databases, in order",
    )
    parser.add_argument(
        "--calls", type=int, default=50_000, help="schedules: on_call() moments timed"
    )
    parser.add_argument(
        "--runs", type=int, default=20, help="schedules: shifts() runs, fresh and warm each"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    signal.signal(signal.SIGTERM, _terminate)
    parts = args.only or list(PARTS)
    served = any(part in SERVED for part in parts)
    use_wrk = wrk.available() and not args.python_generator
    results = Results(environment=environment(use_wrk))
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()] if served else []
    databases = []
    for kind in wanted:
        if kind == "postgresql" and not postgres_available():
            results.skipped.append(f"PostgreSQL skipped: unreachable at {POSTGRES_ADMIN_URL}")
            continue
        databases.append(kind)
    if not use_wrk and "ingest" in parts:
        why = "not used (--python-generator)" if args.python_generator else "not found"
        results.skipped.append(
            f"wrk {why}: the ingest load comes from the Python generator, which needs more "
            "of the 2 cores than wrk and so caps the baselines lower (apt-get install wrk)"
        )
    started = time.monotonic()
    env = results.environment
    _say(
        f"measuring on {env['cores']} cores ({env['cpu']}); "
        f"databases: {', '.join(databases) or 'none'}; parts: {', '.join(parts)}"
    )
    with tempfile.TemporaryDirectory(prefix="ondeck-bench-") as scratch:
        folder = Path(scratch)
        with Processes(log_dir=folder) as procs:
            try:
                if "schedules" in parts:
                    results.schedules = schedules.measure(
                        calls=args.calls, runs=args.runs, say=_say
                    )
                if "ingest" in parts:
                    results.shape = ingest.LoadShape(
                        seconds=args.seconds,
                        warmup=args.warmup,
                        connections=args.connections,
                        use_wrk=use_wrk,
                    )
                    results.ingest = ingest.measure(procs, results.shape, folder, databases, _say)
                if "latency" in parts:
                    for kind in databases:
                        results.latency.extend(
                            latency.measure(
                                procs,
                                folder,
                                kind,
                                rate=args.rate,
                                seconds=args.rate_seconds,
                                retry_seconds=args.retry_seconds,
                                say=_say,
                            )
                        )
                if "escalation" in parts:
                    for kind in args.escalation_databases.split(","):
                        if kind.strip() not in databases:
                            continue
                        results.escalation.append(
                            escalation.measure(
                                procs,
                                folder,
                                kind.strip(),
                                count=args.incidents,
                                window=args.window,
                                extra=args.extra,
                                say=_say,
                            )
                        )
                results.complete = True
            finally:
                results.elapsed_seconds = time.monotonic() - started
                results.environment["load_average_at_end"] = _load_average()
                args.output.write_text(json.dumps(results.as_json(), indent=2) + "\n")
    show(results, console)
    _say(f"done in {results.elapsed_seconds:.0f}s; wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
