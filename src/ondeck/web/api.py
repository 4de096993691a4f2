"""REST API under /api/v1. Every route needs a bearer token; actions act as its user."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool

from ondeck.adapters.orgfile import OrgFileError, parse_schedule
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services import actions, incidents, org, people
from ondeck.services.actions import Action
from ondeck.services.errors import NotFound
from ondeck.services.ports import IncidentFilter
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schemas import (
    ErrorPublic,
    IncidentPublic,
    IncidentsPublic,
    ListPublic,
    NotificationPublic,
    NotificationsPublic,
    OnCallPublic,
    OnCallsPublic,
    SnoozeRequest,
    TimelineEntryPublic,
    TimelinePublic,
    UserRef,
)

router = APIRouter(
    prefix="/api/v1",
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The incident is resolved"}
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "total_seconds"):
        return int(value.total_seconds())
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@router.get("/incidents", response_model=IncidentsPublic, tags=["incidents"])
async def list_incidents(
    container: ContainerDep,
    _user: ApiUser,
    status_: Annotated[
        list[IncidentStatus] | None, Query(alias="status", description="Repeat to combine")
    ] = None,
    service_id: int | None = None,
    urgency: Urgency | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> IncidentsPublic:
    """Incidents, newest first, filtered by status, service and urgency."""
    query = IncidentFilter(
        statuses=tuple(status_ or ()),
        service_id=service_id,
        urgency=urgency,
        limit=limit,
        offset=offset,
    )
    records, total = await run_in_threadpool(
        incidents.list_incidents, uow=container.uow, query=query
    )
    base = container.settings.base_url
    return IncidentsPublic(data=[IncidentPublic.of(r, base) for r in records], count=total)


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentPublic,
    responses=_NOT_FOUND,
    tags=["incidents"],
)
async def get_incident(container: ContainerDep, _user: ApiUser, incident_id: int) -> IncidentPublic:
    try:
        record = await run_in_threadpool(
            incidents.get_incident, uow=container.uow, incident_id=incident_id
        )
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    return IncidentPublic.of(record, container.settings.base_url)


@router.get(
    "/incidents/{incident_id}/timeline",
    response_model=TimelinePublic,
    responses=_NOT_FOUND,
    tags=["incidents"],
)
async def get_timeline(
    container: ContainerDep, _user: ApiUser, incident_id: int, after_id: int = 0
) -> TimelinePublic:
    """Every event on the incident in order; ``after_id`` returns only newer entries."""
    try:
        entries = await run_in_threadpool(
            incidents.incident_timeline,
            uow=container.uow,
            incident_id=incident_id,
            after_id=after_id,
        )
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    return TimelinePublic(data=[TimelineEntryPublic.of(e) for e in entries], count=len(entries))


async def _act(
    action: Action,
    container: ContainerDep,
    user: ApiUser,
    incident_id: int,
    snooze: timedelta | None = None,
) -> IncidentPublic:
    try:
        outcome = await run_in_threadpool(
            actions.act,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            person=user,
            action=action,
            via="api",
            snooze=snooze,
        )
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except InvalidTransition as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return IncidentPublic.of(outcome.incident, container.settings.base_url)


@router.post(
    "/incidents/{incident_id}/acknowledge",
    response_model=IncidentPublic,
    responses=_NOT_FOUND | _CONFLICT,
    tags=["incidents"],
)
async def acknowledge_incident(
    container: ContainerDep, user: ApiUser, incident_id: int
) -> IncidentPublic:
    """Acknowledge as the token's user: every page not yet sent is cancelled."""
    return await _act(Action.ACKNOWLEDGE, container, user, incident_id)


@router.post(
    "/incidents/{incident_id}/resolve",
    response_model=IncidentPublic,
    responses=_NOT_FOUND | _CONFLICT,
    tags=["incidents"],
)
async def resolve_incident(
    container: ContainerDep, user: ApiUser, incident_id: int
) -> IncidentPublic:
    """Resolve as the token's user."""
    return await _act(Action.RESOLVE, container, user, incident_id)


@router.post(
    "/incidents/{incident_id}/escalate",
    response_model=IncidentPublic,
    responses=_NOT_FOUND | _CONFLICT,
    tags=["incidents"],
)
async def escalate_incident(
    container: ContainerDep, user: ApiUser, incident_id: int
) -> IncidentPublic:
    """Page the next escalation level now. An acknowledged incident is triggered again and
    the level after the last one that paged fires; 409 when there is no further level."""
    return await _act(Action.ESCALATE, container, user, incident_id)


@router.post(
    "/incidents/{incident_id}/snooze",
    response_model=IncidentPublic,
    responses=_NOT_FOUND | _CONFLICT,
    tags=["incidents"],
)
async def snooze_incident(
    container: ContainerDep,
    user: ApiUser,
    incident_id: int,
    body: SnoozeRequest | None = None,
) -> IncidentPublic:
    """Acknowledge now and page again from the first level after ``minutes`` (1 to 1,440,
    default 60) unless the incident is resolved by then."""
    minutes = body.minutes if body is not None else 60
    return await _act(Action.SNOOZE, container, user, incident_id, timedelta(minutes=minutes))


@router.get(
    "/incidents/{incident_id}/notifications",
    response_model=NotificationsPublic,
    responses=_NOT_FOUND,
    tags=["incidents"],
)
async def incident_notifications(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> NotificationsPublic:
    """Every message for the incident and its state: queued, sending, sent, delivered (where
    the provider reports it), failed, cancelled, or bundled into another message."""
    try:
        found = await run_in_threadpool(
            incidents.notifications, uow=container.uow, incident_id=incident_id
        )
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    return NotificationsPublic(data=[NotificationPublic.of(item) for item in found])


@router.get("/oncall", response_model=OnCallsPublic, tags=["schedules"])
async def on_call_now(
    container: ContainerDep,
    _user: ApiUser,
    schedule: str | None = None,
    at: datetime | None = None,
) -> OnCallsPublic:
    """Who is on call at ``at`` (default now) on every schedule, and who is next."""
    moment = at or container.clock.now()
    if moment.tzinfo is None:
        raise HTTPException(422, "'at' needs a time zone offset, e.g. 2026-11-22T09:00:00Z")
    try:
        found = await run_in_threadpool(
            people.who_is_on_call, uow=container.uow, at=moment, schedule_name=schedule
        )
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    data = [
        OnCallPublic(
            schedule_id=o.schedule_id,
            schedule=o.schedule,
            timezone=o.timezone,
            on_call_now=[UserRef(id=p.id, email=p.email, name=p.name) for p in o.now],
            next_change=o.next_change,
            on_call_next=[UserRef(id=p.id, email=p.email, name=p.name) for p in o.next],
        )
        for o in found
    ]
    return OnCallsPublic(data=data, count=len(data))


def _public(item: dict[str, Any], secret_fields: tuple[str, ...]) -> dict[str, Any]:
    fields = _jsonable(asdict(item["spec"]))
    for name in secret_fields:
        fields.pop(name, None)
    return {"id": item["id"], **fields}


def _organisation_routes(kind: str, secret_fields: tuple[str, ...] = ()) -> None:
    """``GET /<kind>`` and ``GET /<kind>/{id}`` for one kind of organisation object."""
    words = kind.replace("_", " ")

    async def list_all(container: ContainerDep, _user: ApiUser) -> ListPublic:
        items = await run_in_threadpool(people.listing, uow=container.uow, kind=kind)
        data = [_public(item, secret_fields) for item in items]
        return ListPublic(data=data, count=len(data))

    async def get_one(container: ContainerDep, _user: ApiUser, item_id: int) -> dict[str, Any]:
        items = await run_in_threadpool(people.listing, uow=container.uow, kind=kind)
        for item in items:
            if item["id"] == item_id:
                return _public(item, secret_fields)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {words[:-1]} with id {item_id}")

    list_all.__name__ = f"list_{kind}"
    list_all.__doc__ = f"All {words}."
    get_one.__name__ = f"get_{kind}"
    get_one.__doc__ = f"One of the {words}, by id."
    path = f"/{kind.replace('_', '-')}"
    router.add_api_route(
        path, list_all, methods=["GET"], response_model=ListPublic, tags=["organisation"]
    )
    router.add_api_route(
        f"{path}/{{item_id}}",
        get_one,
        methods=["GET"],
        responses=_NOT_FOUND,
        tags=["organisation"],
    )


for _kind in ("users", "teams", "schedules", "escalation_policies"):
    _organisation_routes(_kind)
_organisation_routes("services", secret_fields=("integrations",))


_SCHEDULE_EXAMPLE = {
    "name": "Payments primary",
    "timezone": "Europe/London",
    "layers": [
        {
            "name": "Weekly",
            "participants": ["ada@example.com", "grace@example.com", "linus@example.com"],
        },
        {
            "name": "Weekends",
            "participants": ["margaret@example.com", "ken@example.com", "barbara@example.com"],
            "rotation": "1d",
            "restrictions": [{"days": ["sat", "sun"]}],
        },
    ],
}


@router.post(
    "/schedules",
    responses=documented(403, 422),
    tags=["schedules"],
)
async def put_schedule(
    container: ContainerDep,
    user: ApiUser,
    body: Annotated[
        dict[str, Any],
        Body(
            description="One schedule, shaped as an entry of `schedules:` in `ondeck apply`'s "
            "file (JSON instead of YAML)",
            examples=[_SCHEDULE_EXAMPLE],
        ),
    ],
) -> dict[str, Any]:
    """Create a schedule, or bring the one of that name in line with the body (admins).

    The same rules as `ondeck apply`: a layer without `rotation` turns weekly, one without
    `start` begins at the latest Monday `handoff` (default 09:00) in the schedule's zone, so
    its first person is on call at once, and keeps its start when sent again; `overrides`
    and `exemptions` are kept unless listed. Listing people in a layer records their consent
    as the admin sending it. Every change goes on the schedule's timeline. Sending the same
    body again changes nothing. Returns the schedule as `GET /schedules/{id}` does."""
    try:
        spec = parse_schedule(body)
    except OrgFileError as error:
        raise HTTPException(422, "; ".join(error.problems)) from error
    with service_errors():
        schedule_id = await run_in_threadpool(
            org.put_schedule, uow=container.uow, clock=container.clock, spec=spec, actor=user
        )
    items = await run_in_threadpool(people.listing, uow=container.uow, kind="schedules")
    return next(_public(item, ()) for item in items if item["id"] == schedule_id)
