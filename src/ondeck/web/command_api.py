"""REST for major incidents under /api/v1/incidents/{id}: declare, stage, CAN reports, loss
estimates and the command state. Bearer auth; every action acts as the token's user.

Errors: 404 unknown incident, 403 not a participant, 409 a refused move (already declared,
not declared, a stage move the rules refuse), 422 bad input with the field named.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from ondeck.services import command
from ondeck.web.command_schemas import (
    CanReportCreate,
    CanReportPublic,
    CanReportsPublic,
    CommandPublic,
    DeclareRequest,
    LossEstimateCreate,
    LossEstimatePublic,
    LossEstimatesPublic,
    StageChange,
    StageTransitionPublic,
    StageTransitionsPublic,
)
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import call_use_case, documented
from ondeck.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1/incidents/{incident_id}",
    tags=["incident command"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)

_READ = documented(404) | {409: {"model": ErrorPublic, "description": "Not a major incident"}}
_WRITE = documented(403, 404, 422) | {
    409: {"model": ErrorPublic, "description": "The rules refuse this; the detail says why"}
}


@router.get("/command", response_model=CommandPublic, responses=_READ)
async def get_command(container: ContainerDep, _user: ApiUser, incident_id: int) -> CommandPublic:
    """Stage, checklist, heads, severity and response method, latest CAN, next CAN due."""
    state = await call_use_case(
        command.command_state, uow=container.uow, clock=container.clock, incident_id=incident_id
    )
    return CommandPublic.of(state)


@router.post("/declare", response_model=CommandPublic, responses=_WRITE)
async def declare(
    container: ContainerDep,
    user: ApiUser,
    incident_id: int,
    body: DeclareRequest | None = None,
) -> CommandPublic:
    """Make the incident a major incident, in Detect; you are its incident manager unless
    ``manager`` names someone else. Its command centre opens with a conference bridge
    (``bridge``, else the organisation's), and the declaration is announced on the
    organisation's announcement channel."""
    body = body or DeclareRequest()
    state = await call_use_case(
        command.declare,
        uow=container.uow,
        policy=container.command_policy,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        manager=body.manager,
        engineer=body.engineer,
        bridge=body.bridge,
    )
    return CommandPublic.of(state)


@router.post("/stage", response_model=CommandPublic, responses=_WRITE)
async def change_stage(
    container: ContainerDep, user: ApiUser, incident_id: int, body: StageChange
) -> CommandPublic:
    """Move to ``stage``. Skipping checklist items or going back needs a ``reason``."""
    state = await call_use_case(
        command.change_stage,
        uow=container.uow,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        stage=body.stage,
        reason=body.reason,
        experts=body.experts,
        rca_owner=body.rca_owner,
    )
    return CommandPublic.of(state)


@router.post(
    "/can-reports",
    response_model=CanReportPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def post_can_report(
    container: ContainerDep, user: ApiUser, incident_id: int, body: CanReportCreate
) -> CanReportPublic:
    """Post a CAN report (Conditions, Actions, Needs); participants only."""
    report = await call_use_case(
        command.post_can_report,
        uow=container.uow,
        policy=container.command_policy,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        conditions=body.conditions,
        actions=body.actions,
        needs=body.needs,
    )
    return CanReportPublic.of(report)


@router.get("/can-reports", response_model=CanReportsPublic, responses=_READ)
async def list_can_reports(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> CanReportsPublic:
    """Every CAN report of the incident, oldest first."""
    found = await call_use_case(command.can_reports, uow=container.uow, incident_id=incident_id)
    return CanReportsPublic(data=[CanReportPublic.of(report) for report in found])


@router.post(
    "/loss-estimates",
    response_model=LossEstimatePublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def add_loss_estimate(
    container: ContainerDep, user: ApiUser, incident_id: int, body: LossEstimateCreate
) -> LossEstimatePublic:
    """Estimate the loss; severity and response method follow from it."""
    estimate = await call_use_case(
        command.add_loss_estimate,
        uow=container.uow,
        policy=container.command_policy,
        clock=container.clock,
        incident_id=incident_id,
        actor=user,
        cost_per_hour=body.cost_per_hour,
        revenue_per_hour=body.revenue_per_hour,
        users_affected=body.users_affected,
        security_impact=body.security_impact,
        journey=body.journey,
        note=body.note,
    )
    return LossEstimatePublic.of(estimate)


@router.get("/loss-estimates", response_model=LossEstimatesPublic, responses=_READ)
async def list_loss_estimates(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> LossEstimatesPublic:
    """Every loss estimate with the severity it gave, oldest first."""
    found = await call_use_case(command.loss_estimates, uow=container.uow, incident_id=incident_id)
    return LossEstimatesPublic(data=[LossEstimatePublic.of(item) for item in found])


@router.get("/stages", response_model=StageTransitionsPublic, responses=_READ)
async def list_stage_transitions(
    container: ContainerDep, _user: ApiUser, incident_id: int
) -> StageTransitionsPublic:
    """Every stage move with its time, actor, reason and the checklist items it skipped."""
    found = await call_use_case(command.stage_history, uow=container.uow, incident_id=incident_id)
    return StageTransitionsPublic(data=[StageTransitionPublic.of(move) for move in found])
