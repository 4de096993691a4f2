"""The YAML format of ``ondeck apply`` and ``ondeck export``.

Shape and type errors are reported with the file name and the path inside it
(``org.yaml: services[0].escalation_policy: ...``); unknown keys are refused, so a typo
never silently drops a setting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ondeck.domain.durations import format_duration, parse_duration
from ondeck.domain.errors import InvalidDuration
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
    TargetSpec,
    TeamSpec,
    UserSpec,
)


class OrgFileError(Exception):
    """The file could not be read; ``problems`` are ``path: message`` lines."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(f"{filename}: {p}" for p in problems))


def _duration(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("write a duration like 30s, 5m, 12h, 1d or 1w")
    if isinstance(value, int):
        raise ValueError(f"{value} has no unit; write a duration like {value}s or {value}m")
    try:
        return parse_duration(value)
    except InvalidDuration as error:
        raise ValueError(str(error)) from error


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ContactIn(_Model):
    type: str
    address: str
    label: str = ""


class RuleIn(_Model):
    contact: str
    after: timedelta
    urgency: Urgency | None = None

    _after = field_validator("after", mode="before")(_duration)


class UserIn(_Model):
    email: str
    name: str
    timezone: str = "UTC"
    role: str = "user"
    contact_methods: list[ContactIn] | None = None
    notification_rules: list[RuleIn] | None = None


class TeamIn(_Model):
    name: str
    members: list[str] = Field(default_factory=list)


class LayerIn(_Model):
    name: str
    start: datetime
    rotation: timedelta
    participants: list[str]

    _rotation = field_validator("rotation", mode="before")(_duration)

    @field_validator("start")
    @classmethod
    def _wall_clock(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError(
                "start is a wall-clock time in the schedule's time zone; leave out the offset"
            )
        return value


class ScheduleIn(_Model):
    name: str
    timezone: str
    layers: list[LayerIn] = Field(default_factory=list)


class TargetIn(_Model):
    user: str | None = None
    schedule: str | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetIn:
        named = [v for v in (self.user, self.schedule, self.team) if v is not None]
        if len(named) != 1:
            raise ValueError("a target names exactly one of user, schedule or team")
        return self

    def spec(self) -> TargetSpec:
        if self.user is not None:
            return TargetSpec(TargetKind.USER, self.user)
        if self.schedule is not None:
            return TargetSpec(TargetKind.SCHEDULE, self.schedule)
        assert self.team is not None
        return TargetSpec(TargetKind.TEAM, self.team)


class LevelIn(_Model):
    escalate_after: timedelta
    targets: list[TargetIn]

    _after = field_validator("escalate_after", mode="before")(_duration)


class PolicyIn(_Model):
    name: str
    repeat: int = 0
    levels: list[LevelIn]


class IntegrationIn(_Model):
    type: str
    key: str


class ServiceIn(_Model):
    name: str
    escalation_policy: str
    team: str | None = None
    runbook_url: str = ""
    urgency: Literal["high", "low"] | None = None
    integrations: list[IntegrationIn] = Field(default_factory=list)


class OrgIn(_Model):
    users: list[UserIn] = Field(default_factory=list)
    teams: list[TeamIn] = Field(default_factory=list)
    schedules: list[ScheduleIn] = Field(default_factory=list)
    escalation_policies: list[PolicyIn] = Field(default_factory=list)
    services: list[ServiceIn] = Field(default_factory=list)

    def spec(self) -> OrgSpec:
        return OrgSpec(
            users=tuple(
                UserSpec(
                    email=u.email.strip().lower(),
                    name=u.name,
                    timezone=u.timezone,
                    role=u.role,
                    contact_methods=None
                    if u.contact_methods is None
                    else tuple(ContactSpec(c.type, c.address, c.label) for c in u.contact_methods),
                    notification_rules=None
                    if u.notification_rules is None
                    else tuple(
                        RuleSpec(r.contact, r.after, r.urgency) for r in u.notification_rules
                    ),
                )
                for u in self.users
            ),
            teams=tuple(TeamSpec(t.name, tuple(t.members)) for t in self.teams),
            schedules=tuple(
                ScheduleSpec(
                    s.name,
                    s.timezone,
                    tuple(
                        LayerSpec(x.name, x.start, x.rotation, tuple(x.participants))
                        for x in s.layers
                    ),
                )
                for s in self.schedules
            ),
            escalation_policies=tuple(
                PolicySpec(
                    name=p.name,
                    repeat=p.repeat,
                    levels=tuple(
                        LevelSpec(x.escalate_after, tuple(t.spec() for t in x.targets))
                        for x in p.levels
                    ),
                )
                for p in self.escalation_policies
            ),
            services=tuple(
                ServiceSpec(
                    name=s.name,
                    escalation_policy=s.escalation_policy,
                    team=s.team,
                    runbook_url=s.runbook_url,
                    urgency=Urgency(s.urgency) if s.urgency else None,
                    integrations=tuple(IntegrationSpec(i.type, i.key) for i in s.integrations),
                )
                for s in self.services
            ),
        )


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping instead of keeping the last."""


def _unique_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"{key_node.value!r} is given twice in the same mapping",
                    key_node.start_mark,
                )
            seen.add(key_node.value)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def format_location(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required field is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse_org(text: str, filename: str = "<input>") -> OrgSpec:
    """Parse YAML text into an OrgSpec; raise OrgFileError listing every problem found."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise OrgFileError(filename, [f"{where}not valid YAML ({problem})"]) from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise OrgFileError(filename, ["the top level must be a mapping (users:, services:, ...)"])
    try:
        return OrgIn.model_validate(data).spec()
    except ValidationError as error:
        raise OrgFileError(
            filename,
            [f"{format_location(e['loc'])}: {_message(dict(e))}" for e in error.errors()],
        ) from error


def read_org_file(path: Path) -> OrgSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise OrgFileError(str(path), [f"cannot read the file ({error.strerror})"]) from error
    return parse_org(text, str(path))


class _Dumper(yaml.SafeDumper):
    """SafeDumper that double-quotes text holding line breaks YAML would fold into spaces."""


def _represent_text(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def _start_text(value: datetime) -> str:
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


def dump_org(spec: OrgSpec) -> str:
    """The YAML text ``parse_org`` reads back as ``spec``."""
    data: dict[str, Any] = {
        "users": [
            {
                "email": u.email,
                "name": u.name,
                "timezone": u.timezone,
                "role": u.role,
                "contact_methods": [
                    {"type": c.kind, "address": c.address} | ({"label": c.label} if c.label else {})
                    for c in u.contact_methods or ()
                ],
                "notification_rules": [
                    {"contact": r.contact, "after": format_duration(r.after)}
                    | ({"urgency": r.urgency.value} if r.urgency else {})
                    for r in u.notification_rules or ()
                ],
            }
            for u in spec.users
        ],
        "teams": [{"name": t.name, "members": list(t.members)} for t in spec.teams],
        "schedules": [
            {
                "name": s.name,
                "timezone": s.timezone,
                "layers": [
                    {
                        "name": layer.name,
                        "start": _start_text(layer.start),
                        "rotation": format_duration(layer.rotation),
                        "participants": list(layer.participants),
                    }
                    for layer in s.layers
                ],
            }
            for s in spec.schedules
        ],
        "escalation_policies": [
            {
                "name": p.name,
                "repeat": p.repeat,
                "levels": [
                    {
                        "escalate_after": format_duration(level.escalate_after),
                        "targets": [{t.kind.value: t.name} for t in level.targets],
                    }
                    for level in p.levels
                ],
            }
            for p in spec.escalation_policies
        ],
        "services": [
            {
                "name": s.name,
                "team": s.team,
                "escalation_policy": s.escalation_policy,
                "runbook_url": s.runbook_url,
                "integrations": [{"type": i.kind, "key": i.key} for i in s.integrations],
            }
            | ({"urgency": s.urgency.value} if s.urgency else {})
            for s in spec.services
        ],
    }
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
