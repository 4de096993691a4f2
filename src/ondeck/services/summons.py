"""Summoning a subject-matter expert into an incident (the seeds' Dispatch: the incident
manager, from the CAN report, pages the experts the fix needs).

A summons is a notice, not a page: the incident is already acknowledged, so it must not be
cancelled like a page, and there is nothing for the expert to acknowledge. Unlike other
notices it wakes them the way a high-urgency page would: one message on each contact
method their high-urgency notification rules name, at the rules' delays.
"""

from __future__ import annotations

from datetime import datetime

from ondeck.domain import notifications
from ondeck.domain.model import IncidentRole, Urgency
from ondeck.services import notices, timeline
from ondeck.services.ports import IncidentRecord, NewMessage, Person, UnitOfWork


def summon_expert(
    work: UnitOfWork, *, incident: IncidentRecord, expert: Person, by: Person, now: datetime
) -> int:
    """Queue ``expert``'s summons to ``incident`` in the caller's unit of work, with the
    bridge link when the incident has one, and note it on the timeline. Returns how many
    messages were queued (0: they have no contact method; the timeline says so).

    Summoning the same person again in the same millisecond queues nothing more.
    """
    bridge = work.centre.bridge(incident.id)
    asker = by.name or by.email
    text = (
        f"{asker} asks you to join major incident #{incident.number} ({incident.title}) "
        "as a subject-matter expert."
        + (f" Join the bridge: {bridge}" if bridge else " Open the incident to join.")
    )
    planned = notifications.plan(expert.contacts, expert.rules, Urgency.HIGH, now=now)
    stamp = int(now.timestamp() * 1000)
    messages = [
        NewMessage(
            idempotency_key=f"i{incident.id}:summons:u{expert.id}:n{plan.rule_index}:{stamp}",
            incident_id=incident.id,
            user_id=expert.id,
            contact_method_id=plan.contact.id,
            kind=plan.contact.kind,
            address=plan.contact.address,
            level=0,
            loop=0,
            deliver_at=now + plan.delay,
            purpose=notices.SUMMONS,
            role=IncidentRole.SUBJECT_MATTER_EXPERT.value,
            payload={
                "subject": f"Join incident #{incident.number}: {incident.title}",
                "text": text,
                "url": bridge,
            },
        )
        for plan in planned
    ]
    if messages:
        work.paging.enqueue(messages, now=now)
        work.signal_work()
    methods = ", ".join(dict.fromkeys(m.kind for m in messages)) or "no contact method"
    work.incidents.add_timeline(
        incident.id,
        at=now,
        kind=timeline.EXPERT_SUMMONED,
        actor=by.email,
        message=f"Summoned {expert.name or expert.email} as subject-matter expert ({methods})",
        data={"expert": expert.email, "messages": len(messages)},
    )
    return len(messages)
