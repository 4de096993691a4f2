"""Small reads about schedules: one schedule, overrides, trades, absences, the timeline of
changes, checks with the people they name, a person's next shift, and why someone is on
call. Each is read-only.

Every answer comes with the people it names, so an entry point can show names and emails
without asking again. Reasons for absences are blank unless the viewer may read them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from ondeck.domain.schedule_checks import Finding
from ondeck.domain.schedules import LOOKAHEAD_LIMIT, Source, SourceKind, next_shift
from ondeck.domain.trades import TradeStatus
from ondeck.services.errors import NotFound
from ondeck.services.ports import (
    AbsenceRecord,
    OverrideRecord,
    Person,
    ScheduleEvent,
    ScheduleRecord,
    TradeRecord,
    UnitOfWorkFactory,
)
from ondeck.services.schedules import (
    ScheduleRef,
    UserShift,
    all_schedules,
    check_all,
    check_schedule,
    find_schedule,
    load,
    may_see_reasons,
    people_by_id,
)


def describe_source(source: Source, names: Mapping[int, str]) -> str:
    """Why someone is on call: ``layer Weekly``, ``layer Weekly, standing in for Ada
    Lovelace``, ``override #3`` or ``trade #4``; ``names`` maps user ids to names."""
    if source.kind is SourceKind.OVERRIDE:
        return f"override #{source.override}"
    if source.kind is SourceKind.TRADE:
        return f"trade #{source.trade}"
    if source.kind is SourceKind.STAND_IN and source.standing_in_for is not None:
        absent = names.get(source.standing_in_for, f"user {source.standing_in_for}")
        return f"layer {source.layer}, standing in for {absent}"
    return f"layer {source.layer}"


def get_schedule(*, uow: UnitOfWorkFactory, ref: ScheduleRef) -> ScheduleRecord:
    """The schedule with id or name ``ref`` (its zone, layers and people); NotFound otherwise."""
    with uow(read_only=True) as work:
        return find_schedule(work, ref)


@dataclass(frozen=True)
class Overrides:
    schedule: ScheduleRecord
    overrides: tuple[OverrideRecord, ...]
    people: dict[int, Person]


def list_overrides(
    *, uow: UnitOfWorkFactory, ref: ScheduleRef, start: datetime, end: datetime
) -> Overrides:
    """The overrides of a schedule that overlap ``[start, end)``, oldest first (trades'
    overrides included: they carry the trade's id)."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        found = work.schedules.overrides(record.id, start=start, end=end)
        return Overrides(record, tuple(found), people_by_id(work, {o.user_id for o in found}))


def get_override(*, uow: UnitOfWorkFactory, override_id: int) -> Overrides:
    """One override (as ``Overrides`` of one), with its schedule and person."""
    with uow(read_only=True) as work:
        found = work.schedules.get_override(override_id)
        if found is None:
            raise NotFound(f"no override {override_id}")
        record = find_schedule(work, found.schedule_id)
        return Overrides(record, (found,), people_by_id(work, {found.user_id}))


@dataclass(frozen=True)
class Trades:
    schedule: ScheduleRecord
    trades: tuple[TradeRecord, ...]
    people: dict[int, Person]


def _trade_people(trades: Collection[TradeRecord]) -> set[int]:
    ids = {t.requester_id for t in trades}
    ids |= {t.colleague_id for t in trades if t.colleague_id is not None}
    ids |= {t.answered_by_id for t in trades if t.answered_by_id is not None}
    return ids


def list_trades(
    *, uow: UnitOfWorkFactory, ref: ScheduleRef, statuses: Collection[TradeStatus] = ()
) -> Trades:
    """The trades of a schedule (of the given statuses; none given: all), newest first."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        found = list(reversed(work.schedules.trades(record.id, statuses=statuses)))
        return Trades(record, tuple(found), people_by_id(work, _trade_people(found)))


def get_trade(*, uow: UnitOfWorkFactory, trade_id: int) -> Trades:
    """One trade (as ``Trades`` of one), with its schedule and the people it names."""
    with uow(read_only=True) as work:
        found = work.schedules.get_trade(trade_id)
        if found is None:
            raise NotFound(f"no trade {trade_id}")
        record = find_schedule(work, found.schedule_id)
        return Trades(record, (found,), people_by_id(work, _trade_people([found])))


@dataclass(frozen=True)
class Absences:
    absences: tuple[AbsenceRecord, ...]
    people: dict[int, Person]


def _shown(absence: AbsenceRecord, viewer: Person) -> AbsenceRecord:
    return absence if may_see_reasons(viewer, absence.user_id) else replace(absence, reason="")


def list_absences(
    *,
    uow: UnitOfWorkFactory,
    now: datetime,
    viewer: Person,
    user_email: str | None = None,
    ref: ScheduleRef | None = None,
) -> Absences:
    """Absences that have not ended: of one person (``user_email``), of the people of one
    schedule (``ref``: their leave and their exemptions from it), or everyone's. Reasons are
    blank unless ``viewer`` is an admin or the absent person."""
    with uow(read_only=True) as work:
        user_ids: set[int] | None = None
        if user_email is not None:
            person = work.directory.person_by_email(user_email)
            if person is None:
                raise NotFound(f"no user with email {user_email!r}")
            user_ids = {person.id}
        schedule_id = None
        if ref is not None:
            record = find_schedule(work, ref)
            schedule_id = record.id
            listed = set(record.participants)
            user_ids = listed if user_ids is None else user_ids & listed
        found = work.schedules.absences(schedule_id=schedule_id, user_ids=user_ids, start=now)
        shown = tuple(_shown(a, viewer) for a in found)
        return Absences(shown, people_by_id(work, {a.user_id for a in shown}))


def get_absence(*, uow: UnitOfWorkFactory, absence_id: int, viewer: Person) -> Absences:
    """One absence (as ``Absences`` of one); its reason blank unless ``viewer`` may see it."""
    with uow(read_only=True) as work:
        found = work.schedules.get_absence(absence_id)
        if found is None:
            raise NotFound(f"no absence {absence_id}")
        return Absences((_shown(found, viewer),), people_by_id(work, {found.user_id}))


def schedule_events(
    *, uow: UnitOfWorkFactory, ref: ScheduleRef, limit: int = 100
) -> tuple[ScheduleRecord, list[ScheduleEvent]]:
    """The newest ``limit`` changes of a schedule, newest first."""
    with uow(read_only=True) as work:
        record = find_schedule(work, ref)
        return record, work.schedules.events(record.id, limit=limit)


def next_user_shift(
    *, uow: UnitOfWorkFactory, user_id: int, now: datetime
) -> tuple[Person, UserShift | None]:
    """The first shift of a person that starts after ``now`` on any schedule (None if none
    starts within ``LOOKAHEAD_LIMIT``); the earliest schedule wins a tie."""
    with uow(read_only=True) as work:
        person = work.directory.person(user_id)
        if person is None:
            raise NotFound(f"no user {user_id}")
        best: UserShift | None = None
        for record in all_schedules(work):
            found = next_shift(load(work, record, now, now + LOOKAHEAD_LIMIT), user_id, now)
            if found is not None and (best is None or found.start < best.shift.start):
                best = UserShift(record.id, record.name, found)
        if best is not None and best.shift.source.standing_in_for is not None:
            holder = work.directory.person(best.shift.source.standing_in_for)
            best = replace(best, standing_in_for=holder)
        return person, best


@dataclass(frozen=True)
class Checked:
    results: tuple[tuple[ScheduleRecord, tuple[Finding, ...]], ...]
    """Each schedule checked, with what its checks found."""
    people: dict[int, Person]
    """The people the findings name."""


def checks(
    *,
    uow: UnitOfWorkFactory,
    now: datetime,
    deliverable: Collection[str],
    ref: ScheduleRef | None = None,
) -> Checked:
    """The checks of one schedule (``ref``) or of all of them, over the next four weeks."""
    if ref is None:
        results = check_all(uow=uow, now=now, deliverable=deliverable)
    else:
        results = [check_schedule(uow=uow, ref=ref, now=now, deliverable=deliverable)]
    named = {f.user for _, found in results for f in found if f.user is not None}
    with uow(read_only=True) as work:
        people = people_by_id(work, named)
    return Checked(tuple((record, tuple(found)) for record, found in results), people)
