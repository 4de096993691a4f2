"""REST for incident roles under /api/v1/incidents/{id}/roles: who holds the incident
manager, incident engineer and subject-matter expert roles, and handing them over. Works for
any incident, declared major or not. Bearer auth; a hand-off acts as the token's user.

Errors: 404 unknown incident, 403 not a participant, 422 an unknown role or email (the
field named) or a hand-off that changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ondeck.services import roles
from ondeck.services.ports import RoleHolder
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1/incidents/{incident_id}",
    tags=["incident roles"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)


class RoleAssign(BaseModel):
    role: str = Field(
        description="incident_manager, incident_engineer or subject_matter_expert",
        examples=["incident_manager"],
    )
    user: str = Field(max_length=320, description="Email of the person", examples=["bob@x.org"])
    remove: bool = Field(
        default=False,
        description="Take the subject-matter expert role from `user` instead of giving it",
    )


class RoleHolderPublic(BaseModel):
    role: str
    user: str = Field(description="Email")
    name: str
    since: datetime
    assigned_by: str = Field(description="Who gave the role; the holder themself when taken")

    @classmethod
    def of(cls, holder: RoleHolder) -> RoleHolderPublic:
        return cls(
            role=holder.role.value,
            user=holder.email,
            name=holder.name,
            since=holder.since,
            assigned_by=holder.assigned_by,
        )


class RolesPublic(BaseModel):
    data: list[RoleHolderPublic]
    count: int

    @classmethod
    def of(cls, holders: list[RoleHolder]) -> RolesPublic:
        return cls(data=[RoleHolderPublic.of(h) for h in holders], count=len(holders))


@router.get("/roles", response_model=RolesPublic, responses=documented(404))
async def list_roles(container: ContainerDep, _user: ApiUser, incident_id: int) -> RolesPublic:
    """Everyone holding a role in the incident, longest-held first."""
    with service_errors():
        holders = await run_in_threadpool(roles.holders, uow=container.uow, incident_id=incident_id)
    return RolesPublic.of(holders)


@router.post("/roles", response_model=RolesPublic, responses=documented(403, 404, 422))
async def hand_off(
    container: ContainerDep, user: ApiUser, incident_id: int, body: RoleAssign
) -> RolesPublic:
    """Give `role` to `user`: the incident manager's or engineer's role passes from its
    holder (who is told), a subject-matter expert is added (`remove: true` takes an expert
    off). Only the incident's participants may. Returns the holders afterwards."""
    with service_errors():
        holders = await run_in_threadpool(
            roles.hand_off,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            actor=user,
            role=body.role,
            user=body.user,
            remove=body.remove,
        )
    return RolesPublic.of(holders)
