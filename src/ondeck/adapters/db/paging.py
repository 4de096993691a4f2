"""Escalation timers, the outbox and the engine leader lock.

On PostgreSQL due rows are claimed with ``FOR UPDATE SKIP LOCKED`` so any number of engines
share the work without taking the same row; SQLite serialises writers and runs one leader.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from ondeck.adapters.db.tables import chat_posts, escalations, inbound_refusals, outbox
from ondeck.services.ports import (
    DueEscalation,
    DueTimes,
    InboundRefusal,
    NewMessage,
    NotificationRecord,
    OutboxMessage,
)

_INSERT_ESCALATION = insert(escalations)
_MOVE_ESCALATION = (
    update(escalations)
    .where(escalations.c.incident_id == bindparam("id"))
    .values(
        level=bindparam("new_level"),
        loop=bindparam("new_loop"),
        due_at=bindparam("due"),
        snoozed=False,
        round=bindparam("round"),
    )
)

QUEUED, SENDING, SENT, FAILED, CANCELLED = "queued", "sending", "sent", "failed", "cancelled"
DELIVERED, BUNDLED = "delivered", "bundled"
PAGE, ANNOUNCEMENT = "page", "announcement"
"""Purposes of messages that stop when the incident is acknowledged or resolved; notices
(every other purpose) go out whatever the incident's status."""


def _message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        incident_id=row["incident_id"],
        user_id=row["user_id"],
        contact_method_id=row["contact_method_id"],
        kind=row["kind"],
        address=row["address"],
        level=row["level"],
        loop=row["loop"],
        state=row["state"],
        deliver_at=row["deliver_at"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        schedule_id=row["schedule_id"],
        held=row["held_at"] is not None,
        purpose=row["purpose"],
        role=row["role"],
        payload=row["payload"],
    )


class SqlPagingStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def start_escalation(self, incident_id: int, *, due_at: datetime) -> None:
        self._conn.execute(
            _INSERT_ESCALATION,
            {"incident_id": incident_id, "level": 0, "loop": 0, "due_at": due_at},
        )

    def move_escalations(self, moves: list[DueEscalation]) -> None:
        if not moves:
            return
        self._conn.execute(
            _MOVE_ESCALATION,
            [
                {
                    "id": m.incident_id,
                    "new_level": m.level,
                    "new_loop": m.loop,
                    "due": m.due_at,
                    "round": m.round,
                }
                for m in moves
            ],
        )

    def cancel_escalations(self, incident_ids: list[int]) -> None:
        if incident_ids:
            self._conn.execute(
                delete(escalations).where(escalations.c.incident_id.in_(incident_ids))
            )

    def claim_due_escalations(self, now: datetime, limit: int) -> list[DueEscalation]:
        rows = self._conn.execute(
            select(escalations)
            .where(escalations.c.due_at <= now)
            .order_by(escalations.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [
            DueEscalation(
                incident_id=row["incident_id"],
                level=row["level"],
                loop=row["loop"],
                due_at=row["due_at"],
                snoozed=bool(row["snoozed"]),
                round=int(row["round"]),
            )
            for row in rows
        ]

    def lock_escalation(self, incident_id: int) -> None:
        self._conn.execute(
            select(escalations.c.incident_id)
            .where(escalations.c.incident_id == incident_id)
            .with_for_update()
        )

    def escalation(self, incident_id: int) -> DueEscalation | None:
        row = (
            self._conn.execute(select(escalations).where(escalations.c.incident_id == incident_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return DueEscalation(
            incident_id=incident_id,
            level=row["level"],
            loop=row["loop"],
            due_at=row["due_at"],
            snoozed=bool(row["snoozed"]),
            round=int(row["round"]),
        )

    def set_escalation(self, timer: DueEscalation) -> None:
        self._conn.execute(
            delete(escalations).where(escalations.c.incident_id == timer.incident_id)
        )
        self._conn.execute(
            _INSERT_ESCALATION,
            {
                "incident_id": timer.incident_id,
                "level": timer.level,
                "loop": timer.loop,
                "due_at": timer.due_at,
                "snoozed": timer.snoozed,
                "round": timer.round,
            },
        )

    def last_paged_position(self, incident_id: int) -> tuple[int, int] | None:
        row = self._conn.execute(
            select(outbox.c.level, outbox.c.loop)
            .where(
                outbox.c.incident_id == incident_id,
                outbox.c.user_id.is_not(None),
                outbox.c.purpose == PAGE,
            )
            .order_by(outbox.c.loop.desc(), outbox.c.level.desc())
            .limit(1)
        ).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def add_inbound_refusal(
        self, *, at: datetime, channel: str, sender: str, incident_id: int | None, reason: str
    ) -> None:
        self._conn.execute(
            insert(inbound_refusals).values(
                at=at, channel=channel, sender=sender[:320], incident_id=incident_id, reason=reason
            )
        )

    def inbound_refusals(self, *, limit: int = 100) -> list[InboundRefusal]:
        rows = self._conn.execute(
            select(inbound_refusals).order_by(inbound_refusals.c.id.desc()).limit(limit)
        ).mappings()
        return [
            InboundRefusal(
                id=row["id"],
                at=row["at"],
                channel=row["channel"],
                sender=row["sender"],
                incident_id=row["incident_id"],
                reason=row["reason"],
            )
            for row in rows
        ]

    def enqueue(self, messages: list[NewMessage], *, now: datetime) -> int:
        if not messages:
            return 0
        values = [
            {
                "idempotency_key": m.idempotency_key,
                "incident_id": m.incident_id,
                "user_id": m.user_id,
                "contact_method_id": m.contact_method_id,
                "kind": m.kind,
                "address": m.address,
                "level": m.level,
                "loop": m.loop,
                "state": QUEUED,
                "deliver_at": m.deliver_at,
                "attempts": 0,
                "created_at": now,
                "schedule_id": m.schedule_id,
                "purpose": m.purpose,
                "role": m.role,
                "payload": m.payload,
            }
            for m in messages
        ]
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        result = self._conn.execute(
            dialect_insert(outbox).on_conflict_do_nothing(index_elements=["idempotency_key"]),
            values,
        )
        return max(result.rowcount, 0)

    def cancel_queued(self, incident_id: int) -> int:
        result = self._conn.execute(
            update(outbox)
            .where(
                outbox.c.incident_id == incident_id,
                outbox.c.state == QUEUED,
                outbox.c.purpose.in_([PAGE, ANNOUNCEMENT]),
            )
            .values(state=CANCELLED, last_error="cancelled: incident acknowledged or resolved")
        )
        return result.rowcount

    def claim_due_messages(
        self, now: datetime, limit: int, *, deadline: datetime
    ) -> list[OutboxMessage]:
        due = or_(
            and_(outbox.c.state == QUEUED, outbox.c.deliver_at <= now),
            and_(outbox.c.state == SENDING, outbox.c.deadline < now),
        )
        ids: list[int] = list(
            self._conn.execute(
                select(outbox.c.id)
                .where(due)
                .order_by(outbox.c.deliver_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(state=SENDING, deadline=deadline, attempts=outbox.c.attempts + 1)
        )
        rows = self._conn.execute(
            select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.deliver_at)
        ).mappings()
        return [_message(row) for row in rows]

    def recent_sends(
        self,
        user_id: int,
        kind: str,
        since: datetime,
        now: datetime,
        *,
        most: int,
        excluding: Collection[int] = (),
    ) -> list[datetime]:
        mine = and_(
            outbox.c.user_id == user_id,
            outbox.c.kind == kind,
            outbox.c.purpose == PAGE,
            outbox.c.bundle_id.is_(None),
            outbox.c.id.not_in(list(excluding)),
        )
        sending = self._conn.execute(
            select(func.count()).select_from(outbox).where(mine, outbox.c.state == SENDING)
        ).scalar_one()
        sent: list[datetime] = list(
            self._conn.execute(
                select(outbox.c.sent_at)
                .where(mine, outbox.c.sent_at > since)
                .order_by(outbox.c.sent_at.desc())
                .limit(most)
            ).scalars()
        )
        return ([now] * min(int(sending), most) + sent)[:most]

    def hold(self, message_id: int, *, until: datetime, now: datetime) -> bool:
        first = self._conn.execute(
            select(outbox.c.held_at).where(outbox.c.id == message_id)
        ).scalar_one_or_none()
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                state=QUEUED,
                deliver_at=until,
                deadline=None,
                attempts=outbox.c.attempts - 1,
                held_at=func.coalesce(outbox.c.held_at, now),
            )
        )
        return first is None

    def hold_queued(
        self, user_id: int, kind: str, *, until: datetime, now: datetime
    ) -> list[OutboxMessage]:
        rows = list(
            self._conn.execute(
                select(outbox)
                .where(
                    outbox.c.user_id == user_id,
                    outbox.c.kind == kind,
                    outbox.c.state == QUEUED,
                    outbox.c.purpose == PAGE,
                    outbox.c.deliver_at < until,
                )
                .with_for_update(skip_locked=True)
            ).mappings()
        )
        if not rows:
            return []
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([row["id"] for row in rows]))
            .values(deliver_at=until, held_at=func.coalesce(outbox.c.held_at, now))
        )
        return [_message(row) for row in rows if row["held_at"] is None]

    def bundle_held(self, carrier: OutboxMessage) -> list[OutboxMessage]:
        ids: list[int] = list(
            self._conn.execute(
                select(outbox.c.id)
                .where(
                    outbox.c.user_id == carrier.user_id,
                    outbox.c.kind == carrier.kind,
                    outbox.c.address == carrier.address,
                    outbox.c.state == QUEUED,
                    outbox.c.purpose == PAGE,
                    outbox.c.held_at.is_not(None),
                    outbox.c.id != carrier.id,
                )
                .order_by(outbox.c.id)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        self.bundle_into(carrier.id, ids)
        return self.bundle_members(carrier.id)

    def bundle_into(self, carrier_id: int, member_ids: list[int]) -> None:
        if member_ids:
            self._conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(member_ids))
                .values(state=BUNDLED, bundle_id=carrier_id, deadline=None)
            )

    def bundle_members(self, carrier_id: int) -> list[OutboxMessage]:
        rows = self._conn.execute(
            select(outbox).where(outbox.c.bundle_id == carrier_id).order_by(outbox.c.id)
        ).mappings()
        return [_message(row) for row in rows]

    def finish_bundle(self, carrier_id: int, *, state: str, at: datetime, error: str = "") -> None:
        values: dict[str, object] = {"state": state, "last_error": error[:2000]}
        if state == SENT:
            values["sent_at"] = at
        self._conn.execute(
            update(outbox)
            .where(outbox.c.bundle_id == carrier_id, outbox.c.state == BUNDLED)
            .values(values)
        )

    def notifications(self, incident_id: int) -> list[NotificationRecord]:
        rows = self._conn.execute(
            select(outbox).where(outbox.c.incident_id == incident_id).order_by(outbox.c.id)
        ).mappings()
        return [
            NotificationRecord(
                id=row["id"],
                kind=row["kind"],
                address=row["address"],
                user_id=row["user_id"],
                state=row["state"],
                level=row["level"],
                loop=row["loop"],
                attempts=row["attempts"],
                created_at=row["created_at"],
                deliver_at=row["deliver_at"],
                sent_at=row["sent_at"],
                delivered_at=row["delivered_at"],
                last_error=row["last_error"],
                bundle_id=row["bundle_id"],
                held=row["held_at"] is not None,
            )
            for row in rows
        ]

    def chat_post(self, incident_id: int, provider: str, channel: str) -> str | None:
        ref: str | None = self._conn.execute(
            select(chat_posts.c.ref).where(
                chat_posts.c.incident_id == incident_id,
                chat_posts.c.provider == provider,
                chat_posts.c.channel == channel,
            )
        ).scalar_one_or_none()
        return ref

    def save_chat_post(self, incident_id: int, provider: str, channel: str, ref: str) -> None:
        if self.chat_post(incident_id, provider, channel) is None:
            self._conn.execute(
                insert(chat_posts).values(
                    incident_id=incident_id, provider=provider, channel=channel, ref=ref[:200]
                )
            )

    def by_provider_ref(self, kind: str, provider_ref: str) -> OutboxMessage | None:
        row = (
            self._conn.execute(
                select(outbox)
                .where(outbox.c.kind == kind, outbox.c.provider_ref == provider_ref)
                .order_by(outbox.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return None if row is None else _message(row)

    def mark_delivered(self, message_id: int, at: datetime) -> None:
        self._conn.execute(
            update(outbox).where(outbox.c.id == message_id).values(state=DELIVERED, delivered_at=at)
        )

    def requeue_sending(self, now: datetime) -> int:
        result = self._conn.execute(
            update(outbox)
            .where(outbox.c.state == SENDING)
            .values(state=QUEUED, deliver_at=now, deadline=None)
        )
        return result.rowcount

    def mark_sent(self, message_id: int, at: datetime, *, provider_ref: str = "") -> None:
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state=SENT, sent_at=at, deadline=None, provider_ref=provider_ref[:200])
        )

    def mark_retry(self, message_id: int, *, deliver_at: datetime, error: str) -> None:
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state=QUEUED, deliver_at=deliver_at, deadline=None, last_error=error[:2000])
        )

    def mark_failed(self, message_id: int, *, error: str) -> None:
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state=FAILED, deadline=None, last_error=error[:2000])
        )

    def mark_cancelled(self, message_id: int, *, reason: str) -> None:
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(state=CANCELLED, deadline=None, last_error=reason[:2000])
        )

    def attempted_contacts(self, incident_id: int, user_id: int, level: int, loop: int) -> set[int]:
        rows: Iterable[int | None] = self._conn.execute(
            select(outbox.c.contact_method_id).where(
                outbox.c.incident_id == incident_id,
                outbox.c.user_id == user_id,
                outbox.c.level == level,
                outbox.c.loop == loop,
                outbox.c.purpose == PAGE,
            )
        ).scalars()
        return {row for row in rows if row is not None}

    def due_times(self) -> DueTimes:
        escalation = self._conn.execute(select(func.min(escalations.c.due_at))).scalar()
        queued = self._conn.execute(
            select(func.min(outbox.c.deliver_at)).where(outbox.c.state == QUEUED)
        ).scalar()
        stuck = self._conn.execute(
            select(func.min(outbox.c.deadline)).where(outbox.c.state == SENDING)
        ).scalar()
        messages = [t for t in (queued, stuck) if t is not None]
        return DueTimes(escalation=escalation, message=min(messages) if messages else None)

    def health_counts(self, now: datetime) -> dict[str, int]:
        def count(*conditions: ColumnElement[bool]) -> int:
            return int(
                self._conn.execute(
                    select(func.count()).select_from(outbox).where(*conditions)
                ).scalar_one()
            )

        overdue = self._conn.execute(
            select(func.count()).select_from(escalations).where(escalations.c.due_at < now)
        ).scalar_one()
        return {
            "escalations_overdue": int(overdue),
            "messages_queued": count(outbox.c.state == QUEUED),
            "messages_stuck_sending": count(outbox.c.state == SENDING, outbox.c.deadline < now),
            "messages_failed": count(outbox.c.state == FAILED),
        }
