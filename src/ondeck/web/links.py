"""Signed links from pages: GET shows a confirmation page, only POST acts.

Mail scanners prefetch links with GET, so a GET must never acknowledge anything. The
signed token is the credential: it names the incident, the person and the action, and
it expires (``ONDECK_LINK_TTL_SECONDS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ondeck.domain.errors import InvalidTransition
from ondeck.services import incidents, people
from ondeck.services.errors import NotFound
from ondeck.services.ports import IncidentRecord, InvalidLink, Person
from ondeck.web.deps import ContainerDep
from ondeck.web.templating import templates

router = APIRouter(include_in_schema=False)

VERBS = {"acknowledge": "Acknowledge", "resolve": "Resolve", "view": "View"}


def _message(request: Request, heading: str, text: str, status: int) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "message.html", {"heading": heading, "text": text}, status_code=status
    )


@dataclass(frozen=True)
class LinkTarget:
    """What a verified link names: the incident, the person it was sent to, the action."""

    incident: IncidentRecord
    person: Person
    action: str

    def context(self, **extra: object) -> dict[str, object]:
        return {
            "incident": self.incident,
            "person": self.person,
            "action": self.action,
            "verb": VERBS[self.action],
            **extra,
        }


async def _target(container: ContainerDep, token: str) -> LinkTarget:
    incident_id, user_id, action = container.links.signer.verify(token)
    incident = await run_in_threadpool(
        incidents.get_incident, uow=container.uow, incident_id=incident_id
    )
    person = await run_in_threadpool(people.get_person, uow=container.uow, user_id=user_id)
    return LinkTarget(incident=incident, person=person, action=action)


@router.get("/l/{token}", response_class=HTMLResponse)
async def show_link(request: Request, token: str, container: ContainerDep) -> Response:
    try:
        target = await _target(container, token)
    except (InvalidLink, NotFound) as error:
        return _message(request, "Link not valid", str(error), 404)
    response = templates.TemplateResponse(request, "link.html", target.context())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/l/{token}", response_class=HTMLResponse)
async def act_on_link(request: Request, token: str, container: ContainerDep) -> Response:
    try:
        target = await _target(container, token)
    except (InvalidLink, NotFound) as error:
        return _message(request, "Link not valid", str(error), 404)
    use_case = {"acknowledge": incidents.acknowledge, "resolve": incidents.resolve}.get(
        target.action
    )
    if use_case is None:
        return _message(request, "Nothing to do", "This link only shows the incident.", 400)
    try:
        updated = await run_in_threadpool(
            use_case,
            uow=container.uow,
            clock=container.clock,
            incident_id=target.incident.id,
            actor=target.person.email,
            via="email link",
        )
    except InvalidTransition as error:
        return templates.TemplateResponse(
            request, "link.html", target.context(error=str(error)), status_code=409
        )
    done = f"Done: incident #{updated.number} is {updated.status.value}."
    return templates.TemplateResponse(
        request, "link.html", target.context(incident=updated, done=done)
    )
