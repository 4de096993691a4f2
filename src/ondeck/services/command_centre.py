"""A major incident's virtual command centre: its conference bridge, the communication
protocol, the broadcast that announces a declaration, and the stakeholders who follow it.

These helpers run inside the caller's unit of work (``command.declare``,
``command.post_can_report``, ``command.set_bridge``); following and unfollowing an incident
are use cases of their own (``follow``, ``unfollow``, ``stakeholders``). Stakeholders get
every CAN report as a notice and never a page; following changes nothing else.
"""

from __future__ import annotations

from datetime import datetime

from ondeck.domain.major_incidents import MajorIncidentSpec, bridge_url
from ondeck.services import notices, timeline
from ondeck.services.errors import Forbidden, NotFound
from ondeck.services.ports import (
    CanReportRecord,
    Clock,
    IncidentRecord,
    Person,
    Stakeholder,
    UnitOfWork,
    UnitOfWorkFactory,
)


def settings(work: UnitOfWork) -> MajorIncidentSpec:
    """The organisation's major-incident settings (the defaults when none were applied)."""
    return work.settings.major_incidents() or MajorIncidentSpec()


def open_centre(
    work: UnitOfWork,
    incident: IncidentRecord,
    *,
    actor: str,
    manager: Person | None,
    bridge: str | None,
    now: datetime,
) -> str:
    """On declaration: give the incident its bridge (``bridge``, else the organisation's
    fixed URL or template filled in) and announce the declaration on the organisation's
    announcement channel, naming the incident manager and the bridge; both go on the
    timeline. Returns the bridge URL ("" for none)."""
    chosen = settings(work)
    url = (
        bridge
        if bridge is not None
        else bridge_url(chosen.bridge, number=incident.number, incident_id=incident.id)
    )
    if url:
        record_bridge(work, incident.id, url, actor=actor, now=now)
    announce_declaration(work, incident, chosen, actor=actor, manager=manager, bridge=url, now=now)
    return url


def record_bridge(
    work: UnitOfWork, incident_id: int, url: str, *, actor: str, now: datetime
) -> None:
    """Set the incident's bridge and say so on its timeline."""
    work.centre.set_bridge(incident_id, url)
    work.incidents.add_timeline(
        incident_id,
        at=now,
        kind=timeline.BRIDGE_SET,
        actor=actor,
        message=f"Conference bridge: {url}" if url else "Conference bridge removed",
        data={"bridge": url},
    )


def announce_declaration(
    work: UnitOfWork,
    incident: IncidentRecord,
    chosen: MajorIncidentSpec,
    *,
    actor: str,
    manager: Person | None,
    bridge: str,
    now: datetime,
) -> bool:
    """Queue the "broadcast" notice to the announcement channel, if there is one. A new
    major incident has no severity from a loss estimate yet; the alert's is named if any."""
    destination = chosen.announcement
    if destination is None:
        return False
    commander = f"{manager.name} <{manager.email}>" if manager is not None else "nobody yet"
    assessed = "not assessed yet" + (
        f" (the alert's: {incident.severity.value})" if incident.severity is not None else ""
    )
    lines = [
        f"Incident #{incident.number} {incident.title} ({incident.service_name}) is a major "
        f"incident, declared by {actor}.",
        f"Incident manager (commander): {commander}",
        f"Severity: {assessed}",
        f"Bridge: {bridge}" if bridge else "Bridge: none yet",
        "Questions go to the incident manager; follow the incident in ondeck to get its "
        "CAN reports.",
    ]
    queued = notices.queue_notice(
        work,
        incident_id=incident.id,
        purpose=notices.BROADCAST,
        subject=f"Major incident #{incident.number}: {incident.title}",
        text="\n".join(lines),
        now=now,
        key=f"i{incident.id}:broadcast:declared",
        kind=destination.kind,
        address=destination.address,
    )
    if queued:
        work.incidents.add_timeline(
            incident.id,
            at=now,
            kind=timeline.BROADCAST,
            actor=actor,
            message=f"Announced the declaration on {destination.kind} {destination.address}, "
            f"naming {commander} as incident manager",
            data={"channel": destination.kind, "address": destination.address},
        )
    return queued


def tell_stakeholders(
    work: UnitOfWork, incident: IncidentRecord, report: CanReportRecord, *, now: datetime
) -> list[str]:
    """Queue a "can_report" notice of ``report`` to each stakeholder (once per report and
    person) and note on the timeline who was told. Returns their emails."""
    followers = work.centre.stakeholders(incident.id)
    text = "\n".join(
        [
            f"Conditions: {report.conditions}",
            f"Actions: {report.actions}",
            f"Needs: {report.needs}",
            f"Stage: {report.stage.value}; posted by {report.author} at {report.at:%H:%M} UTC",
            f"Next update due: {report.next_due:%Y-%m-%d %H:%M} UTC",
        ]
    )
    told = [
        follower.email
        for follower in followers
        if notices.queue_notice(
            work,
            incident_id=incident.id,
            purpose=notices.CAN_REPORT,
            subject=f"CAN report: #{incident.number} {incident.title}",
            text=text,
            now=now,
            key=f"i{incident.id}:can-report:{report.id}:u{follower.user_id}",
            user_id=follower.user_id,
        )
    ]
    if told:
        work.incidents.add_timeline(
            incident.id,
            at=now,
            kind=timeline.STAKEHOLDERS_TOLD,
            actor="ondeck",
            message=f"CAN report sent to {len(told)} stakeholder"
            f"{'' if len(told) == 1 else 's'}: {', '.join(told)}",
            data={"report_id": report.id, "stakeholders": told},
        )
    return told


def follow(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: Person, email: str = ""
) -> list[Stakeholder]:
    """Make ``email`` (default: the actor) a stakeholder of the incident: they get its CAN
    reports, never its pages. Anyone signed in may follow; observers may not add others.
    Following twice changes nothing. NotFound for an unknown incident or person; returns the
    stakeholders."""
    return _change(uow=uow, clock=clock, incident_id=incident_id, actor=actor, email=email, on=True)


def unfollow(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: Person, email: str = ""
) -> list[Stakeholder]:
    """Stop ``email`` (default: the actor) following the incident; as ``follow``."""
    return _change(
        uow=uow, clock=clock, incident_id=incident_id, actor=actor, email=email, on=False
    )


def stakeholders(*, uow: UnitOfWorkFactory, incident_id: int) -> list[Stakeholder]:
    """Who follows the incident, earliest first (NotFound for an unknown incident)."""
    with uow(read_only=True) as work:
        _incident(work, incident_id)
        return work.centre.stakeholders(incident_id)


def _change(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    email: str,
    on: bool,
) -> list[Stakeholder]:
    now = clock.now()
    with uow() as work:
        _incident(work, incident_id)
        wanted = email.strip()
        person = actor if not wanted or wanted.lower() == actor.email.lower() else None
        if person is None:
            if actor.role == "observer":
                raise Forbidden(
                    f"{actor.email} is an observer: they may follow or unfollow incident "
                    f"#{incident_id} only for themselves"
                )
            person = work.directory.person_by_email(wanted)
            if person is None:
                raise NotFound(f"nobody has the email {wanted!r}")
        elif work.directory.person(person.id) is None:
            raise NotFound(f"{actor.email} is not a user who could follow; name one")
        changed = (
            work.centre.add_stakeholder(incident_id, person.id, at=now)
            if on
            else work.centre.remove_stakeholder(incident_id, person.id)
        )
        if changed:
            by = "" if person.email == actor.email else f" (by {actor.email})"
            work.incidents.add_timeline(
                incident_id,
                at=now,
                kind=timeline.FOLLOWED if on else timeline.UNFOLLOWED,
                actor=actor.email,
                message=f"{person.email} {'follows' if on else 'stopped following'} the "
                f"incident{by}{'; they get its CAN reports' if on else ''}",
                data={"user": person.email},
            )
            work.commit()
        return work.centre.stakeholders(incident_id)


def _incident(work: UnitOfWork, incident_id: int) -> IncidentRecord:
    incident = work.incidents.get(incident_id)
    if incident is None:
        raise NotFound(f"no incident #{incident_id}")
    return incident
