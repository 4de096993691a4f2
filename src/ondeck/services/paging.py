"""The paging guarantee's first half: advance due escalations into outbox messages.

Each function is one unit of work. A due escalation is claimed, fired and advanced in the
same transaction that writes the outbox rows it produces, so a level is never half-fired
and never fired twice. Sending those messages is ``services.delivery``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ondeck.domain import escalation, notifications
from ondeck.domain.model import EscalationLevel, IncidentRole, IncidentStatus, TargetKind
from ondeck.domain.schedules import on_call
from ondeck.services import timeline
from ondeck.services.ports import (
    Clock,
    DueEscalation,
    DueTimes,
    IncidentRecord,
    NewMessage,
    NewTimelineEntry,
    Person,
    UnitOfWork,
    UnitOfWorkFactory,
)

ESCALATION_BATCH = 200


def stop_paging(work: UnitOfWork, incident_id: int) -> int:
    """Cancel the incident's escalation timer and every message not yet being sent."""
    work.paging.cancel_escalations([incident_id])
    return work.paging.cancel_queued(incident_id)


def announce(work: UnitOfWork, incident: IncidentRecord, change: str, now: datetime) -> None:
    """Queue an update of the incident's message in its service's chat channel, if it has
    one: the first posts it, later ones edit it in place (the page reads the current state
    when it is sent, so updates that queue up all show the latest)."""
    message = _announcement(incident, change, now)
    if message is not None:
        work.paging.enqueue([message], now=now)
        work.signal_work()


def _announcement(incident: IncidentRecord, change: str, now: datetime) -> NewMessage | None:
    if not incident.chat_channel:
        return None
    return NewMessage(
        idempotency_key=f"i{incident.id}:chat:{change}:{int(now.timestamp() * 1000)}",
        incident_id=incident.id,
        user_id=None,
        contact_method_id=None,
        kind=CHAT_PROVIDER,
        address=incident.chat_channel,
        level=0,
        loop=0,
        deliver_at=now,
        purpose="announcement",
    )


CHAT_PROVIDER = "slack"
"""Services' chat channels are Slack channels."""


def idempotency_key(
    *, incident_id: int, level: int, loop: int, user_id: int, rule: int, round: int = 0
) -> str:
    """Stable per (incident, level, loop, user, rule) and, for an incident triggered again
    after a snooze or a manual escalation, per round."""
    key = f"i{incident_id}:l{level}:r{loop}:u{user_id}:n{rule}"
    return f"{key}:k{round}" if round else key


def advance_due_escalations(*, uow: UnitOfWorkFactory, clock: Clock) -> list[DueEscalation]:
    """Fire every due escalation level (a batch); returns the timers handled.

    The batch is planned in memory first (reads are cached per transaction) and then
    written with a few bulk statements, all in the one transaction that claimed it.
    """
    with uow() as work:
        now = clock.now()
        due = work.paging.claim_due_escalations(now, ESCALATION_BATCH)
        if not due:
            return due
        incidents = work.incidents.get_many([item.incident_id for item in due])
        writes = _Writes()
        for item in due:
            incident = incidents.get(item.incident_id)
            if incident is not None and item.snoozed:
                incident = _end_snooze(work, incident, now)
            if incident is None or incident.status is not IncidentStatus.TRIGGERED:
                writes.finished.append(item.incident_id)
                continue
            position = escalation.Position(item.level, item.loop)
            if position == escalation.Position(0, 0):
                posted = _announcement(incident, "triggered", now)
                writes.messages += [posted] if posted else []
            _fire_from(work, writes, incident, position, now, item.round)
        work.paging.enqueue(writes.messages, now=now)
        work.incidents.add_timeline_many(writes.timeline)
        work.paging.move_escalations(writes.moves)
        work.paging.cancel_escalations(writes.finished)
        work.commit()
        return due


def _end_snooze(work: UnitOfWork, incident: IncidentRecord, now: datetime) -> IncidentRecord:
    """Trigger a snoozed (acknowledged) incident again; a resolved one stays resolved."""
    if incident.status is not IncidentStatus.ACKNOWLEDGED:
        return incident
    work.incidents.set_status(incident.id, IncidentStatus.TRIGGERED, by="engine", at=now)
    work.incidents.add_timeline(
        incident.id,
        at=now,
        kind=timeline.SNOOZE_ENDED,
        actor="engine",
        message="Snooze over: triggered again, paging from the first level",
    )
    return replace(incident, status=IncidentStatus.TRIGGERED)


@dataclass
class _Writes:
    """What firing a batch of escalations writes, gathered for bulk statements."""

    messages: list[NewMessage] = field(default_factory=list)
    timeline: list[NewTimelineEntry] = field(default_factory=list)
    moves: list[DueEscalation] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)


def _fire_from(
    work: UnitOfWork,
    writes: _Writes,
    incident: IncidentRecord,
    position: escalation.Position,
    now: datetime,
    round: int,
) -> None:
    """Fire ``position``; a level with nobody to page falls through to the next at once."""
    policy = incident.policy
    current: escalation.Position | None = position
    for _ in range(escalation.total_steps(policy)):
        if current is None:
            break
        firing = escalation.fire(policy, current, now)
        paged, empty_targets = _resolve_targets(work, firing.level, now)
        label = f"level {current.level + 1}" + (f" (repeat {current.loop})" if current.loop else "")
        if paged:
            writes.messages.extend(_messages_for(incident, current, paged, now, round))
            names = ", ".join(
                item.person.name + (f" as {item.role.label}" if item.role else "") for item in paged
            )
            writes.timeline.append(
                NewTimelineEntry(
                    incident_id=incident.id,
                    at=now,
                    kind=timeline.ESCALATED,
                    actor="engine",
                    message=f"Escalation {label}: paging {names}",
                    data={
                        "level": current.level,
                        "loop": current.loop,
                        "users": [item.person.email for item in paged],
                        "roles": {
                            item.person.email: item.role.value for item in paged if item.role
                        },
                        "unresolved_targets": empty_targets,
                    },
                )
            )
            if firing.next_position is None or firing.next_due is None:
                writes.finished.append(incident.id)
            else:
                writes.moves.append(
                    DueEscalation(
                        incident_id=incident.id,
                        level=firing.next_position.level,
                        loop=firing.next_position.loop,
                        due_at=firing.next_due,
                        round=round,
                    )
                )
            return
        writes.timeline.append(
            NewTimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=timeline.NOBODY_ON_CALL,
                actor="engine",
                message=f"Escalation {label}: nobody to page ({', '.join(empty_targets)}); "
                "moving on to the next level now",
                data={"level": current.level, "loop": current.loop},
            )
        )
        current = firing.next_position
    writes.finished.append(incident.id)
    writes.timeline.append(
        NewTimelineEntry(
            incident_id=incident.id,
            at=now,
            kind=timeline.ESCALATION_EXHAUSTED,
            actor="engine",
            message="Escalation policy finished with nobody paged at its last level",
        )
    )


@dataclass(frozen=True)
class _Paged:
    person: Person
    schedule_id: int | None
    """The schedule that put them on call, when a schedule target found them."""
    role: IncidentRole | None = None
    """The incident role of the target that found them, if it names one."""


def _resolve_targets(
    work: UnitOfWork, level: EscalationLevel, now: datetime
) -> tuple[list[_Paged], list[str]]:
    """The people a level pages right now (on-call resolved at ``now``), and empty targets.

    Someone found by several targets is paged once, with the schedule and the role of the
    first target that found them (a later target's role fills in when the first had none).
    """
    found_by: dict[int, int | None] = {}
    roles: dict[int, IncidentRole] = {}
    empty: list[str] = []
    for target in level.targets:
        found: tuple[int, ...]
        schedule_id: int | None = None
        if target.kind is TargetKind.USER:
            found = (target.ref,)
        elif target.kind is TargetKind.SCHEDULE:
            schedule_id = target.ref
            schedule = work.directory.schedule(target.ref, start=now, end=now + _INSTANT)
            found = () if schedule is None else on_call(schedule, now)
        else:
            found = work.directory.team_member_ids(target.ref)
        if not found:
            empty.append(f"{target.kind.value} {target.name}")
        for uid in found:
            found_by.setdefault(uid, schedule_id)
            if target.role is not None:
                roles.setdefault(uid, target.role)
    paged = [
        _Paged(person, found_by[uid], roles.get(uid))
        for uid in found_by
        if (person := work.directory.person(uid)) is not None
    ]
    return paged, empty


_INSTANT = timedelta(seconds=1)
"""Overrides and absences are loaded for ``[now, now + 1s)``: all that matters at ``now``."""


def _messages_for(
    incident: IncidentRecord,
    position: escalation.Position,
    paged: list[_Paged],
    now: datetime,
    round: int,
) -> list[NewMessage]:
    """Each person's notifications by their rules; low urgency keeps to working hours."""
    out = []
    for item in paged:
        person = item.person
        hours = notifications.WorkingHours(
            person.working_hours, person.timezone, anytime=person.low_urgency == "anytime"
        )
        for planned in notifications.plan(
            person.contacts, person.rules, incident.urgency, hours=hours, now=now
        ):
            out.append(
                NewMessage(
                    idempotency_key=idempotency_key(
                        incident_id=incident.id,
                        level=position.level,
                        loop=position.loop,
                        user_id=person.id,
                        rule=planned.rule_index,
                        round=round,
                    ),
                    incident_id=incident.id,
                    user_id=person.id,
                    contact_method_id=planned.contact.id,
                    kind=planned.contact.kind,
                    address=planned.contact.address,
                    level=position.level,
                    loop=position.loop,
                    deliver_at=now + planned.delay,
                    schedule_id=item.schedule_id,
                    role=item.role.value if item.role else None,
                )
            )
    return out


def due_times(*, uow: UnitOfWorkFactory) -> DueTimes:
    """What kind of work is due when: lets the engine open only the transactions it needs."""
    with uow(read_only=True) as work:
        return work.paging.due_times()


def next_due_at(*, uow: UnitOfWorkFactory) -> datetime | None:
    with uow(read_only=True) as work:
        due = work.paging.due_times()
    moments = [t for t in (due.escalation, due.message) if t is not None]
    return min(moments, default=None)


def backlog(*, uow: UnitOfWorkFactory, clock: Clock) -> dict[str, int]:
    """Overdue escalations and queued, stuck and failed messages: the engine's health."""
    with uow(read_only=True) as work:
        return work.paging.health_counts(clock.now())
