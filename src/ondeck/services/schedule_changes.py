"""Changing who is on call: overrides, trades, absences and opting in to rotations.

Each function is one unit of work that checks who may do it, changes the schedule and
writes what happened on the schedule's timeline of changes, all or nothing. Observers
change nothing. Reasons for leave and exemptions never go on the timeline: only managers
(admins) and the person themself may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ondeck.domain.schedules import AwayKind
from ondeck.domain.trades import (
    Period,
    TradeKind,
    TradeRefused,
    TradeRequest,
    TradeStatus,
    accept,
    answerable_by,
    check_request,
)
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import (
    AbsenceRecord,
    Clock,
    Consent,
    OverrideRecord,
    Person,
    ScheduleRecord,
    TradeRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ondeck.services.schedules import (
    ScheduleRef,
    all_schedules,
    describe_moment,
    describe_span,
    find_schedule,
    load,
)

LONGEST_OVERRIDE = timedelta(days=366)
LONGEST_NOTE = 500


class EventKind:
    OVERRIDE_ADDED = "override_added"
    OVERRIDE_REMOVED = "override_removed"
    OVERRIDE_SHORTENED = "override_shortened"
    TRADE_REQUESTED = "trade_requested"
    TRADE_ACCEPTED = "trade_accepted"
    TRADE_DECLINED = "trade_declined"
    TRADE_CANCELLED = "trade_cancelled"
    ABSENCE_ADDED = "absence_added"
    ABSENCE_REMOVED = "absence_removed"
    INVITED = "invited"
    OPTED_IN = "opted_in"
    DECLINED = "declined"
    CONSENT_RECORDED = "consent_recorded"


def _may_change(actor: Person) -> None:
    if actor.role == "observer":
        raise Forbidden("observers can look but not change schedules")


def _admin(actor: Person, doing: str) -> None:
    if actor.role != "admin":
        raise Forbidden(f"only an admin can {doing}")


def _person_by_email(work: UnitOfWork, email: str) -> Person:
    person = work.directory.person_by_email(email)
    if person is None:
        raise NotFound(f"no user with email {email!r}")
    return person


def _name(work: UnitOfWork, user_id: int | None) -> str:
    if user_id is None:
        return "anyone in the rotation"
    person = work.directory.person(user_id)
    return person.name if person else f"user {user_id}"


def _note(text: str) -> str:
    if len(text) > LONGEST_NOTE:
        raise Refused(f"the note is {len(text)} characters long; at most {LONGEST_NOTE} fit")
    return text.strip()


def _window(start: datetime, end: datetime, now: datetime, what: str) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise Refused(f"the {what}'s times need a time zone")
    if end <= start:
        raise Refused(f"the {what} must end after it starts")
    if end <= now:
        raise Refused(f"the {what} is already over")


def _event(
    work: UnitOfWork,
    record: ScheduleRecord,
    now: datetime,
    actor: Person | str,
    kind: str,
    text: str,
    **data: object,
) -> None:
    who = actor if isinstance(actor, str) else actor.email
    work.schedules.add_event(record.id, at=now, kind=kind, actor=who, message=text, data=dict(data))


def create_override(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    ref: ScheduleRef,
    user_email: str,
    start: datetime,
    end: datetime,
    actor: Person,
    note: str = "",
) -> OverrideRecord:
    """Put ``user_email`` on call for ``[start, end)``, above every layer. Anyone may."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        record = find_schedule(work, ref)
        person = _person_by_email(work, user_email)
        _window(start, end, now, "override")
        if end - start > LONGEST_OVERRIDE:
            raise Refused("an override lasts at most a year; change the rotation instead")
        override_id = work.schedules.add_override(
            schedule_id=record.id,
            user_id=person.id,
            start=start,
            end=end,
            note=_note(note),
            by=actor.email,
            at=now,
        )
        span = describe_span(record.timezone, start, end)
        _event(
            work,
            record,
            now,
            actor,
            EventKind.OVERRIDE_ADDED,
            f"{actor.name} put {person.name} on call {span}"
            + (f" ({note.strip()})" if note.strip() else ""),
            override=override_id,
            user=person.email,
        )
        created = work.schedules.get_override(override_id)
        assert created is not None
        work.signal_work()
        work.commit()
        return created


def remove_override(
    *, uow: UnitOfWorkFactory, clock: Clock, override_id: int, actor: Person
) -> OverrideRecord | None:
    """Take an override back: its creator, the person it puts on call, or an admin may.

    One that has begun is cut short at ``now``, keeping its id and so its precedence (who was
    on call stays history); one that is over cannot be removed. Returns the shortened
    override, or None when it was deleted.
    """
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        override = work.schedules.get_override(override_id)
        if override is None:
            raise NotFound(f"no override {override_id}")
        if (
            actor.role != "admin"
            and actor.id != override.user_id
            and actor.email != override.created_by
        ):
            raise Forbidden(
                "only whoever made the override, the person on it or an admin can remove it"
            )
        if override.end <= now:
            raise Refused("this override is over; it stays as history")
        record = find_schedule(work, override.schedule_id)
        who = _name(work, override.user_id)
        result = None
        if override.start < now:
            work.schedules.update_override(override_id, end=now)
            result = work.schedules.get_override(override_id)
            _event(
                work,
                record,
                now,
                actor,
                EventKind.OVERRIDE_SHORTENED,
                f"{actor.name} ended {who}'s override early, at "
                f"{describe_moment(record.timezone, now)} {record.timezone}",
                override=override_id,
            )
        else:
            work.schedules.remove_override(override_id)
            _event(
                work,
                record,
                now,
                actor,
                EventKind.OVERRIDE_REMOVED,
                f"{actor.name} removed the override putting {who} on call "
                f"{describe_span(record.timezone, override.start, override.end)}",
                override=override_id,
            )
        work.signal_work()
        work.commit()
        return result


def _participants(work: UnitOfWork, record: ScheduleRecord) -> set[int]:
    consents = work.schedules.consents(record.id)
    return {
        p for p in record.participants if p in consents and consents[p].state is Consent.CONSENTED
    }


def _trade_text(work: UnitOfWork, record: ScheduleRecord, trade: TradeRequest) -> str:
    span = describe_span(record.timezone, trade.window.start, trade.window.end)
    asked = _name(work, trade.colleague)
    if trade.kind is TradeKind.SWAP and trade.swap_window is not None:
        other = describe_span(record.timezone, trade.swap_window.start, trade.swap_window.end)
        return (
            f"{_name(work, trade.requester)} asks {asked} to swap: {asked} takes {span}, "
            f"{_name(work, trade.requester)} takes {other}"
        )
    return f"{_name(work, trade.requester)} asks {asked} to cover {span}"


def request_trade(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    ref: ScheduleRef,
    actor: Person,
    kind: TradeKind,
    start: datetime,
    end: datetime,
    colleague_email: str | None = None,
    swap_start: datetime | None = None,
    swap_end: datetime | None = None,
    note: str = "",
) -> TradeRecord:
    """Ask a named colleague (or, for a cover, anyone in the rotations) to take a window."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        record = find_schedule(work, ref)
        colleague = _person_by_email(work, colleague_email) if colleague_email else None
        for moment in (start, end, swap_start, swap_end):
            if moment is not None and moment.tzinfo is None:
                raise Refused("the trade's times need a time zone")
        swap = None
        if swap_start is not None or swap_end is not None:
            if swap_start is None or swap_end is None:
                raise Refused("a swap window needs both a start and an end")
            swap = Period(swap_start, swap_end)
        request = TradeRequest(
            kind=kind,
            requester=actor.id,
            window=Period(start, end),
            colleague=colleague.id if colleague else None,
            swap_window=swap,
        )
        windows = [request.window] + ([swap] if swap else [])
        schedule = load(work, record, min(w.start for w in windows), max(w.end for w in windows))
        problems = check_request(
            schedule, request, participants=_participants(work, record), now=now
        )
        if problems:
            raise Refused("; ".join(problems))
        trade_id = work.schedules.add_trade(
            schedule_id=record.id, request=request, note=_note(note), at=now
        )
        _event(
            work,
            record,
            now,
            actor,
            EventKind.TRADE_REQUESTED,
            f"Trade #{trade_id}: {_trade_text(work, record, request)}"
            + (f" ({note.strip()})" if note.strip() else ""),
            trade=trade_id,
        )
        created = work.schedules.get_trade(trade_id)
        assert created is not None
        work.commit()
        return created


def _locked_trade(work: UnitOfWork, trade_id: int) -> TradeRecord:
    found = work.schedules.get_trade(trade_id, lock=True)
    if found is None:
        raise NotFound(f"no trade {trade_id}")
    return found


def answer_trade(
    *, uow: UnitOfWorkFactory, clock: Clock, trade_id: int, actor: Person, accepted: bool
) -> TradeRecord:
    """Accept (the trade's windows become overrides) or decline a trade asked of ``actor``."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        found = _locked_trade(work, trade_id)
        record = find_schedule(work, found.schedule_id)
        trade = found.trade()
        participants = _participants(work, record)
        if not accepted:
            if not answerable_by(trade, actor.id, participants) or trade.request.colleague is None:
                raise Forbidden("only the colleague a trade names can decline it")
            work.schedules.answer_trade(trade_id, status=TradeStatus.DECLINED, by=actor.id, at=now)
            _event(
                work,
                record,
                now,
                actor,
                EventKind.TRADE_DECLINED,
                f"Trade #{trade_id}: {actor.name} declined",
                trade=trade_id,
            )
        else:
            try:
                planned = accept(trade, actor.id, participants=participants, now=now)
            except TradeRefused as error:
                raise Refused(str(error)) from error
            for item in planned:
                work.schedules.add_override(
                    schedule_id=record.id,
                    user_id=item.user,
                    start=item.window.start,
                    end=item.window.end,
                    note=f"trade #{trade_id}",
                    by=actor.email,
                    at=now,
                    trade_id=trade_id,
                )
            work.schedules.answer_trade(trade_id, status=TradeStatus.ACCEPTED, by=actor.id, at=now)
            zone = record.timezone
            covered = "; ".join(
                f"{_name(work, item.user)} on call "
                f"{describe_span(zone, item.window.start, item.window.end)}"
                for item in planned
            )
            _event(
                work,
                record,
                now,
                actor,
                EventKind.TRADE_ACCEPTED,
                f"Trade #{trade_id}: {actor.name} accepted: {covered}",
                trade=trade_id,
            )
            work.signal_work()
        answered = work.schedules.get_trade(trade_id)
        assert answered is not None
        work.commit()
        return answered


def cancel_trade(
    *, uow: UnitOfWorkFactory, clock: Clock, trade_id: int, actor: Person
) -> TradeRecord:
    """Withdraw a pending trade: its requester or an admin may."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        found = _locked_trade(work, trade_id)
        if actor.id != found.requester_id and actor.role != "admin":
            raise Forbidden("only whoever asked for the trade or an admin can cancel it")
        if found.status is not TradeStatus.PENDING:
            raise Refused(f"this trade is {found.status.value}, not pending")
        record = find_schedule(work, found.schedule_id)
        work.schedules.answer_trade(trade_id, status=TradeStatus.CANCELLED, by=actor.id, at=now)
        _event(
            work,
            record,
            now,
            actor,
            EventKind.TRADE_CANCELLED,
            f"Trade #{trade_id}: cancelled by {actor.name}",
            trade=trade_id,
        )
        cancelled = work.schedules.get_trade(trade_id)
        assert cancelled is not None
        work.commit()
        return cancelled


def _schedules_of(work: UnitOfWork, user_id: int) -> list[ScheduleRecord]:
    return [record for record in all_schedules(work) if user_id in record.participants]


def add_absence(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    actor: Person,
    user_email: str,
    start: datetime | None,
    end: datetime | None,
    reason: str = "",
    ref: ScheduleRef | None = None,
    layer: str | None = None,
) -> AbsenceRecord:
    """Mark someone away: on leave everywhere (no ``ref``: needs an end) or exempt from one
    schedule (or one layer of it), possibly open-ended. The person themself or an admin may.
    Their turns go to the next available person in the rotation; the schedule shows it ahead.
    """
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        person = _person_by_email(work, user_email)
        if actor.id != person.id and actor.role != "admin":
            raise Forbidden("only an admin can mark someone else away")
        for moment in (start, end):
            if moment is not None and moment.tzinfo is None:
                raise Refused("the absence's times need a time zone")
        if start is not None and end is not None and end <= start:
            raise Refused("the absence must end after it starts")
        if end is not None and end <= now:
            raise Refused("the absence is already over")
        if len(reason) > 2000:
            raise Refused("the reason is longer than 2000 characters")
        record = find_schedule(work, ref) if ref is not None else None
        if record is None and end is None:
            raise Refused(
                "leave from every schedule needs an end; "
                "exempt them from one schedule to leave it open"
            )
        if layer is not None and record is None:
            raise Refused("an exemption from one layer needs its schedule")
        if (
            layer is not None
            and record is not None
            and layer not in {x.name for x in record.layers}
        ):
            raise Refused(f"no layer named {layer!r} in schedule {record.name!r}")
        kind = AwayKind.LEAVE if record is None else AwayKind.EXEMPT
        absence_id = work.schedules.add_absence(
            user_id=person.id,
            schedule_id=record.id if record else None,
            layer=layer,
            kind=kind,
            start=start,
            end=end,
            reason=reason.strip(),
            by=actor.email,
            at=now,
        )
        for schedule in [record] if record else _schedules_of(work, person.id):
            _event(
                work,
                schedule,
                now,
                actor,
                EventKind.ABSENCE_ADDED,
                _absence_text(person, schedule, kind, start, end, layer),
                absence=absence_id,
                user=person.email,
            )
        created = work.schedules.get_absence(absence_id)
        assert created is not None
        work.signal_work()
        work.commit()
        return created


def _absence_text(
    person: Person,
    record: ScheduleRecord,
    kind: AwayKind,
    start: datetime | None,
    end: datetime | None,
    layer: str | None,
) -> str:
    what = (
        "is on leave"
        if kind is AwayKind.LEAVE
        else "is exempt from " + (f"layer {layer!r}" if layer else "this schedule")
    )
    if start is not None and end is not None:
        return f"{person.name} {what} {describe_span(record.timezone, start, end)}"
    zone = record.timezone
    if end is not None:
        return f"{person.name} {what} until {describe_moment(zone, end)} {zone}"
    if start is not None:
        return (
            f"{person.name} {what} from {describe_moment(zone, start)} {zone} until further notice"
        )
    return f"{person.name} {what} until further notice"


def remove_absence(*, uow: UnitOfWorkFactory, clock: Clock, absence_id: int, actor: Person) -> None:
    """Take an absence back: the person themself or an admin may."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        absence = work.schedules.get_absence(absence_id)
        if absence is None:
            raise NotFound(f"no absence {absence_id}")
        if actor.id != absence.user_id and actor.role != "admin":
            raise Forbidden("only an admin can change someone else's absence")
        person = work.directory.person(absence.user_id)
        work.schedules.remove_absence(absence_id)
        targets = (
            [find_schedule(work, absence.schedule_id)]
            if absence.schedule_id is not None
            else _schedules_of(work, absence.user_id)
        )
        for record in targets:
            _event(
                work,
                record,
                now,
                actor,
                EventKind.ABSENCE_REMOVED,
                f"{actor.name} removed an absence of {person.name if person else 'a former user'}",
                absence=absence_id,
            )
        work.signal_work()
        work.commit()


@dataclass(frozen=True)
class ConsentChange:
    schedule: str
    user: str
    state: Consent


def invite(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    ref: ScheduleRef,
    layer: str,
    user_email: str,
    actor: Person,
) -> ConsentChange:
    """Ask someone to join a layer (admins). They are listed at once but left out of the
    rotation until they opt in; asking yourself is opting in."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        record = find_schedule(work, ref)
        person = _person_by_email(work, user_email)
        if person.id != actor.id:
            _admin(actor, "invite people to a rotation")
        _list_in_layer(work, record, layer, person)
        known = work.schedules.consents(record.id).get(person.id)
        if person.id == actor.id:
            state = Consent.CONSENTED
            work.schedules.set_consent(
                schedule_id=record.id, user_id=person.id, state=state, by=actor.email, at=now
            )
            _event(
                work,
                record,
                now,
                actor,
                EventKind.OPTED_IN,
                f"{person.name} joined layer {layer!r}",
                user=person.email,
            )
        elif known is not None and known.state is Consent.CONSENTED:
            state = Consent.CONSENTED
            _event(
                work,
                record,
                now,
                actor,
                EventKind.INVITED,
                f"{actor.name} added {person.name} to layer {layer!r} (already opted in)",
                user=person.email,
            )
        else:
            state = Consent.INVITED
            work.schedules.set_consent(
                schedule_id=record.id, user_id=person.id, state=state, by=actor.email, at=now
            )
            _event(
                work,
                record,
                now,
                actor,
                EventKind.INVITED,
                f"{actor.name} invited {person.name} to layer {layer!r}; "
                "they join the rotation once they opt in",
                user=person.email,
            )
        work.signal_work()
        work.commit()
        return ConsentChange(record.name, person.email, state)


def _list_in_layer(work: UnitOfWork, record: ScheduleRecord, layer: str, person: Person) -> None:
    found = next((x for x in record.layers if x.name == layer), None)
    if found is None:
        raise NotFound(f"no layer named {layer!r} in schedule {record.name!r}")
    if person.id not in found.participants:
        work.schedules.set_layer_participants(record.id, layer, (*found.participants, person.id))


def answer_invitation(
    *, uow: UnitOfWorkFactory, clock: Clock, ref: ScheduleRef, actor: Person, joined: bool
) -> ConsentChange:
    """Opt in to (or decline) the rotations of a schedule you are listed in."""
    _may_change(actor)
    with uow() as work:
        now = clock.now()
        record = find_schedule(work, ref)
        if actor.id not in record.participants:
            raise Refused(
                f"you are not listed in any layer of {record.name!r}; ask an admin to invite you"
            )
        state = Consent.CONSENTED if joined else Consent.DECLINED
        work.schedules.set_consent(
            schedule_id=record.id, user_id=actor.id, state=state, by=actor.email, at=now
        )
        if joined:
            _event(
                work,
                record,
                now,
                actor,
                EventKind.OPTED_IN,
                f"{actor.name} opted in to the rotation",
                user=actor.email,
            )
        else:
            _event(
                work,
                record,
                now,
                actor,
                EventKind.DECLINED,
                f"{actor.name} declined to join the rotation",
                user=actor.email,
            )
        work.signal_work()
        work.commit()
        return ConsentChange(record.name, actor.email, state)


def record_consent(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    ref: ScheduleRef,
    user_email: str,
    actor: Person,
    note: str,
) -> ConsentChange:
    """An admin records that someone agreed to be on call here (say, in a one-to-one)."""
    _may_change(actor)
    _admin(actor, "record someone's consent")
    if not note.strip():
        raise Refused("say how they agreed (a note like 'agreed in our 1:1 on 20 Nov')")
    with uow() as work:
        now = clock.now()
        record = find_schedule(work, ref)
        person = _person_by_email(work, user_email)
        if person.id not in record.participants:
            raise Refused(
                f"{person.name} is not listed in any layer of {record.name!r}; invite them first"
            )
        work.schedules.set_consent(
            schedule_id=record.id,
            user_id=person.id,
            state=Consent.CONSENTED,
            by=actor.email,
            at=now,
            note=_note(note),
        )
        _event(
            work,
            record,
            now,
            actor,
            EventKind.CONSENT_RECORDED,
            f"{actor.name} recorded {person.name}'s consent: {note.strip()}",
            user=person.email,
        )
        work.signal_work()
        work.commit()
        return ConsentChange(record.name, person.email, Consent.CONSENTED)
