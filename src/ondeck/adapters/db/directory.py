"""Read side of the organisation for paging: routes, people, schedules, teams, tokens."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from ondeck.adapters.db.contacts import effective_hours
from ondeck.adapters.db.rosters import SqlScheduleStore
from ondeck.adapters.db.tables import (
    api_tokens,
    contact_methods,
    escalation_policies,
    integrations,
    notification_rules,
    services,
    team_members,
    users,
)
from ondeck.domain.model import (
    ContactMethod,
    EscalationLevel,
    EscalationTarget,
    NotificationRule,
    PolicySnapshot,
    Urgency,
)
from ondeck.domain.schedules import Layer, Schedule
from ondeck.services.ports import (
    AbsenceRecord,
    Consent,
    OverrideRecord,
    Person,
    Route,
    ScheduleRecord,
)


def policy_from_row(row: RowMapping) -> PolicySnapshot:
    return PolicySnapshot(
        policy_id=row["id"],
        name=row["name"],
        repeat=row["repeat"],
        levels=tuple(
            EscalationLevel(
                escalate_after=timedelta(seconds=level["escalate_after"]),
                targets=tuple(EscalationTarget.from_json(t) for t in level["targets"]),
            )
            for level in row["levels"]
        ),
    )


def domain_schedule(
    record: ScheduleRecord,
    consented: Collection[int],
    overrides: list[OverrideRecord],
    absences: list[AbsenceRecord],
) -> Schedule:
    """The schedule as the domain computes with it: each layer keeps only the people who
    opted in (in their order), with the given overrides and absences."""
    return Schedule(
        name=record.name,
        timezone=record.timezone,
        layers=tuple(
            Layer(
                name=layer.name,
                start=layer.start,
                turn=layer.turn,
                participants=tuple(p for p in layer.participants if p in consented),
                restrictions=layer.restrictions,
            )
            for layer in record.layers
        ),
        overrides=tuple(o.override() for o in overrides),
        away=tuple(a.away() for a in absences),
    )


_USER_BY_ID = select(users).where(users.c.id == bindparam("user_id"))


def _comparable(kind: str, address: str) -> str:
    """An address as stored contact methods are compared: phone numbers by their digits
    (with the leading ``+``), everything else case-insensitively."""
    text = address.strip()
    if kind in ("sms", "voice"):
        digits = "".join(ch for ch in text if ch.isdigit())
        return f"+{digits}" if digits else ""
    return text.lower()


_CONTACTS = (
    select(contact_methods)
    .where(contact_methods.c.user_id == bindparam("user_id"))
    .order_by(contact_methods.c.position)
)
_RULES = (
    select(notification_rules)
    .where(notification_rules.c.user_id == bindparam("user_id"))
    .order_by(notification_rules.c.position)
)
_ROUTE = (
    select(
        integrations.c.id,
        integrations.c.kind,
        services.c.id.label("service_id"),
        services.c.name,
        services.c.urgency,
        services.c.escalation_policy_id,
    )
    .join(services, services.c.id == integrations.c.service_id)
    .where(integrations.c.key == bindparam("key"))
)


def _first(conn: Connection, statement: Any, params: dict[str, Any]) -> RowMapping | None:
    return conn.execute(statement, params).mappings().first()


class SqlDirectoryStore:
    """Reads are cached for the life of the store, which is one transaction: a batch of
    escalations that pages the same people or schedules reads each of them once."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._routes: dict[str, Route | None] = {}
        self._policies: dict[int, PolicySnapshot] = {}
        self._schedules: dict[tuple[int, datetime, datetime], Schedule | None] = {}
        self._teams: dict[int, tuple[int, ...]] = {}
        self._people: dict[int, Person | None] = {}

    def route_for_key(self, key: str) -> Route | None:
        if key not in self._routes:
            self._routes[key] = self._load_route(key)
        return self._routes[key]

    def _load_route(self, key: str) -> Route | None:
        row = _first(self._conn, _ROUTE, {"key": key})
        if row is None:
            return None
        return Route(
            integration_id=row["id"],
            integration_kind=row["kind"],
            service_id=row["service_id"],
            service_name=row["name"],
            service_urgency=Urgency(row["urgency"]) if row["urgency"] else None,
            policy_id=row["escalation_policy_id"],
        )

    def policy_snapshot(self, policy_id: int) -> PolicySnapshot:
        if policy_id not in self._policies:
            self._policies[policy_id] = self._load_policy(policy_id)
        return self._policies[policy_id]

    def _load_policy(self, policy_id: int) -> PolicySnapshot:
        row = (
            self._conn.execute(
                select(escalation_policies).where(escalation_policies.c.id == policy_id)
            )
            .mappings()
            .one()
        )
        return policy_from_row(row)

    def schedule(self, schedule_id: int, *, start: datetime, end: datetime) -> Schedule | None:
        key = (schedule_id, start, end)
        if key not in self._schedules:
            self._schedules[key] = self._load_schedule(schedule_id, start, end)
        return self._schedules[key]

    def _load_schedule(self, schedule_id: int, start: datetime, end: datetime) -> Schedule | None:
        store = SqlScheduleStore(self._conn)
        record = store.record(schedule_id)
        if record is None:
            return None
        consented = {
            user
            for user, consent in store.consents(schedule_id).items()
            if consent.state is Consent.CONSENTED
        }
        return domain_schedule(
            record,
            consented,
            store.overrides(schedule_id, start=start, end=end),
            store.absences(
                schedule_id=schedule_id, user_ids=record.participants, start=start, end=end
            ),
        )

    def team_member_ids(self, team_id: int) -> tuple[int, ...]:
        if team_id not in self._teams:
            self._teams[team_id] = self._load_team(team_id)
        return self._teams[team_id]

    def _load_team(self, team_id: int) -> tuple[int, ...]:
        return tuple(
            self._conn.execute(
                select(team_members.c.user_id)
                .where(team_members.c.team_id == team_id)
                .order_by(team_members.c.position)
            ).scalars()
        )

    def _person(self, row: RowMapping | None) -> Person | None:
        if row is None:
            return None
        contacts = tuple(
            ContactMethod(id=c["id"], kind=c["kind"], address=c["address"], label=c["label"])
            for c in self._conn.execute(_CONTACTS, {"user_id": row["id"]}).mappings()
        )
        rules = tuple(
            NotificationRule(
                contact_method_id=r["contact_method_id"],
                delay=timedelta(seconds=r["delay_seconds"]),
                urgency=Urgency(r["urgency"]) if r["urgency"] else None,
            )
            for r in self._conn.execute(_RULES, {"user_id": row["id"]}).mappings()
        )
        return Person(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            timezone=row["timezone"],
            role=row["role"],
            contacts=contacts,
            rules=rules,
            working_hours=effective_hours(self._conn, row["id"], row["working_hours"]),
            low_urgency=row["low_urgency"],
        )

    def person(self, user_id: int) -> Person | None:
        if user_id not in self._people:
            row = _first(self._conn, _USER_BY_ID, {"user_id": user_id})
            self._people[user_id] = self._person(row)
        return self._people[user_id]

    def person_by_email(self, email: str) -> Person | None:
        row = (
            self._conn.execute(select(users).where(users.c.email == email.strip().lower()))
            .mappings()
            .first()
        )
        return self._person(row)

    def people_by_contact(self, kind: str, address: str) -> list[Person]:
        wanted = _comparable(kind, address)
        if not wanted:
            return []
        rows = self._conn.execute(
            select(contact_methods.c.user_id, contact_methods.c.address).where(
                contact_methods.c.kind == kind
            )
        )
        ids: set[int] = {
            int(row.user_id) for row in rows if _comparable(kind, str(row.address)) == wanted
        }
        if kind == "email":
            account = select(users.c.id).where(users.c.email == wanted)
            ids |= {int(row.id) for row in self._conn.execute(account)}
        return [person for uid in sorted(ids) if (person := self.person(uid)) is not None]

    def user_for_token(self, token_hash: str) -> Person | None:
        row = (
            self._conn.execute(
                select(users)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == token_hash)
            )
            .mappings()
            .first()
        )
        return self._person(row)

    def add_token(self, *, user_id: int, token_hash: str, name: str, at: datetime) -> None:
        self._conn.execute(
            insert(api_tokens).values(
                user_id=user_id, token_hash=token_hash, name=name, created_at=at
            )
        )

    def password_hash(self, user_id: int) -> str | None:
        value = self._conn.execute(
            select(users.c.password_hash).where(users.c.id == user_id)
        ).scalar()
        return str(value) if value else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )
