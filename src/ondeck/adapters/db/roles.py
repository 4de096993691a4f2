"""SQL storage of incident roles (``incident_roles``) and the role each page asked for
(``outbox.role``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from ondeck.adapters.db.tables import incident_roles, outbox, users
from ondeck.domain.model import IncidentRole
from ondeck.services.ports import RoleHolder

PAGE = "page"


class SqlIncidentRoleStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def holders(self, incident_id: int) -> list[RoleHolder]:
        rows = self._conn.execute(
            select(incident_roles, users.c.email, users.c.name)
            .join(users, users.c.id == incident_roles.c.user_id)
            .where(incident_roles.c.incident_id == incident_id)
            .order_by(incident_roles.c.since, users.c.email)
        ).mappings()
        return [
            RoleHolder(
                incident_id=row["incident_id"],
                role=IncidentRole(row["role"]),
                user_id=row["user_id"],
                email=row["email"],
                name=row["name"],
                since=row["since"],
                assigned_by=row["assigned_by"],
            )
            for row in rows
        ]

    def add(
        self, incident_id: int, *, role: IncidentRole, user_id: int, at: datetime, by: str
    ) -> None:
        self._conn.execute(
            insert(incident_roles).values(
                incident_id=incident_id, role=role.value, user_id=user_id, since=at, assigned_by=by
            )
        )

    def remove(self, incident_id: int, *, role: IncidentRole, user_id: int) -> None:
        self._conn.execute(
            delete(incident_roles).where(
                incident_roles.c.incident_id == incident_id,
                incident_roles.c.role == role.value,
                incident_roles.c.user_id == user_id,
            )
        )

    def paged_role(self, incident_id: int, user_id: int) -> IncidentRole | None:
        found = self._conn.execute(
            select(outbox.c.role)
            .where(
                outbox.c.incident_id == incident_id,
                outbox.c.user_id == user_id,
                outbox.c.purpose == PAGE,
                outbox.c.role.is_not(None),
            )
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).scalar()
        return IncidentRole(found) if found else None
