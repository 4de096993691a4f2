"""Measurement 1: durable Events v2 ingest throughput against two baselines.

Each target gets the same closed-loop load (same generator, connections and duration,
after a warm-up): the no-op app on ondeck's server stack, Alertmanager's in-memory
``POST /api/v2/alerts``, and ``ondeck serve --no-engine`` on SQLite and on PostgreSQL,
every event a trigger with a dedup key of its own (so each one opens an incident).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from bench import aio, alertmanager, httpload, wrk
from bench.payloads import Template, alertmanager_alert, events_v2_trigger
from bench.procs import HOST, Processes, free_port, http_ok, wait_until
from bench.system import fresh_database, prepare, start_serve
from ondeck.adapters.db.tables import incidents


@dataclass(frozen=True)
class LoadShape:
    seconds: float
    warmup: float
    connections: int
    use_wrk: bool

    @property
    def generator(self) -> str:
        if self.use_wrk:
            return f"wrk (1 thread, {self.connections} connections)"
        return f"Python asyncio, hand-framed HTTP/1.1 ({self.connections} connections)"


@dataclass
class IngestResult:
    target: str
    events_per_s: float | None
    requests: int = 0
    refused: int = 0
    seconds: float = 0.0
    note: str = ""
    stored: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _load(
    shape: LoadShape, target: httpload.Target, template: Template, label: str
) -> httpload.Throughput:
    def once(seconds: float, tag: str) -> httpload.Throughput:
        if shape.use_wrk:
            return wrk.run(
                target,
                template=template,
                label=f"{label}-{tag}",
                connections=shape.connections,
                seconds=seconds,
            )
        prefix = f"{label}-{tag}-"
        return aio.run(
            httpload.closed_loop(
                target,
                lambda n: template.body(prefix + str(n)),
                connections=shape.connections,
                seconds=seconds,
            )
        )

    once(shape.warmup, "warmup")
    return once(shape.seconds, "run")


def _result(name: str, measured: httpload.Throughput, note: str = "") -> IngestResult:
    return IngestResult(
        target=name,
        events_per_s=measured.per_second,
        requests=measured.requests,
        refused=measured.requests - measured.ok,
        seconds=measured.seconds,
        note=note,
    )


def noop(procs: Processes, shape: LoadShape) -> IngestResult:
    port = free_port()
    started = procs.start_python("noop", "bench.noop", "--port", str(port))
    try:
        wait_until(http_ok(f"http://{HOST}:{port}/healthz"), started, timeout=30, what="health")
        target = httpload.Target(HOST, port, "/v2/enqueue")
        return _result("no-op FastAPI on uvicorn", _load(shape, target, events_v2_trigger(), "n"))
    finally:
        procs.stop(started)


def alertmanager_baseline(procs: Processes, shape: LoadShape, folder: Path) -> IngestResult:
    name = "Alertmanager POST /api/v2/alerts"
    if alertmanager.binary() is None:
        return IngestResult(target=name, events_per_s=None, note="not installed")
    started, port = alertmanager.start(procs, folder / "alertmanager")
    try:
        target = httpload.Target(HOST, port, "/api/v2/alerts")
        measured = _load(shape, target, alertmanager_alert(), "a")
        return _result(name, measured, note=alertmanager.version())
    finally:
        procs.stop(started)


def _count_incidents(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(incidents)).scalar_one())
    finally:
        engine.dispose()


def ondeck(procs: Processes, shape: LoadShape, folder: Path, kind: str) -> IngestResult:
    with fresh_database(kind, folder) as url:
        prepare(url, sink_url=f"http://{HOST}:9/unused")
        server = start_serve(procs, f"ondeck-ingest-{kind}", url, engine=False)
        try:
            target = httpload.Target(HOST, server.port, "/v2/enqueue")
            measured = _load(shape, target, events_v2_trigger(), f"i{kind[0]}")
        finally:
            procs.stop(server.started)
        result = _result(f"ondeck serve --no-engine ({kind})", measured)
        result.stored = _count_incidents(url)
        return result


def measure(
    procs: Processes,
    shape: LoadShape,
    folder: Path,
    databases: list[str],
    say: Callable[[str], None],
) -> list[IngestResult]:
    results = []
    say("ingest: no-op baseline")
    results.append(noop(procs, shape))
    say("ingest: Alertmanager baseline")
    results.append(alertmanager_baseline(procs, shape, folder))
    for kind in databases:
        say(f"ingest: ondeck on {kind}")
        results.append(ondeck(procs, shape, folder, kind))
    return results
