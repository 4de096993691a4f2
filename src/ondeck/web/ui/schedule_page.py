"""What the schedule page shows besides its chart: who is on call and why, your next shift,
the overrides, trades and absences with what the viewer may do to each, the rotations with
the people waiting to opt in, and the timeline of changes.

Pure, like ``present``: the page passes the view, the viewer and a clock in. Whether a
button is shown mirrors the use cases' rules; the use cases still decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ondeck.domain.rotation import describe_window
from ondeck.domain.schedules import AwayKind, Shift
from ondeck.domain.trades import TradeKind, TradeStatus, answerable_by
from ondeck.services.ports import AbsenceRecord, Consent, Person, TradeRecord
from ondeck.services.schedules import ScheduleView, describe_wall
from ondeck.web.ui.chart import (
    colour,
    colours,
    moment_text,
    name_of,
    rotation_text,
    span_text,
    why,
)
from ondeck.web.ui.present import Clockface, NextShift, for_viewer, span


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


@dataclass(frozen=True)
class OnCallNow:
    who: int
    name: str
    why: str


@dataclass(frozen=True)
class Header:
    now: tuple[OnCallNow, ...]
    next: str
    """Who takes over at the next handoff; empty when nothing changes."""
    handoff_local: str
    handoff_viewer: str
    handoff_in: str
    yours: str
    """The viewer's next shift (or current one), in words."""


@dataclass(frozen=True)
class OverrideLine:
    id: int
    who: int
    name: str
    tag: str
    when: str
    note: str
    by: str
    over: bool
    may_remove: bool


@dataclass(frozen=True)
class TradeLine:
    id: int
    kind: str
    status: str
    text: str
    note: str
    asked: str
    may_accept: bool
    may_decline: bool
    may_cancel: bool


@dataclass(frozen=True)
class AbsenceLine:
    id: int
    name: str
    what: str
    when: str
    reason: str
    may_remove: bool


@dataclass(frozen=True)
class LayerLine:
    name: str
    every: str
    since: str
    hours: str
    """When the layer has someone (``Mon–Fri 09:00–17:00; Sat–Sun all day``); empty: always."""
    members: tuple[tuple[int, str], ...]
    """``(palette index, name)`` in turn order."""
    waiting: tuple[tuple[str, str], ...]
    """``(name, state)`` of listed people who have not opted in."""


@dataclass(frozen=True)
class EventLine:
    at: datetime
    when: str
    full: str
    kind: str
    message: str


@dataclass(frozen=True)
class Forms:
    """What the viewer may fill in; ``changes`` is False for observers (no forms at all)."""

    changes: bool
    admin: bool
    people: tuple[Choice, ...]
    """Everyone, for overrides and (admins) invitations."""
    colleagues: tuple[Choice, ...]
    """The rotations' members other than the viewer, for trades."""
    away_people: tuple[Choice, ...]
    scopes: tuple[Choice, ...]
    layers: tuple[Choice, ...]
    waiting: tuple[Choice, ...]
    """Listed people not opted in, whose consent an admin may record."""
    invited_as: str
    """The viewer's own state when listed but not opted in (``invited``, ``declined``)."""


def _merged(timeline: Iterable[Shift]) -> list[Shift]:
    """Consecutive shifts of one person as one, whatever the reasons: a shift as people say it."""
    out: list[Shift] = []
    for shift in timeline:
        if out and out[-1].user == shift.user and out[-1].end == shift.start:
            out[-1] = Shift(shift.user, out[-1].start, shift.end, out[-1].source)
        else:
            out.append(shift)
    return out


def your_shift(ahead: list[Shift], viewer: Person, timezone: str, now: datetime, weeks: int) -> str:
    """The viewer's current or next shift in words, from ``ahead``: the timeline from ``now``
    for ``weeks`` weeks."""
    mine = next((s for s in _merged(ahead) if s.user == viewer.id), None)
    if mine is None:
        return f"None in the next {weeks} weeks."
    if mine.start <= now:
        if mine.end >= now + timedelta(weeks=weeks):
            return f"You are on call now, with no handoff in the next {weeks} weeks."
        until = moment_text(mine.end, timezone)
        return f"You are on call now, until {until} (in {span(mine.end - now)})."
    return (
        f"{span_text(mine.start, mine.end, timezone)}, starting in {span(mine.start - now)} "
        f"({why(mine.source, {viewer.id: viewer})})."
    )


def header(
    view: ScheduleView, ahead: list[Shift], viewer: Person, clock: Clockface, horizon_weeks: int
) -> Header:
    palette = colours(view)
    current = ahead[0] if ahead and ahead[0].start <= clock.now else None
    now = tuple(
        OnCallNow(
            colour(palette, user),
            name_of(view.people, user),
            why(current.source, view.people) if current and current.user == user else "",
        )
        for user in view.on_call_now
    )
    change = view.next_change
    schedule_clock = Clockface(now=clock.now, timezone=view.timezone)
    return Header(
        now=now,
        next=", ".join(name_of(view.people, u) for u in view.on_call_next) or "Nobody",
        handoff_local=schedule_clock.day(change) if change else "",
        handoff_viewer=for_viewer(change, schedule_clock, clock),
        handoff_in=clock.until(change) if change else "",
        yours=your_shift(ahead, viewer, view.timezone, clock.now, horizon_weeks),
    )


def _may_change(viewer: Person) -> bool:
    return viewer.role != "observer"


def override_lines(view: ScheduleView, viewer: Person, now: datetime) -> tuple[OverrideLine, ...]:
    palette = colours(view)
    names = {p.email: p.name for p in view.people.values()}
    return tuple(
        OverrideLine(
            id=item.id,
            who=colour(palette, item.user_id),
            name=name_of(view.people, item.user_id),
            tag=f"trade #{item.trade_id}" if item.trade_id is not None else "override",
            when=span_text(item.start, item.end, view.timezone),
            note=item.note if item.trade_id is None else "",
            by=names.get(item.created_by, item.created_by),
            over=item.end <= now,
            may_remove=_may_change(viewer)
            and item.end > now
            and (
                viewer.role == "admin"
                or viewer.id == item.user_id
                or viewer.email == item.created_by
            ),
        )
        for item in sorted(view.overrides, key=lambda o: (o.start, o.id))
    )


def _trade_text(trade: TradeRecord, people: Mapping[int, Person], timezone: str) -> str:
    requester = name_of(people, trade.requester_id)
    asked = name_of(people, trade.colleague_id) if trade.colleague_id else "anyone in the rotation"
    window = span_text(trade.start, trade.end, timezone)
    if trade.kind is TradeKind.SWAP and trade.swap_start and trade.swap_end:
        other = span_text(trade.swap_start, trade.swap_end, timezone)
        return (
            f"{requester} asks {asked} to swap: {asked} takes {window}, {requester} takes {other}"
        )
    return f"{requester} asks {asked} to cover {window}"


def _status(trade: TradeRecord, people: Mapping[int, Person]) -> str:
    if trade.status is TradeStatus.PENDING or trade.answered_by_id is None:
        return trade.status.value
    return f"{trade.status.value} by {name_of(people, trade.answered_by_id)}"


def trade_lines(view: ScheduleView, viewer: Person, clock: Clockface) -> tuple[TradeLine, ...]:
    members = set(view.participants)
    out = []
    for trade in sorted(view.trades, key=lambda t: (t.status is not TradeStatus.PENDING, -t.id)):
        pending = trade.status is TradeStatus.PENDING
        may_answer = _may_change(viewer) and answerable_by(trade.trade(), viewer.id, members)
        out.append(
            TradeLine(
                id=trade.id,
                kind=trade.kind.value,
                status=_status(trade, view.people),
                text=_trade_text(trade, view.people, view.timezone),
                note=trade.note,
                asked=clock.when(trade.created_at),
                may_accept=may_answer,
                may_decline=may_answer and trade.colleague_id is not None,
                may_cancel=_may_change(viewer)
                and pending
                and (viewer.id == trade.requester_id or viewer.role == "admin"),
            )
        )
    return tuple(out)


def _absence_what(absence: AbsenceRecord) -> str:
    if absence.kind is AwayKind.LEAVE:
        return "on leave from every schedule"
    if absence.layer:
        return f"exempt from layer {absence.layer}"
    return "exempt from this schedule"


def _absence_when(absence: AbsenceRecord, timezone: str) -> str:
    start, end = absence.start, absence.end
    if start is not None and end is not None:
        return span_text(start, end, timezone)
    if end is not None:
        return f"until {moment_text(end, timezone)}"
    if start is not None:
        return f"from {moment_text(start, timezone)} until further notice"
    return "until further notice"


def absence_lines(view: ScheduleView, viewer: Person) -> tuple[AbsenceLine, ...]:
    return tuple(
        AbsenceLine(
            id=absence.id,
            name=name_of(view.people, absence.user_id),
            what=_absence_what(absence),
            when=_absence_when(absence, view.timezone),
            reason=absence.reason,
            may_remove=_may_change(viewer)
            and (viewer.role == "admin" or viewer.id == absence.user_id),
        )
        for absence in view.absences
    )


def layer_lines(view: ScheduleView) -> tuple[LayerLine, ...]:
    palette = colours(view)
    return tuple(
        LayerLine(
            name=layer.name,
            every=rotation_text(layer.turn),
            since=describe_wall(layer.start),
            hours="; ".join(describe_window(w) for w in layer.restrictions),
            members=tuple(
                (colour(palette, p), name_of(view.people, p)) for p in layer.participants
            ),
            waiting=tuple((name_of(view.people, p), state.value) for p, state in layer.waiting),
        )
        for layer in view.layers
    )


def event_lines(view: ScheduleView, clock: Clockface) -> tuple[EventLine, ...]:
    return tuple(
        EventLine(e.at, clock.when(e.at), clock.full(e.at), e.kind, e.message) for e in view.events
    )


def forms(view: ScheduleView, viewer: Person, everyone: list[tuple[str, str]]) -> Forms:
    """``everyone`` as ``(email, name)`` pairs, in the order to list them."""
    people = tuple(Choice(email, name) for email, name in everyone)
    by_id = view.people
    colleagues = tuple(
        Choice(by_id[p].email, by_id[p].name)
        for p in view.participants
        if p != viewer.id and p in by_id
    )
    waiting_ids = dict.fromkeys(p for layer in view.layers for p, _ in layer.waiting)
    admin = viewer.role == "admin"
    scopes = (
        Choice("leave", "On leave from every schedule"),
        Choice("schedule", "Exempt from this schedule"),
        *(
            Choice(f"layer:{layer.name}", f"Exempt from layer {layer.name}")
            for layer in view.layers
        ),
    )
    invited_as = ""
    if viewer.id in waiting_ids:
        invited_as = view.consents.get(viewer.id, Consent.INVITED).value
    return Forms(
        changes=_may_change(viewer),
        admin=admin,
        people=people,
        colleagues=colleagues,
        away_people=people if admin else (Choice(viewer.email, viewer.name),),
        scopes=scopes,
        layers=tuple(Choice(layer.name, layer.name) for layer in view.layers),
        waiting=tuple(Choice(by_id[p].email, by_id[p].name) for p in waiting_ids if p in by_id),
        invited_as=invited_as,
    )


def next_shifts(
    timelines: Iterable[tuple[int, str, list[Shift], Mapping[int, Person]]],
    clock: Clockface,
    until: datetime,
) -> dict[str, NextShift]:
    """Lower-cased email → that person's current or next shift across every schedule, from
    ``(schedule id, schedule name, timeline from now to until, people)``; times in the
    viewer's zone."""
    found: dict[str, tuple[Shift, int, str]] = {}
    for schedule_id, name, timeline, people in timelines:
        for shift in _merged(timeline):
            person = people.get(shift.user)
            if person is None:
                continue
            known = found.get(person.email.lower())
            if known is None or shift.start < known[0].start:
                found[person.email.lower()] = (shift, schedule_id, name)
    out = {}
    for email, (shift, schedule_id, name) in found.items():
        current = shift.start <= clock.now
        if not current:
            text = f"{clock.day(shift.start)} (in {clock.until(shift.start)})"
        elif shift.end < until:
            text = f"on call now, until {clock.day(shift.end)}"
        else:
            text = "on call now"
        out[email] = NextShift(schedule_id, name, text, current)
    return out
