"""Mattermost's interactive message buttons: ``POST /integrations/mattermost/actions``.

A page posted to Mattermost carries buttons whose ``context`` holds the signed token of
one of the page's action links (``{"token": …}``). Mattermost POSTs
``{"user_id", "user_name", "channel_id", "post_id", "context", …}`` here when someone
presses one. Mattermost signs nothing, so the token is the credential, exactly as for the
link: the action is done as the person who was paged, and the timeline says it came
through Mattermost and which Mattermost account pressed the button
(``via mattermost (@ada)``).

The answer replaces the post (``update``) with the incident's new state and the buttons
still useful (none once resolved), and tells the presser what happened
(``ephemeral_text``). A request without a valid token is refused with 403, recorded as an
inbound refusal, and changes nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus
from ondeck.services import actions, incidents, people
from ondeck.services.errors import NotFound
from ondeck.services.ports import IncidentRecord, InvalidLink, Person
from ondeck.web.deps import ContainerDep

router = APIRouter(prefix="/integrations/mattermost", tags=["integrations"])

MAX_BODY = 64 * 1024
USER_NAME = re.compile(r"[^A-Za-z0-9._-]")
COLOURS = {
    IncidentStatus.TRIGGERED: "#b42318",
    IncidentStatus.ACKNOWLEDGED: "#f79009",
    IncidentStatus.RESOLVED: "#12b76a",
}
BUTTONS = {
    IncidentStatus.TRIGGERED: (
        ("ack", "Acknowledge", "acknowledge", "danger"),
        ("resolve", "Resolve", "resolve", "primary"),
        ("escalate", "Escalate now", "escalate", "default"),
        ("snooze", "Snooze 1 h", "snooze", "default"),
    ),
    IncidentStatus.ACKNOWLEDGED: (
        ("resolve", "Resolve", "resolve", "primary"),
        ("escalate", "Escalate now", "escalate", "default"),
        ("snooze", "Snooze 1 h", "snooze", "default"),
    ),
    IncidentStatus.RESOLVED: (),
}


def _answer(text: str, status: int) -> JSONResponse:
    return JSONResponse({"ephemeral_text": text}, status_code=status)


def _read(body: bytes) -> tuple[str, str, bool] | None:
    """(token, Mattermost user name, from a bundled message) from the request, or None."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    context = payload.get("context")
    context = context if isinstance(context, dict) else {}
    token = context.get("token")
    who = payload.get("user_name") or payload.get("user_id") or "unknown"
    name = USER_NAME.sub("", str(who))[:64] or "unknown"
    return (token if isinstance(token, str) else ""), name, context.get("bundled") is True


def _post(
    container: ContainerDep, incident: IncidentRecord, person: Person, message: str
) -> dict[str, Any]:
    """The post as it should read now: the incident's state and the buttons still useful."""
    actions_url = f"{container.settings.base_url}/integrations/mattermost/actions"
    buttons = [
        {
            "id": action_id,
            "name": name,
            "type": "button",
            "style": style,
            "integration": {
                "url": actions_url,
                "context": {
                    "token": container.links.signer.sign(
                        incident_id=incident.id, user_id=person.id, action=action
                    )
                },
            },
        }
        for action_id, name, action, style in BUTTONS[incident.status]
    ]
    fields = [
        {"short": True, "title": "Service", "value": incident.service_name},
        {"short": True, "title": "Status", "value": incident.status.value},
    ]
    if incident.acknowledged_by:
        fields.append(
            {"short": True, "title": "Acknowledged by", "value": incident.acknowledged_by}
        )
    if incident.resolved_by:
        fields.append({"short": True, "title": "Resolved by", "value": incident.resolved_by})
    title = f"#{incident.number} {incident.title}"
    return {
        "message": message,
        "props": {
            "attachments": [
                {
                    "fallback": f"{title} ({incident.status.value})",
                    "color": COLOURS[incident.status],
                    "title": title,
                    "title_link": container.links.page_url(incident.id),
                    "fields": fields,
                    "actions": buttons,
                }
            ]
        },
    }


@router.post("/actions")
async def mattermost_action(request: Request, container: ContainerDep) -> JSONResponse:
    """A button pressed on a page in Mattermost."""
    body = await request.body()
    read = _read(body) if len(body) <= MAX_BODY else None
    token, user_name, bundled = read if read is not None else ("", "unknown", False)
    try:
        incident_id, user_id, action = container.links.signer.verify(token)
        if action not in {a.value for a in actions.Action}:
            raise InvalidLink("this button does not act")
    except InvalidLink as error:
        await run_in_threadpool(
            actions.refuse,
            uow=container.uow,
            clock=container.clock,
            channel="mattermost",
            sender=f"@{user_name}",
            reason=str(error) if read is not None else "not a Mattermost action request",
        )
        return _answer(f"ondeck refused this button: {error}", 403)
    try:
        person = await run_in_threadpool(people.get_person, uow=container.uow, user_id=user_id)
        outcome = await run_in_threadpool(
            actions.act,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            person=person,
            action=actions.Action(action),
            via=f"mattermost (@{user_name})",
        )
    except NotFound as error:
        return _answer(str(error), 404)
    except InvalidTransition as error:
        incident = await run_in_threadpool(
            incidents.get_incident, uow=container.uow, incident_id=incident_id
        )
        if bundled:
            return _answer(str(error), 200)
        state = f"**Incident #{incident.number}** {incident.title}: {incident.status.value}"
        update = _post(container, incident, person, state)
        return JSONResponse({"update": update, "ephemeral_text": str(error)})
    if bundled:
        return _answer(outcome.summary, 200)
    done = f"{outcome.summary}, by {person.name} via Mattermost (@{user_name})"
    return JSONResponse(
        {
            "update": _post(container, outcome.incident, person, done),
            "ephemeral_text": outcome.summary,
        }
    )
