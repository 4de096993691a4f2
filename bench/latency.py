"""Measurement 2: alert-to-dispatch latency under a steady event rate.

``ondeck serve`` with its engine; the bench user's only contact method is a webhook to the
sink. Each event's dedup key and summary (the incident's title, which the webhook body
carries) is ``<label>-<n>``; the generator records when request ``n`` was written to the
socket and the sink when the page for it arrived, both on the shared monotonic clock.

First the offered rate (1 000/s); when ondeck does not keep up with it, the run is
repeated on a fresh database at a lower rate derived from what it did sustain.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import aio, httpload
from bench.payloads import events_v2_trigger
from bench.procs import HOST, STOP_TIMEOUT, Processes
from bench.stats import Quantile, quantile
from bench.system import fresh_database, prepare, start_serve, start_sink

CONNECTIONS = 64
GRACE = 3.0
DRAIN = 20.0
STALL = 8.0
WARMUP_RATE = 20.0
WARMUP_SECONDS = 2.0


@dataclass
class LatencyRun:
    database: str
    offered_rate: float
    seconds: float
    dispatched: int = 0
    accepted: int = 0
    accepted_rate: float = 0.0
    delivered: int = 0
    delivered_rate: float = 0.0
    missing: int = 0
    duplicates: int = 0
    p50: Quantile | None = None
    p99: Quantile | None = None
    ingest_p50: Quantile | None = None
    ingest_p99: Quantile | None = None
    kept_up: bool = False
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def q(value: Quantile | None) -> dict[str, float | bool] | None:
            return None if value is None else value.as_json()

        return {
            "database": self.database,
            "offered_rate": self.offered_rate,
            "seconds": self.seconds,
            "dispatched": self.dispatched,
            "accepted": self.accepted,
            "accepted_rate": round(self.accepted_rate, 2),
            "delivered": self.delivered,
            "delivered_rate": round(self.delivered_rate, 2),
            "missing": self.missing,
            "duplicates": self.duplicates,
            "dispatch_p50": q(self.p50),
            "dispatch_p99": q(self.p99),
            "ingest_p50": q(self.ingest_p50),
            "ingest_p99": q(self.ingest_p99),
            "kept_up": self.kept_up,
            "notes": self.notes,
        }


def _received(sink_url: str) -> tuple[dict[str, float], int]:
    data = httpx.get(f"{sink_url}/received", timeout=30).json()
    return {str(k): float(v) for k, v in data["pages"].items()}, int(data["duplicates"])


def _drain(sink_url: str, label: str, expected: int) -> tuple[dict[str, float], int, float]:
    """Wait until the sink has ``expected`` pages titled ``label-*``, progress stalls for
    STALL seconds, or DRAIN seconds pass."""
    deadline = time.monotonic() + DRAIN
    last_count, last_change = -1, time.monotonic()
    while True:
        pages, duplicates = _received(sink_url)
        now = time.monotonic()
        count = sum(1 for title in pages if title.startswith(label + "-"))
        if count != last_count:
            last_count, last_change = count, now
        if count >= expected or now > deadline or now - last_change > STALL:
            return pages, duplicates, now
        time.sleep(0.5)


def run_once(
    procs: Processes, folder: Path, kind: str, *, rate: float, seconds: float
) -> LatencyRun:
    result = LatencyRun(database=kind, offered_rate=rate, seconds=seconds)
    label = f"L{kind[0]}{int(rate)}"
    template = events_v2_trigger()
    with fresh_database(kind, folder) as url:
        sink, sink_url = start_sink(procs)
        try:
            prepare(url, sink_url=f"{sink_url}/page")
            server = start_serve(procs, f"ondeck-latency-{kind}-{int(rate)}", url, engine=True)
            target = httpload.Target(HOST, server.port, "/v2/enqueue")
            try:
                aio.run(
                    httpload.open_loop(
                        target,
                        lambda n: template.body(f"warmup-{n}"),
                        rate=WARMUP_RATE,
                        seconds=WARMUP_SECONDS,
                        connections=8,
                    )
                )
                time.sleep(1.0)
                timed = aio.run(
                    httpload.open_loop(
                        target,
                        lambda n: template.body(f"{label}-{n}"),
                        rate=rate,
                        seconds=seconds,
                        connections=CONNECTIONS,
                        grace=GRACE,
                    )
                )
                pages, duplicates, ended = _drain(sink_url, label, len(timed.accepted))
            finally:
                procs.stop(server.started)
            if server.started.killed:
                result.notes.append(
                    f"ondeck serve did not exit within {STOP_TIMEOUT:.0f}s of SIGTERM and was "
                    "killed"
                )
        finally:
            procs.stop(sink)
    _summarise(result, timed, pages, duplicates, ended, label)
    return result


def _summarise(
    result: LatencyRun,
    timed: httpload.Timed,
    pages: dict[str, float],
    duplicates: int,
    ended: float,
    label: str,
) -> None:
    done: list[float] = []
    pending: list[float] = []
    for number in timed.accepted:
        sent = timed.sent[number]
        arrived = pages.get(f"{label}-{number}")
        if arrived is None:
            pending.append(ended - sent)
        else:
            done.append(arrived - sent)
    answers = [timed.answered[n] - timed.sent[n] for n in timed.accepted]
    result.dispatched = len(timed.sent)
    result.accepted = len(timed.accepted)
    span = max(timed.finished_at - timed.started_at, result.seconds)
    result.accepted_rate = len(timed.accepted) / span
    result.delivered = len(done)
    if done:
        first_sent = min(timed.sent.values())
        last_page = max(pages[f"{label}-{n}"] for n in timed.accepted if f"{label}-{n}" in pages)
        result.delivered_rate = len(done) / max(last_page - first_sent, result.seconds)
    result.missing = len(pending)
    result.duplicates = duplicates
    result.p50 = quantile(done, 0.50, pending)
    result.p99 = quantile(done, 0.99, pending)
    result.ingest_p50 = quantile(answers, 0.50)
    result.ingest_p99 = quantile(answers, 0.99)
    offered = int(result.offered_rate * result.seconds)
    result.kept_up = (
        result.accepted >= 0.97 * offered
        and result.missing == 0
        and result.p99 is not None
        and result.p99.seconds <= 2.0
    )
    if result.accepted < offered:
        result.notes.append(
            f"{offered - result.accepted} of {offered} events not accepted in time "
            f"(sent {result.dispatched}; the generator waits for a free connection of "
            f"{CONNECTIONS} when ondeck is behind)"
        )
    if result.missing:
        result.notes.append(
            f"{result.missing} accepted events had no page after a {DRAIN:.0f}s drain "
            "(counted at their wait so far: percentiles marked ≥)"
        )


def sustainable_rate(run: LatencyRun) -> float:
    """A rate below what the run sustained: 70 % of the smaller of ingest and dispatch."""
    achieved = min(run.accepted_rate, run.delivered_rate or run.accepted_rate)
    return float(max(5, int(math.floor(achieved * 0.7 / 5) * 5)))


def measure(
    procs: Processes,
    folder: Path,
    kind: str,
    *,
    rate: float,
    seconds: float,
    retry_seconds: float,
    say: Callable[[str], None],
) -> list[LatencyRun]:
    say(f"latency: {kind} at {rate:.0f}/s for {seconds:.0f}s")
    runs = [run_once(procs, folder, kind, rate=rate, seconds=seconds)]
    for _ in range(2):
        if runs[-1].kept_up:
            break
        lower = sustainable_rate(runs[-1])
        if lower >= runs[-1].offered_rate:
            lower = float(max(5, int(runs[-1].offered_rate / 2)))
        say(f"latency: {kind} did not keep up; again at {lower:.0f}/s for {retry_seconds:.0f}s")
        runs.append(run_once(procs, folder, kind, rate=lower, seconds=retry_seconds))
    return runs
