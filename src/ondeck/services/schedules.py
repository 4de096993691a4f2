"""Reading schedules as people use them: the schedule page, checks, fairness and calendars.

Every function is one read-only unit of work; changes are in ``schedule_changes``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ondeck.domain import fairness
from ondeck.domain.contacts import why_unreachable
from ondeck.domain.rotation import Window
from ondeck.domain.schedule_checks import HORIZON, Finding, People, check
from ondeck.domain.schedules import (
    LOOKAHEAD_LIMIT,
    Schedule,
    Shift,
    on_call,
    shifts,
    upcoming,
)
from ondeck.domain.trades import TradeStatus
from ondeck.services.errors import NotFound
from ondeck.services.ports import (
    AbsenceRecord,
    Consent,
    OverrideRecord,
    Person,
    ScheduleEvent,
    ScheduleRecord,
    TradeRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)

ScheduleRef = int | str
"""A schedule's id, or its name."""

RECENT_TRADES = timedelta(days=30)
"""Answered trades stay listed on the schedule this long after their window ends."""


def find_schedule(work: UnitOfWork, ref: ScheduleRef) -> ScheduleRecord:
    """The schedule with id ``ref`` (an int) or name ``ref`` (a str); NotFound otherwise."""
    schedule_id = ref if isinstance(ref, int) else work.schedules.id_by_name(ref)
    record = None if schedule_id is None else work.schedules.record(schedule_id)
    if record is None:
        raise NotFound(
            f"no schedule with id {ref}" if isinstance(ref, int) else f"no schedule named {ref!r}"
        )
    return record


def all_schedules(work: UnitOfWork) -> list[ScheduleRecord]:
    """Every schedule, oldest first."""
    return [find_schedule(work, schedule_id) for schedule_id in work.schedules.ids()]


def load(work: UnitOfWork, record: ScheduleRecord, start: datetime, end: datetime) -> Schedule:
    schedule = work.directory.schedule(record.id, start=start, end=end)
    assert schedule is not None, "the schedule was read in this same unit of work"
    return schedule


def describe_wall(wall: datetime) -> str:
    """``Mon 7 Dec 2026 18:00``: a wall-clock time as it is written."""
    return f"{wall:%a} {wall.day} {wall:%b %Y %H:%M}"


def describe_moment(timezone: str, moment: datetime) -> str:
    """``Mon 7 Dec 2026 18:00``: a moment on a schedule's (or person's) clock."""
    return describe_wall(moment.astimezone(ZoneInfo(timezone)))


def describe_span(timezone: str, start: datetime, end: datetime) -> str:
    """``Mon 7 Dec 2026 18:00 – Tue 8 Dec 2026 09:00 Europe/London``."""
    return f"{describe_moment(timezone, start)} – {describe_moment(timezone, end)} {timezone}"


def people_by_id(work: UnitOfWork, ids: Collection[int]) -> dict[int, Person]:
    """The people with ``ids`` who exist, by id."""
    return {p.id: p for p in (work.directory.person(uid) for uid in set(ids)) if p is not None}


def may_see_reasons(viewer: Person | None, user_id: int) -> bool:
    """Reasons for leave and exemptions are for managers (admins) and the person themself."""
    return viewer is not None and (viewer.role == "admin" or viewer.id == user_id)


def _masked(absence: AbsenceRecord, viewer: Person | None) -> AbsenceRecord:
    return absence if may_see_reasons(viewer, absence.user_id) else replace(absence, reason="")


def unreachable(
    work: UnitOfWork, people: dict[int, Person], deliverable: Collection[str]
) -> dict[int, str]:
    """Person id → why no page would reach them: no methods, no channel that delivers any of
    them here, or every method's last delivery or test notification failed."""
    methods = work.contacts.methods(list(people))
    out: dict[int, str] = {}
    for user_id in people:
        why = why_unreachable([m.state() for m in methods.get(user_id, [])], deliverable)
        if why is not None:
            out[user_id] = why
    return out


def _waiting(record: ScheduleRecord, consents: dict[int, Consent]) -> dict[str, dict[int, str]]:
    """Layer name → listed people who have not opted in, with their state."""
    out: dict[str, dict[int, str]] = {}
    for layer in record.layers:
        left_out = {
            p: consents.get(p, Consent.INVITED).value
            for p in layer.participants
            if consents.get(p) is not Consent.CONSENTED
        }
        if left_out:
            out[layer.name] = left_out
    return out


def _findings(
    work: UnitOfWork,
    record: ScheduleRecord,
    schedule: Schedule,
    *,
    now: datetime,
    deliverable: Collection[str],
) -> tuple[list[Finding], dict[int, Person]]:
    consents = {u: c.state for u, c in work.schedules.consents(record.id).items()}
    # Everyone the checks can name: the rotations' people and whoever an override puts on
    # call within the horizon (the checks work out the timeline themselves).
    horizon = now + HORIZON
    involved = set(record.participants) | {
        o.user for o in schedule.overrides if o.start < horizon and o.end > now
    }
    trades = {
        t.id: (t.requester_id, t.answered_by_id or t.colleague_id or t.requester_id)
        for t in work.schedules.trades(record.id, statuses=(TradeStatus.ACCEPTED,))
    }
    involved |= {user for pair in trades.values() for user in pair}
    people = people_by_id(work, involved)
    context = People(
        names={uid: p.name for uid, p in people.items()},
        unreachable=unreachable(
            work,
            {uid: p for uid, p in people.items() if uid in involved - _only_listed(consents)},
            deliverable,
        ),
        waiting=_waiting(record, consents),
        trades=trades,
    )
    return check(schedule, now=now, people=context, max_share=record.max_share), people


def _only_listed(consents: dict[int, Consent]) -> set[int]:
    """People listed but not opted in: a page cannot go to them, so their methods don't matter."""
    return {u for u, state in consents.items() if state is not Consent.CONSENTED}


def check_schedule(
    *,
    uow: UnitOfWorkFactory,
    ref: ScheduleRef,
    now: datetime,
    deliverable: Collection[str],
) -> tuple[ScheduleRecord, list[Finding]]:
    """The checks of one schedule over the next four weeks."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        schedule = load(work, record, now, now + LOOKAHEAD_LIMIT)
        found, _ = _findings(work, record, schedule, now=now, deliverable=deliverable)
        return record, found


def check_all(
    *, uow: UnitOfWorkFactory, now: datetime, deliverable: Collection[str]
) -> list[tuple[ScheduleRecord, list[Finding]]]:
    """The checks of every schedule, in the order schedules were created."""
    with uow(read_only=True) as work:
        out = []
        for record in all_schedules(work):
            schedule = load(work, record, now, now + LOOKAHEAD_LIMIT)
            found, _ = _findings(work, record, schedule, now=now, deliverable=deliverable)
            out.append((record, found))
        return out


@dataclass(frozen=True)
class LayerView:
    name: str
    start: datetime
    """Naive wall-clock time of the first handoff, in the schedule's zone."""
    turn: timedelta
    restrictions: tuple[Window, ...]
    participants: tuple[int, ...]
    """The people in the rotation (opted in), in turn order."""
    waiting: tuple[tuple[int, Consent], ...]
    """Listed people who have not opted in (invited) or declined."""
    shifts: tuple[Shift, ...]
    """What this layer alone puts on call in the window (with stand-ins for absences)."""


@dataclass(frozen=True)
class ScheduleView:
    id: int
    name: str
    timezone: str
    max_share: int
    start: datetime
    end: datetime
    layers: tuple[LayerView, ...]
    final: tuple[Shift, ...]
    overrides: tuple[OverrideRecord, ...]
    """Overrides that touch the window or have not ended yet."""
    trades: tuple[TradeRecord, ...]
    """Pending trades, and answered ones whose window ended less than 30 days ago."""
    absences: tuple[AbsenceRecord, ...]
    """Absences of its people that have not ended; reasons blank unless the viewer may see."""
    events: tuple[ScheduleEvent, ...]
    people: dict[int, Person]
    participants: tuple[int, ...]
    """Everyone in a rotation of this schedule (opted in)."""
    consents: dict[int, Consent]
    on_call_now: tuple[int, ...]
    next_change: datetime | None
    on_call_next: tuple[int, ...]
    findings: tuple[Finding, ...]


def view_schedule(
    *,
    uow: UnitOfWorkFactory,
    ref: ScheduleRef,
    now: datetime,
    start: datetime,
    end: datetime,
    viewer: Person | None,
    deliverable: Collection[str],
) -> ScheduleView:
    """Everything the schedule page and API show, for the window ``[start, end)``."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        horizon = max(end, now + LOOKAHEAD_LIMIT)
        schedule = load(work, record, min(start, now), horizon)
        consents = {u: c.state for u, c in work.schedules.consents(record.id).items()}
        findings, people = _findings(work, record, schedule, now=now, deliverable=deliverable)
        final = shifts(schedule, start, end)
        layers = []
        for stored, computed in zip(record.layers, schedule.layers, strict=True):
            alone = replace(schedule, layers=(computed,), overrides=())
            layers.append(
                LayerView(
                    name=stored.name,
                    start=stored.start,
                    turn=stored.turn,
                    restrictions=stored.restrictions,
                    participants=computed.participants,
                    waiting=tuple(
                        (p, consents.get(p, Consent.INVITED))
                        for p in stored.participants
                        if consents.get(p) is not Consent.CONSENTED
                    ),
                    shifts=tuple(shifts(alone, start, end)),
                )
            )
        overrides = [
            o
            for o in work.schedules.overrides(record.id, start=min(start, now), end=horizon)
            if o.end > now or (o.start < end and o.end > start)
        ]
        trades = [
            t
            for t in work.schedules.trades(record.id)
            if t.status is TradeStatus.PENDING or t.end > now - RECENT_TRADES
        ]
        absences = [
            _masked(a, viewer)
            for a in work.schedules.absences(
                schedule_id=record.id, user_ids=record.participants, start=now
            )
        ]
        changes = upcoming(schedule, now, 1)
        ids = (
            set(record.participants)
            | {s.user for s in final}
            | {o.user_id for o in overrides}
            | {t.requester_id for t in trades}
            | {t.colleague_id for t in trades if t.colleague_id}
            | {t.answered_by_id for t in trades if t.answered_by_id}
            | {a.user_id for a in absences}
        )
        people = people | people_by_id(work, ids - set(people))
        participants = tuple(dict.fromkeys(p for layer in layers for p in layer.participants))
        return ScheduleView(
            id=record.id,
            name=record.name,
            timezone=record.timezone,
            max_share=record.max_share,
            start=start,
            end=end,
            layers=tuple(layers),
            final=tuple(final),
            overrides=tuple(overrides),
            trades=tuple(trades),
            absences=tuple(absences),
            events=tuple(work.schedules.events(record.id, limit=50)),
            people=people,
            participants=participants,
            consents=consents,
            on_call_now=on_call(schedule, now),
            next_change=changes[0][0] if changes else None,
            on_call_next=changes[0][1] if changes else (),
            findings=tuple(findings),
        )


def schedule_shifts(
    *, uow: UnitOfWorkFactory, ref: ScheduleRef, start: datetime, end: datetime
) -> tuple[ScheduleRecord, list[Shift], dict[int, Person]]:
    """The final timeline of one schedule over ``[start, end)``, and the people in it."""
    with uow(read_only=True) as work:
        return _timeline(work, find_schedule(work, ref), start, end)


def every_schedule_shifts(
    *, uow: UnitOfWorkFactory, start: datetime, end: datetime
) -> list[tuple[ScheduleRecord, list[Shift], dict[int, Person]]]:
    """``schedule_shifts`` of every schedule, oldest first, in one unit of work."""
    with uow(read_only=True) as work:
        return [_timeline(work, record, start, end) for record in all_schedules(work)]


def _timeline(
    work: UnitOfWork, record: ScheduleRecord, start: datetime, end: datetime
) -> tuple[ScheduleRecord, list[Shift], dict[int, Person]]:
    timeline = shifts(load(work, record, start, end), start, end)
    named = {s.user for s in timeline} | set(_stood_in_for(timeline))
    return record, timeline, people_by_id(work, named)


def _stood_in_for(timeline: list[Shift]) -> list[int]:
    """The people the shifts' stand-ins stand in for."""
    return [s.source.standing_in_for for s in timeline if s.source.standing_in_for is not None]


@dataclass(frozen=True)
class UserShift:
    schedule_id: int
    schedule: str
    shift: Shift
    standing_in_for: Person | None = None
    """Whom the person stands in for, when the shift is a stand-in's."""


def user_shifts(
    *, uow: UnitOfWorkFactory, user_id: int, start: datetime, end: datetime
) -> tuple[Person, list[UserShift]]:
    """Every shift of one person over ``[start, end)`` across all schedules, in time order."""
    with uow(read_only=True) as work:
        person = work.directory.person(user_id)
        if person is None:
            raise NotFound(f"no user {user_id}")
        found = []
        for record in all_schedules(work):
            for shift in shifts(load(work, record, start, end), start, end):
                if shift.user == user_id:
                    absent = shift.source.standing_in_for
                    holder = None if absent is None else work.directory.person(absent)
                    found.append(UserShift(record.id, record.name, shift, holder))
        return person, sorted(found, key=lambda s: (s.shift.start, s.schedule_id))


@dataclass(frozen=True)
class FairnessReport:
    report: fairness.RotationReport
    people: dict[int, Person]


def fairness_report(
    *,
    uow: UnitOfWorkFactory,
    ref: ScheduleRef,
    start: datetime,
    end: datetime,
) -> FairnessReport:
    """Each person's load on one schedule over ``[start, end)``, judged by their own clock."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        schedule = load(work, record, start, end)
        timeline = shifts(schedule, start, end)
        pages = work.schedules.pages(record.id, start=start, end=end)
        members = {p for layer in schedule.layers for p in layer.participants}
        people = people_by_id(work, members | {s.user for s in timeline} | {p.user for p in pages})
        report = fairness.report(
            record.name,
            start,
            end,
            people=members,
            timezones={uid: p.timezone for uid, p in people.items()},
            shifts=timeline,
            pages=pages,
        )
        return FairnessReport(report=report, people=people)


def fairness_reports(
    *, uow: UnitOfWorkFactory, start: datetime, end: datetime
) -> list[FairnessReport]:
    with uow(read_only=True) as work:
        ids = work.schedules.ids()
    return [fairness_report(uow=uow, ref=i, start=start, end=end) for i in ids]
