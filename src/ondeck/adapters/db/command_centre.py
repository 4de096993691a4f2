"""A major incident's command centre: its conference bridge and its stakeholders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ondeck.adapters.db.tables import incident_command, incident_stakeholders, users
from ondeck.services.ports import Stakeholder


class SqlCommandCentreStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def bridge(self, incident_id: int) -> str:
        url: str | None = self._conn.execute(
            select(incident_command.c.bridge_url).where(
                incident_command.c.incident_id == incident_id
            )
        ).scalar_one_or_none()
        return url or ""

    def set_bridge(self, incident_id: int, url: str) -> None:
        self._conn.execute(
            update(incident_command)
            .where(incident_command.c.incident_id == incident_id)
            .values(bridge_url=url)
        )

    def stakeholders(self, incident_id: int) -> list[Stakeholder]:
        rows = self._conn.execute(
            select(
                incident_stakeholders.c.user_id,
                incident_stakeholders.c.since,
                users.c.email,
                users.c.name,
            )
            .join(users, users.c.id == incident_stakeholders.c.user_id)
            .where(incident_stakeholders.c.incident_id == incident_id)
            .order_by(incident_stakeholders.c.since, users.c.email)
        )
        return [
            Stakeholder(
                incident_id=incident_id,
                user_id=int(row.user_id),
                email=row.email,
                name=row.name,
                since=row.since,
            )
            for row in rows
        ]

    def add_stakeholder(self, incident_id: int, user_id: int, *, at: datetime) -> bool:
        mine = and_(
            incident_stakeholders.c.incident_id == incident_id,
            incident_stakeholders.c.user_id == user_id,
        )
        if self._conn.execute(select(incident_stakeholders.c.user_id).where(mine)).first():
            return False
        dialect_insert = (
            postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        )
        self._conn.execute(  # another transaction may add them first: then this does nothing
            dialect_insert(incident_stakeholders)
            .values(incident_id=incident_id, user_id=user_id, since=at)
            .on_conflict_do_nothing(index_elements=["incident_id", "user_id"])
        )
        return True

    def remove_stakeholder(self, incident_id: int, user_id: int) -> bool:
        result = self._conn.execute(
            delete(incident_stakeholders).where(
                incident_stakeholders.c.incident_id == incident_id,
                incident_stakeholders.c.user_id == user_id,
            )
        )
        return result.rowcount > 0
