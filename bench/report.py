"""The results as a Rich table (targets beside the numbers) and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.escalation import EscalationRun
from bench.ingest import IngestResult, LoadShape
from bench.latency import LatencyRun
from bench.schedules import ON_CALL_TARGET, SHIFTS_TARGET, ScheduleRun, Timing
from bench.stats import Quantile

INGEST_TARGET = 1.0
"""ondeck ingest throughput as a multiple of Alertmanager's."""
LATENCY_TARGET = 0.100
LATENCY_RATE = 1000.0
LATENESS_TARGET = 1.0


@dataclass
class Results:
    environment: dict[str, Any]
    shape: LoadShape | None = None
    ingest: list[IngestResult] = field(default_factory=list)
    latency: list[LatencyRun] = field(default_factory=list)
    escalation: list[EscalationRun] = field(default_factory=list)
    schedules: ScheduleRun | None = None
    skipped: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    complete: bool = False
    """False when the run was interrupted or failed: the JSON then holds what was measured."""

    def baseline(self, prefix: str) -> float | None:
        for result in self.ingest:
            if result.target.startswith(prefix):
                return result.events_per_s
        return None

    def as_json(self) -> dict[str, Any]:
        noop = self.baseline("no-op")
        manager = self.baseline("Alertmanager")
        ingest = []
        for result in self.ingest:
            row = result.as_json()
            if result.target.startswith("ondeck") and result.events_per_s is not None:
                row["ratio_vs_noop"] = _ratio(result.events_per_s, noop)
                row["ratio_vs_alertmanager"] = _ratio(result.events_per_s, manager)
            ingest.append(row)
        return {
            "environment": self.environment,
            "targets": {
                "ingest_ratio_vs_alertmanager_at_least": INGEST_TARGET,
                "alert_to_dispatch_p99_seconds_at_most": LATENCY_TARGET,
                "alert_to_dispatch_rate_per_s": LATENCY_RATE,
                "escalation_lateness_p99_seconds_at_most": LATENESS_TARGET,
                "on_call_seconds_per_call_at_most": ON_CALL_TARGET,
                "shifts_one_year_seconds_at_most": SHIFTS_TARGET,
            },
            "generator": self.shape.generator if self.shape else None,
            "ingest": ingest,
            "latency": [run.as_json() for run in self.latency],
            "escalation": [run.as_json() for run in self.escalation],
            "schedules": self.schedules.as_json() if self.schedules else None,
            "skipped": self.skipped,
            "elapsed_seconds": round(self.elapsed_seconds, 1),
            "complete": self.complete,
        }


def _ratio(value: float, baseline: float | None) -> float | None:
    if baseline is None or baseline <= 0:
        return None
    return round(value / baseline, 4)


def _q(value: Quantile | None) -> str:
    return "-" if value is None else value.text()


def _meets(ok: bool | None) -> str:
    if ok is None:
        return "-"
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def _within(value: Quantile | None, limit: float) -> bool | None:
    if value is None:
        return None
    return value.seconds <= limit and not value.at_least


def table(results: Results) -> Table:
    env = results.environment
    title = (
        f"ondeck bench on {env.get('cores')} cores ({env.get('cpu')}); Python "
        f"{env.get('python')}, SQLite {env.get('sqlite')}, PostgreSQL {env.get('postgresql')}"
    )
    grid = Table(title=title, title_justify="left")
    grid.add_column("measurement")
    grid.add_column("on")
    grid.add_column("result", justify="right")
    grid.add_column("against / detail")
    grid.add_column("target")
    grid.add_column("met")
    _ingest_rows(grid, results)
    grid.add_section()
    _latency_rows(grid, results)
    grid.add_section()
    _escalation_rows(grid, results)
    grid.add_section()
    _schedule_rows(grid, results)
    return grid


def _ingest_rows(grid: Table, results: Results) -> None:
    noop = results.baseline("no-op")
    manager = results.baseline("Alertmanager")
    for result in results.ingest:
        if result.events_per_s is None:
            grid.add_row(f"1. {result.target}", "-", result.note, "baseline", "", "")
            continue
        rate = f"{result.events_per_s:,.0f} ev/s"
        if not result.target.startswith("ondeck"):
            grid.add_row(f"1. {result.target}", "memory", rate, "baseline", "", "")
            continue
        ratios = []
        if noop:
            ratios.append(f"{result.events_per_s / noop:.3f}× no-op")
        ratios.append(
            f"{result.events_per_s / manager:.3f}× Alertmanager"
            if manager
            else "Alertmanager not installed"
        )
        met = result.events_per_s / manager >= INGEST_TARGET if manager else None
        database = result.target.rsplit("(", 1)[-1].rstrip(")")
        grid.add_row(
            "1. ondeck POST /v2/enqueue (--no-engine)",
            database,
            rate,
            " · ".join(ratios),
            f"≥ {INGEST_TARGET:.1f}× Alertmanager",
            _meets(met),
        )


def _latency_rows(grid: Table, results: Results) -> None:
    for run in results.latency:
        at_target_rate = run.offered_rate >= LATENCY_RATE
        grid.add_row(
            f"2. alert → page, offered {run.offered_rate:,.0f}/s"
            + ("" if run.kept_up else " (fell behind)"),
            run.database,
            f"p50 {_q(run.p50)} · p99 {_q(run.p99)}",
            f"accepted {run.accepted_rate:,.0f}/s · paged {run.delivered_rate:,.0f}/s",
            f"p99 ≤ {LATENCY_TARGET * 1000:.0f} ms at {LATENCY_RATE:,.0f}/s"
            if at_target_rate
            else "(a rate it sustains)",
            _meets(_within(run.p99, LATENCY_TARGET) if at_target_rate else None),
        )


def _lateness(run: EscalationRun) -> tuple[Quantile | None, Quantile | None]:
    """The histogram only holds timers that fired; with timers left unfired, the timeline
    figures (which count those as lower bounds) are the honest ones."""
    if run.unfired:
        return run.timeline_p50, run.timeline_p99
    return run.metric_p50, run.metric_p99


def _escalation_rows(grid: Table, results: Results) -> None:
    for run in results.escalation:
        p50, p99 = _lateness(run)
        grid.add_row(
            f"3. escalation lateness, {run.incidents:,} open",
            run.database,
            f"p50 {_q(p50)} · p99 {_q(p99)}",
            f"due {run.incidents / run.window:,.0f}/s for {run.window:.0f}s · "
            f"fired {run.fire_rate:,.0f}/s",
            f"p99 ≤ {LATENESS_TARGET:.0f} s",
            _meets(_within(p99, LATENESS_TARGET)),
        )


def _duration(seconds: float) -> str:
    """Three significant figures, in µs below a millisecond, else in ms."""
    value, unit = (seconds * 1e6, "µs") if seconds < 1e-3 else (seconds * 1e3, "ms")
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def _spread(timing: Timing) -> str:
    return f"p50 {_duration(timing.p50.seconds)} · p99 {_duration(timing.p99.seconds)}"


def _times(timing: Timing, baseline: float) -> str:
    if baseline <= 0:
        return "no baseline"
    p50, p99 = timing.p50.seconds / baseline, timing.p99.seconds / baseline
    return f"{_multiple(p50)} · {_multiple(p99)} astimezone"


def _multiple(value: float) -> str:
    return f"{value:,.0f}×" if value >= 100 else f"{value:.1f}×"


def _both(timing: Timing, limit: float) -> str:
    return f"p50 {_meets(timing.p50.seconds <= limit)} · p99 {_meets(timing.p99.seconds <= limit)}"


def _schedule_rows(grid: Table, results: Results) -> None:
    run = results.schedules
    if run is None:
        return
    base = run.astimezone
    grid.add_row(
        "4. astimezone(Europe/London) (baseline)",
        "in process",
        _duration(base),
        "one conversion of an aware UTC moment",
        "",
        "",
    )
    grid.add_row(
        "4. trivial Python function call (baseline)",
        "in process",
        _duration(run.trivial_call),
        f"{run.trivial_call / base:.2f}× astimezone" if base > 0 else "",
        "",
        "",
    )
    on_call = f"≤ {ON_CALL_TARGET * 1e6:.0f} µs per call"
    layers = f"{run.layers} layers, {run.overrides:,} overrides"
    if run.on_call_all is not None:
        grid.add_row(
            f"4. on_call(), {layers}, warm",
            "in process",
            _spread(run.on_call_all),
            f"{_times(run.on_call_all, base)}; {run.calls:,} random moments, "
            f"{run.overridden_share:.0%} under an override",
            on_call,
            _both(run.on_call_all, ON_CALL_TARGET),
        )
    if run.on_call_layers is not None:
        grid.add_row(
            "4. on_call(), moments no override covers, warm",
            "in process",
            _spread(run.on_call_layers),
            f"{_times(run.on_call_layers, base)}; the {run.on_call_layers.samples:,} of them "
            "(walks the layers)",
            on_call,
            _both(run.on_call_layers, ON_CALL_TARGET),
        )
    if run.on_call_first is not None:
        grid.add_row(
            "4. on_call(), first call on a fresh Schedule",
            "in process",
            _spread(run.on_call_first),
            f"builds the override index ({run.override_pieces:,} pieces); "
            f"{run.on_call_first.samples} objects",
            "(one-time cost)",
            "",
        )
    year = f"≤ {SHIFTS_TARGET * 1e3:.0f} ms"
    if run.shifts_fresh is not None:
        grid.add_row(
            "4. shifts(), one year, fresh Schedule",
            "in process",
            _spread(run.shifts_fresh),
            f"{_times(run.shifts_fresh, base)}; {run.shifts_in_year:,} shifts, "
            f"{run.runs} runs, index built inside",
            year,
            _both(run.shifts_fresh, SHIFTS_TARGET),
        )
    if run.shifts_warm is not None:
        grid.add_row(
            "4. shifts(), one year, warm Schedule",
            "in process",
            _spread(run.shifts_warm),
            f"{_times(run.shifts_warm, base)}; {run.runs} runs, index already built",
            f"(target judged on fresh: {year})",
            "",
        )


def details(results: Results) -> list[str]:
    env = results.environment
    lines = [
        f"measured {env.get('date')} at commit {env.get('commit')}; SQLite durability: "
        f"{env.get('sqlite_durability')}; Alertmanager: {env.get('alertmanager')}; "
        f"load average (1/5/15 min) before {env.get('load_average_at_start')}, after "
        f"{env.get('load_average_at_end')}",
        *results.skipped,
    ]
    if results.shape is not None:
        lines.append(
            f"1. ingest load: {results.shape.generator}, {results.shape.seconds:.0f}s after a "
            f"{results.shape.warmup:.0f}s warm-up; every event a trigger with a new dedup key "
            "(Alertmanager: a new alert, one route grouping by alertname and service, a "
            "receiver with no integrations)"
        )
    for result in results.ingest:
        if result.stored is not None:
            lines.append(
                f"1. {result.target}: {result.requests:,} answered, {result.refused} refused, "
                f"{result.stored:,} incidents in the database afterwards (incl. warm-up)"
            )
    for run in results.latency:
        lines.append(
            f"2. {run.database} at {run.offered_rate:,.0f}/s for {run.seconds:.0f}s: "
            f"{run.accepted:,} accepted, {run.delivered:,} paged, {run.missing} not paged "
            f"in time, {run.duplicates} duplicates; 202 answer p50 {_q(run.ingest_p50)} "
            f"· p99 {_q(run.ingest_p99)}"
        )
        lines.extend(f"2. {run.database} at {run.offered_rate:,.0f}/s: {n}" for n in run.notes)
    for esc in results.escalation:
        lines.append(
            f"3. {esc.database}: {esc.incidents:,} incidents loaded in {esc.load_seconds:.1f}s; "
            f"fired {esc.fired:,}, unfired at stop {esc.unfired:,}; engine histogram "
            f"p50 {_q(esc.metric_p50)} · p99 {_q(esc.metric_p99)} ({esc.metric_count:,} "
            f"timers); timeline p50 {_q(esc.timeline_p50)} · p99 {_q(esc.timeline_p99)}; "
            f"due → page p50 {_q(esc.page_p50)} · p99 {_q(esc.page_p99)}, "
            f"{esc.delivered:,} paged, {esc.duplicates:,} duplicates"
        )
        lines.extend(f"3. {esc.database}: {n}" for n in esc.notes)
    if results.schedules is not None:
        sched = results.schedules
        lines.append(
            f"4. schedules: Europe/London, 2026 (both DST changes inside), {sched.layers} layers, "
            f"{sched.overrides:,} overrides (seed {sched.seed}), 3 absences; per-call times "
            f"include the timer ({_duration(sched.timer_overhead)} per timed region); p99 of "
            f"{sched.runs} runs is the slowest run; garbage collection on"
        )
        lines.extend(f"4. schedules: {n}" for n in sched.notes)
    return lines


def show(results: Results, console: Console) -> None:
    console.print(table(results))
    for line in details(results):
        console.print(f"  • {line}", highlight=False)
