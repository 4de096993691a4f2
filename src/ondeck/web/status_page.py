"""The public status page, without authentication: ``GET /status`` (HTML), ``/status.json``,
``/status/feed.atom`` (Atom, one entry per published update), ``POST /status/subscribe``
(an email address or webhook URL, as a form or JSON), and the signed confirmation and
unsubscribe links (GET shows a button, only POST acts: mail scanners prefetch links).

Everything here comes from ``services.status_page``, which only hands out what was written
for customers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from feedgen.feed import FeedGenerator

from ondeck.services import status_page, status_subscriptions
from ondeck.services.command import BadInput
from ondeck.services.errors import NotFound
from ondeck.services.status_page import PublicPage
from ondeck.web.deps import ContainerDep
from ondeck.web.status_schemas import StatusPagePublic, SubscribeRequest, SubscriptionPublic
from ondeck.web.templating import templates

router = APIRouter(tags=["status page"])

ATOM = "application/atom+xml"


@router.get("/status", response_class=HTMLResponse, include_in_schema=False)
async def status_html(request: Request, container: ContainerDep) -> Response:
    page = await run_in_threadpool(
        status_page.public_page, uow=container.uow, clock=container.clock
    )
    return templates.TemplateResponse(
        request,
        "status.html",
        {"page": page, "user": None, "subscribed": request.query_params.get("subscribed")},
    )


@router.get("/status.json", response_model=StatusPagePublic)
async def status_json(container: ContainerDep) -> StatusPagePublic:
    """The public status page as JSON (no authentication): headline, component groups with
    each component's state and 90 daily uptime bars, active incidents and those resolved in
    the last 14 days, each with its published updates newest first."""
    page = await run_in_threadpool(
        status_page.public_page, uow=container.uow, clock=container.clock
    )
    return StatusPagePublic.of(page)


@router.get(
    "/status/feed.atom",
    response_class=Response,
    responses={200: {"content": {ATOM: {}}, "description": "Atom 1.0"}},
)
async def status_feed(container: ContainerDep) -> Response:
    """The published updates as an Atom feed (no authentication), newest first."""
    page = await run_in_threadpool(
        status_page.public_page, uow=container.uow, clock=container.clock
    )
    return Response(_atom(page, container.links.base_url), media_type=ATOM)


@router.post(
    "/status/subscribe",
    response_model=SubscriptionPublic,
    responses={
        200: {"description": "Asked before (an unconfirmed email address gets a new link)"},
        201: {"description": "Subscribed (a webhook), or a confirmation email sent"},
        422: {"description": "Not an email address or webhook URL"},
        503: {"description": "The confirmation email could not be sent now"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": SubscribeRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {
                    "schema": SubscribeRequest.model_json_schema()
                },
            },
        }
    },
)
async def subscribe(request: Request, container: ContainerDep) -> Response:
    """Subscribe an email address or webhook URL to published updates (no authentication),
    as JSON ``{"address": ...}`` or a form field ``address``. A webhook is subscribed at
    once; an email address is sent a confirmation email and gets updates only once its
    link is followed (asking again sends a new link). A browser's form gets a page back.
    503 when the confirmation email cannot be sent now."""
    form = "json" not in request.headers.get("content-type", "")
    data: Any = await request.form() if form else await _json(request)
    address = data.get("address") if hasattr(data, "get") else None
    if not isinstance(address, str):
        raise HTTPException(422, "address: give an email address or a webhook URL")
    try:
        made = await run_in_threadpool(
            status_subscriptions.subscribe,
            uow=container.uow,
            clock=container.clock,
            address=address,
            signer=container.link_secrets,
            channels=container.channels,
            base_url=container.links.base_url,
            allow_private_webhooks=container.settings.status_private_webhooks,
        )
    except BadInput as error:
        if form:
            return _message(request, "Not subscribed", str(error), 422)
        raise HTTPException(422, str(error)) from error
    except status_subscriptions.NotSent as error:
        if form:
            return _message(request, "Not subscribed yet", str(error), 503)
        raise HTTPException(503, str(error)) from error
    record = made.subscriber
    if record.kind == "webhook":
        heading, text = "Subscribed", f"{record.address} will get every update published here."
    elif made.confirmation_sent:
        heading = "Check your email"
        text = (
            f"We sent a confirmation link to {record.address}. Follow it to start getting "
            "updates; nothing is sent until then."
        )
    else:
        heading, text = "Subscribed", f"{record.address} already gets every update published here."
    status = 201 if made.created else 200
    if form:
        return _message(request, heading, text, status)
    body = SubscriptionPublic(
        kind=record.kind,
        address=record.address,
        created=made.created,
        confirmed=record.confirmed,
        message=f"{heading}: {text}",
    )
    return JSONResponse(body.model_dump(), status_code=status)


@router.get("/status/confirm/{subscriber_id}/{issued}/{token}", include_in_schema=False)
async def confirm_page(request: Request, subscriber_id: int, issued: int, token: str) -> Response:
    return templates.TemplateResponse(
        request,
        "status_link.html",
        {
            "user": None,
            "title": "Confirm",
            "heading": "Start getting status updates by email?",
            "button": "Confirm subscription",
            "action": f"/status/confirm/{subscriber_id}/{issued}/{token}",
        },
    )


@router.post("/status/confirm/{subscriber_id}/{issued}/{token}", include_in_schema=False)
async def confirm(
    request: Request, container: ContainerDep, subscriber_id: int, issued: int, token: str
) -> Response:
    try:
        record = await run_in_threadpool(
            status_subscriptions.confirm,
            uow=container.uow,
            clock=container.clock,
            signer=container.link_secrets,
            subscriber_id=subscriber_id,
            issued=issued,
            token=token,
        )
    except NotFound as error:
        return _message(request, "Not confirmed", str(error), 404)
    return _message(
        request, "Subscribed", f"{record.address} will get every update published here.", 200
    )


@router.get("/status/unsubscribe/{subscriber_id}/{token}", include_in_schema=False)
async def unsubscribe_page(request: Request, subscriber_id: int, token: str) -> Response:
    return templates.TemplateResponse(
        request,
        "status_link.html",
        {
            "user": None,
            "title": "Unsubscribe",
            "heading": "Unsubscribe from status updates?",
            "button": "Unsubscribe",
            "action": f"/status/unsubscribe/{subscriber_id}/{token}",
        },
    )


@router.post("/status/unsubscribe/{subscriber_id}/{token}", include_in_schema=False)
async def unsubscribe(
    request: Request, container: ContainerDep, subscriber_id: int, token: str
) -> Response:
    try:
        record = await run_in_threadpool(
            status_subscriptions.unsubscribe,
            uow=container.uow,
            signer=container.link_secrets,
            subscriber_id=subscriber_id,
            token=token,
        )
    except NotFound as error:
        return _message(request, "Not unsubscribed", str(error), 404)
    return _message(
        request, "Unsubscribed", f"{record.address} will get no more status updates.", 200
    )


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as error:
        raise HTTPException(422, 'body: not JSON; send {"address": ...}') from error


def _message(request: Request, heading: str, text: str, status: int) -> Response:
    return templates.TemplateResponse(
        request,
        "message.html",
        {"heading": heading, "text": text, "user": None},
        status_code=status,
    )


def _atom(page: PublicPage, base_url: str) -> bytes:
    feed = FeedGenerator()
    feed.id(f"{base_url}/status")
    feed.title("Service status")
    feed.subtitle(page.headline)
    feed.link(href=f"{base_url}/status", rel="alternate")
    feed.link(href=f"{base_url}/status/feed.atom", rel="self")
    feed.updated(page.updates[0].published_at if page.updates else page.generated_at)
    for update in reversed(page.updates):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"{base_url}/status#update-{update.id}")
        entry.title(f"[{update.status.label}] {update.title}")
        entry.link(href=f"{base_url}/status#incident-{update.incident_ref}")
        entry.updated(update.published_at)
        entry.published(update.published_at)
        affected = ", ".join(update.components)
        text = update.body + (
            f"\n\nAffected: {affected} ({update.impact.label})" if affected else ""
        )
        entry.content(text, type="text")
    result: bytes = feed.atom_str(pretty=True)
    return result
