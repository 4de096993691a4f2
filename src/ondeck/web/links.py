"""Signed links from pages: GET shows a confirmation page, only POST acts.

Mail scanners prefetch links with GET, so a GET must never change anything. The signed
token is the credential: it names the incident, the person and the action (acknowledge,
resolve, escalate, snooze or view), and it expires (``ONDECK_LINK_TTL_SECONDS``).

A POST acts as the person the link was sent to, recorded as via ``link``. A snooze lasts
``minutes`` (a form or query field, 60 by default). Browsers (``Accept: text/html``) get
the confirmation page back; other clients (ntfy's action buttons, which POST from the phone
without cookies, or ``curl``) get one line of plain text, or JSON if they ask for it, with
a 2xx status when the action was done or there was nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from ondeck.domain.errors import InvalidTransition
from ondeck.services import actions, incidents, people
from ondeck.services.errors import NotFound
from ondeck.services.ports import IncidentRecord, InvalidLink, Person
from ondeck.web.deps import ContainerDep
from ondeck.web.templating import templates

router = APIRouter(include_in_schema=False)

VERBS = {
    "acknowledge": "Acknowledge",
    "resolve": "Resolve",
    "escalate": "Escalate now",
    "snooze": "Snooze",
    "view": "View",
}
SNOOZE_CHOICES = (15, 30, 60, 120, 240, 480)
"""Minutes offered on the snooze confirmation page."""
DEFAULT_SNOOZE_MINUTES = 60


def _message(request: Request, heading: str, text: str, status: int) -> Response:
    if not _wants_html(request):
        return _plain(request, status, error=f"{heading}: {text}")
    return templates.TemplateResponse(
        request, "message.html", {"heading": heading, "text": text}, status_code=status
    )


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _plain(
    request: Request,
    status: int,
    *,
    summary: str = "",
    error: str = "",
    incident: IncidentRecord | None = None,
) -> Response:
    """The answer for a client that is not a browser: JSON if it asks, else one line."""
    if "application/json" in request.headers.get("accept", ""):
        body: dict[str, object] = {"ok": not error, "summary": summary or error}
        if incident is not None:
            body["incident"] = {"number": incident.number, "status": incident.status.value}
        return JSONResponse(body, status_code=status)
    return PlainTextResponse((summary or error) + "\n", status_code=status)


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
            "snooze_choices": SNOOZE_CHOICES,
            "snooze_default": DEFAULT_SNOOZE_MINUTES,
            **extra,
        }


async def _target(container: ContainerDep, token: str) -> LinkTarget:
    incident_id, user_id, action = container.links.signer.verify(token)
    incident = await run_in_threadpool(
        incidents.get_incident, uow=container.uow, incident_id=incident_id
    )
    person = await run_in_threadpool(people.get_person, uow=container.uow, user_id=user_id)
    return LinkTarget(incident=incident, person=person, action=action)


async def _snooze_minutes(request: Request) -> int | None:
    """``minutes`` from the query or the form; the default when absent; None when invalid."""
    text = request.query_params.get("minutes")
    if text is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("minutes")
        text = value if isinstance(value, str) else None
    if text is None or not text.strip():
        return DEFAULT_SNOOZE_MINUTES
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


@router.get("/l/{token}", response_class=HTMLResponse)
async def show_link(request: Request, token: str, container: ContainerDep) -> Response:
    try:
        target = await _target(container, token)
    except (InvalidLink, NotFound) as error:
        return templates.TemplateResponse(
            request,
            "message.html",
            {"heading": "Link not valid", "text": str(error)},
            status_code=404,
        )
    response = templates.TemplateResponse(request, "link.html", target.context())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/l/{token}", response_class=HTMLResponse)
async def act_on_link(request: Request, token: str, container: ContainerDep) -> Response:
    try:
        target = await _target(container, token)
    except InvalidLink as error:
        await run_in_threadpool(
            actions.refuse,
            uow=container.uow,
            clock=container.clock,
            channel="link",
            sender=request.client.host if request.client else "unknown",
            reason=str(error),
        )
        return _message(request, "Link not valid", str(error), 404)
    except NotFound as error:
        return _message(request, "Link not valid", str(error), 404)
    if target.action not in {a.value for a in actions.Action}:
        return _message(request, "Nothing to do", "This link only shows the incident.", 400)
    minutes = await _snooze_minutes(request)
    if minutes is None:
        return _message(request, "Not snoozed", "minutes must be a whole number", 400)
    try:
        outcome = await run_in_threadpool(
            actions.act,
            uow=container.uow,
            clock=container.clock,
            incident_id=target.incident.id,
            person=target.person,
            action=actions.Action(target.action),
            via="link",
            snooze=timedelta(minutes=minutes),
        )
    except InvalidTransition as error:
        if not _wants_html(request):
            return _plain(request, 409, error=str(error), incident=target.incident)
        return templates.TemplateResponse(
            request, "link.html", target.context(error=str(error)), status_code=409
        )
    except NotFound as error:
        return _message(request, "Link not valid", str(error), 404)
    if not _wants_html(request):
        return _plain(request, 200, summary=outcome.summary, incident=outcome.incident)
    return templates.TemplateResponse(
        request, "link.html", target.context(incident=outcome.incident, done=outcome.summary)
    )
