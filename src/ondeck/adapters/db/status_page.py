"""SQL storage of the public status page: components (written by ``ondeck apply``), the
customer-facing updates of incidents, and the page's subscribers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from ondeck.adapters.db.tables import status_components, status_subscribers, status_updates
from ondeck.domain.stages import Stage
from ondeck.domain.status_page import ComponentState
from ondeck.domain.status_updates import UpdateStatus
from ondeck.services.ports import (
    StatusComponentRecord,
    StatusSubscriberRecord,
    StatusUpdateRecord,
)


def _values(record: StatusUpdateRecord) -> dict[str, Any]:
    return {
        "incident_id": record.incident_id,
        "stage": record.stage.value,
        "status": record.status.value,
        "title": record.title,
        "body": record.body,
        "impact": record.impact.value,
        "components": list(record.components),
        "proposed_at": record.proposed_at,
        "proposed_by": record.proposed_by,
        "published_at": record.published_at,
        "published_by": record.published_by,
    }


def _update(row: RowMapping) -> StatusUpdateRecord:
    return StatusUpdateRecord(
        id=row["id"],
        incident_id=row["incident_id"],
        stage=Stage(row["stage"]),
        status=UpdateStatus(row["status"]),
        title=row["title"],
        body=row["body"],
        impact=ComponentState(row["impact"]),
        components=tuple(int(c) for c in row["components"]),
        proposed_at=row["proposed_at"],
        proposed_by=row["proposed_by"],
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


def _subscriber(row: RowMapping) -> StatusSubscriberRecord:
    return StatusSubscriberRecord(
        id=row["id"],
        kind=row["kind"],
        address=row["address"],
        created_at=row["created_at"],
        confirmed_at=row["confirmed_at"],
    )


class SqlStatusStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def components(self) -> list[StatusComponentRecord]:
        rows = self._conn.execute(
            select(status_components).order_by(
                status_components.c.group_name,
                status_components.c.service_id,
                status_components.c.position,
                status_components.c.id,
            )
        ).mappings()
        return [
            StatusComponentRecord(
                id=row["id"],
                service_id=row["service_id"],
                group=row["group_name"],
                name=row["name"],
                description=row["description"],
                position=row["position"],
            )
            for row in rows
        ]

    def add_update(self, record: StatusUpdateRecord) -> int:
        inserted = self._conn.execute(
            insert(status_updates).values(_values(record)).returning(status_updates.c.id)
        )
        return int(inserted.scalar_one())

    def get_update(self, update_id: int, *, lock: bool = False) -> StatusUpdateRecord | None:
        query = select(status_updates).where(status_updates.c.id == update_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return _update(row) if row is not None else None

    def save_update(self, record: StatusUpdateRecord) -> None:
        self._conn.execute(
            update(status_updates).where(status_updates.c.id == record.id).values(_values(record))
        )

    def updates(self, incident_id: int) -> list[StatusUpdateRecord]:
        rows = self._conn.execute(
            select(status_updates)
            .where(status_updates.c.incident_id == incident_id)
            .order_by(status_updates.c.proposed_at, status_updates.c.id)
        ).mappings()
        return [_update(row) for row in rows]

    def published_since(self, since: datetime) -> list[StatusUpdateRecord]:
        published = status_updates.c.published_at.is_not(None)
        latest = (
            select(
                status_updates.c.incident_id,
                func.max(status_updates.c.published_at).label("last"),
            )
            .where(published)
            .group_by(status_updates.c.incident_id)
            .subquery()
        )
        last_update = status_updates.alias("last_update")
        wanted = (
            select(latest.c.incident_id)
            .join(
                last_update,
                and_(
                    last_update.c.incident_id == latest.c.incident_id,
                    last_update.c.published_at == latest.c.last,
                ),
            )
            .where(
                or_(
                    latest.c.last >= since,
                    last_update.c.status != UpdateStatus.RESOLVED.value,
                )
            )
        )
        rows = self._conn.execute(
            select(status_updates)
            .where(published, status_updates.c.incident_id.in_(wanted))
            .order_by(status_updates.c.published_at, status_updates.c.id)
        ).mappings()
        return [_update(row) for row in rows]

    def add_subscriber(
        self, kind: str, address: str, at: datetime, *, confirmed: bool
    ) -> tuple[int, bool]:
        values = {
            "kind": kind,
            "address": address,
            "created_at": at,
            "confirmed_at": at if confirmed else None,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        inserted = self._conn.execute(
            dialect.insert(status_subscribers)
            .values(values)
            .on_conflict_do_nothing(index_elements=["kind", "address"])
            .returning(status_subscribers.c.id)
        ).scalar_one_or_none()
        if inserted is not None:
            return int(inserted), True
        existing: int = self._conn.execute(
            select(status_subscribers.c.id).where(
                status_subscribers.c.kind == kind, status_subscribers.c.address == address
            )
        ).scalar_one()
        return int(existing), False

    def subscriber(self, subscriber_id: int) -> StatusSubscriberRecord | None:
        row = (
            self._conn.execute(
                select(status_subscribers).where(status_subscribers.c.id == subscriber_id)
            )
            .mappings()
            .first()
        )
        return _subscriber(row) if row is not None else None

    def request_again(self, subscriber_id: int, at: datetime) -> None:
        self._conn.execute(
            update(status_subscribers)
            .where(
                status_subscribers.c.id == subscriber_id,
                status_subscribers.c.confirmed_at.is_(None),
            )
            .values(created_at=at)
        )

    def confirm_subscriber(self, subscriber_id: int, at: datetime) -> bool:
        confirmed = self._conn.execute(
            update(status_subscribers)
            .where(
                status_subscribers.c.id == subscriber_id,
                status_subscribers.c.confirmed_at.is_(None),
            )
            .values(confirmed_at=at)
        )
        return confirmed.rowcount > 0

    def remove_subscriber(self, subscriber_id: int) -> bool:
        removed = self._conn.execute(
            delete(status_subscribers).where(status_subscribers.c.id == subscriber_id)
        )
        return removed.rowcount > 0

    def subscribers(self) -> list[StatusSubscriberRecord]:
        rows = self._conn.execute(
            select(status_subscribers).order_by(status_subscribers.c.id)
        ).mappings()
        return [_subscriber(row) for row in rows]
