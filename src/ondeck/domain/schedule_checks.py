"""What is wrong, or about to go wrong, with a schedule: the checks behind ``schedule check``.

The seeds ask for rotations of at least three people who opted in, no "same people on call
all the time", and exceptions everyone can see coming. Each finding says what, when and
who in words a manager can act on; times are written in the schedule's zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ondeck.domain.schedules import Schedule, Shift, SourceKind, gaps, shifts

HORIZON = timedelta(weeks=4)
MIN_PEOPLE = 3
DEFAULT_MAX_SHARE = 50
"""Percent of the horizon one person may be on call before the check warns."""
MOST_GAPS_LISTED = 5


class Level(StrEnum):
    WARNING = "warning"
    INFO = "info"


class Code(StrEnum):
    FEW_PEOPLE = "few_people"
    GAP = "gap"
    OVER_SHARE = "over_share"
    UNREACHABLE = "unreachable"
    NOT_OPTED_IN = "not_opted_in"
    STAND_IN = "stand_in"
    STALE_TRADE = "stale_trade"
    OVERRIDE_WHILE_AWAY = "override_while_away"


@dataclass(frozen=True)
class Finding:
    code: Code
    level: Level
    message: str
    start: datetime | None = None
    end: datetime | None = None
    user: int | None = None
    layer: str | None = None


@dataclass(frozen=True)
class People:
    """What the checks need to know about people beyond the schedule itself."""

    names: Mapping[int, str]
    unreachable: Mapping[int, str] = field(default_factory=dict)
    """User id → why no page would reach them."""
    waiting: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    """Layer name → listed people left out of it, with their consent state (invited, declined)."""
    trades: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    """Accepted trade id → (requester, colleague who accepted)."""


def when(moment: datetime, schedule: Schedule) -> str:
    """``Mon 7 Dec 18:00``: a moment as the schedule's own clock shows it."""
    local = moment.astimezone(schedule.zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def between(start: datetime, end: datetime, schedule: Schedule) -> str:
    return f"from {when(start, schedule)} to {when(end, schedule)} ({schedule.timezone})"


def check(
    schedule: Schedule,
    *,
    now: datetime,
    people: People,
    max_share: int = DEFAULT_MAX_SHARE,
    horizon: timedelta = HORIZON,
) -> list[Finding]:
    """Every finding for the ``horizon`` from ``now``: warnings first, then information."""
    end = now + horizon
    timeline = shifts(schedule, now, end)
    found = [
        *_few_people(schedule, people),
        *_gaps(schedule, now, end, people),
        *_over_share(timeline, horizon, people, max_share),
        *_unreachable(schedule, now, timeline, people),
        *_overrides_while_away(schedule, now, end, people),
        *_not_opted_in(people),
        *_stand_ins(schedule, timeline, people),
        *_stale_trades(schedule, now, people),
    ]
    return sorted(found, key=lambda f: f.level is not Level.WARNING)


def _name(people: People, user: int) -> str:
    return people.names.get(user, f"user {user}")


def _few_people(schedule: Schedule, people: People) -> list[Finding]:
    out = []
    for layer in schedule.layers:
        count = len(set(layer.participants))
        if count >= MIN_PEOPLE:
            continue
        waiting = len(people.waiting.get(layer.name, {}))
        pending = f" ({waiting} more listed but not opted in)" if waiting else ""
        if count == 0:
            message = f"Layer {layer.name!r} has nobody in it{pending}"
        else:
            noun = "person" if count == 1 else "people"
            message = (
                f"Layer {layer.name!r} has {count} {noun}{pending}; a rotation needs at least "
                f"{MIN_PEOPLE} so that nobody is on call every other turn"
            )
        out.append(Finding(Code.FEW_PEOPLE, Level.WARNING, message, layer=layer.name))
    return out


def _gaps(schedule: Schedule, start: datetime, end: datetime, people: People) -> list[Finding]:
    """Stretches with nobody on call; those that only absences open say who is away."""
    holes = gaps(schedule, start, end)
    out = []
    for begin, finish in holes[:MOST_GAPS_LISTED]:
        cause = ""
        if schedule.away and not gaps(replace(schedule, away=()), begin, finish):
            away = sorted(_name(people, user) for user in _absent_causes(schedule, begin, finish))
            if away:
                cause = f" because {_join(away)} {'is' if len(away) == 1 else 'are'} away"
        out.append(
            Finding(
                Code.GAP,
                Level.WARNING,
                f"Nobody is on call {between(begin, finish, schedule)}{cause}",
                start=begin,
                end=finish,
            )
        )
    if len(holes) > MOST_GAPS_LISTED:
        rest = holes[MOST_GAPS_LISTED:]
        hours = sum((f - b for b, f in rest), timedelta()) / timedelta(hours=1)
        out.append(
            Finding(
                Code.GAP,
                Level.WARNING,
                f"…and {len(rest)} more gaps in the next {_weeks(end - start)} "
                f"({hours:.0f} hours with nobody on call)",
                start=rest[0][0],
                end=rest[-1][1],
            )
        )
    return out


def _absent_causes(schedule: Schedule, begin: datetime, finish: datetime) -> set[int]:
    """The people whose absence alone takes someone off ``[begin, finish)``: without it,
    someone would be on call for some of that stretch."""
    overlapping = {
        a.user
        for a in schedule.away
        if (a.start is None or a.start < finish) and (a.end is None or a.end > begin)
    }
    return {
        user
        for user in overlapping
        if gaps(
            replace(schedule, away=tuple(a for a in schedule.away if a.user != user)),
            begin,
            finish,
        )
        != [(begin, finish)]
    }


def _weeks(span: timedelta) -> str:
    weeks = span / timedelta(weeks=1)
    if weeks == int(weeks):
        return f"{int(weeks)} week{'s' if weeks != 1 else ''}"
    return f"{span / timedelta(days=1):.0f} days"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _on_call_time(timeline: list[Shift]) -> dict[int, timedelta]:
    totals: dict[int, timedelta] = {}
    for shift in timeline:
        totals[shift.user] = totals.get(shift.user, timedelta()) + (shift.end - shift.start)
    return totals


def _over_share(
    timeline: list[Shift],
    horizon: timedelta,
    people: People,
    max_share: int,
) -> list[Finding]:
    out = []
    for user, total in sorted(_on_call_time(timeline).items(), key=lambda kv: -kv[1]):
        # Whole percent, as the message says it: an hour more across a clock change is not
        # "50% (more than 50%)".
        share = round(100 * (total / horizon))
        if share > max_share:
            out.append(
                Finding(
                    Code.OVER_SHARE,
                    Level.WARNING,
                    f"{_name(people, user)} is on call {share}% of the next "
                    f"{_weeks(horizon)} (more than {max_share}%)",
                    user=user,
                )
            )
    return out


def _unreachable(
    schedule: Schedule, now: datetime, timeline: list[Shift], people: People
) -> list[Finding]:
    """Anyone in a rotation, or on call soon, whom no page would reach."""
    involved = {p for layer in schedule.layers for p in layer.participants}
    involved |= {shift.user for shift in timeline}
    out = []
    for user in sorted(involved, key=lambda u: _name(people, u)):
        why = people.unreachable.get(user)
        if why is None:
            continue
        upcoming = next((s for s in timeline if s.user == user), None)
        soon = ""
        if upcoming is not None and timeline and upcoming.start == timeline[0].start == now:
            soon = " and they are on call now"
        elif upcoming is not None:
            soon = f"; they are on call {when(upcoming.start, schedule)}"
        out.append(
            Finding(
                Code.UNREACHABLE,
                Level.WARNING,
                f"{_name(people, user)} has no working contact method: {why}{soon}",
                user=user,
            )
        )
    return out


def _overrides_while_away(
    schedule: Schedule, start: datetime, end: datetime, people: People
) -> list[Finding]:
    """Overrides that put someone on call while they are on leave: overrides win over
    absences (they are explicit), so someone should look at it before it happens."""
    out = []
    for override in sorted(schedule.overrides, key=lambda o: o.start):
        for away in schedule.away:
            if away.user != override.user or away.layer is not None:
                continue
            lo = max(override.start, away.start or override.start, start)
            hi = min(override.end, away.end or override.end, end)
            if lo < hi:
                out.append(
                    Finding(
                        Code.OVERRIDE_WHILE_AWAY,
                        Level.WARNING,
                        f"An override puts {_name(people, override.user)} on call "
                        f"{between(lo, hi, schedule)} while they are away",
                        start=lo,
                        end=hi,
                        user=override.user,
                    )
                )
    return out


def _not_opted_in(people: People) -> list[Finding]:
    out = []
    for layer, waiting in people.waiting.items():
        for user, state in sorted(waiting.items(), key=lambda kv: _name(people, kv[0])):
            did = "declined to join" if state == "declined" else "has not opted in yet"
            out.append(
                Finding(
                    Code.NOT_OPTED_IN,
                    Level.INFO,
                    f"{_name(people, user)} is listed in layer {layer!r} but {did}; "
                    "the rotation leaves them out",
                    user=user,
                    layer=layer,
                )
            )
    return out


def _stand_ins(schedule: Schedule, timeline: list[Shift], people: People) -> list[Finding]:
    """Where an absence hands someone's turn to a colleague, before it happens."""
    out = []
    for shift in timeline:
        if shift.source.kind is not SourceKind.STAND_IN or shift.source.standing_in_for is None:
            continue
        absent = shift.source.standing_in_for
        out.append(
            Finding(
                Code.STAND_IN,
                Level.INFO,
                f"{_name(people, absent)} is away: {_name(people, shift.user)} stands in "
                f"{between(shift.start, shift.end, schedule)}",
                start=shift.start,
                end=shift.end,
                user=shift.user,
                layer=shift.source.layer,
            )
        )
    return out


def _stale_trades(schedule: Schedule, now: datetime, people: People) -> list[Finding]:
    """Accepted trades whose requester the rotation no longer puts in the traded window."""
    layers_only = replace(schedule, overrides=())
    out = []
    for override in sorted(schedule.overrides, key=lambda o: o.start):
        if override.trade is None or override.end <= now:
            continue
        parties = people.trades.get(override.trade)
        if parties is None:
            continue
        requester, colleague = parties
        replaced = requester if override.user != requester else colleague
        start = max(override.start, now)
        if any(s.user == replaced for s in shifts(layers_only, start, override.end)):
            continue
        out.append(
            Finding(
                Code.STALE_TRADE,
                Level.INFO,
                f"Trade #{override.trade}: {_name(people, override.user)} covers "
                f"{between(override.start, override.end, schedule)} for "
                f"{_name(people, replaced)}, whom the rotation no longer puts there; "
                "the trade still stands",
                start=override.start,
                end=override.end,
                user=override.user,
            )
        )
    return out
