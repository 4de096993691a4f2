"""One rotation (a schedule layer): whose turn it is, and the weekly windows it is restricted to.

Time semantics, all in the schedule's time zone:

- A layer's ``start`` is a wall-clock time: the first handoff. Turns that are whole days
  (``1d``, ``1w``, ``10d``) keep every handoff at that same wall-clock time across
  daylight-saving changes: a 09:00 handoff stays 09:00 local, so such a turn lasts 23 or 25
  real hours (or 167/169 for a week) when it spans a change.
- Shorter or uneven turns (``2h``, ``36h``) run in elapsed time: a 2-hour turn always lasts
  two real hours, so after a change its handoffs sit an hour off their former local times
  (for Lord Howe, half an hour).
- A wall-clock time that does not exist (the hour skipped in spring) or exists twice (the
  hour repeated in autumn) is read with the offset in force before the change (``fold=0``).
- Restriction windows are wall-clock too: ``22:00–06:00`` covers the night whatever its
  real length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
DEFAULT_TURN = WEEK
DEFAULT_HANDOFF = time(9, 0)
MONDAY = 0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Window:
    """A wall-clock window that recurs on the given weekdays (0 = Monday).

    It opens at ``start`` on each listed day and closes at ``end`` the same day, or the next
    day when ``end`` is not after ``start`` (``22:00–06:00``); ``start == end`` is a whole day.
    """

    days: frozenset[int] = EVERY_DAY
    start: time = time(0, 0)
    end: time = time(0, 0)

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Layer:
    name: str
    start: datetime
    """Naive wall-clock time in the schedule's zone: the first handoff."""
    turn: timedelta
    participants: tuple[int, ...]
    """User ids in turn order; only people who opted in (the store leaves out the others)."""
    restrictions: tuple[Window, ...] = ()
    """Empty: the layer has someone at all times; else only inside these windows."""


def day_runs(days: frozenset[int], *, dash: str, comma: str) -> str:
    """Runs of consecutive weekdays as ranges: ``Mon–Fri, Sun`` (with the given marks)."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    label = [name.capitalize() for name in WEEKDAYS]
    return comma.join(
        f"{label[run[0]]}{dash}{label[run[-1]]}" if len(run) > 1 else label[run[0]] for run in runs
    )


def describe_days(days: frozenset[int]) -> str:
    """``every day``, ``Mon–Fri``, ``Sat–Sun``, ``Mon, Wed``: runs of days as ranges."""
    if days == EVERY_DAY:
        return "every day"
    return day_runs(days, dash="–", comma=", ")


def describe_window(window: Window) -> str:
    """``Mon–Fri 09:00–17:00``, ``Sat–Sun all day``, ``every day 22:00–06:00``."""
    if window.start == window.end:
        hours = "all day" if window.start == time(0, 0) else f"24h from {window.start:%H:%M}"
    else:
        hours = f"{window.start:%H:%M}–{window.end:%H:%M}"
    return f"{describe_days(window.days)} {hours}"


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The moment a naive wall-clock time in ``zone`` names (``fold=0`` in gaps and folds)."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


def is_daily(layer: Layer) -> bool:
    return layer.turn % DAY == timedelta(0)


class Rotation:
    """A layer bound to its schedule's zone. It keeps every handoff and window bound it works
    out, so asking about many moments (a year of shifts, a thousand lookups) converts each
    wall-clock time once. One belongs to one schedule object; it is never shared."""

    def __init__(self, layer: Layer, zone: ZoneInfo) -> None:
        self.layer = layer
        self.zone = zone
        self.daily = is_daily(layer)
        self.first = wall_to_utc(layer.start, zone)
        self._days_per_turn = layer.turn // DAY if self.daily else 0
        self._handoffs: dict[int, datetime] = {0: self.first}
        self._bounds: dict[tuple[int, date], tuple[datetime, datetime]] = {}

    def handoff(self, turns: int) -> datetime:
        """The moment (UTC) at which turn number ``turns`` begins."""
        if not self.daily:
            return self.first + turns * self.layer.turn
        found = self._handoffs.get(turns)
        if found is None:
            found = wall_to_utc(self.layer.start + turns * self.layer.turn, self.zone)
            self._handoffs[turns] = found
        return found

    def turns_elapsed(self, at: datetime) -> int | None:
        """The number of the turn covering ``at``; None before the layer starts.

        Defined by ``handoff`` alone (the last turn whose handoff is at or before ``at``), so
        who holds a turn and when turns change can never disagree, even inside a DST fold.
        """
        moment = at.astimezone(UTC)
        if moment < self.first:
            return None
        if self.daily:
            days = (moment.astimezone(self.zone).date() - self.layer.start.date()).days
            turns = max(days // self._days_per_turn, 0)
        else:
            turns = (moment - self.first) // self.layer.turn
        while turns > 0 and self.handoff(turns) > moment:
            turns -= 1
        while self.handoff(turns + 1) <= moment:
            turns += 1
        return turns

    def holder(self, turns: int) -> int:
        return self.layer.participants[turns % len(self.layer.participants)]

    def bounds(self, index: int, day: date) -> tuple[datetime, datetime]:
        """The UTC bounds of restriction window ``index`` opening on ``day``."""
        key = (index, day)
        found = self._bounds.get(key)
        if found is None:
            found = window_bounds(self.layer.restrictions[index], day, self.zone)
            self._bounds[key] = found
        return found

    def restricted_out(self, at: datetime) -> bool:
        """Whether the layer has restrictions and ``at`` (UTC) is outside all of them."""
        if not self.layer.restrictions:
            return False
        today = at.astimezone(self.zone).date()
        for index, window in enumerate(self.layer.restrictions):
            for day in (today, today - DAY):
                if day.weekday() in window.days:
                    opens, closes = self.bounds(index, day)
                    if opens <= at < closes:
                        return False
        return True

    def window_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The union of the layer's windows over ``[start, end)``: sorted, disjoint UTC spans."""
        spans: list[tuple[datetime, datetime]] = []
        for day in _days(
            start.astimezone(self.zone).date() - DAY, end.astimezone(self.zone).date()
        ):
            for index, window in enumerate(self.layer.restrictions):
                if day.weekday() not in window.days:
                    continue
                opens, closes = self.bounds(index, day)
                opens, closes = max(opens, start), min(closes, end)
                if opens < closes:
                    spans.append((opens, closes))
        return union(spans)


def handoff(layer: Layer, zone: ZoneInfo, turns: int) -> datetime:
    """The moment (UTC) at which turn number ``turns`` of the layer begins."""
    return Rotation(layer, zone).handoff(turns)


def turns_elapsed(layer: Layer, zone: ZoneInfo, at: datetime) -> int | None:
    """The number of the turn of ``layer`` covering ``at``; None before the layer starts."""
    return Rotation(layer, zone).turns_elapsed(at)


def turn_holder(layer: Layer, turns: int) -> int:
    return layer.participants[turns % len(layer.participants)]


def window_bounds(window: Window, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of ``window`` opening on ``day``; empty (end ≤ start) inside a DST gap."""
    opens = wall_to_utc(datetime.combine(day, window.start), zone)
    closing_day = day + DAY if window.overnight else day
    return opens, wall_to_utc(datetime.combine(closing_day, window.end), zone)


def in_windows(windows: tuple[Window, ...], zone: ZoneInfo, at: datetime) -> bool:
    """Whether ``at`` falls inside any of ``windows`` (which may overlap)."""
    layer = Layer("", datetime(2000, 1, 1), DAY, (), windows)
    return bool(windows) and not Rotation(layer, zone).restricted_out(at.astimezone(UTC))


def window_spans(
    windows: tuple[Window, ...], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of ``windows`` over ``[start, end)``, as sorted, disjoint UTC spans."""
    layer = Layer("", datetime(2000, 1, 1), DAY, (), windows)
    return Rotation(layer, zone).window_spans(start.astimezone(UTC), end.astimezone(UTC))


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += DAY


def union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, disjoint spans covering exactly what ``spans`` cover (touching ones joined)."""
    out: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(spans):
        if out and opens <= out[-1][1]:
            if closes > out[-1][1]:
                out[-1] = (out[-1][0], closes)
            continue
        out.append((opens, closes))
    return out


def default_start(timezone: str, now: datetime, handoff_at: time = DEFAULT_HANDOFF) -> datetime:
    """Where a new rotation starts when its start is not given: the latest Monday handoff at
    or before ``now`` in the schedule's zone, so its first person is on call at once and turns
    change on Mondays (the seeds' one-week turns).
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, handoff_at)
    if wall_to_utc(start, zone) > now.astimezone(UTC):
        start -= WEEK
    return start
