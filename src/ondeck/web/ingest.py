"""Endpoints monitoring tools post to. Authenticated by integration key, not by user.

A 202 is answered only after the event is committed; when the database cannot be
reached the answer is 503 (senders retry) and never a 202 that could be lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ondeck import metrics
from ondeck.adapters.ingest import Rejected
from ondeck.adapters.ingest.alertmanager import decode_webhook
from ondeck.adapters.ingest.events_v2 import decode_change, decode_event
from ondeck.bootstrap import Container
from ondeck.domain.model import AlertSignal
from ondeck.services import ingest
from ondeck.services.errors import UnknownIntegrationKey
from ondeck.web.batching import Batcher
from ondeck.web.deps import ContainerDep

POSTGRES_WRITERS = 4
"""Parallel ingest transactions per web process on PostgreSQL (SQLite has one writer)."""

IngestResult = ingest.IngestOutcome | UnknownIntegrationKey
IngestBatcher = Batcher[ingest.IngestRequest, IngestResult]

log = logging.getLogger("ondeck.ingest")
router = APIRouter(tags=["ingest"])

_UNAVAILABLE = {
    "status": "unavailable",
    "message": "The event could not be stored; retry later",
    "errors": ["database unavailable"],
}


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _store(request: Request, key: str, signal: AlertSignal) -> ingest.IngestOutcome:
    """Store through the app's group-commit batcher; returns once the event is committed."""
    batcher: IngestBatcher = request.app.state.ingest_batcher
    result = await batcher.submit(ingest.IngestRequest(integration_key=key, signal=signal))
    if isinstance(result, UnknownIntegrationKey):
        raise result
    return result


def ingest_batcher(container: Container) -> IngestBatcher:
    def store(requests: Sequence[ingest.IngestRequest]) -> list[IngestResult]:
        return ingest.ingest_batch(uow=container.uow, clock=container.clock, requests=requests)

    writers = 1 if container.engine.dialect.name == "sqlite" else POSTGRES_WRITERS
    return Batcher(store, writers=writers, name="ondeck-ingest")


def _too_large(limit: int, fmt: str) -> JSONResponse:
    metrics.events_rejected.labels(fmt, "413").inc()
    return JSONResponse(
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": [f"request body is larger than {limit // 1024} KB"],
        },
        status_code=413,
    )


def _unavailable(fmt: str) -> JSONResponse:
    metrics.events_rejected.labels(fmt, "503").inc()
    return JSONResponse(_UNAVAILABLE, status_code=503, headers={"Retry-After": "5"})


def _rejected(error: Rejected, fmt: str) -> JSONResponse:
    metrics.events_rejected.labels(fmt, str(error.status_code)).inc()
    return JSONResponse(error.body, status_code=error.status_code)


def _unknown_routing_key(fmt: str) -> JSONResponse:
    """PagerDuty's 400 for a well-formed event whose routing key names no service."""
    metrics.events_rejected.labels(fmt, "400").inc()
    return JSONResponse(
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Invalid routing key: no service has this integration key"],
        },
        status_code=400,
    )


@router.post("/v2/enqueue", status_code=202, summary="PagerDuty Events API v2")
@router.post("/v2/enqueue/", status_code=202, include_in_schema=False)
async def enqueue_event(request: Request, container: ContainerDep) -> JSONResponse:
    """Trigger, acknowledge or resolve an alert exactly as PagerDuty's Events API v2 does."""
    limit = container.settings.max_body_bytes
    try:
        decoded = decode_event(await read_body(request, limit))
    except BodyTooLarge:
        return _too_large(limit, "events_v2")
    except Rejected as error:
        return _rejected(error, "events_v2")
    try:
        outcome = await _store(request, decoded.routing_key, decoded.signal)
    except UnknownIntegrationKey:
        return _unknown_routing_key("events_v2")
    except (DBAPIError, SQLAlchemyError) as error:
        log.warning("event not stored, answering 503: %s", type(error).__name__)
        return _unavailable("events_v2")
    metrics.events_received.labels("events_v2", outcome.result).inc()
    return JSONResponse(
        {"status": "success", "message": "Event processed", "dedup_key": outcome.dedup_key},
        status_code=202,
    )


@router.post("/v2/change/enqueue", status_code=202, summary="PagerDuty change events")
@router.post("/v2/change/enqueue/", status_code=202, include_in_schema=False)
async def enqueue_change(request: Request, container: ContainerDep) -> JSONResponse:
    """Record a change (a deploy, a config push) on the service; nobody is paged."""
    limit = container.settings.max_body_bytes
    try:
        decoded = decode_change(await read_body(request, limit))
    except BodyTooLarge:
        return _too_large(limit, "change")
    except Rejected as error:
        return _rejected(error, "change")
    try:
        change_id = await run_in_threadpool(
            ingest.record_change,
            uow=container.uow,
            clock=container.clock,
            integration_key=decoded.routing_key,
            signal=decoded.signal,
        )
    except UnknownIntegrationKey:
        return _unknown_routing_key("change")
    except (DBAPIError, SQLAlchemyError):
        return _unavailable("change")
    metrics.events_received.labels("change", "stored").inc()
    return JSONResponse(
        {"status": "success", "message": "Change event processed", "id": str(change_id)},
        status_code=202,
    )


def _webhook_key(token: str | None, authorization: str | None) -> str | None:
    if token:
        return token
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


@router.post("/integrations/alertmanager", status_code=202, summary="Alertmanager / Grafana")
async def alertmanager_webhook(
    request: Request,
    container: ContainerDep,
    token: Annotated[str | None, Query(description="The integration key")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Alertmanager webhook (version 4) or Grafana webhook (version 1): one incident per group.

    The integration key comes as ``?token=KEY`` or ``Authorization: Bearer KEY``.
    """
    key = _webhook_key(token, authorization)
    if not key:
        metrics.events_rejected.labels("alertmanager", "401").inc()
        return JSONResponse(
            {
                "status": "unauthorized",
                "message": "Missing integration key",
                "errors": ["pass the key as ?token=KEY or 'Authorization: Bearer KEY'"],
            },
            status_code=401,
        )
    limit = container.settings.max_body_bytes
    try:
        signal = decode_webhook(await read_body(request, limit))
    except BodyTooLarge:
        return _too_large(limit, "alertmanager")
    except Rejected as error:
        return _rejected(error, "alertmanager")
    try:
        outcome = await _store(request, key, signal)
    except UnknownIntegrationKey:
        metrics.events_rejected.labels("alertmanager", "401").inc()
        return JSONResponse(
            {
                "status": "unauthorized",
                "message": "Unknown integration key",
                "errors": ["no service has this integration key"],
            },
            status_code=401,
        )
    except (DBAPIError, SQLAlchemyError):
        return _unavailable("alertmanager")
    metrics.events_received.labels("alertmanager", outcome.result).inc()
    return JSONResponse(
        {
            "status": "success",
            "message": "Webhook processed",
            "dedup_key": outcome.dedup_key,
            "incident": outcome.incident_id,
        },
        status_code=202,
    )
