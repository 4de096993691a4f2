"""API schemas of the status page: the incident's updates (signed-in) and the public page
(``/status.json``), named by role."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ondeck.services.ports import StatusUpdateRecord
from ondeck.services.status_page import (
    PublicComponent,
    PublicGroup,
    PublicIncident,
    PublicPage,
    PublicUpdate,
)

STATUSES = "investigating, identified, monitoring or resolved"
IMPACTS = "operational, under_maintenance, degraded_performance, partial_outage or major_outage"


class StatusUpdateCreate(BaseModel):
    title: str = Field(description="The public title; never the internal incident title")
    body: str = Field(description="What customers read")
    status: str = Field(description=STATUSES)
    impact: str = Field(description=IMPACTS)
    components: list[int] = Field(
        default_factory=list, description="Ids of the public components it is about"
    )


class StatusUpdateEdit(BaseModel):
    """Only the parts given change; a published update cannot be edited."""

    title: str | None = None
    body: str | None = None
    status: str | None = Field(default=None, description=STATUSES)
    impact: str | None = Field(default=None, description=IMPACTS)
    components: list[int] | None = Field(
        default=None, description="Ids of the public components (replaces the list)"
    )


class StatusUpdatePublic(BaseModel):
    id: int
    incident_id: int
    stage: str
    status: str
    title: str
    body: str
    impact: str
    components: list[int]
    proposed_at: datetime
    proposed_by: str
    published: bool
    published_at: datetime | None
    published_by: str

    @classmethod
    def of(cls, record: StatusUpdateRecord) -> StatusUpdatePublic:
        return cls(
            id=record.id,
            incident_id=record.incident_id,
            stage=record.stage.value,
            status=record.status.value,
            title=record.title,
            body=record.body,
            impact=record.impact.value,
            components=list(record.components),
            proposed_at=record.proposed_at,
            proposed_by=record.proposed_by,
            published=record.published,
            published_at=record.published_at,
            published_by=record.published_by,
        )


class StatusUpdatesPublic(BaseModel):
    data: list[StatusUpdatePublic]


class SubscribeRequest(BaseModel):
    address: str = Field(description="An email address, or a webhook URL (http:// or https://)")


class SubscriptionPublic(BaseModel):
    kind: str = Field(description="email or webhook")
    address: str
    created: bool = Field(description="False when it was subscribed already")
    confirmed: bool = Field(
        description="True for a webhook; an email address gets updates only once it follows "
        "the link in its confirmation email"
    )
    message: str = Field(description="What happens next, for the person who subscribed")


class DayPublic(BaseModel):
    date: str
    uptime: float = Field(description="Share of the day counted as up, 0 to 1")
    worst: str


class ComponentPublic(BaseModel):
    id: int
    name: str
    description: str
    state: str
    uptime_90_days: float
    days: list[DayPublic] = Field(description="Oldest first; the last is today (UTC)")

    @classmethod
    def of(cls, component: PublicComponent) -> ComponentPublic:
        return cls(
            id=component.id,
            name=component.name,
            description=component.description,
            state=component.state.value,
            uptime_90_days=round(component.uptime, 6),
            days=[
                DayPublic(
                    date=bar.day.isoformat(), uptime=round(bar.uptime, 6), worst=bar.worst.value
                )
                for bar in component.bars
            ],
        )


class GroupPublic(BaseModel):
    name: str
    state: str
    components: list[ComponentPublic]

    @classmethod
    def of(cls, group: PublicGroup) -> GroupPublic:
        return cls(
            name=group.name,
            state=group.state.value,
            components=[ComponentPublic.of(c) for c in group.components],
        )


class UpdatePublic(BaseModel):
    id: int
    status: str
    impact: str
    title: str
    body: str
    components: list[str] = Field(description="'Group: Component' of each")
    published_at: datetime

    @classmethod
    def of(cls, update: PublicUpdate) -> UpdatePublic:
        return cls(
            id=update.id,
            status=update.status.value,
            impact=update.impact.value,
            title=update.title,
            body=update.body,
            components=update.components,
            published_at=update.published_at,
        )


class IncidentPublicView(BaseModel):
    ref: int = Field(description="The public reference: its first published update's id")
    title: str
    status: str
    impact: str
    started_at: datetime
    updated_at: datetime
    components: list[str]
    updates: list[UpdatePublic] = Field(description="Newest first")

    @classmethod
    def of(cls, incident: PublicIncident) -> IncidentPublicView:
        return cls(
            ref=incident.ref,
            title=incident.title,
            status=incident.status.value,
            impact=incident.impact.value,
            started_at=incident.started_at,
            updated_at=incident.updated_at,
            components=incident.components,
            updates=[UpdatePublic.of(u) for u in incident.updates],
        )


class StatusPagePublic(BaseModel):
    """Everything ``GET /status`` shows."""

    headline: str
    state: str
    generated_at: datetime
    groups: list[GroupPublic]
    active_incidents: list[IncidentPublicView]
    past_incidents: list[IncidentPublicView] = Field(description="Resolved in the last 14 days")

    @classmethod
    def of(cls, page: PublicPage) -> StatusPagePublic:
        return cls(
            headline=page.headline,
            state=page.state.value,
            generated_at=page.generated_at,
            groups=[GroupPublic.of(g) for g in page.groups],
            active_incidents=[IncidentPublicView.of(i) for i in page.active],
            past_incidents=[IncidentPublicView.of(i) for i in page.past],
        )
