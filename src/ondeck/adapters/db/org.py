"""Write side of the organisation: apply an OrgSpec by natural keys, export it back.

Applying replaces the parts of each named object that the spec lists (a team's members,
a schedule's layers, a service's integrations); objects the spec does not name are kept.
Row ids survive re-applies, so incidents and tokens keep pointing at the same things.

This store handles configuration only. Overrides, exemptions and leave (what changes week
to week) are synchronised by the apply use case through the schedule store; ``export``
leaves them None and the export use case fills them in.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection

from ondeck.adapters.db.directory import policy_from_row
from ondeck.adapters.db.rosters import restrictions_from_json, restrictions_to_json
from ondeck.adapters.db.tables import (
    contact_methods,
    escalation_policies,
    integrations,
    notification_rules,
    schedule_layers,
    schedules,
    services,
    status_components,
    team_members,
    teams,
    users,
)
from ondeck.domain.model import TargetKind, Urgency
from ondeck.domain.org import (
    ContactSpec,
    IntegrationSpec,
    LayerSpec,
    LevelSpec,
    OrgSpec,
    PolicySpec,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    StatusComponentSpec,
    StatusPageSpec,
    TargetSpec,
    TeamSpec,
    UserSpec,
    validate,
)
from ondeck.domain.working_hours import hours_text, stored_hours

KINDS = ("users", "teams", "schedules", "escalation_policies", "services")


class SqlOrgStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _ids(self, table: Table, key: str) -> dict[str, int]:
        rows = self._conn.execute(select(table.c[key], table.c.id))
        return {str(row[0]): int(row[1]) for row in rows}

    def integration_owners(self) -> dict[str, str]:
        rows = self._conn.execute(
            select(integrations.c.key, services.c.name).join(
                services, services.c.id == integrations.c.service_id
            )
        )
        return {str(key): str(name) for key, name in rows}

    def existing_names(self) -> dict[str, set[str]]:
        return {
            "users": set(self._ids(users, "email")),
            "teams": set(self._ids(teams, "name")),
            "schedules": set(self._ids(schedules, "name")),
            "escalation_policies": set(self._ids(escalation_policies, "name")),
            "services": set(self._ids(services, "name")),
        }

    def _upsert(self, table: Table, key: str, value: str, fields: dict[str, Any]) -> int:
        existing = self._conn.execute(select(table.c.id).where(table.c[key] == value)).scalar()
        if existing is not None:
            if fields:
                self._conn.execute(update(table).where(table.c.id == existing).values(fields))
            return int(existing)
        result = self._conn.execute(
            insert(table).values({key: value, **fields}).returning(table.c.id)
        )
        return int(result.scalar_one())

    def apply(self, spec: OrgSpec, *, at: datetime) -> dict[str, int]:
        """Store ``spec``, which must be valid and have every layer's start resolved."""
        assert not validate(spec, self.existing_names()), "validate before applying"
        for user in spec.users:
            self._apply_user(user, at)
        user_ids = self._ids(users, "email")
        for team in spec.teams:
            hours = (
                {}
                if team.working_hours is None
                else {"working_hours": hours_text(team.working_hours)}
            )
            team_id = self._upsert(teams, "name", team.name, hours)
            self._conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
            if team.members:
                self._conn.execute(
                    insert(team_members),
                    [
                        {"team_id": team_id, "user_id": user_ids[email], "position": i}
                        for i, email in enumerate(dict.fromkeys(m.lower() for m in team.members))
                    ],
                )
        for schedule in spec.schedules:
            schedule_id = self._upsert(
                schedules,
                "name",
                schedule.name,
                {"timezone": schedule.timezone, "max_share": schedule.max_share},
            )
            self._conn.execute(
                delete(schedule_layers).where(schedule_layers.c.schedule_id == schedule_id)
            )
            for position, layer in enumerate(schedule.layers):
                if layer.start is None:
                    raise ValueError(f"layer {layer.name!r} has no start; resolve it first")
                self._conn.execute(
                    insert(schedule_layers).values(
                        schedule_id=schedule_id,
                        position=position,
                        name=layer.name,
                        start_local=layer.start.replace(tzinfo=None).isoformat(),
                        turn_seconds=int(layer.rotation.total_seconds()),
                        participants=[user_ids[p.lower()] for p in layer.participants],
                        restrictions=restrictions_to_json(layer.restrictions),
                    )
                )
        refs = {
            TargetKind.USER: user_ids,
            TargetKind.SCHEDULE: self._ids(schedules, "name"),
            TargetKind.TEAM: self._ids(teams, "name"),
        }
        for policy in spec.escalation_policies:
            levels = [
                {
                    "escalate_after": int(level.escalate_after.total_seconds()),
                    "targets": [
                        {
                            "kind": t.kind.value,
                            "ref": refs[t.kind][
                                t.name.lower() if t.kind is TargetKind.USER else t.name
                            ],
                            "name": t.name,
                        }
                        | ({"role": t.role} if t.role else {})
                        for t in level.targets
                    ],
                }
                for level in policy.levels
            ]
            self._upsert(
                escalation_policies,
                "name",
                policy.name,
                {"repeat": policy.repeat, "levels": levels},
            )
        policy_ids = self._ids(escalation_policies, "name")
        team_ids = refs[TargetKind.TEAM]
        for service in spec.services:
            service_id = self._upsert(
                services,
                "name",
                service.name,
                {
                    "team_id": team_ids[service.team] if service.team else None,
                    "escalation_policy_id": policy_ids[service.escalation_policy],
                    "runbook_url": service.runbook_url,
                    "urgency": service.urgency.value if service.urgency else None,
                    "chat_channel": service.chat_channel,
                },
            )
            keys = [i.key for i in service.integrations]
            self._conn.execute(
                delete(integrations).where(
                    integrations.c.service_id == service_id, integrations.c.key.not_in(keys)
                )
            )
            for integration in service.integrations:
                self._upsert(
                    integrations,
                    "key",
                    integration.key,
                    {"service_id": service_id, "kind": integration.kind},
                )
            self._sync_status_components(service_id, service.status_page)
        return {
            "users": len(spec.users),
            "teams": len(spec.teams),
            "schedules": len(spec.schedules),
            "escalation_policies": len(spec.escalation_policies),
            "services": len(spec.services),
        }

    def _sync_status_components(self, service_id: int, page: StatusPageSpec | None) -> None:
        """The service's public components become exactly ``page``'s (none without one);
        a component kept by name keeps its id, so published updates still name it."""
        wanted = page.components if page is not None else ()
        self._conn.execute(
            delete(status_components).where(
                status_components.c.service_id == service_id,
                status_components.c.name.not_in([c.name for c in wanted]),
            )
        )
        stored = {
            row.name: row.id
            for row in self._conn.execute(
                select(status_components.c.id, status_components.c.name).where(
                    status_components.c.service_id == service_id
                )
            )
        }
        for position, component in enumerate(wanted):
            assert page is not None
            values = {
                "group_name": page.name,
                "description": component.description,
                "position": position,
            }
            if component.name in stored:
                self._conn.execute(
                    update(status_components)
                    .where(status_components.c.id == stored[component.name])
                    .values(values)
                )
            else:
                self._conn.execute(
                    insert(status_components).values(
                        service_id=service_id, name=component.name, **values
                    )
                )

    def _status_page(self, service_id: int) -> StatusPageSpec | None:
        rows = self._conn.execute(
            select(status_components)
            .where(status_components.c.service_id == service_id)
            .order_by(status_components.c.position, status_components.c.id)
        ).all()
        if not rows:
            return None
        return StatusPageSpec(
            name=rows[0].group_name,
            components=tuple(StatusComponentSpec(r.name, r.description) for r in rows),
        )

    def _apply_user(self, user: UserSpec, at: datetime) -> None:
        email = user.email.strip().lower()
        existing = self._conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
        fields = {"name": user.name, "timezone": user.timezone, "role": user.role}
        if user.working_hours is not None:
            fields["working_hours"] = hours_text(user.working_hours)
        if user.low_urgency is not None:
            fields["low_urgency"] = user.low_urgency
        if existing is None:
            user_id = int(
                self._conn.execute(
                    insert(users).values(email=email, created_at=at, **fields).returning(users.c.id)
                ).scalar_one()
            )
        else:
            user_id = int(existing)
            self._conn.execute(update(users).where(users.c.id == user_id).values(fields))
        wanted = user.contact_methods
        if wanted is None and existing is None:
            wanted = (ContactSpec(kind="email", address=email),)
        if wanted is not None:
            self._replace_contacts(user_id, wanted)
        if user.notification_rules is not None:
            self._replace_rules(user_id, user.notification_rules)

    def _replace_contacts(self, user_id: int, wanted: tuple[ContactSpec, ...]) -> None:
        stored = {
            (row.kind, row.address): row.id
            for row in self._conn.execute(
                select(contact_methods).where(contact_methods.c.user_id == user_id)
            )
        }
        keep = {(c.kind, c.address) for c in wanted}
        gone = [cid for key, cid in stored.items() if key not in keep]
        if gone:
            self._conn.execute(delete(contact_methods).where(contact_methods.c.id.in_(gone)))
        for position, contact in enumerate(wanted):
            key = (contact.kind, contact.address)
            values = {"position": position, "label": contact.label}
            if key in stored:
                self._conn.execute(
                    update(contact_methods)
                    .where(contact_methods.c.id == stored[key])
                    .values(values)
                )
            else:
                self._conn.execute(
                    insert(contact_methods).values(
                        user_id=user_id, kind=contact.kind, address=contact.address, **values
                    )
                )

    def _replace_rules(self, user_id: int, rules: tuple[RuleSpec, ...]) -> None:
        contacts = list(
            self._conn.execute(
                select(contact_methods)
                .where(contact_methods.c.user_id == user_id)
                .order_by(contact_methods.c.position)
            )
        )
        self._conn.execute(
            delete(notification_rules).where(notification_rules.c.user_id == user_id)
        )
        for position, rule in enumerate(rules):
            match = next(
                (c for c in contacts if rule.contact in (c.label, c.kind, c.address)), None
            )
            if match is None:
                continue
            self._conn.execute(
                insert(notification_rules).values(
                    user_id=user_id,
                    position=position,
                    contact_method_id=match.id,
                    delay_seconds=int(rule.after.total_seconds()),
                    urgency=rule.urgency.value if rule.urgency else None,
                )
            )

    def _rows(self, table: Table, wanted: bool) -> list[Any]:
        """Every row of ``table`` by id, or none when that kind was not asked for."""
        if not wanted:
            return []
        return list(self._conn.execute(select(table).order_by(table.c.id)))

    def export(self, kinds: Collection[str] = KINDS) -> OrgSpec:
        """The stored organisation; only ``kinds`` are read (the others come back empty).

        Overrides, exemptions and leave are not read: they come back None."""
        emails = {v: k for k, v in self._ids(users, "email").items()}
        team_names = {v: k for k, v in self._ids(teams, "name").items()}
        policy_names = {v: k for k, v in self._ids(escalation_policies, "name").items()}
        schedule_names = {v: k for k, v in self._ids(schedules, "name").items()}
        names_by_kind = {
            TargetKind.USER: emails,
            TargetKind.SCHEDULE: schedule_names,
            TargetKind.TEAM: team_names,
        }

        user_specs = []
        for row in self._rows(users, "users" in kinds):
            contacts = list(
                self._conn.execute(
                    select(contact_methods)
                    .where(contact_methods.c.user_id == row.id)
                    .order_by(contact_methods.c.position)
                )
            )
            by_id = {c.id: c for c in contacts}
            rules = self._conn.execute(
                select(notification_rules)
                .where(notification_rules.c.user_id == row.id)
                .order_by(notification_rules.c.position)
            )
            user_specs.append(
                UserSpec(
                    email=row.email,
                    name=row.name,
                    timezone=row.timezone,
                    role=row.role,
                    contact_methods=tuple(
                        ContactSpec(kind=c.kind, address=c.address, label=c.label) for c in contacts
                    ),
                    notification_rules=tuple(
                        RuleSpec(
                            contact=by_id[r.contact_method_id].label
                            or by_id[r.contact_method_id].address,
                            after=timedelta(seconds=r.delay_seconds),
                            urgency=Urgency(r.urgency) if r.urgency else None,
                        )
                        for r in rules
                    ),
                    working_hours=stored_hours(row.working_hours) or None,
                    low_urgency=None if row.low_urgency == "working_hours" else row.low_urgency,
                )
            )

        team_specs = [
            TeamSpec(
                name=row.name,
                members=tuple(
                    emails[int(member[0])]
                    for member in self._conn.execute(
                        select(team_members.c.user_id)
                        .where(team_members.c.team_id == row.id)
                        .order_by(team_members.c.position)
                    )
                ),
                working_hours=stored_hours(row.working_hours) or None,
            )
            for row in self._rows(teams, "teams" in kinds)
        ]

        schedule_specs = [
            ScheduleSpec(
                name=row.name,
                timezone=row.timezone,
                layers=tuple(
                    _layer_spec(layer, emails)
                    for layer in self._conn.execute(
                        select(schedule_layers)
                        .where(schedule_layers.c.schedule_id == row.id)
                        .order_by(schedule_layers.c.position)
                    )
                ),
                max_share=row.max_share,
            )
            for row in self._rows(schedules, "schedules" in kinds)
        ]

        policy_specs = []
        for policy_row in self._rows(escalation_policies, "escalation_policies" in kinds):
            snapshot = policy_from_row(policy_row._mapping)
            policy_specs.append(
                PolicySpec(
                    name=snapshot.name,
                    repeat=snapshot.repeat,
                    levels=tuple(
                        LevelSpec(
                            escalate_after=level.escalate_after,
                            targets=tuple(
                                TargetSpec(
                                    t.kind,
                                    names_by_kind[t.kind].get(t.ref, t.name),
                                    t.role.value if t.role else None,
                                )
                                for t in level.targets
                            ),
                        )
                        for level in snapshot.levels
                    ),
                )
            )

        service_specs = [
            ServiceSpec(
                name=row.name,
                escalation_policy=policy_names[row.escalation_policy_id],
                team=team_names.get(row.team_id) if row.team_id else None,
                runbook_url=row.runbook_url,
                urgency=Urgency(row.urgency) if row.urgency else None,
                integrations=tuple(
                    IntegrationSpec(kind=i.kind, key=i.key)
                    for i in self._conn.execute(
                        select(integrations)
                        .where(integrations.c.service_id == row.id)
                        .order_by(integrations.c.id)
                    )
                ),
                chat_channel=row.chat_channel,
                status_page=self._status_page(row.id),
            )
            for row in self._rows(services, "services" in kinds)
        ]
        return OrgSpec(
            users=tuple(user_specs),
            teams=tuple(team_specs),
            schedules=tuple(schedule_specs),
            escalation_policies=tuple(policy_specs),
            services=tuple(service_specs),
        )

    def listing(self, kind: str) -> list[dict[str, Any]]:
        table = {
            "users": users,
            "teams": teams,
            "schedules": schedules,
            "escalation_policies": escalation_policies,
            "services": services,
        }[kind]
        ids = self._ids(table, "email" if kind == "users" else "name")
        spec = self.export(kinds=(kind,))
        items: list[Any] = list(getattr(spec, kind))
        out = []
        for item in items:
            key = item.email if kind == "users" else item.name
            out.append({"id": ids[key], "spec": item})
        return out


def _layer_spec(row: Any, emails: dict[int, str]) -> LayerSpec:
    start = datetime.fromisoformat(row.start_local)
    return LayerSpec(
        name=row.name,
        start=start,
        rotation=timedelta(seconds=row.turn_seconds),
        participants=tuple(emails[int(p)] for p in row.participants),
        handoff=start.time(),
        restrictions=restrictions_from_json(row.restrictions),
    )
