"""Measurement 4: schedule maths, in process: ``on_call()`` and one year of ``shifts()``.

One realistic schedule in Europe/London (both DST changes fall inside the year measured,
2026-01-01 to 2027-01-01 local), five layers, lowest first:

- ``backstop``: 2-week turns, 3 people, at all times (it shows only where the layers above
  have nobody: weekend nights);
- ``primary``: 1-week turns (Monday 09:00), 5 people, weekdays (whole days);
- ``nights``: 12-hour turns (elapsed time, so handoffs move an hour with DST), 4 people,
  restricted to 20:00-08:00 opening Monday to Friday;
- ``follow-the-sun``: daily turns, 4 people, restricted to 08:00-20:00 every day;
- ``weekend``: 1-week turns (Saturday 09:00), 4 people, restricted to [sat, sun] 09:00-21:00;

with three weeks of leave for two people (one of them also away ten days at Easter) and
1 000 overrides spread over the year: starts on a 15-minute grid, lengths log-uniform from
1 hour to 3 days (most are a few hours), so many overlap; ids are shuffled against time
order and every tenth is a trade. Everything is drawn from a fixed seed.

Measured with ``time.perf_counter_ns`` (garbage collection left on, as in the app):

- ``on_call()`` at random moments of the year, one call per moment, on a warm Schedule
  (built once, its override index already built): per-call median and p99, over all
  moments and over those no override covers (resolved by walking the layers);
- the first ``on_call()`` on fresh Schedule objects, which builds the override index;
- one year of ``shifts()``, on fresh objects (index built inside the call, as for a
  schedule view: the app builds the Schedule per request) and on a warm one. The target
  is judged on the fresh runs;
- baselines in the same process: one ``datetime.astimezone(ZoneInfo("Europe/London"))``
  of an aware UTC moment (the unit of the time maths) and one trivial Python call, each
  the median over batches of calls. Ratios are against the conversion.

Run alone: ``python -m bench.run --only schedules`` (a few seconds, one core).
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from bench.stats import Quantile, quantile
from ondeck.domain.rotation import Window
from ondeck.domain.schedules import Away, Layer, Override, Schedule, on_call, shifts

ZONE = "Europe/London"
SEED = 20260101
OVERRIDES = 1000
SHORTEST = timedelta(hours=1)
LONGEST = timedelta(days=3)
GRID = timedelta(minutes=15)
ON_CALL_TARGET = 50e-6
"""Seconds per ``on_call()`` call, 5 layers, 1 000 overrides."""
SHIFTS_TARGET = 0.020
"""Seconds for one year of ``shifts()``."""
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class Timing:
    """Per-call times in seconds: median, p99 (nearest rank) and mean."""

    samples: int
    p50: Quantile
    p99: Quantile
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        p50, p99 = quantile(seconds, 0.50), quantile(seconds, 0.99)
        assert p50 is not None and p99 is not None, "no samples"
        return cls(len(seconds), p50, p99, sum(seconds) / len(seconds))

    def as_json(self, baseline: float | None) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "p50": _precise(self.p50),
            "p99": _precise(self.p99),
            "mean_seconds": round(self.mean, 9),
            "p50_vs_astimezone": _ratio(self.p50.seconds, baseline),
            "p99_vs_astimezone": _ratio(self.p99.seconds, baseline),
        }


@dataclass
class ScheduleRun:
    seed: int
    layers: int
    overrides: int
    calls: int
    runs: int
    shifts_in_year: int = 0
    override_pieces: int = 0
    overridden_share: float = 0.0
    """The share of the measured ``on_call()`` moments that an override covers."""
    timer_overhead: float = 0.0
    """Median of an empty timed region: included in every per-call figure."""
    astimezone: float = 0.0
    """Baseline: seconds per ``astimezone(ZoneInfo(ZONE))`` of an aware UTC moment."""
    trivial_call: float = 0.0
    """Baseline: seconds per call of a Python function that returns its argument."""
    on_call_all: Timing | None = None
    on_call_layers: Timing | None = None
    on_call_first: Timing | None = None
    shifts_fresh: Timing | None = None
    shifts_warm: Timing | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def timing(value: Timing | None) -> dict[str, Any] | None:
            return None if value is None else value.as_json(self.astimezone)

        return {
            "zone": ZONE,
            "seed": self.seed,
            "layers": self.layers,
            "overrides": self.overrides,
            "override_pieces": self.override_pieces,
            "on_call_calls": self.calls,
            "overridden_share": round(self.overridden_share, 4),
            "shifts_runs": self.runs,
            "shifts_in_year": self.shifts_in_year,
            "timer_overhead_seconds": round(self.timer_overhead, 9),
            "baseline_astimezone_seconds": round(self.astimezone, 9),
            "baseline_trivial_call_seconds": round(self.trivial_call, 9),
            "on_call_warm": timing(self.on_call_all),
            "on_call_warm_layers_only": timing(self.on_call_layers),
            "on_call_first_call_fresh": timing(self.on_call_first),
            "shifts_year_fresh": timing(self.shifts_fresh),
            "shifts_year_warm": timing(self.shifts_warm),
            "on_call_p50_met": _met(self.on_call_all, ON_CALL_TARGET, "p50"),
            "on_call_p99_met": _met(self.on_call_all, ON_CALL_TARGET, "p99"),
            "shifts_year_judged_on": "fresh",
            "shifts_year_p50_met": _met(self.shifts_fresh, SHIFTS_TARGET, "p50"),
            "shifts_year_p99_met": _met(self.shifts_fresh, SHIFTS_TARGET, "p99"),
            "notes": self.notes,
        }


def _precise(value: Quantile) -> dict[str, float | bool]:
    """``Quantile.as_json`` keeps microseconds; these figures need nanoseconds."""
    return {"seconds": round(value.seconds, 9), "at_least": value.at_least}


def _ratio(value: float, baseline: float | None) -> float | None:
    if not baseline:
        return None
    return round(value / baseline, 2)


def _met(value: Timing | None, limit: float, which: str) -> bool | None:
    if value is None:
        return None
    return (value.p50 if which == "p50" else value.p99).seconds <= limit


def year() -> tuple[datetime, datetime]:
    """2026-01-01 to 2027-01-01 in London, as UTC moments."""
    zone = ZoneInfo(ZONE)
    return (
        datetime(2026, 1, 1, tzinfo=zone).astimezone(UTC),
        datetime(2027, 1, 1, tzinfo=zone).astimezone(UTC),
    )


def _layer(
    name: str, start: str, turn: timedelta, people: tuple[int, ...], *windows: Window
) -> Layer:
    return Layer(
        name=name,
        start=datetime.fromisoformat(start),
        turn=turn,
        participants=people,
        restrictions=windows,
    )


LAYERS = (
    _layer("backstop", "2025-12-29T09:00", timedelta(weeks=2), (20, 21, 22)),
    _layer("primary", "2025-12-29T09:00", timedelta(weeks=1), (1, 2, 3, 4, 5), Window(WEEKDAYS)),
    _layer(
        "nights",
        "2025-12-29T08:00",
        timedelta(hours=12),
        (10, 11, 12, 13),
        Window(WEEKDAYS, clock(20), clock(8)),
    ),
    _layer(
        "follow-the-sun",
        "2025-12-29T08:00",
        timedelta(days=1),
        (6, 7, 8, 9),
        Window(start=clock(8), end=clock(20)),
    ),
    _layer(
        "weekend",
        "2025-12-27T09:00",
        timedelta(weeks=1),
        (2, 4, 6, 8),
        Window(WEEKEND, clock(9), clock(21)),
    ),
)
PEOPLE = tuple(sorted({p for layer in LAYERS for p in layer.participants} - {20, 21, 22}))


def _away() -> tuple[Away, ...]:
    zone = ZoneInfo(ZONE)

    def local(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=zone)

    return (
        Away(2, local("2026-07-20T00:00"), local("2026-08-10T00:00")),
        Away(7, local("2026-04-03T00:00"), local("2026-04-13T00:00")),
        Away(7, local("2026-12-14T00:00"), local("2027-01-04T00:00")),
    )


def _overrides(rng: random.Random, count: int) -> tuple[Override, ...]:
    start, end = year()
    slots = (end - start) // GRID
    low, high = math.log(SHORTEST / GRID), math.log(LONGEST / GRID)
    ids = list(range(1, count + 1))
    rng.shuffle(ids)
    out = []
    for number in ids:
        begin = start + rng.randrange(slots) * GRID
        length = max(round(math.exp(rng.uniform(low, high))), 1) * GRID
        trade = number if number % 10 == 0 else None
        out.append(Override(number, rng.choice(PEOPLE), begin, begin + length, trade=trade))
    return tuple(out)


@dataclass(frozen=True)
class Scenario:
    """The parts of the schedule, built once; ``fresh()`` is a new Schedule object (with no
    cached override index) over the same parts, as the app builds one per request."""

    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...]
    away: tuple[Away, ...]

    def fresh(self) -> Schedule:
        return Schedule(
            name="bench",
            timezone=ZONE,
            layers=self.layers,
            overrides=self.overrides,
            away=self.away,
        )


def scenario(seed: int = SEED, overrides: int = OVERRIDES) -> Scenario:
    return Scenario(LAYERS, _overrides(random.Random(seed), overrides), _away())


def _moments(rng: random.Random, count: int) -> list[datetime]:
    start, end = year()
    span = (end - start) // timedelta(microseconds=1)
    return [start + timedelta(microseconds=rng.randrange(span)) for _ in range(count)]


def _per_call(function: Callable[[Any], object], arguments: Sequence[Any]) -> float:
    """Seconds per call, timed over the whole batch (for calls too short to time one by one)."""
    began = time.perf_counter_ns()
    for argument in arguments:
        function(argument)
    return (time.perf_counter_ns() - began) / len(arguments) / 1e9


def _batched(function: Callable[[Any], object], arguments: Sequence[Any], batch: int) -> float:
    """The median over batches of the per-call time."""
    per_batch = [
        _per_call(function, arguments[i : i + batch])
        for i in range(0, len(arguments) - batch + 1, batch)
    ]
    found = quantile(per_batch, 0.5)
    assert found is not None
    return found.seconds


def _nothing(value: object) -> object:
    return value


def _timer_overhead(count: int) -> float:
    samples = []
    clock_ns = time.perf_counter_ns
    for _ in range(count):
        began = clock_ns()
        samples.append(clock_ns() - began)
    found = quantile(samples, 0.5)
    assert found is not None
    return found.seconds / 1e9


def measure(
    *,
    seed: int = SEED,
    calls: int = 50_000,
    runs: int = 20,
    say: Callable[[str], None] = print,
) -> ScheduleRun:
    rng = random.Random(seed + 1)
    plan = scenario(seed)
    run = ScheduleRun(
        seed=seed, layers=len(plan.layers), overrides=len(plan.overrides), calls=calls, runs=runs
    )
    moments = _moments(rng, calls)
    zone = ZoneInfo(ZONE)
    lo, hi = year()
    clock_ns = time.perf_counter_ns

    say("4. schedules: baselines (astimezone, a trivial call, the timer)")
    gc.collect()
    run.timer_overhead = _timer_overhead(10_000)
    run.astimezone = _batched(lambda at: at.astimezone(zone), moments, 1000)
    run.trivial_call = _batched(_nothing, moments, 1000)

    say(f"4. schedules: first on_call() on {runs * 2} fresh Schedule objects")
    first = []
    for at in moments[: runs * 2]:
        schedule = plan.fresh()
        gc.collect()
        began = clock_ns()
        on_call(schedule, at)
        first.append((clock_ns() - began) / 1e9)
    run.on_call_first = Timing.of(first)

    say(f"4. schedules: on_call() at {calls:,} random moments of the year, warm")
    warm = plan.fresh()
    on_call(warm, lo)
    run.override_pieces = len(warm._override_pieces)
    overridden = [warm.override_at(at) is not None for at in moments]
    gc.collect()
    samples = []
    for at in moments:
        began = clock_ns()
        on_call(warm, at)
        samples.append((clock_ns() - began) / 1e9)
    run.on_call_all = Timing.of(samples)
    layered = [s for s, covered in zip(samples, overridden, strict=True) if not covered]
    run.overridden_share = 1 - len(layered) / len(samples)
    if layered:
        run.on_call_layers = Timing.of(layered)

    say(f"4. schedules: one year of shifts(), {runs} runs fresh and {runs} warm")
    fresh = []
    for _ in range(runs):
        schedule = plan.fresh()
        gc.collect()
        began = clock_ns()
        timeline = shifts(schedule, lo, hi)
        fresh.append((clock_ns() - began) / 1e9)
    run.shifts_in_year = len(timeline)
    run.shifts_fresh = Timing.of(fresh)
    warm_runs = []
    shifts(warm, lo, hi)
    for _ in range(runs):
        gc.collect()
        began = clock_ns()
        shifts(warm, lo, hi)
        warm_runs.append((clock_ns() - began) / 1e9)
    run.shifts_warm = Timing.of(warm_runs)

    mismatches = sum(
        1
        for at in moments[:1000]
        if on_call(warm, at) != next(((s.user,) for s in timeline if s.start <= at < s.end), ())
    )
    if mismatches:
        run.notes.append(f"shifts() and on_call() disagree at {mismatches} of 1,000 moments")
    return run


def profile(seed: int = SEED, calls: int = 20_000, top: int = 15) -> None:
    """cProfile of the two slow paths: ``on_call()`` at moments no override covers (warm), and
    one year of ``shifts()`` on fresh Schedule objects. Times under the profiler are inflated;
    the shares are the point."""
    import cProfile
    import pstats

    plan = scenario(seed)
    lo, hi = year()
    warm = plan.fresh()
    on_call(warm, lo)
    moments = [m for m in _moments(random.Random(seed + 1), calls) if warm.override_at(m) is None]
    for title, work in (
        (
            f"on_call() at {len(moments):,} moments no override covers, warm",
            lambda: [on_call(warm, at) for at in moments],
        ),
        (
            "shifts(), one year, 10 fresh Schedule objects",
            lambda: [shifts(plan.fresh(), lo, hi) for _ in range(10)],
        ),
    ):
        print(f"\n== {title}")
        profiler = cProfile.Profile()
        profiler.runcall(work)
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"ondeck|bench", top)
        stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.schedules``: measure and print the JSON (no table, no results file);
    ``--profile``: print where the time goes instead."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.schedules", description=__doc__)
    parser.add_argument("--calls", type=int, default=50_000, help="on_call() moments timed")
    parser.add_argument("--runs", type=int, default=20, help="shifts() runs, fresh and warm each")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", action="store_true", help="cProfile instead of timing")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.seed)
        return
    run = measure(
        seed=args.seed,
        calls=args.calls,
        runs=args.runs,
        say=lambda message: print(message, file=sys.stderr),
    )
    print(json.dumps(run.as_json(), indent=2))


if __name__ == "__main__":
    main()
