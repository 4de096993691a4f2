"""Who carries the load: on-call hours, the hours that cost sleep and weekends, and pages.

Counting hours alone hides the real cost of being on call, so each person's load is also
split by their own clock: off-hours (outside Monday–Friday 09:00–18:00), nights
(22:00–07:00) and weekends, plus the pages that reached them, those at night, and how long
they took to acknowledge. A rotation's balance is 100 when everyone carried the same and 0
when one person carried everything (one minus the normalised Gini coefficient).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from ondeck.domain.rotation import wall_to_utc
from ondeck.domain.schedules import Shift

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)
WORKDAY_STARTS = time(9, 0)
WORKDAY_ENDS = time(18, 0)
_CUTS = (time(0, 0), NIGHT_ENDS, WORKDAY_STARTS, WORKDAY_ENDS, NIGHT_STARTS)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PageRecord:
    """One incident that paged a person: when it first reached them, and their ack."""

    user: int
    incident: int
    at: datetime
    acknowledged_at: datetime | None = None
    """When this person acknowledged it; None if they did not (or someone else did)."""


@dataclass(frozen=True)
class Load:
    user: int
    hours: float
    off_hours: float
    night_hours: float
    weekend_hours: float
    pages: int
    night_pages: int
    acknowledged: int
    median_ack_seconds: float | None


@dataclass(frozen=True)
class RotationReport:
    schedule: str
    start: datetime
    end: datetime
    people: tuple[Load, ...]
    hours_balance: int
    off_hours_balance: int
    pages_balance: int

    @property
    def balance(self) -> int:
        """The worst of the three: a rotation is only as fair as its least fair measure."""
        return min(self.hours_balance, self.off_hours_balance, self.pages_balance)


def is_night(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def _is_off_hours(local: datetime) -> bool:
    return local.weekday() >= 5 or not WORKDAY_STARTS <= local.time() < WORKDAY_ENDS


def _pieces(start: datetime, end: datetime, zone: ZoneInfo) -> Iterable[tuple[datetime, datetime]]:
    """``[start, end)`` cut wherever the local clock crosses midnight, 07, 09, 18 or 22."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first: date = start.astimezone(zone).date()
    last: date = end.astimezone(zone).date()
    cuts = {start, end}
    day = first
    while day <= last:
        for cut in _CUTS:
            moment = wall_to_utc(datetime.combine(day, cut), zone)
            if start < moment < end:
                cuts.add(moment)
        day += timedelta(days=1)
    ordered = sorted(cuts)
    return zip(ordered, ordered[1:], strict=False)


def load(user: int, timezone: str, shifts: Iterable[Shift], pages: Iterable[PageRecord]) -> Load:
    """``user``'s load from their ``shifts`` and ``pages``, judged by their own clock."""
    zone = ZoneInfo(timezone)
    total = off = night = weekend = timedelta()
    for shift in shifts:
        if shift.user != user:
            continue
        for begin, finish in _pieces(shift.start, shift.end, zone):
            length = finish - begin
            local = begin.astimezone(zone)
            total += length
            if _is_off_hours(local):
                off += length
            if is_night(begin, zone):
                night += length
            if local.weekday() >= 5:
                weekend += length
    mine = [page for page in pages if page.user == user]
    acks = [
        (page.acknowledged_at - page.at).total_seconds()
        for page in mine
        if page.acknowledged_at is not None
    ]
    return Load(
        user=user,
        hours=total / HOUR,
        off_hours=off / HOUR,
        night_hours=night / HOUR,
        weekend_hours=weekend / HOUR,
        pages=len(mine),
        night_pages=sum(1 for page in mine if is_night(page.at, zone)),
        acknowledged=len(acks),
        median_ack_seconds=median(acks) if acks else None,
    )


def balance(values: Iterable[float]) -> int:
    """100 when all ``values`` are equal (or there are fewer than two), 0 when one holds all."""
    items = sorted(values)
    count = len(items)
    total = sum(items)
    if count < 2 or total <= 0:
        return 100
    weighted = sum((2 * (index + 1) - count - 1) * value for index, value in enumerate(items))
    gini = weighted / (count * total)
    return round(100 * (1 - gini * count / (count - 1)))


def report(
    schedule_name: str,
    start: datetime,
    end: datetime,
    *,
    people: Iterable[int],
    timezones: Mapping[int, str],
    shifts: list[Shift],
    pages: list[PageRecord],
) -> RotationReport:
    """The load of each of ``people`` (the rotation's members and anyone who held a shift)
    over ``[start, end)``; ``shifts`` and ``pages`` are already limited to that window."""
    members = sorted(set(people) | {shift.user for shift in shifts})
    loads = tuple(load(user, timezones.get(user, "UTC"), shifts, pages) for user in members)
    return RotationReport(
        schedule=schedule_name,
        start=start,
        end=end,
        people=loads,
        hours_balance=balance(item.hours for item in loads),
        off_hours_balance=balance(item.off_hours for item in loads),
        pages_balance=balance(item.pages for item in loads),
    )
