"""REST for a major incident's command centre under /api/v1/incidents/{id}: its conference
bridge and its stakeholders (people who follow it and get its CAN reports, never its pages).

Errors: 404 unknown incident or person, 403 not allowed, 409 not a major incident, 422 bad
input with the field named.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from ondeck.services import command, command_centre
from ondeck.services.ports import Stakeholder
from ondeck.web.command_schemas import CommandPublic
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import call_use_case, documented
from ondeck.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1/incidents/{incident_id}",
    tags=["incident command"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)


_READ = documented(404)
_WRITE = documented(403, 404, 422) | {
    409: {"model": ErrorPublic, "description": "Not a major incident"}
}


class BridgeChange(BaseModel):
    url: str = Field(max_length=2000, description='The bridge URL; "" removes it')


class StakeholderAdd(BaseModel):
    user: str | None = Field(
        default=None, max_length=320, description="Email of who follows (default: you)"
    )


class StakeholderPublic(BaseModel):
    email: str
    name: str
    since: datetime

    @classmethod
    def of(cls, stakeholder: Stakeholder) -> StakeholderPublic:
        return cls(email=stakeholder.email, name=stakeholder.name, since=stakeholder.since)


class StakeholdersPublic(BaseModel):
    data: list[StakeholderPublic]

    @classmethod
    def of(cls, stakeholders: list[Stakeholder]) -> StakeholdersPublic:
        return cls(data=[StakeholderPublic.of(s) for s in stakeholders])


@router.post("/bridge", response_model=CommandPublic, responses=_WRITE)
async def set_bridge(
    container: ContainerDep, user: ApiUser, incident_id: int, body: BridgeChange
) -> CommandPublic:
    """Set the incident's conference bridge (participants only); "" removes it."""
    state = await call_use_case(
        command.set_bridge,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        url=body.url,
    )
    return CommandPublic.of(state)


@router.get("/stakeholders", response_model=StakeholdersPublic, responses=_READ)
async def list_stakeholders(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> StakeholdersPublic:
    """Who follows the incident (gets its CAN reports), earliest first."""
    found = await call_use_case(
        command_centre.stakeholders, uow=container.uow, incident_id=incident_id
    )
    return StakeholdersPublic.of(found)


@router.post(
    "/stakeholders",
    response_model=StakeholdersPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def follow(
    container: ContainerDep,
    user: ApiUser,
    incident_id: int,
    body: StakeholderAdd | None = None,
) -> StakeholdersPublic:
    """Follow the incident: ``user`` (default: you) gets its CAN reports, never its pages.
    Anyone may follow; observers only for themselves. Following twice changes nothing."""
    found = await call_use_case(
        command_centre.follow,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        email=(body.user if body else None) or "",
    )
    return StakeholdersPublic.of(found)


@router.delete("/stakeholders/{email}", response_model=StakeholdersPublic, responses=_WRITE)
async def unfollow(
    container: ContainerDep, user: ApiUser, incident_id: int, email: str
) -> StakeholdersPublic:
    """Stop ``email`` following the incident (yourself; observers may not remove others)."""
    found = await call_use_case(
        command_centre.unfollow,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        email=email,
    )
    return StakeholdersPublic.of(found)
