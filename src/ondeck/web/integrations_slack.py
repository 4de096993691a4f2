"""What a Slack app posts to ondeck: button presses and the ``/ondeck`` command.

Every request must carry Slack's signature (``X-Slack-Signature``, an HMAC-SHA256 of
``v0:{timestamp}:{body}`` with ``ONDECK_SLACK_SIGNING_SECRET``) made less than five minutes
ago; the ``slack_request`` dependency checks it with slack_sdk's verifier against the
app's clock before any route sees the body, and refuses with 401 otherwise (503 when no
signing secret is configured), so nothing is read or changed for an unverified request.

Answers are JSON in Slack's message shape, sent within Slack's three seconds: a press
replaces the pressed message with the incident as it now is (also posted to the
payload's ``response_url``, which is what Slack applies to messages with blocks); any
refusal is an ephemeral line only the presser sees.
"""

from __future__ import annotations

import http.client
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from ondeck.bootstrap import Container
from ondeck.domain import slack_commands, slack_messages
from ondeck.domain.errors import DomainError
from ondeck.domain.slack_commands import Act, Declare, OnCall, Usage
from ondeck.domain.slack_messages import Card, reply_text
from ondeck.services import people, slack
from ondeck.services.actions import Action
from ondeck.services.errors import NotFound, Refused, ServiceError
from ondeck.services.ports import Clock
from ondeck.web.deps import ContainerDep
from ondeck.web.ingest import BodyTooLarge, read_body

log = logging.getLogger("ondeck.slack")
router = APIRouter(prefix="/integrations/slack", tags=["integrations"])

MAX_AGE_SECONDS = 5 * 60


class _AppClock(SlackClock):
    """slack_sdk's verifier reads the time through this: the app's own clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


def _refuse(code: int, why: str) -> HTTPException:
    log.warning("refused a Slack request: %s", why)
    return HTTPException(code, why)


async def slack_request(request: Request, container: ContainerDep) -> bytes:
    """The raw body of a request Slack signed; HTTPException for anything else."""
    secret = container.settings.slack_signing_secret
    if not secret:
        raise _refuse(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "Slack requests cannot be verified: ONDECK_SLACK_SIGNING_SECRET is not set",
        )
    try:
        body = await read_body(request, container.settings.max_body_bytes)
    except BodyTooLarge:
        raise _refuse(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request too large") from None
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, "request not signed by Slack")
    now = container.clock.now().timestamp()
    if not timestamp.isascii() or not timestamp.isdigit():
        raise _refuse(status.HTTP_401_UNAUTHORIZED, "request timestamp is not a number")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, "request timestamp is over 5 minutes away")
    verifier = SignatureVerifier(secret, clock=_AppClock(container.clock))
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        raise _refuse(status.HTTP_401_UNAUTHORIZED, "Slack signature does not match")
    return body


SlackBody = Annotated[bytes, Depends(slack_request)]


def _form(body: bytes) -> dict[str, str]:
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


@dataclass(frozen=True)
class Press:
    """A press on one of ondeck's interactive buttons."""

    action: Action
    incident_id: int
    member_id: str
    shown_as: str
    response_url: str


def read_press(form: dict[str, str]) -> Press | None:
    """The press in a ``block_actions`` payload; None for anything else (other apps'
    buttons, link buttons, other interaction types), which needs no answer."""
    try:
        payload = json.loads(form.get("payload", ""))
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    user = payload.get("user")
    if not isinstance(user, dict):
        user = {}
    pressed = payload.get("actions")
    for item in pressed if isinstance(pressed, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("action_id", "")).removeprefix(slack_messages.ACTION_PREFIX)
        value = str(item.get("value", ""))
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else 0
        if name not in slack_messages.ACTIONS or not 0 < number <= slack_commands.MAX_INCIDENT:
            continue
        return Press(
            action=Action(name),
            incident_id=number,
            member_id=str(user.get("id", "")),
            shown_as=str(user.get("username") or user.get("name") or ""),
            response_url=str(payload.get("response_url", "")),
        )
    return None


def answer_press(container: Container, press: Press) -> dict[str, Any]:
    """Act as the presser; the message to show instead of the pressed one, or a refusal."""
    try:
        acted = slack.act(
            uow=container.uow,
            clock=container.clock,
            member_id=press.member_id,
            shown_as=press.shown_as,
            incident_id=press.incident_id,
            action=press.action,
        )
    except (Refused, NotFound, DomainError) as error:
        return reply_text(slack_messages.escape(str(error)))
    incident = acted.outcome.incident
    note = f"{acted.outcome.summary}, by {acted.person.name} via Slack"
    if not acted.outcome.changed and incident.acknowledged_by:
        note = f"{acted.outcome.summary} by {incident.acknowledged_by}"
    card = Card(
        incident_id=incident.id,
        number=incident.number,
        title=incident.title,
        service=incident.service_name,
        urgency=incident.urgency,
        status=incident.status,
        incident_url=container.links.page_url(incident.id),
        runbook_url=incident.runbook_url,
        created_at=incident.created_at,
        note=note,
    )
    return {"replace_original": True, **slack_messages.incident_message(card)}


def respond_later(url: str, message: dict[str, Any], timeout: float) -> None:
    """Post ``message`` to a press's ``response_url`` (after the answer went out)."""
    try:
        sent = WebhookClient(url, timeout=max(1, int(timeout)), retry_handlers=[]).send_dict(
            message
        )
    except (OSError, http.client.HTTPException, ValueError) as error:
        log.warning("could not answer Slack at its response_url: %s", error)
        return
    if sent.status_code != 200:
        log.warning("Slack's response_url answered HTTP %s: %s", sent.status_code, sent.body)


@router.post("/interactions")
async def interactions(
    body: SlackBody, container: ContainerDep, background: BackgroundTasks
) -> Response:
    """Button presses (``block_actions``) on ondeck's Slack messages."""
    press = read_press(_form(body))
    if press is None:
        return Response(status_code=status.HTTP_200_OK)
    answer = await run_in_threadpool(answer_press, container, press)
    if press.response_url.startswith(("https://", "http://")):
        timeout = container.settings.delivery_timeout_seconds
        background.add_task(respond_later, press.response_url, answer, timeout)
    return JSONResponse(answer)


def run_command(container: Container, form: dict[str, str]) -> str:
    """Carry out ``/ondeck <text>``; the answer for the person who typed it."""
    command = slack_commands.parse_command(form.get("text", ""))
    if isinstance(command, Usage):
        lead = f"{command.problem}\n" if command.problem else ""
        return f"{lead}{slack_commands.USAGE}"
    if isinstance(command, OnCall):
        try:
            found = people.who_is_on_call(
                uow=container.uow, at=container.clock.now(), schedule_name=command.schedule
            )
        except NotFound as error:
            return slack_messages.escape(str(error))
        return oncall_text(found)
    if isinstance(command, Declare):
        return declare_text(container, form, command.incident)
    assert isinstance(command, Act)
    try:
        acted = slack.act(
            uow=container.uow,
            clock=container.clock,
            member_id=form.get("user_id", ""),
            shown_as=form.get("user_name", ""),
            incident_id=command.incident,
            action=Action(command.action),
            snooze=command.snooze,
        )
    except (Refused, NotFound, DomainError) as error:
        return slack_messages.escape(str(error))
    return slack_messages.escape(acted.outcome.summary)


def declare_text(container: Container, form: dict[str, str], incident_id: int) -> str:
    """Declare the incident as the Slack member; the answer names the bridge to join."""
    try:
        state = slack.declare(
            uow=container.uow,
            clock=container.clock,
            member_id=form.get("user_id", ""),
            shown_as=form.get("user_name", ""),
            incident_id=incident_id,
            policy=container.command_policy,
        )
    except (ServiceError, DomainError) as error:
        return slack_messages.escape(str(error))
    manager = state.manager or "nobody yet"
    bridge = (
        slack_messages.link(state.bridge_url, state.bridge_url)
        if state.bridge_url
        else "no bridge yet (set one with the API or `ondeck bridge`)"
    )
    return (
        f"Incident #{state.incident.number} {slack_messages.escape(state.incident.title)} is a "
        f"major incident. Incident manager: {slack_messages.escape(manager)}. Bridge: {bridge}"
    )


def oncall_text(found: list[people.OnCall]) -> str:
    if not found:
        return "There are no schedules."
    lines = []
    for item in found:
        names = ", ".join(p.name for p in item.now) or "nobody"
        if item.reason and item.now:
            names += f" ({item.reason})"
        line = f"*{item.schedule}*: {names}"
        if item.next_change is not None:
            line += f" until {item.next_change:%Y-%m-%d %H:%M} UTC"
        if item.next:
            line += f", then {', '.join(p.name for p in item.next)}"
        lines.append(line)
    return "\n".join(slack_messages.escape(line) for line in lines)


@router.post("/commands")
async def commands(body: SlackBody, container: ContainerDep) -> JSONResponse:
    """The ``/ondeck`` slash command: ack, resolve, escalate, snooze, declare, oncall, help."""
    text = await run_in_threadpool(run_command, container, _form(body))
    return JSONResponse({"response_type": "ephemeral", "text": text})
