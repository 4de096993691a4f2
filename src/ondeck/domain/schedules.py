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


def _is_daily(layer: Layer) -> bool:
    return layer.turn % DAY == timedelta(0)


def _handoff(layer: Layer, zone: ZoneInfo, turns: int) -> datetime:
    """The moment (UTC) at which turn number ``turns`` of the layer begins.

    A wall-clock handoff that falls in a daylight-saving gap or fold is read with
    ``fold=0``: the offset in force before the change.
    """
    if _is_daily(layer):
        wall = layer.start + turns * layer.turn
        return wall.replace(tzinfo=zone).astimezone(UTC)
    return layer.start.replace(tzinfo=zone).astimezone(UTC) + turns * layer.turn


def _turns_elapsed(layer: Layer, zone: ZoneInfo, at: datetime) -> int | None:
    """How many whole turns of ``layer`` have ended at ``at``; None before the layer starts.

    Defined by ``_handoff`` alone (the last turn whose handoff is at or before ``at``), so
    who is on call and when that changes can never disagree, even inside a DST fold.
    """
    moment = at.astimezone(UTC)
    if moment < _handoff(layer, zone, 0):
        return None
    if _is_daily(layer):
        days = (moment.astimezone(zone).date() - layer.start.date()).days
        turns = max(days // (layer.turn // DAY), 0)
    else:
        turns = (moment - _handoff(layer, zone, 0)) // layer.turn
    while turns > 0 and _handoff(layer, zone, turns) > moment:
        turns -= 1
    while _handoff(layer, zone, turns + 1) <= moment:
        turns += 1
    return turns


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


def _next_new_person(layer: Layer, zone: ZoneInfo, turns: int) -> datetime | None:
    """When the first turn after ``turns`` held by someone else begins; None if nobody else."""
    size = len(layer.participants)
    holder = layer.participants[turns % size]
    for ahead in range(1, size):
        if layer.participants[(turns + ahead) % size] != holder:
            return _handoff(layer, zone, turns + ahead)
    return None


def next_change(schedule: Schedule, at: datetime) -> datetime | None:
    """The earliest moment strictly after ``at`` at which who is on call may change.

    A started layer always has someone, so only the highest started layer matters, plus
    the starts of the layers above it. Handoffs from a person to the same person (a
    one-person rotation) are not changes. None: nothing ever changes again.
    """
    zone = _zone(schedule)
    candidates = []
    for layer in reversed(schedule.layers):
        if not layer.participants:
            continue
        turns = _turns_elapsed(layer, zone, at)
        if turns is None:
            candidates.append(_handoff(layer, zone, 0))
            continue
        following = _next_new_person(layer, zone, turns)
        if following is not None:
            candidates.append(following)
        break
    return min(candidates, default=None)


def upcoming(
    schedule: Schedule, at: datetime, count: int
) -> list[tuple[datetime, tuple[int, ...]]]:
    """The next ``count`` changes of who is on call after ``at``, as (moment, user ids).

    Each step either hands over to someone else or passes the start of a layer, so this
    takes at most ``count`` plus the number of layers steps.
    """
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
