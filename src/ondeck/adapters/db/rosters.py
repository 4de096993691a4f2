"""Schedules beyond their layers: consent, overrides, trades, absences, history, calendars."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from ondeck.adapters.db.tables import (
    absences,
    incidents,
    outbox,
    rotation_consents,
    schedule_events,
    schedule_layers,
    schedule_overrides,
    schedule_trades,
    schedules,
    users,
)
from ondeck.domain.fairness import PageRecord
from ondeck.domain.rotation import Window
from ondeck.domain.schedules import AwayKind
from ondeck.domain.trades import TradeKind, TradeRequest, TradeStatus
from ondeck.services.ports import (
    AbsenceRecord,
    Consent,
    ConsentRecord,
    LayerRecord,
    OverrideRecord,
    ScheduleEvent,
    ScheduleRecord,
    TradeRecord,
)

CALENDAR_OWNERS = {"user": users, "schedule": schedules}


def restrictions_to_json(windows: tuple[Window, ...]) -> list[dict[str, Any]]:
    return [
        {
            "days": sorted(window.days),
            "start": window.start.isoformat("minutes"),
            "end": window.end.isoformat("minutes"),
        }
        for window in windows
    ]


def restrictions_from_json(data: list[dict[str, Any]] | None) -> tuple[Window, ...]:
    return tuple(
        Window(
            days=frozenset(int(day) for day in item["days"]),
            start=time.fromisoformat(item["start"]),
            end=time.fromisoformat(item["end"]),
        )
        for item in data or ()
    )


def layer_record(row: RowMapping) -> LayerRecord:
    return LayerRecord(
        name=row["name"],
        start=datetime.fromisoformat(row["start_local"]),
        turn=timedelta(seconds=row["turn_seconds"]),
        participants=tuple(int(p) for p in row["participants"]),
        restrictions=restrictions_from_json(row["restrictions"]),
    )


def _override(row: RowMapping) -> OverrideRecord:
    return OverrideRecord(
        id=row["id"],
        schedule_id=row["schedule_id"],
        user_id=row["user_id"],
        start=row["start_at"],
        end=row["end_at"],
        note=row["note"],
        trade_id=row["trade_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def _absence(row: RowMapping) -> AbsenceRecord:
    return AbsenceRecord(
        id=row["id"],
        user_id=row["user_id"],
        schedule_id=row["schedule_id"],
        layer=row["layer"],
        kind=AwayKind(row["kind"]),
        start=row["start_at"],
        end=row["end_at"],
        reason=row["reason"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def _trade(row: RowMapping) -> TradeRecord:
    return TradeRecord(
        id=row["id"],
        schedule_id=row["schedule_id"],
        kind=TradeKind(row["kind"]),
        status=TradeStatus(row["status"]),
        requester_id=row["requester_id"],
        colleague_id=row["colleague_id"],
        start=row["start_at"],
        end=row["end_at"],
        swap_start=row["swap_start_at"],
        swap_end=row["swap_end_at"],
        note=row["note"],
        created_at=row["created_at"],
        answered_at=row["answered_at"],
        answered_by_id=row["answered_by_id"],
    )


def _overlapping(
    start_column: Any, end_column: Any, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    """Conditions for a row whose ``[start, end)`` (None: unbounded) meets ``[start, end)``."""
    conditions: list[ColumnElement[bool]] = []
    if end is not None:
        conditions.append(or_(start_column.is_(None), start_column < end))
    if start is not None:
        conditions.append(or_(end_column.is_(None), end_column > start))
    return conditions


class SqlScheduleStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def ids(self) -> list[int]:
        found: list[int] = list(
            self._conn.execute(select(schedules.c.id).order_by(schedules.c.id)).scalars()
        )
        return found

    def record(self, schedule_id: int) -> ScheduleRecord | None:
        row = (
            self._conn.execute(select(schedules).where(schedules.c.id == schedule_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        layers = self._conn.execute(
            select(schedule_layers)
            .where(schedule_layers.c.schedule_id == schedule_id)
            .order_by(schedule_layers.c.position)
        ).mappings()
        return ScheduleRecord(
            id=row["id"],
            name=row["name"],
            timezone=row["timezone"],
            max_share=row["max_share"],
            layers=tuple(layer_record(layer) for layer in layers),
            calendar_generation=row["calendar_generation"],
        )

    def id_by_name(self, name: str) -> int | None:
        found = self._conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
        return None if found is None else int(found)

    def set_layer_participants(
        self, schedule_id: int, layer: str, participants: tuple[int, ...]
    ) -> None:
        self._conn.execute(
            update(schedule_layers)
            .where(schedule_layers.c.schedule_id == schedule_id, schedule_layers.c.name == layer)
            .values(participants=list(participants))
        )

    def consents(self, schedule_id: int) -> dict[int, ConsentRecord]:
        rows = self._conn.execute(
            select(rotation_consents).where(rotation_consents.c.schedule_id == schedule_id)
        ).mappings()
        return {
            row["user_id"]: ConsentRecord(
                schedule_id=row["schedule_id"],
                user_id=row["user_id"],
                state=Consent(row["state"]),
                recorded_by=row["recorded_by"],
                at=row["at"],
                note=row["note"],
            )
            for row in rows
        }

    def set_consent(
        self,
        *,
        schedule_id: int,
        user_id: int,
        state: Consent,
        by: str,
        at: datetime,
        note: str = "",
    ) -> None:
        values = {"state": state.value, "recorded_by": by, "at": at, "note": note[:500]}
        key = and_(
            rotation_consents.c.schedule_id == schedule_id,
            rotation_consents.c.user_id == user_id,
        )
        changed = self._conn.execute(update(rotation_consents).where(key).values(values))
        if changed.rowcount == 0:
            self._conn.execute(
                insert(rotation_consents).values(schedule_id=schedule_id, user_id=user_id, **values)
            )

    def overrides(
        self, schedule_id: int, *, start: datetime, end: datetime
    ) -> list[OverrideRecord]:
        rows = self._conn.execute(
            select(schedule_overrides)
            .where(
                schedule_overrides.c.schedule_id == schedule_id,
                *_overlapping(
                    schedule_overrides.c.start_at, schedule_overrides.c.end_at, start, end
                ),
            )
            .order_by(schedule_overrides.c.id)
        ).mappings()
        return [_override(row) for row in rows]

    def get_override(self, override_id: int) -> OverrideRecord | None:
        row = (
            self._conn.execute(
                select(schedule_overrides).where(schedule_overrides.c.id == override_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else _override(row)

    def add_override(
        self,
        *,
        schedule_id: int,
        user_id: int,
        start: datetime,
        end: datetime,
        note: str,
        by: str,
        at: datetime,
        trade_id: int | None = None,
    ) -> int:
        result = self._conn.execute(
            insert(schedule_overrides)
            .values(
                schedule_id=schedule_id,
                user_id=user_id,
                start_at=start,
                end_at=end,
                note=note[:500],
                trade_id=trade_id,
                created_at=at,
                created_by=by,
            )
            .returning(schedule_overrides.c.id)
        )
        return int(result.scalar_one())

    def remove_override(self, override_id: int) -> None:
        self._conn.execute(delete(schedule_overrides).where(schedule_overrides.c.id == override_id))

    def update_override(
        self, override_id: int, *, note: str | None = None, end: datetime | None = None
    ) -> None:
        values: dict[str, Any] = {}
        if note is not None:
            values["note"] = note[:500]
        if end is not None:
            values["end_at"] = end
        if values:
            self._conn.execute(
                update(schedule_overrides)
                .where(schedule_overrides.c.id == override_id)
                .values(values)
            )

    def absences(
        self,
        *,
        schedule_id: int | None = None,
        user_ids: Collection[int] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AbsenceRecord]:
        conditions = _overlapping(absences.c.start_at, absences.c.end_at, start, end)
        if schedule_id is not None:
            conditions.append(
                or_(absences.c.schedule_id.is_(None), absences.c.schedule_id == schedule_id)
            )
        if user_ids is not None:
            conditions.append(absences.c.user_id.in_(list(user_ids)))
        rows = self._conn.execute(
            select(absences).where(*conditions).order_by(absences.c.id)
        ).mappings()
        return [_absence(row) for row in rows]

    def get_absence(self, absence_id: int) -> AbsenceRecord | None:
        row = (
            self._conn.execute(select(absences).where(absences.c.id == absence_id))
            .mappings()
            .first()
        )
        return None if row is None else _absence(row)

    def add_absence(
        self,
        *,
        user_id: int,
        schedule_id: int | None,
        layer: str | None,
        kind: AwayKind,
        start: datetime | None,
        end: datetime | None,
        reason: str,
        by: str,
        at: datetime,
    ) -> int:
        result = self._conn.execute(
            insert(absences)
            .values(
                user_id=user_id,
                schedule_id=schedule_id,
                layer=layer,
                kind=kind.value,
                start_at=start,
                end_at=end,
                reason=reason,
                created_at=at,
                created_by=by,
            )
            .returning(absences.c.id)
        )
        return int(result.scalar_one())

    def remove_absence(self, absence_id: int) -> None:
        self._conn.execute(delete(absences).where(absences.c.id == absence_id))

    def update_absence(
        self, absence_id: int, *, reason: str | None = None, end: datetime | None = None
    ) -> None:
        values: dict[str, Any] = {}
        if reason is not None:
            values["reason"] = reason
        if end is not None:
            values["end_at"] = end
        if values:
            self._conn.execute(update(absences).where(absences.c.id == absence_id).values(values))

    def trades(
        self, schedule_id: int, *, statuses: Collection[TradeStatus] = ()
    ) -> list[TradeRecord]:
        conditions = [schedule_trades.c.schedule_id == schedule_id]
        if statuses:
            conditions.append(schedule_trades.c.status.in_([s.value for s in statuses]))
        rows = self._conn.execute(
            select(schedule_trades).where(*conditions).order_by(schedule_trades.c.id)
        ).mappings()
        return [_trade(row) for row in rows]

    def get_trade(self, trade_id: int, *, lock: bool = False) -> TradeRecord | None:
        statement = select(schedule_trades).where(schedule_trades.c.id == trade_id)
        if lock:
            statement = statement.with_for_update()
        row = self._conn.execute(statement).mappings().first()
        return None if row is None else _trade(row)

    def add_trade(self, *, schedule_id: int, request: TradeRequest, note: str, at: datetime) -> int:
        swap = request.swap_window
        result = self._conn.execute(
            insert(schedule_trades)
            .values(
                schedule_id=schedule_id,
                kind=request.kind.value,
                status=TradeStatus.PENDING.value,
                requester_id=request.requester,
                colleague_id=request.colleague,
                start_at=request.window.start,
                end_at=request.window.end,
                swap_start_at=swap.start if swap else None,
                swap_end_at=swap.end if swap else None,
                note=note[:500],
                created_at=at,
            )
            .returning(schedule_trades.c.id)
        )
        return int(result.scalar_one())

    def answer_trade(
        self, trade_id: int, *, status: TradeStatus, by: int | None, at: datetime
    ) -> None:
        self._conn.execute(
            update(schedule_trades)
            .where(schedule_trades.c.id == trade_id)
            .values(status=status.value, answered_by_id=by, answered_at=at)
        )

    def add_event(
        self,
        schedule_id: int,
        *,
        at: datetime,
        kind: str,
        message: str,
        actor: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self._conn.execute(
            insert(schedule_events).values(
                schedule_id=schedule_id,
                at=at,
                kind=kind,
                actor=actor,
                message=message,
                data=data or {},
            )
        )

    def events(self, schedule_id: int, *, limit: int = 100) -> list[ScheduleEvent]:
        rows = self._conn.execute(
            select(schedule_events)
            .where(schedule_events.c.schedule_id == schedule_id)
            .order_by(schedule_events.c.id.desc())
            .limit(limit)
        ).mappings()
        return [
            ScheduleEvent(
                id=row["id"],
                schedule_id=row["schedule_id"],
                at=row["at"],
                kind=row["kind"],
                actor=row["actor"],
                message=row["message"],
                data=row["data"],
            )
            for row in rows
        ]

    def pages(self, schedule_id: int, *, start: datetime, end: datetime) -> list[PageRecord]:
        first_pages = (
            select(
                outbox.c.user_id,
                outbox.c.incident_id,
                func.min(outbox.c.sent_at).label("first_sent"),
            )
            .where(
                outbox.c.schedule_id == schedule_id,
                outbox.c.state == "sent",
                outbox.c.sent_at >= start,
                outbox.c.sent_at < end,
            )
            .group_by(outbox.c.user_id, outbox.c.incident_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                first_pages.c.user_id,
                first_pages.c.incident_id,
                first_pages.c.first_sent,
                incidents.c.acknowledged_at,
                incidents.c.acknowledged_by,
                users.c.email,
            )
            .join(incidents, incidents.c.id == first_pages.c.incident_id)
            .join(users, users.c.id == first_pages.c.user_id)
            .order_by(first_pages.c.first_sent)
        ).mappings()
        return [
            PageRecord(
                user=row["user_id"],
                incident=row["incident_id"],
                at=_aware(row["first_sent"]),
                acknowledged_at=row["acknowledged_at"]
                if row["acknowledged_by"] == row["email"]
                else None,
            )
            for row in rows
        ]

    def calendar_generation(self, kind: str, owner_id: int) -> int | None:
        table = CALENDAR_OWNERS[kind]
        found = self._conn.execute(
            select(table.c.calendar_generation).where(table.c.id == owner_id)
        ).scalar()
        return None if found is None else int(found)

    def bump_calendar_generation(self, kind: str, owner_id: int) -> int:
        table = CALENDAR_OWNERS[kind]
        self._conn.execute(
            update(table)
            .where(table.c.id == owner_id)
            .values(calendar_generation=table.c.calendar_generation + 1)
        )
        return self.calendar_generation(kind, owner_id) or 0


def _aware(value: datetime) -> datetime:
    """A UTC moment, aware, however the driver handed back an aggregate of a UTC column."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
