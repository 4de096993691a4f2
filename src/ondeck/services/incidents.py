"""What responders do to incidents: look, acknowledge, resolve."""

from __future__ import annotations

from ondeck.domain.incidents import check_acknowledge, check_resolve
from ondeck.domain.model import IncidentStatus
from ondeck.services import timeline
from ondeck.services.errors import NotFound
from ondeck.services.paging import stop_paging
from ondeck.services.ports import (
    Clock,
    IncidentFilter,
    IncidentRecord,
    TimelineEntry,
    UnitOfWorkFactory,
)


def get_incident(*, uow: UnitOfWorkFactory, incident_id: int) -> IncidentRecord:
    with uow(read_only=True) as work:
        incident = work.incidents.get(incident_id)
    if incident is None:
        raise NotFound(f"no incident #{incident_id}")
    return incident


def list_incidents(
    *, uow: UnitOfWorkFactory, query: IncidentFilter
) -> tuple[list[IncidentRecord], int]:
    with uow(read_only=True) as work:
        return work.incidents.search(query)


def incident_timeline(
    *, uow: UnitOfWorkFactory, incident_id: int, after_id: int = 0
) -> list[TimelineEntry]:
    with uow(read_only=True) as work:
        if work.incidents.get(incident_id) is None:
            raise NotFound(f"no incident #{incident_id}")
        return work.incidents.timeline(incident_id, after_id=after_id)


def acknowledge(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: str, via: str
) -> IncidentRecord:
    """Acknowledge as ``actor``; every page not yet sent for the incident is cancelled.

    Acknowledging an acknowledged incident changes nothing; a resolved one is refused
    (InvalidTransition).
    """
    with uow() as work:
        incident = work.incidents.get(incident_id, lock=True)
        if incident is None:
            raise NotFound(f"no incident #{incident_id}")
        if check_acknowledge(incident.status, incident.number):
            now = clock.now()
            work.incidents.set_status(incident_id, IncidentStatus.ACKNOWLEDGED, by=actor, at=now)
            cancelled = stop_paging(work, incident_id)
            work.incidents.add_timeline(
                incident_id,
                at=now,
                kind=timeline.ACKNOWLEDGED,
                actor=actor,
                message=f"Acknowledged by {actor} via {via}",
                data={"via": via, "cancelled_messages": cancelled},
            )
            work.commit()
        updated = work.incidents.get(incident_id)
    assert updated is not None
    return updated


def resolve(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: str, via: str
) -> IncidentRecord:
    """Resolve as ``actor``; paging stops. Resolving a resolved incident is refused."""
    with uow() as work:
        incident = work.incidents.get(incident_id, lock=True)
        if incident is None:
            raise NotFound(f"no incident #{incident_id}")
        check_resolve(incident.status, incident.number)
        now = clock.now()
        work.incidents.set_status(incident_id, IncidentStatus.RESOLVED, by=actor, at=now)
        cancelled = stop_paging(work, incident_id)
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.RESOLVED,
            actor=actor,
            message=f"Resolved by {actor} via {via}",
            data={"via": via, "cancelled_messages": cancelled},
        )
        work.commit()
        updated = work.incidents.get(incident_id)
    assert updated is not None
    return updated
