"""Incident roles: who holds the incident manager, incident engineer and subject-matter
expert roles of an incident, declared major or not.

Roles are taken in three ways: acknowledging a page that asked for a role nobody holds yet
(``take_paged_role``, called by every acknowledgement), declaring a major incident
(``command.declare``), and handing a role over (``hand_off``, participants only). Every
change is on the incident's timeline; a hand-off also tells the old holder (always) and the
new one (unless they gave it to themself) with a "role_handoff" notice.
"""

from __future__ import annotations

from datetime import datetime

from ondeck.domain import roles as rules
from ondeck.domain.model import IncidentRole
from ondeck.services import notices, summons, timeline
from ondeck.services.command import BadInput, check_takes_part
from ondeck.services.errors import NotFound, Refused
from ondeck.services.ports import (
    Clock,
    IncidentRecord,
    Person,
    RoleHolder,
    UnitOfWork,
    UnitOfWorkFactory,
)


def holders(*, uow: UnitOfWorkFactory, incident_id: int) -> list[RoleHolder]:
    """Everyone holding a role in the incident, longest-held first (NotFound)."""
    with uow(read_only=True) as work:
        _incident(work, incident_id)
        return work.roles.holders(incident_id)


def take_paged_role(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, person: Person
) -> IncidentRole | None:
    """After ``person`` acknowledged the incident: if the latest page that asked them to take
    a role asked for one nobody holds yet (for experts: that they do not hold), they take it
    and the timeline says so. Returns the role taken, else None."""
    with uow() as work:
        incident = _incident(work, incident_id, lock=True)
        paged_for = work.roles.paged_role(incident_id, person.id)
        held = _holdings(work, incident_id)
        role = rules.role_to_take(held, paged_for, person.id)
        if role is None:
            return None
        now = clock.now()
        work.roles.add(incident_id, role=role, user_id=person.id, at=now, by=person.email)
        work.incidents.add_timeline(
            incident.id,
            at=now,
            kind=timeline.ROLE_TAKEN,
            actor=person.email,
            message=f"{person.name} took the {role.label} role",
            data={"role": role.value, "user": person.email, "how": "acknowledged"},
        )
        work.commit()
        return role


def take_paged_role_by_email(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, email: str
) -> IncidentRole | None:
    """``take_paged_role`` for an acknowledgement recorded by email (the CLI's ``--as``):
    nothing when no user has that email."""
    with uow(read_only=True) as work:
        person = work.directory.person_by_email(email.strip())
    if person is None:
        return None
    return take_paged_role(uow=uow, clock=clock, incident_id=incident_id, person=person)


def hand_off(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    role: str,
    user: str,
    remove: bool = False,
) -> list[RoleHolder]:
    """Give ``role`` to the user with email ``user``: the incident manager's and engineer's
    roles pass from their holder, experts are added; with ``remove``, ``user`` stops being an
    expert. Only participants may (``command.check_takes_part``: Forbidden).

    BadInput("role") for an unknown role, BadInput("user") for an unknown email; Refused
    when it changes nothing (they already hold it, they are not an expert). Returns the
    holders afterwards.
    """
    try:
        wanted = rules.parse_role(role)
    except rules.UnknownRole as error:
        raise BadInput("role", f"role: {error}") from error
    with uow() as work:
        incident = _incident(work, incident_id, lock=True)
        check_takes_part(work, incident, actor)
        person = work.directory.person_by_email(user.strip())
        if person is None:
            raise BadInput("user", f"user: nobody has the email {user.strip()!r}")
        before = work.roles.holders(incident_id)
        try:
            change = rules.hand_off(_holdings(work, incident_id), wanted, person.id, remove=remove)
        except rules.RoleRefused as error:
            raise Refused(f"{person.email} {error}") from error
        now = clock.now()
        for old in change.removed:
            work.roles.remove(incident_id, role=wanted, user_id=old)
        if change.added is not None:
            work.roles.add(incident_id, role=wanted, user_id=change.added, at=now, by=actor.email)
        names = {h.user_id: h.name for h in before} | {person.id: person.name}
        message = rules.handoff_text(change, names=names, by=actor.name or actor.email)
        emails = {h.user_id: h.email for h in before} | {person.id: person.email}
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.ROLE_HANDED,
            actor=actor.email,
            message=message,
            data={
                "role": wanted.value,
                "from": [emails[w] for w in change.removed],
                "to": emails[change.added] if change.added is not None else None,
            },
        )
        for told in change.removed:
            _tell(work, incident, told, message, now)
        if wanted is IncidentRole.SUBJECT_MATTER_EXPERT and change.added is not None:
            summons.summon_expert(work, incident=incident, expert=person, by=actor, now=now)
        elif change.added is not None and change.added != actor.id:
            _tell(work, incident, change.added, message, now)
        work.signal_work()
        work.commit()
        return work.roles.holders(incident_id)


def _tell(
    work: UnitOfWork, incident: IncidentRecord, user_id: int, message: str, now: datetime
) -> None:
    """A "role_handoff" notice to someone a hand-off gave a role or took one from."""
    notices.queue_notice(
        work,
        incident_id=incident.id,
        purpose=notices.ROLE_HANDOFF,
        subject=f"Roles changed: #{incident.number} {incident.title}",
        text=f"{message} (incident #{incident.number} {incident.title}).",
        now=now,
        key=f"i{incident.id}:role:u{user_id}:{int(now.timestamp() * 1000)}",
        user_id=user_id,
    )


def _incident(work: UnitOfWork, incident_id: int, *, lock: bool = False) -> IncidentRecord:
    incident = work.incidents.get(incident_id, lock=lock)
    if incident is None:
        raise NotFound(f"no incident #{incident_id}")
    return incident


def _holdings(work: UnitOfWork, incident_id: int) -> list[rules.Holding[int]]:
    return [rules.Holding(h.role, h.user_id) for h in work.roles.holders(incident_id)]
