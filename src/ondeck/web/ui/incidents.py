"""Incident pages: the list, one incident with its live timeline, acknowledge and resolve;
a major incident's page is its command centre (the forms are in ``command.py``)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ondeck.bootstrap import Container
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus
from ondeck.services import actions, incidents, people
from ondeck.services.actions import Action
from ondeck.services.errors import NotFound
from ondeck.services.ports import IncidentFilter, Person
from ondeck.web.deps import ContainerDep
from ondeck.web.ui import command_view
from ondeck.web.ui.present import (
    alert_links,
    by_text,
    details_text,
    entry_json,
    link_text,
    safe_href,
    schedule_rows,
)
from ondeck.web.ui.session import (
    EXPIRED,
    SignedIn,
    clockface,
    csrf_ok,
    notify,
    page,
    refused,
    safe_next,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


class Show(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


STATUSES = {
    Show.OPEN: (IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED),
    Show.RESOLVED: (IncidentStatus.RESOLVED,),
    Show.ALL: (),
}


@router.get("/")
async def home(_user: SignedIn) -> Response:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/incidents")
async def incident_list(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    status: str = Show.OPEN.value,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    show = next((s for s in Show if s.value == status), Show.OPEN)
    query = IncidentFilter(
        statuses=STATUSES[show], limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
    )
    records, total = await run_in_threadpool(
        incidents.list_incidents, uow=container.uow, query=query
    )
    clock = clockface(container, user)
    on_calls = await run_in_threadpool(people.who_is_on_call, uow=container.uow, at=clock.now)
    return page(
        request,
        "incidents.html",
        {
            "section": "incidents",
            "incidents": records,
            "total": total,
            "show": show.value,
            "choices": [s.value for s in Show],
            "page_number": page_number,
            "has_more": page_number * PAGE_SIZE < total,
            "clock": clock,
            "on_call": schedule_rows(on_calls, {}, {}, clock),
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        },
        user=user,
    )


@router.get("/incidents/{incident_id}")
async def incident_page(
    request: Request, container: ContainerDep, user: SignedIn, incident_id: int
) -> Response:
    return await show_incident(request, container, user, incident_id)


SNOOZE_CHOICES = ((15, "15 minutes"), (60, "1 hour"), (240, "4 hours"), (1440, "24 hours"))


async def show_incident(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    *,
    error: str = "",
    status_code: int = 200,
    filled: dict[str, str] | None = None,
) -> Response:
    """The incident page; for a major incident, with its command centre. ``error`` and
    ``filled`` show a refused form again as it was filled in."""
    try:
        record = await run_in_threadpool(
            incidents.get_incident, uow=container.uow, incident_id=incident_id
        )
        entries = await run_in_threadpool(
            incidents.incident_timeline, uow=container.uow, incident_id=incident_id
        )
        messages = await run_in_threadpool(
            incidents.notifications, uow=container.uow, incident_id=incident_id
        )
        loaded = await run_in_threadpool(command_view.load, container, incident_id)
    except NotFound as missing:
        return refused(request, user, "No such incident", str(missing), 404)
    clock = clockface(container, user)
    return page(
        request,
        "incident.html",
        {
            "section": "incidents",
            "incident": record,
            "entries": entries,
            "last_id": entries[-1].id if entries else 0,
            "clock": clock,
            "acknowledged": by_text(record.acknowledged_by, record.acknowledged_at, clock),
            "resolved": by_text(record.resolved_by, record.resolved_at, clock),
            "runbook": safe_href(record.runbook_url),
            "runbook_text": link_text(record.runbook_url),
            "links": alert_links(record.details),
            "details": details_text(record.details),
            "messages": messages,
            "snooze_choices": SNOOZE_CHOICES,
            "error": error,
            "filled": filled or {},
            "centre": command_view.centre(loaded, clock, user.email) if loaded else None,
            "journeys": command_view.JOURNEY_TEXT,
            "command_changes": command_view.changes(loaded is not None),
            "here": f"/incidents/{incident_id}",
        },
        user=user,
        status_code=status_code,
    )


@router.get("/incidents/{incident_id}/timeline.json")
async def timeline_json(
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    after_id: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """New timeline entries and the current status, for the incident page's poller."""
    try:
        entries = await run_in_threadpool(
            incidents.incident_timeline,
            uow=container.uow,
            incident_id=incident_id,
            after_id=after_id,
        )
        record = await run_in_threadpool(
            incidents.get_incident, uow=container.uow, incident_id=incident_id
        )
    except NotFound as missing:
        return JSONResponse({"detail": str(missing)}, status_code=404)
    clock = clockface(container, user)
    return JSONResponse(
        {
            "status": record.status.value,
            "acknowledged": by_text(record.acknowledged_by, record.acknowledged_at, clock),
            "resolved": by_text(record.resolved_by, record.resolved_at, clock),
            "entries": [entry_json(e, clock) for e in entries],
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/incidents/{incident_id}/{action}")
async def act(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    action: Action,
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
    minutes: Annotated[int, Form()] = 60,
) -> Response:
    """Acknowledge, resolve, escalate now or snooze (for ``minutes``) as the signed-in user."""
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        outcome = await run_in_threadpool(
            actions.act,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            person=user,
            action=action,
            via="web",
            snooze=timedelta(minutes=minutes) if action is Action.SNOOZE else None,
        )
    except NotFound as missing:
        return refused(request, user, "No such incident", str(missing), 404)
    except InvalidTransition as error:
        return await show_incident(
            request, container, user, incident_id, error=str(error), status_code=409
        )
    notify(request, f"{outcome.summary}.")
    return RedirectResponse(safe_next(back, f"/incidents/{incident_id}"), status_code=303)
