"""What responders do to incidents: look, acknowledge, resolve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ondeck.domain.incidents import check_acknowledge, check_resolve
from ondeck.domain.model import IncidentStatus
from ondeck.services import timeline
from ondeck.services.errors import NotFound
from ondeck.services.paging import announce, stop_paging
from ondeck.services.ports import (
    Clock,
    IncidentFilter,
    IncidentRecord,
    NotificationRecord,
    TimelineEntry,
    UnitOfWork,
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


def notifications(*, uow: UnitOfWorkFactory, incident_id: int) -> list[NotificationRecord]:
    """Every message about the incident and its delivery state, oldest first."""
    with uow(read_only=True) as work:
        if work.incidents.get(incident_id) is None:
            raise NotFound(f"no incident #{incident_id}")
        return work.paging.notifications(incident_id)


def acknowledge(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: str, via: str
) -> IncidentRecord:
    """Acknowledge as ``actor``; every page not yet sent for the incident is cancelled.

    Acknowledging an acknowledged incident changes nothing; a resolved one is refused
    (InvalidTransition).
    """
    return _move(
        uow=uow,
        clock=clock,
        incident_id=incident_id,
        status=IncidentStatus.ACKNOWLEDGED,
        allowed=check_acknowledge,
        actor=actor,
        message=f"Acknowledged by {actor} via {via}",
        via=via,
    )


def resolve(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: str, via: str
) -> IncidentRecord:
    """Resolve as ``actor``; paging stops. Resolving a resolved incident is refused."""
    return _move(
        uow=uow,
        clock=clock,
        incident_id=incident_id,
        status=IncidentStatus.RESOLVED,
        allowed=check_resolve,
        actor=actor,
        message=f"Resolved by {actor} via {via}",
        via=via,
    )


def change_status(
    work: UnitOfWork,
    incident_id: int,
    status: IncidentStatus,
    *,
    actor: str,
    message: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Set the status, stop paging, and say so on the timeline (inside ``work``)."""
    work.incidents.set_status(incident_id, status, by=actor, at=at)
    cancelled = stop_paging(work, incident_id)
    changed = work.incidents.get(incident_id)
    if changed is not None:
        announce(work, changed, status.value, at)
    work.incidents.add_timeline(
        incident_id,
        at=at,
        kind=_TIMELINE_KINDS[status],
        actor=actor,
        message=message,
        data={**(data or {}), "cancelled_messages": cancelled},
    )


_TIMELINE_KINDS = {
    IncidentStatus.ACKNOWLEDGED: timeline.ACKNOWLEDGED,
    IncidentStatus.RESOLVED: timeline.RESOLVED,
}


def _move(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    status: IncidentStatus,
    allowed: Callable[[IncidentStatus, int], bool],
    actor: str,
    message: str,
    via: str,
) -> IncidentRecord:
    with uow() as work:
        work.paging.lock_escalation(incident_id)
        incident = work.incidents.get(incident_id, lock=True)
        if incident is None:
            raise NotFound(f"no incident #{incident_id}")
        if allowed(incident.status, incident.number):
            change_status(
                work,
                incident_id,
                status,
                actor=actor,
                message=message,
                at=clock.now(),
                data={"via": via},
            )
            work.commit()
        updated = work.incidents.get(incident_id)
    assert updated is not None
    return updated
