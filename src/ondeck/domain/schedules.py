"""Who is on call when, for schedules made of rotation layers.

A layer hands the pager from one participant to the next every ``turn``, starting at
``start`` (a wall-clock time in the schedule's time zone). Turns that are whole days keep
their handoff at the same wall-clock time across daylight-saving changes (09:00 stays
09:00 local); shorter turns are measured in elapsed time, so a 2-hour turn that spans a
change lasts two real hours and its later handoffs move by an hour on the local clock.
Where several layers have someone, the later (higher) layer wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Layer:
    name: str
    start: datetime
    """Naive wall-clock time in the schedule's zone when the first participant's turn begins."""
    turn: timedelta
    participants: tuple[int, ...]


@dataclass(frozen=True)
class Schedule:
    name: str
    timezone: str
    layers: tuple[Layer, ...]


def _zone(schedule: Schedule) -> ZoneInfo:
    return ZoneInfo(schedule.timezone)


def _turns_elapsed(layer: Layer, zone: ZoneInfo, at: datetime) -> int | None:
    """How many whole turns of ``layer`` have ended at ``at``; None before the layer starts."""
    if layer.turn % DAY == timedelta(0):
        local = at.astimezone(zone).replace(tzinfo=None)
        if local < layer.start:
            return None
        days = (local.date() - layer.start.date()).days
        if local.time() < layer.start.time():
            days -= 1
        return days // (layer.turn // DAY)
    begun = layer.start.replace(tzinfo=zone)
    if at < begun:
        return None
    return (at - begun) // layer.turn


def _handoff(layer: Layer, zone: ZoneInfo, turns: int) -> datetime:
    """The moment (UTC) at which turn number ``turns`` of the layer begins."""
    if layer.turn % DAY == timedelta(0):
        wall = layer.start + turns * layer.turn
        return wall.replace(tzinfo=zone).astimezone(UTC)
    return (layer.start.replace(tzinfo=zone) + turns * layer.turn).astimezone(UTC)


def layer_on_call(layer: Layer, timezone: str, at: datetime) -> int | None:
    """The participant of ``layer`` whose turn covers ``at``, or None."""
    if not layer.participants:
        return None
    turns = _turns_elapsed(layer, ZoneInfo(timezone), at)
    if turns is None:
        return None
    return layer.participants[turns % len(layer.participants)]


def on_call(schedule: Schedule, at: datetime) -> tuple[int, ...]:
    """The user ids on call at ``at`` (an aware datetime): the highest layer with someone."""
    for layer in reversed(schedule.layers):
        user = layer_on_call(layer, schedule.timezone, at)
        if user is not None:
            return (user,)
    return ()


def next_change(schedule: Schedule, at: datetime) -> datetime | None:
    """The earliest handoff strictly after ``at`` in any layer, or None if nothing changes."""
    zone = _zone(schedule)
    candidates = []
    for layer in schedule.layers:
        if not layer.participants:
            continue
        turns = _turns_elapsed(layer, zone, at)
        candidate = _handoff(layer, zone, 0 if turns is None else turns + 1)
        candidates.append(candidate)
    return min(candidates, default=None)


def upcoming(
    schedule: Schedule, at: datetime, count: int
) -> list[tuple[datetime, tuple[int, ...]]]:
    """The next ``count`` changes of who is on call after ``at``, as (moment, user ids)."""
    out: list[tuple[datetime, tuple[int, ...]]] = []
    current = on_call(schedule, at)
    moment: datetime | None = at
    while moment is not None and len(out) < count:
        moment = next_change(schedule, moment)
        if moment is None:
            break
        who = on_call(schedule, moment)
        if who != current:
            out.append((moment, who))
            current = who
    return out
