"""Organisation settings that are not objects with names: one JSON value per key.

``major_incidents`` holds the org file's block of that name, in the file's own shape.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from ondeck.adapters.db.tables import org_settings
from ondeck.adapters.orgfile_major import major_incidents_out, stored
from ondeck.domain.major_incidents import MajorIncidentSpec

MAJOR_INCIDENTS = "major_incidents"


class SqlOrgSettingsStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def major_incidents(self) -> MajorIncidentSpec | None:
        value = self._conn.execute(
            select(org_settings.c.value).where(org_settings.c.key == MAJOR_INCIDENTS)
        ).scalar_one_or_none()
        return None if value is None else stored(value)

    def set_major_incidents(self, spec: MajorIncidentSpec) -> None:
        self._conn.execute(delete(org_settings).where(org_settings.c.key == MAJOR_INCIDENTS))
        self._conn.execute(
            insert(org_settings).values(key=MAJOR_INCIDENTS, value=major_incidents_out(spec))
        )
