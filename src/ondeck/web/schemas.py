"""API schemas, named by role. They shape the wire format; the domain stays untouched."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field

from ondeck.services.ports import (
    IncidentRecord,
    NotificationRecord,
    ScheduleEvent,
    TimelineEntry,
)


class ServiceRef(BaseModel):
    id: int
    name: str


class IncidentPublic(BaseModel):
    id: int
    number: int
    status: str
    title: str
    service: ServiceRef
    urgency: str
    severity: str | None
    source: str
    dedup_key: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    alert_count: int
    last_alert_at: datetime
    escalation_policy: str
    runbook_url: str
    html_url: str

    @classmethod
    def of(cls, record: IncidentRecord, base_url: str) -> IncidentPublic:
        return cls(
            id=record.id,
            number=record.number,
            status=record.status.value,
            title=record.title,
            service=ServiceRef(id=record.service_id, name=record.service_name),
            urgency=record.urgency.value,
            severity=record.severity.value if record.severity else None,
            source=record.source,
            dedup_key=record.dedup_key,
            created_at=record.created_at,
            acknowledged_at=record.acknowledged_at,
            acknowledged_by=record.acknowledged_by,
            resolved_at=record.resolved_at,
            resolved_by=record.resolved_by,
            alert_count=record.alert_count,
            last_alert_at=record.last_alert_at,
            escalation_policy=record.policy.name,
            runbook_url=record.runbook_url,
            html_url=f"{base_url}/incidents/{record.id}",
        )


class IncidentsPublic(BaseModel):
    data: list[IncidentPublic]
    count: int


class TimelineEntryPublic(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: TimelineEntry | ScheduleEvent) -> Self:
        return cls(
            id=entry.id,
            at=entry.at,
            kind=entry.kind,
            actor=entry.actor,
            message=entry.message,
            data=entry.data,
        )


class TimelinePublic(BaseModel):
    data: list[TimelineEntryPublic]
    count: int


class ListPublic(BaseModel):
    data: list[dict[str, Any]]
    count: int


class UserRef(BaseModel):
    id: int
    email: str
    name: str


class OnCallPublic(BaseModel):
    schedule_id: int
    schedule: str
    timezone: str
    on_call_now: list[UserRef]
    next_change: datetime | None
    on_call_next: list[UserRef]


class OnCallsPublic(BaseModel):
    data: list[OnCallPublic]
    count: int


class ErrorPublic(BaseModel):
    detail: str


class SnoozeRequest(BaseModel):
    minutes: int = Field(default=60, ge=1, le=1440, description="How long to snooze, 1 to 1,440")


class NotificationPublic(BaseModel):
    id: int
    channel: str
    address: str
    user_id: int | None = Field(description="None: a message in the service's chat channel")
    state: str = Field(
        description="queued, sending, sent, delivered, failed, cancelled, or bundled "
        "(carried by message ``bundle_id``)"
    )
    level: int
    attempts: int
    created_at: datetime
    deliver_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    error: str
    bundle_id: int | None
    held_by_storm_control: bool

    @classmethod
    def of(cls, record: NotificationRecord) -> NotificationPublic:
        return cls(
            id=record.id,
            channel=record.kind,
            address=record.address,
            user_id=record.user_id,
            state=record.state,
            level=record.level + 1,
            attempts=record.attempts,
            created_at=record.created_at,
            deliver_at=record.deliver_at,
            sent_at=record.sent_at,
            delivered_at=record.delivered_at,
            error=record.last_error,
            bundle_id=record.bundle_id,
            held_by_storm_control=record.held,
        )


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
