"""Twilio's REST API and a generic SMS gateway as local HTTP servers, and Twilio's signing.

Both run on loopback (``tests.channels.local_provider``). The fake Twilio checks what the
real one checks before it accepts anything: the path
``/2010-04-01/Accounts/{AccountSid}/Messages.json`` (or ``Calls.json``), HTTP Basic auth
with the account SID and auth token, a form-encoded body with the fields each resource
requires and an E.164 ``To``; it answers as Twilio does (201 with the resource's JSON,
``{"code": 21211, "message": ..., "status": 400}`` for a bad number, 401 code 20003 for
bad credentials). A message or call whose text carries a marker like ``[twilio-500]`` is
answered with that status, so one test's failure never leaks into another's page.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services.ports import Page, PageItem
from tests.channels.local_provider import Provider, Reply, Request

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"
GATEWAY_TOKEN = "gateway-token-0123456789"
GATEWAY_FROM = "ondeck"

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/(?P<resource>Messages|Calls)\.json$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_MARKER = re.compile(r"\[(?:twilio|gateway)-(?P<status>[0-9]{3})\]")


# --- Twilio and the gateway ----------------------------------------------------------------


def form(request: Request) -> dict[str, str]:
    """A form-encoded body, one value per field (Twilio's parameters are never repeated)."""
    parsed = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=False)
    return {name: values[-1] for name, values in parsed.items()}


def _twilio_error(status: int, code: int, message: str) -> Reply:
    return Reply.json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def _marked(text: str, provider: str) -> int | None:
    for match in _MARKER.finditer(text):
        if match.group(0).startswith(f"[{provider}-"):
            return int(match.group("status"))
    return None


def twilio_answer(
    *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN
) -> Callable[[Request], Reply]:
    """How Twilio's Messages and Calls resources answer a create."""

    def answer(request: Request) -> Reply:
        path = _PATH.match(request.path)
        if request.method != "POST" or path is None:
            return _twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        expected = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}" or (
            path.group("sid") != account_sid
        ):
            return _twilio_error(401, 20003, "Authenticate")
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return _twilio_error(400, 20001, "Content-Type must be form-encoded")
        fields = form(request)
        resource = path.group("resource")
        required = ("To", "From", "Body") if resource == "Messages" else ("To", "From")
        for name in required:
            if not fields.get(name):
                return _twilio_error(400, 21604, f"A '{name}' parameter is required.")
        if resource == "Calls" and not (fields.get("Twiml") or fields.get("Url")):
            return _twilio_error(400, 21205, "Either Url or Twiml is required.")
        if not _E164.match(fields["To"]):
            return _twilio_error(
                400, 21211, f"The 'To' number {fields['To']} is not a valid phone number."
            )
        status = _marked(fields.get("Body", "") + fields.get("Twiml", ""), "twilio")
        if status is not None:
            return _twilio_error(status, 20500, "An internal server error has occurred")
        prefix = "SM" if resource == "Messages" else "CA"
        body: dict[str, Any] = {
            "sid": prefix + uuid.uuid4().hex,
            "account_sid": account_sid,
            "to": fields["To"],
            "from": fields["From"],
            "status": "queued",
            "api_version": "2010-04-01",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        }
        if resource == "Messages":
            body |= {"body": fields["Body"], "num_segments": "1", "direction": "outbound-api"}
        return Reply.json(201, body)

    return answer


def gateway_answer(*, token: str = GATEWAY_TOKEN) -> Callable[[Request], Reply]:
    """The generic gateway: bearer token, JSON ``to``/``from``/``text``/``reference``."""
    counter = iter(range(1, 1_000_000))

    def answer(request: Request) -> Reply:
        if request.method != "POST" or request.path != "/v1/sms":
            return Reply.json(404, {"error": "not found"})
        if request.headers.get("authorization") != f"Bearer {token}":
            return Reply.json(401, {"error": "bad token"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Reply.json(415, {"error": "send JSON"})
        body = request.json()
        if set(body) != {"to", "from", "text", "reference"}:
            return Reply.json(422, {"error": f"unexpected fields {sorted(body)}"})
        if not _E164.match(body["to"]):
            return Reply.json(400, {"error": f"invalid number {body['to']}"})
        status = _marked(body["text"], "gateway")
        if status is not None:
            return Reply.json(status, {"error": "gateway trouble"})
        return Reply.json(202, {"id": f"gw-{next(counter)}", "status": "accepted"})

    return answer


def twilio_requests(provider: Provider, resource: str = "Messages") -> list[dict[str, str]]:
    """The form fields of every request to ``resource`` (Messages or Calls)."""
    return [
        form(request)
        for request in provider.requests()
        if request.path.endswith(f"/{resource}.json")
    ]


def gateway_requests(provider: Provider) -> list[dict[str, Any]]:
    return [request.json() for request in provider.requests() if request.path == "/v1/sms"]


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it for a POST of ``params`` to ``url``."""
    return str(RequestValidator(token).compute_signature(url, params))


def post_signed(
    url: str,
    params: dict[str, str],
    *,
    token: str = AUTH_TOKEN,
    signed_url: str | None = None,
    signed_params: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a form to ``url`` the way Twilio does, signed for ``signed_url`` and
    ``signed_params`` (by default: what is sent)."""
    signature = sign(signed_url or url, signed_params or params, token)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)


# --- pages -------------------------------------------------------------------------------


def sample_page(address: str, **changes: Any) -> Page:
    """Incident #42 (id 7) for Ada (user 1), high urgency."""
    page = Page(
        message_id=1,
        idempotency_key="7:0:0:1:1",
        address=address,
        recipient_name="Ada Lovelace",
        incident_number=42,
        incident_title="Checkout error rate 12%",
        service_name="Checkout API",
        urgency=Urgency.HIGH,
        status=IncidentStatus.TRIGGERED,
        runbook_url="",
        incident_url="https://ondeck.example/incidents/7",
        acknowledge_url="https://ondeck.example/l/ack",
        resolve_url="https://ondeck.example/l/resolve",
        created_at=datetime(2026, 11, 3, 4, 5, tzinfo=UTC),
        details={},
        incident_id=7,
        user_id=1,
    )
    return replace(page, **changes)


def bundle_page(address: str, count: int) -> Page:
    """A storm-control bundle of ``count`` incidents, #100 onwards."""
    items = tuple(
        PageItem(
            incident_id=100 + n,
            incident_number=100 + n,
            incident_title=f"Disk full on db-{n}",
            service_name="Storage",
            urgency=Urgency.HIGH,
            incident_url=f"https://ondeck.example/incidents/{100 + n}",
            acknowledge_url="",
        )
        for n in range(count)
    )
    return sample_page(
        address,
        incident_id=100,
        incident_number=100,
        incident_title=items[0].incident_title,
        bundle=items,
    )


def trial_page(address: str) -> Page:
    """A test notification: incident number 0, acting on nothing."""
    return sample_page(
        address,
        incident_id=0,
        incident_number=0,
        incident_title="Test notification",
        service_name="",
        acknowledge_url="",
        resolve_url="",
        test=True,
    )
