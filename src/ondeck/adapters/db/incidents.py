"""Incidents, their timelines and change events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from ondeck.adapters.db.tables import change_events, incidents, services, timeline
from ondeck.domain.model import IncidentStatus, PolicySnapshot, Severity, Urgency
from ondeck.services.ports import (
    DuplicateOpenIncident,
    IncidentFilter,
    IncidentRecord,
    NewTimelineEntry,
    TimelineEntry,
)

_COLUMNS = (
    *incidents.c,
    services.c.name.label("service_name"),
    services.c.runbook_url.label("runbook_url"),
    services.c.chat_channel.label("chat_channel"),
)


def _select() -> Select[Any]:
    return select(*_COLUMNS).join(services, services.c.id == incidents.c.service_id)


_OPEN_BY_DEDUP = (
    _select()
    .where(
        incidents.c.service_id == bindparam("service_id"),
        incidents.c.dedup_key == bindparam("dedup_key"),
        incidents.c.status != IncidentStatus.RESOLVED.value,
    )
    .with_for_update(of=incidents, key_share=True)
)
_BY_ID = _select().where(incidents.c.id == bindparam("incident_id"))
# FOR NO KEY UPDATE: an engine writing timeline or outbox rows for the incident (their foreign
# keys take KEY SHARE locks on it) never waits for a responder holding the incident.
_BY_ID_LOCKED = _BY_ID.with_for_update(of=incidents, key_share=True)
_BY_IDS = _select().where(incidents.c.id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(incidents).returning(incidents.c.id)
_INSERT_TIMELINE = insert(timeline)


def _record(row: RowMapping) -> IncidentRecord:
    return IncidentRecord(
        id=row["id"],
        number=row["id"],
        service_id=row["service_id"],
        service_name=row["service_name"],
        runbook_url=row["runbook_url"],
        dedup_key=row["dedup_key"],
        title=row["title"],
        status=IncidentStatus(row["status"]),
        urgency=Urgency(row["urgency"]),
        severity=Severity(row["severity"]) if row["severity"] else None,
        source=row["source"],
        created_at=row["created_at"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        alert_count=row["alert_count"],
        last_alert_at=row["last_alert_at"],
        policy=PolicySnapshot.from_json(row["policy"]),
        details=row["details"],
        chat_channel=row["chat_channel"],
    )


class SqlIncidentStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def open_by_dedup(self, service_id: int, dedup_key: str) -> IncidentRecord | None:
        params = {"service_id": service_id, "dedup_key": dedup_key}
        row = self._conn.execute(_OPEN_BY_DEDUP, params).mappings().first()
        return _record(row) if row else None

    def create(
        self,
        *,
        service_id: int,
        dedup_key: str,
        title: str,
        urgency: Urgency,
        severity: Severity | None,
        source: str,
        policy: PolicySnapshot,
        details: dict[str, Any],
        at: datetime,
    ) -> int:
        try:
            result = self._conn.execute(
                _INSERT,
                {
                    "service_id": service_id,
                    "dedup_key": dedup_key,
                    "title": title,
                    "status": IncidentStatus.TRIGGERED.value,
                    "urgency": urgency.value,
                    "severity": severity.value if severity else None,
                    "source": source,
                    "created_at": at,
                    "last_alert_at": at,
                    "alert_count": 1,
                    "policy": policy.to_json(),
                    "details": details,
                },
            )
            return int(result.scalar_one())
        except IntegrityError as error:
            raise DuplicateOpenIncident(dedup_key) from error

    def get(self, incident_id: int, *, lock: bool = False) -> IncidentRecord | None:
        query = _BY_ID_LOCKED if lock else _BY_ID
        row = self._conn.execute(query, {"incident_id": incident_id}).mappings().first()
        return _record(row) if row else None

    def get_many(self, incident_ids: list[int]) -> dict[int, IncidentRecord]:
        if not incident_ids:
            return {}
        rows = self._conn.execute(_BY_IDS, {"ids": incident_ids}).mappings()
        return {row["id"]: _record(row) for row in rows}

    def record_repeat(self, incident_id: int, at: datetime) -> None:
        self._conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(alert_count=incidents.c.alert_count + 1, last_alert_at=at)
        )

    def set_status(
        self, incident_id: int, status: IncidentStatus, *, by: str, at: datetime
    ) -> None:
        values: dict[str, Any] = {"status": status.value}
        if status is IncidentStatus.ACKNOWLEDGED:
            values |= {"acknowledged_at": at, "acknowledged_by": by}
        elif status is IncidentStatus.RESOLVED:
            values |= {"resolved_at": at, "resolved_by": by}
        else:  # triggered again (a snooze ran out, or someone escalated an acknowledged one)
            values |= {"acknowledged_at": None, "acknowledged_by": None}
        self._conn.execute(update(incidents).where(incidents.c.id == incident_id).values(values))

    def add_timeline(
        self,
        incident_id: int,
        *,
        at: datetime,
        kind: str,
        message: str,
        actor: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self._conn.execute(
            _INSERT_TIMELINE,
            {
                "incident_id": incident_id,
                "at": at,
                "kind": kind,
                "actor": actor,
                "message": message,
                "data": data or {},
            },
        )

    def add_timeline_many(self, entries: list[NewTimelineEntry]) -> None:
        if not entries:
            return
        self._conn.execute(
            _INSERT_TIMELINE,
            [
                {
                    "incident_id": e.incident_id,
                    "at": e.at,
                    "kind": e.kind,
                    "actor": e.actor,
                    "message": e.message,
                    "data": e.data,
                }
                for e in entries
            ],
        )

    def timeline(self, incident_id: int, *, after_id: int = 0) -> list[TimelineEntry]:
        rows = self._conn.execute(
            select(timeline)
            .where(timeline.c.incident_id == incident_id, timeline.c.id > after_id)
            .order_by(timeline.c.id)
        ).mappings()
        return [
            TimelineEntry(
                id=row["id"],
                incident_id=row["incident_id"],
                at=row["at"],
                kind=row["kind"],
                actor=row["actor"],
                message=row["message"],
                data=row["data"],
            )
            for row in rows
        ]

    def search(self, query: IncidentFilter) -> tuple[list[IncidentRecord], int]:
        conditions: list[ColumnElement[bool]] = []
        if query.statuses:
            conditions.append(incidents.c.status.in_([s.value for s in query.statuses]))
        if query.service_id is not None:
            conditions.append(incidents.c.service_id == query.service_id)
        if query.urgency is not None:
            conditions.append(incidents.c.urgency == query.urgency.value)
        rows = self._conn.execute(
            _select()
            .where(*conditions)
            .order_by(incidents.c.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        ).mappings()
        total = self._conn.execute(
            select(func.count()).select_from(incidents).where(*conditions)
        ).scalar_one()
        return [_record(row) for row in rows], int(total)

    def add_change_event(
        self,
        *,
        service_id: int,
        summary: str,
        source: str,
        occurred_at: datetime,
        received_at: datetime,
        details: dict[str, Any],
    ) -> int:
        result = self._conn.execute(
            insert(change_events)
            .values(
                service_id=service_id,
                summary=summary,
                source=source,
                occurred_at=occurred_at,
                received_at=received_at,
                details=details,
            )
            .returning(change_events.c.id)
        )
        return int(result.scalar_one())
