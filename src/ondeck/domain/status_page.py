"""What the public status page says: each component's state, the page's overall state, and
the daily uptime bars of its history.

Pure: callers pass the outage windows and ``now``. A component's state is the worst of the
impacts of the incidents currently affecting it. Uptime counts a major outage fully and a
partial outage at ``PARTIAL_WEIGHT`` (a partial outage leaves most users served);
degraded performance and maintenance are shown on the bar but cost no uptime.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class ComponentState(StrEnum):
    OPERATIONAL = "operational"
    MAINTENANCE = "under_maintenance"
    DEGRADED = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """Worse states rank higher; the page shows the worst."""
        return _RANK[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_RANK = {state: rank for rank, state in enumerate(ComponentState)}
_LABELS = {
    ComponentState.OPERATIONAL: "Operational",
    ComponentState.MAINTENANCE: "Under maintenance",
    ComponentState.DEGRADED: "Degraded performance",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}

PARTIAL_WEIGHT = 0.3
"""The share of a partial outage's time that counts as down."""

_COST = {
    ComponentState.OPERATIONAL: 0.0,
    ComponentState.MAINTENANCE: 0.0,
    ComponentState.DEGRADED: 0.0,
    ComponentState.PARTIAL_OUTAGE: PARTIAL_WEIGHT,
    ComponentState.MAJOR_OUTAGE: 1.0,
}


def worst(states: Iterable[ComponentState]) -> ComponentState:
    """The worst of ``states``; operational when there are none."""
    return max(states, key=lambda state: state.rank, default=ComponentState.OPERATIONAL)


def overall_state(
    states: Iterable[ComponentState], incidents: Iterable[ComponentState] = ()
) -> ComponentState:
    """The page's state: the worst of its components' ``states`` and of the impacts of the
    active incidents it lists (``incidents``), so an incident whose update names no
    component still counts."""
    return worst([*states, *incidents])


def overall_text(states: Iterable[ComponentState], incidents: Iterable[ComponentState] = ()) -> str:
    """The page's headline for its components' states and its active incidents' impacts
    (``overall_state``): never "All systems operational" while it lists an incident that
    affects something."""
    found = overall_state(states, incidents)
    if found is ComponentState.OPERATIONAL:
        return "All systems operational"
    if found is ComponentState.MAINTENANCE:
        return "Maintenance in progress"
    if found is ComponentState.MAJOR_OUTAGE:
        return "Major outage"
    return "Some systems are affected"


@dataclass(frozen=True)
class Impact:
    """A component affected with ``state`` from ``start`` until ``end`` (None: still)."""

    state: ComponentState
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("an impact cannot end before it starts")

    def active(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


def state_at(impacts: Iterable[Impact], at: datetime) -> ComponentState:
    """A component's state at ``at``: the worst impact active then."""
    return worst(impact.state for impact in impacts if impact.active(at))


@dataclass(frozen=True)
class DayBar:
    day: date
    uptime: float
    """Between 0 and 1: the share of the day counted as up."""
    worst: ComponentState
    """The worst state seen during the day (operational: nothing happened)."""

    @property
    def percent(self) -> str:
        """``100%``, ``99.93%``: two decimals, never rounded up to a false 100%."""
        return percent_text(self.uptime)


def percent_text(share: float) -> str:
    """A share between 0 and 1 as ``100%`` or ``99.93%``: two decimals, cut rather than
    rounded, so a little downtime never shows as a false 100%."""
    if share >= 1.0:
        return "100%"
    hundredths = int(share * 10_000) / 100
    return f"{hundredths:.2f}%"


def daily_bars(
    impacts: Sequence[Impact], *, days: int, zone: ZoneInfo, now: datetime
) -> list[DayBar]:
    """One bar per calendar day in ``zone``, oldest first, the last being today (up to ``now``).

    Overlapping impacts are not counted twice: at every moment only the worst one costs.
    Today's bar counts only the part of the day that has passed.
    """
    if days < 1:
        raise ValueError("a status history shows at least one day")
    today = now.astimezone(zone).date()
    bars = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        # In UTC: aware datetimes sharing a zone subtract as wall-clock times, which would
        # give a 23- or 25-hour day 24 hours.
        start = datetime.combine(day, time(0), zone).astimezone(UTC)
        end = min(datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC), now)
        bars.append(_bar(day, impacts, start, end))
    return bars


def uptime(bars: Sequence[DayBar]) -> float:
    """The mean uptime of whole bars (each day weighs the same)."""
    if not bars:
        return 1.0
    return sum(bar.uptime for bar in bars) / len(bars)


def _bar(day: date, impacts: Sequence[Impact], start: datetime, end: datetime) -> DayBar:
    span = (end - start).total_seconds()
    if span <= 0:
        return DayBar(day, 1.0, ComponentState.OPERATIONAL)
    moments = {start, end}
    touching = []
    for impact in impacts:
        until = end if impact.end is None else min(impact.end, end)
        since = max(impact.start, start)
        if since < until:
            touching.append(impact)
            moments |= {since, until}
    lost = 0.0
    ordered = sorted(moments)
    for left, right in zip(ordered, ordered[1:], strict=False):
        state = state_at(touching, left)
        lost += _COST[state] * (right - left).total_seconds()
    seen = worst(impact.state for impact in touching)
    return DayBar(day, max(0.0, 1.0 - lost / span), seen)
