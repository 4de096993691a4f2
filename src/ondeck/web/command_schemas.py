"""API schemas of incident command (major incidents), named by role."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ondeck.services.command import CommandState
from ondeck.services.ports import CanReportRecord, LossEstimateRecord, StageTransitionRecord

TEXT = 10_000


class DeclareRequest(BaseModel):
    manager: str | None = Field(
        default=None, description="Email of the incident manager (default: you)"
    )
    engineer: str | None = Field(
        default=None,
        description="Email of the incident engineer (default: whoever acknowledged, if not you)",
    )
    bridge: str | None = Field(
        default=None,
        max_length=2000,
        description="The conference bridge URL (default: the organisation's bridge or "
        'template; "" for none)',
    )


class StageChange(BaseModel):
    stage: str = Field(
        description="detect, assemble, verify, dispatch, mitigate, repair, review, action_items"
    )
    reason: str = Field(
        default="", max_length=TEXT, description="Needed to skip checklist items or go back"
    )
    experts: list[str] | None = Field(
        default=None, description="Subject-matter experts to page (replaces the list)"
    )
    rca_owner: str | None = Field(default=None, max_length=320)


class CanReportCreate(BaseModel):
    conditions: str = Field(max_length=TEXT)
    actions: str = Field(max_length=TEXT)
    needs: str = Field(max_length=TEXT)


class LossEstimateCreate(BaseModel):
    cost_per_hour: float = 0.0
    revenue_per_hour: float = 0.0
    users_affected: int = 0
    security_impact: bool = False
    journey: str = Field(default="unaffected", description="blocked, degraded or unaffected")
    note: str = Field(default="", max_length=TEXT)


class CanReportPublic(BaseModel):
    id: int
    at: datetime
    author: str
    stage: str
    conditions: str
    actions: str
    needs: str
    next_due: datetime

    @classmethod
    def of(cls, record: CanReportRecord) -> CanReportPublic:
        return cls(
            id=record.id,
            at=record.at,
            author=record.author,
            stage=record.stage.value,
            conditions=record.conditions,
            actions=record.actions,
            needs=record.needs,
            next_due=record.next_due,
        )


class CanReportsPublic(BaseModel):
    data: list[CanReportPublic]


class LossEstimatePublic(BaseModel):
    id: int
    at: datetime
    by: str
    cost_per_hour: float
    revenue_per_hour: float
    users_affected: int
    security_impact: bool
    journey: str
    severity: str
    response: str
    note: str

    @classmethod
    def of(cls, record: LossEstimateRecord) -> LossEstimatePublic:
        estimate = record.estimate
        return cls(
            id=record.id,
            at=record.at,
            by=record.by,
            cost_per_hour=estimate.cost_per_hour,
            revenue_per_hour=estimate.revenue_per_hour,
            users_affected=estimate.users_affected,
            security_impact=estimate.security_impact,
            journey=estimate.journey.value,
            severity=record.severity.value,
            response=record.response.value,
            note=record.note,
        )


class LossEstimatesPublic(BaseModel):
    data: list[LossEstimatePublic]


class ChecklistItemPublic(BaseModel):
    item: str
    done: bool


class CommandPublic(BaseModel):
    """A major incident's command state: what the top of its page shows."""

    incident_id: int
    number: int
    title: str
    status: str
    declared_at: datetime
    declared_by: str
    stage: str
    stage_at: datetime
    checklist: list[ChecklistItemPublic]
    incident_manager: str | None
    incident_engineer: str | None
    experts: list[str]
    rca_owner: str
    severity: str | None
    response: str | None
    latest_can: CanReportPublic | None
    next_can_due: datetime
    can_overdue: bool
    time_to_mitigate_seconds: int | None
    time_to_repair_seconds: int | None
    bridge_url: str = Field(description='The command centre\'s conference bridge ("" for none)')
    protocol: str = Field(description="The organisation's communication protocol")

    @classmethod
    def of(cls, state: CommandState) -> CommandPublic:
        record, incident = state.command, state.incident
        return cls(
            incident_id=incident.id,
            number=incident.number,
            title=incident.title,
            status=incident.status.value,
            declared_at=record.declared_at,
            declared_by=record.declared_by,
            stage=record.stage.value,
            stage_at=record.stage_at,
            checklist=[ChecklistItemPublic(item=i.value, done=d) for i, d in state.checklist],
            incident_manager=state.manager,
            incident_engineer=state.engineer,
            experts=list(record.experts),
            rca_owner=record.rca_owner,
            severity=record.severity.value if record.severity else None,
            response=record.response.value if record.response else None,
            latest_can=CanReportPublic.of(state.latest_can) if state.latest_can else None,
            next_can_due=record.next_can_due,
            can_overdue=state.can_overdue,
            time_to_mitigate_seconds=(
                int(state.time_to_mitigate.total_seconds())
                if state.time_to_mitigate is not None
                else None
            ),
            time_to_repair_seconds=(
                int(state.time_to_repair.total_seconds())
                if state.time_to_repair is not None
                else None
            ),
            bridge_url=state.bridge_url,
            protocol=state.protocol,
        )


class StageTransitionPublic(BaseModel):
    id: int
    source: str | None
    """None for the move into Detect when the incident was declared."""
    target: str
    at: datetime
    by: str
    reason: str
    missing: list[str]

    @classmethod
    def of(cls, record: StageTransitionRecord) -> StageTransitionPublic:
        return cls(
            id=record.id,
            source=record.source.value if record.source else None,
            target=record.target.value,
            at=record.at,
            by=record.by,
            reason=record.reason,
            missing=list(record.missing),
        )


class StageTransitionsPublic(BaseModel):
    data: list[StageTransitionPublic]
