"""Measurement 3: how late escalation timers fire with many open incidents.

N triggered incidents are bulk-inserted (the bench policy snapshot, whose only level pages
the bench user by webhook), then ``ondeck serve`` starts with its engine, and only then
are their escalation rows inserted, due one after another across a window that starts a
few seconds ahead (one transaction, with the ``NOTIFY`` ondeck's own ingest sends on
PostgreSQL). Lateness is measured three ways:

- the engine's own histogram ``ondeck_escalation_lateness_seconds`` (from ``/metrics``,
  observed after the firing transaction commits);
- per incident, the ``escalated`` timeline entry's time (the firing transaction's clock)
  minus the due time; timers still unfired when measuring stops count as at least
  ``stop - due``;
- per incident, the page's arrival at the sink minus the due time (due to delivered).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, func, insert, select, text

from bench.procs import STOP_TIMEOUT, Processes
from bench.stats import Quantile, histogram_quantile, quantile
from bench.system import (
    ROUTING_KEY,
    fresh_database,
    prepare,
    settings,
    start_serve,
    start_sink,
)
from ondeck.adapters.db.tables import escalations, incidents, timeline
from ondeck.bootstrap import bootstrap

LEAD = 3.0
LEAD_PER_10K = 1.0
"""Seconds ahead the first timer falls due: time to write the timers, which grows with N."""
CHUNK = 5000
HISTOGRAM = "ondeck_escalation_lateness_seconds_bucket"
STOP_NOTE = (
    f"ondeck serve did not exit within {STOP_TIMEOUT:.0f}s of SIGTERM and was killed "
    "(the engine's delivery pool drains its whole queue on shutdown)"
)


@dataclass
class EscalationRun:
    database: str
    incidents: int
    window: float
    load_seconds: float = 0.0
    fired: int = 0
    unfired: int = 0
    fire_rate: float = 0.0
    timeline_p50: Quantile | None = None
    timeline_p99: Quantile | None = None
    metric_p50: Quantile | None = None
    metric_p99: Quantile | None = None
    metric_count: int = 0
    delivered: int = 0
    duplicates: int = 0
    page_p50: Quantile | None = None
    page_p99: Quantile | None = None
    backlog: list[tuple[float, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def q(value: Quantile | None) -> dict[str, float | bool] | None:
            return None if value is None else value.as_json()

        return {
            "database": self.database,
            "incidents": self.incidents,
            "window_seconds": self.window,
            "due_rate_per_s": round(self.incidents / self.window, 1),
            "load_seconds": round(self.load_seconds, 2),
            "fired": self.fired,
            "unfired_at_stop": self.unfired,
            "fire_rate_per_s": round(self.fire_rate, 1),
            "lateness_timeline_p50": q(self.timeline_p50),
            "lateness_timeline_p99": q(self.timeline_p99),
            "lateness_metric_p50": q(self.metric_p50),
            "lateness_metric_p99": q(self.metric_p99),
            "lateness_metric_count": self.metric_count,
            "pages_delivered": self.delivered,
            "duplicate_pages": self.duplicates,
            "due_to_page_p50": q(self.page_p50),
            "due_to_page_p99": q(self.page_p99),
            "overdue_backlog": [[round(t, 1), n] for t, n in self.backlog],
            "notes": self.notes,
        }


def _load_incidents(engine: Engine, database_url: str, count: int) -> dict[int, str]:
    """Insert ``count`` triggered incidents; returns their ids and titles."""
    container = bootstrap(settings(database_url))
    try:
        with container.uow() as work:
            route = work.directory.route_for_key(ROUTING_KEY)
            assert route is not None
            policy = work.directory.policy_snapshot(route.policy_id).to_json()
    finally:
        container.close()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, count, CHUNK):
            conn.execute(
                insert(incidents),
                [
                    {
                        "service_id": route.service_id,
                        "dedup_key": f"E-{n}",
                        "title": f"E-{n}",
                        "status": "triggered",
                        "urgency": "high",
                        "severity": "critical",
                        "source": "bench",
                        "created_at": now,
                        "last_alert_at": now,
                        "alert_count": 1,
                        "policy": policy,
                        "details": {},
                    }
                    for n in range(start, min(start + CHUNK, count))
                ],
            )
    with engine.connect() as conn:
        rows = conn.execute(select(incidents.c.id, incidents.c.title).order_by(incidents.c.id))
        return {int(row.id): str(row.title) for row in rows}


def _schedule(
    engine: Engine, ids: list[int], first_due: datetime, window: float
) -> dict[int, datetime]:
    step = timedelta(seconds=window / max(len(ids), 1))
    due = {incident_id: first_due + step * n for n, incident_id in enumerate(ids)}
    with engine.begin() as conn:
        for start in range(0, len(ids), CHUNK):
            conn.execute(
                insert(escalations),
                [
                    {"incident_id": i, "level": 0, "loop": 0, "due_at": due[i]}
                    for i in ids[start : start + CHUNK]
                ],
            )
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_notify('ondeck_work', '')"))
    return due


def _overdue(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(escalations)
                .where(escalations.c.due_at <= datetime.now(UTC))
            ).scalar_one()
        )


def _fired_at(engine: Engine) -> dict[int, datetime]:
    """When each incident's first level fired: its earliest ``escalated`` timeline entry."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(timeline.c.incident_id, timeline.c.at)
            .where(timeline.c.kind == "escalated")
            .order_by(timeline.c.id)
        )
        fired: dict[int, datetime] = {}
        for row in rows:
            fired.setdefault(int(row.incident_id), row.at)
        return fired


def _histogram(url: str, token: str) -> list[tuple[float, float]]:
    response = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    buckets = []
    for line in response.text.splitlines():
        if line.startswith(HISTOGRAM + "{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(line.rsplit(" ", 1)[1])))
    return sorted(buckets)


def run_once(
    procs: Processes,
    folder: Path,
    kind: str,
    *,
    count: int,
    window: float,
    extra: float,
    say: Callable[[str], None],
) -> EscalationRun:
    result = EscalationRun(database=kind, incidents=count, window=window)
    with fresh_database(kind, folder) as url:
        sink, sink_url = start_sink(procs)
        engine = create_engine(url)
        try:
            prepared = prepare(url, sink_url=f"{sink_url}/page")
            loaded = time.monotonic()
            titles = _load_incidents(engine, url, count)
            result.load_seconds = time.monotonic() - loaded
            say(f"escalation: {kind}: {len(titles)} incidents in {result.load_seconds:.1f}s")
            server = start_serve(procs, f"ondeck-escalation-{kind}", url, engine=True)
            try:
                lead = LEAD + LEAD_PER_10K * count / 10_000
                first_due = datetime.now(UTC) + timedelta(seconds=lead)
                due = _schedule(engine, list(titles), first_due, window)
                late_start = (datetime.now(UTC) - first_due).total_seconds()
                if late_start > 0:
                    result.notes.append(
                        f"timers were written {late_start:.1f}s after the first was due"
                    )
                last_due = max(due.values())
                stop = last_due + timedelta(seconds=extra)
                while datetime.now(UTC) < stop:
                    time.sleep(2.0)
                    overdue = _overdue(engine)
                    seconds = (datetime.now(UTC) - first_due).total_seconds()
                    result.backlog.append((seconds, overdue))
                    if datetime.now(UTC) > last_due and overdue == 0:
                        break
                stopped = datetime.now(UTC)
                offset = time.time() - time.monotonic()
                buckets = _histogram(server.url, prepared.token)
                pages_data = httpx.get(f"{sink_url}/received", timeout=60).json()
            finally:
                procs.stop(server.started)
            if server.started.killed:
                result.notes.append(STOP_NOTE)
            fired = _fired_at(engine)
        finally:
            engine.dispose()
            procs.stop(sink)
    _summarise(result, due, fired, titles, stopped, buckets, pages_data, offset)
    return result


def _summarise(
    result: EscalationRun,
    due: dict[int, datetime],
    fired: dict[int, datetime],
    titles: dict[int, str],
    stopped: datetime,
    buckets: list[tuple[float, float]],
    pages_data: dict[str, Any],
    offset: float,
) -> None:
    late = [(fired[i] - d).total_seconds() for i, d in due.items() if i in fired]
    waiting = [(stopped - d).total_seconds() for i, d in due.items() if i not in fired]
    result.fired = len(late)
    result.unfired = len(waiting)
    result.timeline_p50 = quantile(late, 0.50, waiting)
    result.timeline_p99 = quantile(late, 0.99, waiting)
    if fired:
        span = (max(fired.values()) - min(due.values())).total_seconds()
        result.fire_rate = len(fired) / max(span, result.window)
    result.metric_p50 = histogram_quantile(buckets, 0.50)
    result.metric_p99 = histogram_quantile(buckets, 0.99)
    result.metric_count = int(buckets[-1][1]) if buckets else 0
    pages = {str(k): float(v) + offset for k, v in pages_data["pages"].items()}
    delivered: list[float] = []
    undelivered: list[float] = []
    for incident_id, when in due.items():
        arrived = pages.get(titles[incident_id])
        if arrived is None:
            undelivered.append(stopped.timestamp() - when.timestamp())
        else:
            delivered.append(arrived - when.timestamp())
    result.delivered = len(delivered)
    result.duplicates = int(pages_data["duplicates"])
    result.page_p50 = quantile(delivered, 0.50, undelivered)
    result.page_p99 = quantile(delivered, 0.99, undelivered)
    if result.unfired:
        result.notes.append(
            f"{result.unfired} of {result.incidents} timers had not fired when measuring "
            f"stopped; they count as late by at least stop - due (percentiles marked ≥)"
        )
    if result.duplicates:
        result.notes.append(
            f"{result.duplicates} pages arrived twice (delivery is at-least-once: a message "
            "whose 30s sending deadline passes before its send is recorded is claimed again)"
        )


def measure(
    procs: Processes,
    folder: Path,
    kind: str,
    *,
    count: int,
    window: float,
    extra: float,
    say: Callable[[str], None],
) -> EscalationRun:
    say(f"escalation: {kind}: {count} open incidents due over {window:.0f}s")
    return run_once(procs, folder, kind, count=count, window=window, extra=extra, say=say)
