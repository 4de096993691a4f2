"""The same four actions from every channel: acknowledge, resolve, escalate now, snooze.

Links, the web UI, the API, the CLI, email replies, SMS replies, keypresses on a call,
Slack, Mattermost and ntfy all end here, so each action means the same thing wherever it
came from, and the timeline says who did it and through what (``via``). Anything an
inbound channel refuses (unknown sender, forged token) is recorded with ``refuse``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ondeck.domain import escalation
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.incidents import check_escalate, check_snooze
from ondeck.domain.model import IncidentStatus
from ondeck.services import incidents, roles, timeline
from ondeck.services.errors import NotFound
from ondeck.services.incidents import change_status
from ondeck.services.paging import announce
from ondeck.services.ports import (
    Clock,
    DueEscalation,
    IncidentRecord,
    Person,
    UnitOfWorkFactory,
)


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    SNOOZE = "snooze"


DEFAULT_SNOOZE = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    incident: IncidentRecord
    changed: bool
    """False when the incident was already in the state asked for (acknowledge twice)."""
    summary: str
    """One line for the person who acted, e.g. "Acknowledged #42 (db down)"."""


def act(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    person: Person,
    action: Action,
    via: str,
    snooze: timedelta | None = None,
) -> Outcome:
    """Do ``action`` on the incident as ``person``; ``via`` names the channel.

    Acknowledging also takes the incident role the person's page asked for, if nobody
    holds it yet (``roles.take_paged_role``), so the second head paged with the first still
    takes their role once the incident is acknowledged.

    Raises NotFound for an unknown incident and InvalidTransition when the action is not
    possible (resolving a resolved incident, escalating past the last level, a snooze
    outside 1 minute to 24 hours); nothing changes then.
    """
    actor = person.email
    if action is Action.ACKNOWLEDGE:
        before = incidents.get_incident(uow=uow, incident_id=incident_id)
        after = incidents.acknowledge(
            uow=uow, clock=clock, incident_id=incident_id, actor=actor, via=via
        )
        changed = before.status is not after.status
        verb = "Acknowledged" if changed else "Already acknowledged:"
        summary = f"{verb} #{after.number} ({after.title})"
        taken = roles.take_paged_role(uow=uow, clock=clock, incident_id=incident_id, person=person)
        if taken is not None:
            summary += f"; you are the {taken.label}"
            changed = True
        return Outcome(after, changed, summary)
    if action is Action.RESOLVE:
        after = incidents.resolve(
            uow=uow, clock=clock, incident_id=incident_id, actor=actor, via=via
        )
        return Outcome(after, True, f"Resolved #{after.number} ({after.title})")
    if action is Action.ESCALATE:
        return escalate_now(uow=uow, clock=clock, incident_id=incident_id, actor=actor, via=via)
    return snooze_for(
        uow=uow,
        clock=clock,
        incident_id=incident_id,
        actor=actor,
        via=via,
        length=DEFAULT_SNOOZE if snooze is None else snooze,
    )


def escalate_now(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: str, via: str
) -> Outcome:
    """Page the next escalation level now.

    A triggered incident's pending level fires at once; an acknowledged one is triggered
    again and the level after the last one that paged fires. Raises InvalidTransition when
    the policy has no further level.
    """
    with uow() as work:
        work.paging.lock_escalation(incident_id)
        incident = work.incidents.get(incident_id, lock=True)
        if incident is None:
            raise NotFound(f"no incident #{incident_id}")
        check_escalate(incident.status, incident.number)
        now = clock.now()
        timer = work.paging.escalation(incident_id)
        target: escalation.Position | None
        if timer is not None and not timer.snoozed:
            target = escalation.Position(timer.level, timer.loop)
        else:
            last = work.paging.last_paged_position(incident_id)
            target = (
                escalation.Position(0, 0)
                if last is None
                else escalation.successor(incident.policy, escalation.Position(*last))
            )
        if target is None:
            raise InvalidTransition(
                f"incident #{incident.number}: its escalation policy has no level after the "
                "last one that paged"
            )
        round = timer.round if timer is not None and not timer.snoozed else _round(now)
        if incident.status is not IncidentStatus.TRIGGERED:
            work.incidents.set_status(incident_id, IncidentStatus.TRIGGERED, by=actor, at=now)
        work.paging.set_escalation(
            DueEscalation(
                incident_id=incident_id,
                level=target.level,
                loop=target.loop,
                due_at=now,
                round=round,
            )
        )
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.ESCALATED_MANUALLY,
            actor=actor,
            message=f"Escalated to level {target.level + 1} now by {actor} via {via}",
            data={"via": via, "level": target.level, "loop": target.loop},
        )
        escalated = work.incidents.get(incident_id)
        if escalated is not None:
            announce(work, escalated, "escalated", now)
        work.signal_work()
        work.commit()
        updated = work.incidents.get(incident_id)
    assert updated is not None
    return Outcome(
        updated,
        True,
        f"Escalated #{updated.number} ({updated.title}) to level {target.level + 1}",
    )


def snooze_for(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: str,
    via: str,
    length: timedelta,
) -> Outcome:
    """Acknowledge now and trigger again after ``length`` unless resolved by then; the
    escalation starts over from its first level when the snooze runs out."""
    with uow() as work:
        work.paging.lock_escalation(incident_id)
        incident = work.incidents.get(incident_id, lock=True)
        if incident is None:
            raise NotFound(f"no incident #{incident_id}")
        check_snooze(incident.status, incident.number, length)
        now = clock.now()
        until = now + length
        minutes = int(length.total_seconds() // 60)
        message = (
            f"Snoozed by {actor} via {via} for {minutes} min: paging again at "
            f"{until:%H:%M} UTC unless resolved"
        )
        if incident.status is IncidentStatus.TRIGGERED:
            change_status(
                work,
                incident_id,
                IncidentStatus.ACKNOWLEDGED,
                actor=actor,
                message=message,
                at=now,
                data={"via": via, "snoozed_until": until.isoformat()},
            )
        else:
            work.incidents.add_timeline(
                incident_id,
                at=now,
                kind=timeline.SNOOZED,
                actor=actor,
                message=message,
                data={"via": via, "snoozed_until": until.isoformat()},
            )
        work.paging.set_escalation(
            DueEscalation(
                incident_id=incident_id,
                level=0,
                loop=0,
                due_at=until,
                snoozed=True,
                round=_round(until),
            )
        )
        work.commit()
        updated = work.incidents.get(incident_id)
    assert updated is not None
    return Outcome(
        updated, True, f"Snoozed #{updated.number} ({updated.title}) until {until:%H:%M} UTC"
    )


def _round(at: datetime) -> int:
    """A new round of paging for an incident triggered again at ``at``."""
    return int(at.timestamp() * 1000)


def sender(*, uow: UnitOfWorkFactory, kind: str, address: str) -> Person | None:
    """The one person with a contact method of ``kind`` at ``address``; None when nobody
    or several people have it (an ambiguous sender must not act for anyone)."""
    with uow(read_only=True) as work:
        found = work.directory.people_by_contact(kind, address)
    return found[0] if len(found) == 1 else None


def refuse(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    channel: str,
    sender: str,
    reason: str,
    incident_id: int | None = None,
) -> None:
    """Record an inbound action that was refused; on the incident's timeline too when the
    incident is known, so responders see that someone tried."""
    with uow() as work:
        now = clock.now()
        known = incident_id is not None and work.incidents.get(incident_id) is not None
        work.paging.add_inbound_refusal(
            at=now,
            channel=channel,
            sender=sender,
            incident_id=incident_id if known else None,
            reason=reason,
        )
        if known and incident_id is not None:
            work.incidents.add_timeline(
                incident_id,
                at=now,
                kind=timeline.INBOUND_REFUSED,
                actor=channel,
                message=f"Refused an action by {channel} from {sender}: {reason}",
                data={"channel": channel, "sender": sender},
            )
        work.commit()
