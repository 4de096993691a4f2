"""People's contact methods (with their last test and last delivery), notification rules and
working hours, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ondeck.adapters.db.tables import (
    contact_methods,
    notification_rules,
    outbox,
    team_members,
    teams,
    users,
)
from ondeck.domain.model import NotificationRule, Urgency
from ondeck.domain.rotation import Window
from ondeck.domain.working_hours import hours_text, stored_hours
from ondeck.services.ports import ContactRecord, HoursRecord

FINISHED = ("sent", "delivered", "failed")
"""Outbox states a delivery ends in; the last of them tells whether a method works."""


def team_hours(conn: Connection, user_id: int) -> tuple[str, tuple[Window, ...]]:
    """(name, windows) of the person's first team, by name, with working hours; ("", ())."""
    row = conn.execute(
        select(teams.c.name, teams.c.working_hours)
        .join(team_members, team_members.c.team_id == teams.c.id)
        .where(team_members.c.user_id == user_id, teams.c.working_hours != "")
        .order_by(teams.c.name)
        .limit(1)
    ).first()
    if row is None:
        return "", ()
    return str(row.name), stored_hours(str(row.working_hours))


def effective_hours(conn: Connection, user_id: int, own: str) -> tuple[Window, ...]:
    """The windows low-urgency pages wait for: the person's own, else their team's."""
    return stored_hours(own) or team_hours(conn, user_id)[1]


def _last_deliveries(conn: Connection, contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not contact_ids:
        return {}
    latest = (
        select(func.max(outbox.c.id))
        .where(outbox.c.contact_method_id.in_(contact_ids), outbox.c.state.in_(FINISHED))
        .group_by(outbox.c.contact_method_id)
    )
    rows = conn.execute(
        select(
            outbox.c.contact_method_id,
            outbox.c.state,
            outbox.c.delivered_at,
            outbox.c.sent_at,
            outbox.c.deliver_at,
            outbox.c.last_error,
        ).where(outbox.c.id.in_(latest))
    ).mappings()
    out = {}
    for row in rows:
        ok = row["state"] != "failed"
        out[int(row["contact_method_id"])] = {
            "delivered_ok": ok,
            "delivered_at": row["delivered_at"] or row["sent_at"] or row["deliver_at"],
            "delivery_detail": row["state"] if ok else str(row["last_error"]),
        }
    return out


class SqlContactStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def methods(self, user_ids: Collection[int]) -> dict[int, list[ContactRecord]]:
        out: dict[int, list[ContactRecord]] = {uid: [] for uid in user_ids}
        if not out:
            return out
        rows = list(
            self._conn.execute(
                select(contact_methods)
                .where(contact_methods.c.user_id.in_(list(out)))
                .order_by(contact_methods.c.user_id, contact_methods.c.position)
            ).mappings()
        )
        last = _last_deliveries(self._conn, [int(row["id"]) for row in rows])
        for row in rows:
            out[int(row["user_id"])].append(_record(row, last.get(int(row["id"]), {})))
        return out

    def get(self, contact_id: int) -> ContactRecord | None:
        row = (
            self._conn.execute(select(contact_methods).where(contact_methods.c.id == contact_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return _record(row, _last_deliveries(self._conn, [contact_id]).get(contact_id, {}))

    def add(self, *, user_id: int, kind: str, address: str, label: str) -> int:
        last = self._conn.execute(
            select(func.max(contact_methods.c.position)).where(contact_methods.c.user_id == user_id)
        ).scalar()
        return int(
            self._conn.execute(
                insert(contact_methods)
                .values(
                    user_id=user_id,
                    position=0 if last is None else int(last) + 1,
                    kind=kind,
                    address=address,
                    label=label,
                )
                .returning(contact_methods.c.id)
            ).scalar_one()
        )

    def update(self, contact_id: int, *, address: str, label: str) -> None:
        stored = self._conn.execute(
            select(contact_methods.c.address).where(contact_methods.c.id == contact_id)
        ).scalar()
        values: dict[str, Any] = {"address": address, "label": label}
        if stored != address:
            values |= {"tested_at": None, "test_ok": None, "test_detail": ""}
        self._conn.execute(
            update(contact_methods).where(contact_methods.c.id == contact_id).values(values)
        )

    def reorder(self, user_id: int, contact_ids: list[int]) -> None:
        for position, contact_id in enumerate(contact_ids):
            self._conn.execute(
                update(contact_methods)
                .where(contact_methods.c.id == contact_id, contact_methods.c.user_id == user_id)
                .values(position=position)
            )

    def remove(self, contact_id: int) -> int:
        rules = self._conn.execute(
            delete(notification_rules).where(notification_rules.c.contact_method_id == contact_id)
        ).rowcount
        self._conn.execute(delete(contact_methods).where(contact_methods.c.id == contact_id))
        return int(rules)

    def rules(self, user_id: int) -> tuple[NotificationRule, ...]:
        rows = self._conn.execute(
            select(notification_rules)
            .where(notification_rules.c.user_id == user_id)
            .order_by(notification_rules.c.position)
        ).mappings()
        return tuple(
            NotificationRule(
                contact_method_id=int(row["contact_method_id"]),
                delay=timedelta(seconds=row["delay_seconds"]),
                urgency=Urgency(row["urgency"]) if row["urgency"] else None,
            )
            for row in rows
        )

    def set_rules(self, user_id: int, rules: tuple[NotificationRule, ...]) -> None:
        self._conn.execute(
            delete(notification_rules).where(notification_rules.c.user_id == user_id)
        )
        if rules:
            self._conn.execute(
                insert(notification_rules),
                [
                    {
                        "user_id": user_id,
                        "position": position,
                        "contact_method_id": rule.contact_method_id,
                        "delay_seconds": int(rule.delay.total_seconds()),
                        "urgency": rule.urgency.value if rule.urgency else None,
                    }
                    for position, rule in enumerate(rules)
                ],
            )

    def hours(self, user_id: int) -> HoursRecord:
        row = self._conn.execute(
            select(users.c.working_hours, users.c.low_urgency).where(users.c.id == user_id)
        ).one()
        team, windows = team_hours(self._conn, user_id)
        return HoursRecord(
            own=stored_hours(str(row.working_hours)),
            team=team,
            team_hours=windows,
            low_urgency=str(row.low_urgency),
        )

    def set_hours(self, user_id: int, *, windows: tuple[Window, ...], low_urgency: str) -> None:
        self._conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(working_hours=hours_text(windows), low_urgency=low_urgency)
        )

    def record_test(self, contact_id: int, *, at: datetime, ok: bool, detail: str) -> None:
        self._conn.execute(
            update(contact_methods)
            .where(contact_methods.c.id == contact_id)
            .values(tested_at=at, test_ok=ok, test_detail=detail[:2000])
        )


def _record(row: Any, last: dict[str, Any]) -> ContactRecord:
    return ContactRecord(
        id=int(row["id"]),
        user_id=int(row["user_id"]),
        position=int(row["position"]),
        kind=str(row["kind"]),
        address=str(row["address"]),
        label=str(row["label"]),
        tested_at=row["tested_at"],
        test_ok=row["test_ok"],
        test_detail=str(row["test_detail"]),
        **last,
    )
