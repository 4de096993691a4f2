"""REST for an incident's customer-facing status updates under
/api/v1/incidents/{id}/status-updates: list, write, edit a draft, publish. Bearer auth; every
action acts as the token's user.

Errors: 404 unknown incident or update, 403 not a participant, 409 not a major incident or
the update is already published, 422 bad input with the field named.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from ondeck.services import status_updates
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import call_use_case, documented
from ondeck.web.schemas import ErrorPublic
from ondeck.web.status_schemas import (
    StatusUpdateCreate,
    StatusUpdateEdit,
    StatusUpdatePublic,
    StatusUpdatesPublic,
)

router = APIRouter(
    prefix="/api/v1/incidents/{incident_id}/status-updates",
    tags=["status page"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)

_WRITE = documented(403, 404, 422) | {
    409: {
        "model": ErrorPublic,
        "description": "Not a major incident, or the update is already published",
    }
}


@router.get("", response_model=StatusUpdatesPublic, responses=documented(404))
async def list_status_updates(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> StatusUpdatesPublic:
    """Every customer-facing update of the incident, drafts and published, oldest first."""
    found = await call_use_case(status_updates.updates, uow=container.uow, incident_id=incident_id)
    return StatusUpdatesPublic(data=[StatusUpdatePublic.of(u) for u in found])


@router.post(
    "",
    response_model=StatusUpdatePublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def write_status_update(
    container: ContainerDep, user: ApiUser, incident_id: int, body: StatusUpdateCreate
) -> StatusUpdatePublic:
    """Write a new draft (participants only); it is public only once published."""
    written = await call_use_case(
        status_updates.write_update,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        title=body.title,
        body=body.body,
        status=body.status,
        impact=body.impact,
        components=body.components,
    )
    return StatusUpdatePublic.of(written)


@router.patch("/{update_id}", response_model=StatusUpdatePublic, responses=_WRITE)
async def edit_status_update(
    container: ContainerDep, user: ApiUser, incident_id: int, update_id: int, body: StatusUpdateEdit
) -> StatusUpdatePublic:
    """Change a draft's title, body, status, impact or components (those given)."""
    edited = await call_use_case(
        status_updates.edit_update,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        update_id=update_id,
        actor=user,
        title=body.title,
        body=body.body,
        status=body.status,
        impact=body.impact,
        components=body.components,
    )
    return StatusUpdatePublic.of(edited)


@router.post("/{update_id}/publish", response_model=StatusUpdatePublic, responses=_WRITE)
async def publish_status_update(
    container: ContainerDep,
    user: ApiUser,
    incident_id: int,
    update_id: int,
    body: StatusUpdateEdit | None = None,
) -> StatusUpdatePublic:
    """Publish a draft: it shows on the public status page and feed, and every confirmed
    subscriber is sent it. Published updates cannot change. An optional body edits the
    draft as PATCH does first, in the same transaction: a bad edit publishes nothing."""
    edits = (
        None
        if body is None
        else status_updates.Edits(
            title=body.title,
            body=body.body,
            status=body.status,
            impact=body.impact,
            components=body.components,
        )
    )
    published = await call_use_case(
        status_updates.publish_update,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        update_id=update_id,
        actor=user,
        signer=container.link_secrets,
        base_url=container.links.base_url,
        edits=edits,
    )
    return StatusUpdatePublic.of(published)
