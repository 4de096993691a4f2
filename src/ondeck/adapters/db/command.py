"""SQL storage of incident command: declarations, stage moves, CAN reports, loss estimates
and the CAN reminder timers (claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from ondeck.adapters.db.paging import PAGE
from ondeck.adapters.db.tables import (
    can_reminders,
    can_reports,
    incident_command,
    loss_estimates,
    outbox,
    stage_transitions,
)
from ondeck.domain.severity import Journey, LossEstimate, Response, Severity
from ondeck.domain.stages import Stage
from ondeck.services.ports import (
    CanReportRecord,
    CommandRecord,
    DueReminder,
    LossEstimateRecord,
    StageTransitionRecord,
)


def _values(record: CommandRecord) -> dict[str, Any]:
    return {
        "declared_at": record.declared_at,
        "declared_by": record.declared_by,
        "experts": list(record.experts),
        "rca_owner": record.rca_owner,
        "stage": record.stage.value,
        "stage_at": record.stage_at,
        "severity": record.severity.value if record.severity else None,
        "response": record.response.value if record.response else None,
        "next_can_due": record.next_can_due,
    }


def _command(row: RowMapping) -> CommandRecord:
    return CommandRecord(
        incident_id=row["incident_id"],
        declared_at=row["declared_at"],
        declared_by=row["declared_by"],
        experts=tuple(row["experts"]),
        rca_owner=row["rca_owner"],
        stage=Stage(row["stage"]),
        stage_at=row["stage_at"],
        severity=Severity(row["severity"]) if row["severity"] else None,
        response=Response(row["response"]) if row["response"] else None,
        next_can_due=row["next_can_due"],
    )


class SqlIncidentCommandStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, incident_id: int, *, lock: bool = False) -> CommandRecord | None:
        query = select(incident_command).where(incident_command.c.incident_id == incident_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return None if row is None else _command(row)

    def declare(self, record: CommandRecord) -> None:
        self._conn.execute(
            insert(incident_command).values(incident_id=record.incident_id, **_values(record))
        )

    def save(self, record: CommandRecord) -> None:
        self._conn.execute(
            update(incident_command)
            .where(incident_command.c.incident_id == record.incident_id)
            .values(**_values(record))
        )

    def add_transition(
        self,
        incident_id: int,
        *,
        source: Stage | None,
        target: Stage,
        at: datetime,
        by: str,
        reason: str,
        missing: tuple[str, ...],
    ) -> None:
        self._conn.execute(
            insert(stage_transitions).values(
                incident_id=incident_id,
                from_stage=source.value if source else None,
                to_stage=target.value,
                at=at,
                by=by,
                reason=reason,
                missing=list(missing),
            )
        )

    def transitions(self, incident_id: int) -> list[StageTransitionRecord]:
        rows = self._conn.execute(
            select(stage_transitions)
            .where(stage_transitions.c.incident_id == incident_id)
            .order_by(stage_transitions.c.id)
        ).mappings()
        return [
            StageTransitionRecord(
                id=row["id"],
                incident_id=row["incident_id"],
                source=Stage(row["from_stage"]) if row["from_stage"] else None,
                target=Stage(row["to_stage"]),
                at=row["at"],
                by=row["by"],
                reason=row["reason"],
                missing=tuple(row["missing"]),
            )
            for row in rows
        ]

    def add_can_report(
        self,
        incident_id: int,
        *,
        at: datetime,
        author: str,
        stage: Stage,
        conditions: str,
        actions: str,
        needs: str,
        next_due: datetime,
    ) -> int:
        result = self._conn.execute(
            insert(can_reports)
            .values(
                incident_id=incident_id,
                at=at,
                author=author,
                stage=stage.value,
                conditions=conditions,
                actions=actions,
                needs=needs,
                next_due=next_due,
            )
            .returning(can_reports.c.id)
        )
        return int(result.scalar_one())

    def can_reports(self, incident_id: int) -> list[CanReportRecord]:
        rows = self._conn.execute(
            select(can_reports)
            .where(can_reports.c.incident_id == incident_id)
            .order_by(can_reports.c.id)
        ).mappings()
        return [
            CanReportRecord(
                id=row["id"],
                incident_id=row["incident_id"],
                at=row["at"],
                author=row["author"],
                stage=Stage(row["stage"]),
                conditions=row["conditions"],
                actions=row["actions"],
                needs=row["needs"],
                next_due=row["next_due"],
            )
            for row in rows
        ]

    def add_loss_estimate(
        self,
        incident_id: int,
        *,
        at: datetime,
        by: str,
        estimate: LossEstimate,
        severity: Severity,
        response: Response,
        note: str,
    ) -> int:
        result = self._conn.execute(
            insert(loss_estimates)
            .values(
                incident_id=incident_id,
                at=at,
                by=by,
                cost_per_hour=estimate.cost_per_hour,
                revenue_per_hour=estimate.revenue_per_hour,
                users_affected=estimate.users_affected,
                security_impact=estimate.security_impact,
                journey=estimate.journey.value,
                severity=severity.value,
                response=response.value,
                note=note,
            )
            .returning(loss_estimates.c.id)
        )
        return int(result.scalar_one())

    def loss_estimates(self, incident_id: int) -> list[LossEstimateRecord]:
        rows = self._conn.execute(
            select(loss_estimates)
            .where(loss_estimates.c.incident_id == incident_id)
            .order_by(loss_estimates.c.id)
        ).mappings()
        return [
            LossEstimateRecord(
                id=row["id"],
                incident_id=row["incident_id"],
                at=row["at"],
                by=row["by"],
                estimate=LossEstimate(
                    cost_per_hour=row["cost_per_hour"],
                    revenue_per_hour=row["revenue_per_hour"],
                    users_affected=row["users_affected"],
                    security_impact=bool(row["security_impact"]),
                    journey=Journey(row["journey"]),
                ),
                severity=Severity(row["severity"]),
                response=Response(row["response"]),
                note=row["note"],
            )
            for row in rows
        ]

    def set_reminder(self, incident_id: int, due_at: datetime) -> None:
        moved = self._conn.execute(
            update(can_reminders)
            .where(can_reminders.c.incident_id == incident_id)
            .values(due_at=due_at)
        )
        if moved.rowcount == 0:
            self._conn.execute(insert(can_reminders).values(incident_id=incident_id, due_at=due_at))

    def cancel_reminder(self, incident_id: int) -> None:
        self._conn.execute(delete(can_reminders).where(can_reminders.c.incident_id == incident_id))

    def claim_due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        rows = self._conn.execute(
            select(can_reminders)
            .where(can_reminders.c.due_at <= now)
            .order_by(can_reminders.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [DueReminder(row["incident_id"], row["due_at"]) for row in rows]

    def next_reminder_due(self) -> datetime | None:
        found: datetime | None = self._conn.execute(
            select(func.min(can_reminders.c.due_at))
        ).scalar()
        return found

    def paged_user_ids(self, incident_id: int) -> set[int]:
        rows = self._conn.execute(
            select(outbox.c.user_id)
            .where(
                outbox.c.incident_id == incident_id,
                outbox.c.user_id.is_not(None),
                outbox.c.purpose == PAGE,
            )
            .distinct()
        )
        return {int(row.user_id) for row in rows}
