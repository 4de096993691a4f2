"""Who is on call when: layers of rotations, overrides on top, and people who are away.

The rules, in order of precedence at any moment:

1. An **override** covering the moment names who is on call (the newest override wins
   where several overlap). Accepted trades are overrides too, so they name people and a
   window, never a turn number, and stay right when a layer is edited later.
2. Otherwise the **highest layer** that has someone wins (layers are listed lowest first).
   A layer has someone when it has started, the moment is inside its restriction windows
   (if any), and somebody in it is available.
3. Inside a layer the turn's holder is on call unless they are **away** (on leave, or
   exempt from that rotation): then the next participant in turn order who is available
   stands in, and the rest of the rotation is unchanged. With nobody available the layer
   is empty and a lower layer (or nobody) takes the moment.

``covering`` answers for one moment; ``shifts`` gives the whole timeline for a window and
agrees with ``covering`` at every moment (the tests check this on random schedules).
Time semantics for rotations and restriction windows are in ``ondeck.domain.rotation``.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import TypeVar
from zoneinfo import ZoneInfo

from ondeck.domain.rotation import Layer, Rotation, Window

__all__ = [
    "Away",
    "Cover",
    "Layer",
    "Override",
    "Schedule",
    "Shift",
    "Source",
    "SourceKind",
    "Window",
    "covering",
    "gaps",
    "next_change",
    "next_shift",
    "on_call",
    "shifts",
    "upcoming",
]

LOOKAHEAD_LIMIT = timedelta(weeks=160)
"""How far ``upcoming``, ``next_change`` and ``next_shift`` look: beyond a year-long turn."""
AHEAD_WINDOW = timedelta(weeks=1)


class AwayKind(StrEnum):
    LEAVE = "leave"
    """Unavailable everywhere for a period (holiday, illness)."""
    EXEMPT = "exempt"
    """Not to be on call in one schedule (or one layer of it), for a period or indefinitely."""


@dataclass(frozen=True)
class Away:
    user: int
    start: datetime | None = None
    """None: since always."""
    end: datetime | None = None
    """None: until further notice."""
    layer: str | None = None
    """None: every layer of the schedule."""
    kind: AwayKind = AwayKind.LEAVE

    def covers(self, at: datetime, layer: str) -> bool:
        return (
            (self.layer is None or self.layer == layer)
            and (self.start is None or self.start <= at)
            and (self.end is None or at < self.end)
        )


@dataclass(frozen=True)
class Override:
    id: int
    """Also the precedence: where overrides overlap, the highest id wins."""
    user: int
    start: datetime
    end: datetime
    trade: int | None = None
    """The trade that made this override, if it came from one."""


class SourceKind(StrEnum):
    LAYER = "layer"
    STAND_IN = "stand_in"
    """Someone in the layer standing in for the turn's holder, who is away."""
    OVERRIDE = "override"
    TRADE = "trade"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    layer: str = ""
    override: int | None = None
    trade: int | None = None
    standing_in_for: int | None = None


@dataclass(frozen=True)
class Cover:
    """Who is on call at one moment, and why."""

    user: int
    source: Source


@dataclass(frozen=True)
class Shift:
    """One stretch of the final timeline: one person, for one reason, ``[start, end)``."""

    user: int
    start: datetime
    end: datetime
    source: Source


_Piece = tuple[datetime, datetime, Cover]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Schedule:
    name: str
    timezone: str
    layers: tuple[Layer, ...]
    """Lowest first: a later layer wins where it has someone."""
    overrides: tuple[Override, ...] = ()
    away: tuple[Away, ...] = ()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _override_pieces(self) -> list[_Piece]:
        """The overrides flattened into disjoint pieces, the newest winning each moment."""
        return _flatten(self.overrides)

    @cached_property
    def _override_starts(self) -> list[datetime]:
        return [start for start, _, _ in self._override_pieces]

    @cached_property
    def _away_by_user(self) -> dict[int, tuple[Away, ...]]:
        found: dict[int, list[Away]] = {}
        for item in self.away:
            found.setdefault(item.user, []).append(item)
        return {user: tuple(items) for user, items in found.items()}

    def is_away(self, user: int, at: datetime, layer: str) -> bool:
        return any(a.covers(at, layer) for a in self._away_by_user.get(user, ()))

    @cached_property
    def _layer_states(self) -> dict[int, _LayerState]:
        """Per layer (by position), its rotation and what is worked out once for it."""
        return {index: _LayerState(self, layer) for index, layer in enumerate(self.layers)}

    def _state(self, layer: Layer) -> _LayerState:
        for index, known in enumerate(self.layers):
            if known is layer:
                return self._layer_states[index]
        return _LayerState(self, layer)

    def override_at(self, at: datetime) -> Cover | None:
        """Who the overrides put on call at ``at`` (the newest covering one), if anyone."""
        index = bisect_right(self._override_starts, at) - 1
        if index < 0:
            return None
        start, end, cover = self._override_pieces[index]
        return cover if start <= at < end else None


def _override_cover(override: Override) -> Cover:
    kind = SourceKind.TRADE if override.trade is not None else SourceKind.OVERRIDE
    return Cover(override.user, Source(kind, override=override.id, trade=override.trade))


def _flatten(overrides: tuple[Override, ...]) -> list[_Piece]:
    """Disjoint, sorted pieces; at each moment the covering override with the highest id."""
    covers = [_override_cover(o) for o in overrides]
    valid = sorted(
        (start, end, -o.id, index)
        for index, o in enumerate(overrides)
        if (start := o.start.astimezone(UTC)) < (end := o.end.astimezone(UTC))
    )
    moments = sorted({v[0] for v in valid} | {v[1] for v in valid})
    active: list[tuple[int, datetime, int]] = []
    """A heap of (-id, end, index); entries that ended are dropped lazily."""
    pieces: list[_Piece] = []
    added = 0
    last_index = -1
    for begin, finish in zip(moments, moments[1:], strict=False):
        while added < len(valid) and valid[added][0] <= begin:
            _, end, negative_id, index = valid[added]
            heapq.heappush(active, (negative_id, end, index))
            added += 1
        while active and active[0][1] <= begin:
            heapq.heappop(active)
        if not active:
            continue
        index = active[0][2]
        if pieces and pieces[-1][1] == begin and index == last_index:
            pieces[-1] = (pieces[-1][0], finish, pieces[-1][2])
        else:
            pieces.append((begin, finish, covers[index]))
        last_index = index
    return pieces


class _LayerState:
    """One layer of one schedule with what is worked out once: its rotation (which keeps its
    handoffs and window bounds), one cover per participant, and the absences that touch it."""

    def __init__(self, schedule: Schedule, layer: Layer) -> None:
        self.schedule = schedule
        self.layer = layer
        self.rotation = Rotation(layer, schedule.zone)
        source = Source(SourceKind.LAYER, layer=layer.name)
        self.covers = {p: Cover(p, source) for p in layer.participants}
        self.one_person = len(self.covers) == 1
        self.absences = [
            (
                MIN_MOMENT if a.start is None else a.start.astimezone(UTC),
                MAX_MOMENT if a.end is None else a.end.astimezone(UTC),
            )
            for a in schedule.away
            if a.user in self.covers and a.layer in (None, layer.name)
        ]

    def cover(self, turns: int, at: datetime) -> Cover | None:
        """Who covers ``at`` during turn ``turns``: the holder, or a stand-in for them."""
        holder = self.rotation.holder(turns)
        if not self.absences:
            return self.covers[holder]
        schedule, layer = self.schedule, self.layer
        if not schedule.is_away(holder, at, layer.name):
            return self.covers[holder]
        size = len(layer.participants)
        for ahead in range(1, size):
            candidate = layer.participants[(turns + ahead) % size]
            if candidate != holder and not schedule.is_away(candidate, at, layer.name):
                return Cover(
                    candidate,
                    Source(SourceKind.STAND_IN, layer=layer.name, standing_in_for=holder),
                )
        return None

    def absence_cuts(self, begin: datetime, finish: datetime) -> list[datetime]:
        """Where an absence of someone in the layer starts or ends inside ``(begin, finish)``."""
        return sorted(
            {
                moment
                for opens, closes in self.absences
                if opens < finish and closes > begin
                for moment in (opens, closes)
                if begin < moment < finish
            }
        )


MIN_MOMENT = datetime.min.replace(tzinfo=UTC)
MAX_MOMENT = datetime.max.replace(tzinfo=UTC)


def _state_covering(state: _LayerState, moment: datetime) -> Cover | None:
    if not state.layer.participants or state.rotation.restricted_out(moment):
        return None
    turns = state.rotation.turns_elapsed(moment)
    return None if turns is None else state.cover(turns, moment)


def layer_covering(schedule: Schedule, layer: Layer, at: datetime) -> Cover | None:
    """Who ``layer`` puts on call at ``at``, ignoring the layers above and overrides."""
    return _state_covering(schedule._state(layer), at.astimezone(UTC))


def covering(schedule: Schedule, at: datetime) -> Cover | None:
    """Who is on call at ``at`` (an aware datetime) and why; None when nobody is."""
    moment = at.astimezone(UTC)
    overridden = schedule.override_at(moment)
    if overridden is not None:
        return overridden
    states = schedule._layer_states
    for index in reversed(range(len(schedule.layers))):
        found = _state_covering(states[index], moment)
        if found is not None:
            return found
    return None


def on_call(schedule: Schedule, at: datetime) -> tuple[int, ...]:
    """The user ids on call at ``at``: one person, or nobody."""
    found = covering(schedule, at)
    return () if found is None else (found.user,)


def _turn_pieces(
    state: _LayerState, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """``(from, to, turn number)`` for every turn of the layer overlapping ``[start, end)``.

    A layer whose participants are all one person is one piece from its start: who holds
    which turn cannot matter, and a one-minute rotation must not cost a piece a minute.
    """
    rotation = state.rotation
    turns = rotation.turns_elapsed(start)
    turns = 0 if turns is None else turns
    if state.one_person:
        begin = max(rotation.first, start)
        return [(begin, end, turns)] if begin < end else []
    out = []
    begin = rotation.handoff(turns)
    while begin < end:
        finish = rotation.handoff(turns + 1)
        clipped = (max(begin, start), min(finish, end))
        if clipped[0] < clipped[1]:
            out.append((clipped[0], clipped[1], turns))
        turns += 1
        begin = finish
    return out


def _layer_pieces(state: _LayerState, start: datetime, end: datetime) -> list[_Piece]:
    """What the layer alone puts on call over ``[start, end)``, as sorted disjoint pieces."""
    if not state.layer.participants:
        return []
    turns = _turn_pieces(state, start, end)
    if state.layer.restrictions:
        turns = _clip(turns, state.rotation.window_spans(start, end))
    pieces: list[_Piece] = []
    for begin, finish, number in turns:
        cuts = state.absence_cuts(begin, finish) if state.absences else []
        if not cuts and not state.absences:
            pieces.append((begin, finish, state.covers[state.rotation.holder(number)]))
            continue
        for lo, hi in zip([begin, *cuts], [*cuts, finish], strict=True):
            cover = state.cover(number, lo)
            if cover is not None:
                pieces.append((lo, hi, cover))
    return pieces


def _subtract(pieces: list[_Piece], cuts: list[tuple[datetime, datetime]]) -> list[_Piece]:
    """The parts of ``pieces`` outside ``cuts`` (both sorted and disjoint)."""
    out: list[_Piece] = []
    first = 0
    for begin, finish, cover in pieces:
        while first < len(cuts) and cuts[first][1] <= begin:
            first += 1
        cursor = begin
        index = first
        while index < len(cuts) and cuts[index][0] < finish:
            if cuts[index][0] > cursor:
                out.append((cursor, cuts[index][0], cover))
            cursor = max(cursor, cuts[index][1])
            index += 1
        if cursor < finish:
            out.append((cursor, finish, cover))
    return out


def _spans(pieces: list[_Piece]) -> list[tuple[datetime, datetime]]:
    return [(begin, finish) for begin, finish, _ in pieces]


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final timeline over ``[start, end)``: who is on call, when, and why.

    Shifts are sorted, never overlap and are clipped to the window; a new shift begins
    wherever the person or the reason changes. Moments with nobody on call are the gaps
    between them (see ``gaps``). Each layer is worked out only where nothing above it
    (an override or a higher layer) already has someone.
    """
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    if lo >= hi:
        return []
    first = max(bisect_right(schedule._override_starts, lo) - 1, 0)
    pieces = []
    for begin, finish, cover in schedule._override_pieces[first:]:
        if begin >= hi:
            break
        if finish > lo:
            pieces.append((max(begin, lo), min(finish, hi), cover))
    nobody = [(lo, hi, _NOBODY)]
    uncovered = _spans(_subtract(nobody, _spans(pieces)))
    for index in reversed(range(len(schedule.layers))):
        if not uncovered:
            break
        state = schedule._layer_states[index]
        visible: list[_Piece] = []
        for begin, finish in _clusters(uncovered):
            visible.extend(_clip(_layer_pieces(state, begin, finish), uncovered))
        pieces.extend(visible)
        uncovered = _spans(_subtract([(a, b, _NOBODY) for a, b in uncovered], _spans(visible)))
    pieces.sort(key=lambda piece: piece[0])
    out: list[Shift] = []
    for begin, finish, cover in pieces:
        last = out[-1] if out else None
        if last and last.end == begin and last.user == cover.user and last.source == cover.source:
            out[-1] = Shift(last.user, last.start, finish, last.source)
        else:
            out.append(Shift(cover.user, begin, finish, cover.source))
    return out


_NOBODY = Cover(0, Source(SourceKind.LAYER))
"""A placeholder cover for span arithmetic; never returned."""

CLUSTER_GAP = timedelta(days=2)


def _clusters(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """``spans`` joined where less than two days apart: a layer is worked out once per
    cluster, so many short uncovered stretches cost one pass, and long covered ones none."""
    out: list[tuple[datetime, datetime]] = []
    for begin, finish in spans:
        if out and begin - out[-1][1] < CLUSTER_GAP:
            out[-1] = (out[-1][0], finish)
        else:
            out.append((begin, finish))
    return out


def _clip(
    pieces: list[tuple[datetime, datetime, _T]], spans: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime, _T]]:
    """The parts of ``pieces`` inside ``spans`` (both sorted and disjoint)."""
    out: list[tuple[datetime, datetime, _T]] = []
    first = 0
    for begin, finish, value in pieces:
        while first < len(spans) and spans[first][1] <= begin:
            first += 1
        index = first
        while index < len(spans) and spans[index][0] < finish:
            lo, hi = max(begin, spans[index][0]), min(finish, spans[index][1])
            if lo < hi:
                out.append((lo, hi, value))
            index += 1
    return out


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of ``[start, end)`` when nobody is on call."""
    out = []
    cursor = start.astimezone(UTC)
    for shift in shifts(schedule, start, end):
        if shift.start > cursor:
            out.append((cursor, shift.start))
        cursor = shift.end
    if cursor < end.astimezone(UTC):
        out.append((cursor, end.astimezone(UTC)))
    return out


def _ahead(schedule: Schedule, at: datetime) -> Iterator[Shift]:
    """The timeline from ``at`` up to ``LOOKAHEAD_LIMIT``, worked out lazily in windows that
    grow from one day to a week, so a caller that stops early never pays for the far
    future, and a rotation of one-minute turns never costs more than a week of them at once."""
    limit = at + LOOKAHEAD_LIMIT
    cursor, size = at, timedelta(days=1)
    held: Shift | None = None
    while cursor < limit:
        end = min(cursor + size, limit)
        for shift in shifts(schedule, cursor, end):
            if (
                held
                and held.end == shift.start
                and (held.user, held.source)
                == (
                    shift.user,
                    shift.source,
                )
            ):
                held = Shift(held.user, held.start, shift.end, held.source)
                continue
            if held:
                yield held
            held = shift
        cursor, size = end, min(size * 2, AHEAD_WINDOW)
    if held:
        yield held


def upcoming(
    schedule: Schedule, at: datetime, count: int
) -> list[tuple[datetime, tuple[int, ...]]]:
    """The next ``count`` changes of who is on call after ``at``, as (moment, user ids).

    A change hands the pager to someone else or to nobody; a handoff from a person to the
    same person (or a change of reason only) is not one. Looks ``LOOKAHEAD_LIMIT`` ahead.
    """
    moment = at.astimezone(UTC)
    out: list[tuple[datetime, tuple[int, ...]]] = []
    if count <= 0:
        return out
    current = on_call(schedule, moment)
    cursor = moment
    for shift in _ahead(schedule, moment):
        if shift.start > cursor and current:
            current = ()
            out.append((cursor, current))
        if (shift.user,) != current:
            current = (shift.user,)
            out.append((shift.start, current))
        cursor = shift.end
        if len(out) >= count:
            return out[:count]
    if current and cursor < moment + LOOKAHEAD_LIMIT:
        out.append((cursor, ()))
    return out[:count]


def next_change(schedule: Schedule, at: datetime) -> datetime | None:
    """The first moment after ``at`` at which who is on call changes; None if none ahead."""
    found = upcoming(schedule, at, 1)
    return found[0][0] if found else None


def next_shift(schedule: Schedule, user: int, after: datetime) -> Shift | None:
    """The first shift of ``user`` that starts after ``after``; None if none is ahead."""
    moment = after.astimezone(UTC)
    return next((s for s in _ahead(schedule, moment) if s.user == user and s.start > moment), None)
