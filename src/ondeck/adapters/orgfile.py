"""The YAML format of ``ondeck apply`` and ``ondeck export``.

Shape and type errors are reported with the file name and the path inside it
(``org.yaml: services[0].escalation_policy: ...``); unknown keys are refused, so a typo
never silently drops a setting.

Times of day are ``"HH:MM"``; ``17:00`` unquoted is read as that text too, not as YAML
1.1's base-60 number 1020. Moments (an override's ``from``, a period of leave's ``to``) are a
date (meaning 00:00), a wall-clock time ``2026-12-24T09:00``, or a time with an offset.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ondeck.adapters.orgfile_major import MajorIncidentsIn, major_incidents_out
from ondeck.adapters.orgfile_major import duration as _duration
from ondeck.domain.durations import format_duration
from ondeck.domain.model import TargetKind, Urgency
from ondeck.domain.org import (
    DEFAULT_MAX_SHARE,
    ContactSpec,
    ExemptionSpec,
    IntegrationSpec,
    LayerSpec,
    LeaveSpec,
    LevelSpec,
    OrgSpec,
    OverrideSpec,
    PolicySpec,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    StatusComponentSpec,
    StatusPageSpec,
    TargetSpec,
    TeamSpec,
    UserSpec,
)
from ondeck.domain.rotation import DEFAULT_HANDOFF, DEFAULT_TURN, EVERY_DAY, WEEKDAYS, Window
from ondeck.domain.working_hours import InvalidHours, clock_of, parse_window, window_text


class OrgFileError(Exception):
    """The file could not be read; ``problems`` are ``path: message`` lines."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(f"{filename}: {p}" for p in problems))


def _clock_time(value: Any) -> time:
    """A time of day written ``"HH:MM"``."""
    if isinstance(value, str):
        found = clock_of(value.strip())
        if found is not None:
            return found
        if value.strip() == "24:00":
            raise ValueError(
                'write midnight as "00:00" (a window that ends at or before its start '
                "ends the next day)"
            )
    raise ValueError(f'{value!r} is not a time of day; write HH:MM, like "09:00"')


def _weekday(value: Any) -> int:
    """A weekday name (mon..sun, any case) as its number, 0 = Monday."""
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise ValueError(f"{value!r} is not a weekday ({', '.join(WEEKDAYS)})")


def _moment(value: Any) -> datetime:
    """A date (00:00 that day), or a date and time, naive (wall-clock) or with an offset."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0))
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        f"{value!r} is not a date or time; write 2026-12-24, 2026-12-24T09:00 "
        "or 2026-12-24T09:00+01:00"
    )


def _layer_start(value: Any) -> date | None:
    """A date (the handoff time comes from ``handoff``) or a naive date and time."""
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    start = _moment(value)
    if start.tzinfo is not None:
        raise ValueError(
            "start is a wall-clock time in the schedule's time zone; leave out the offset"
        )
    return start


def _hours(value: Any) -> Window:
    """A working-hours window written as text: ``Mon-Fri 09:00-17:00``."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not working hours; write text like 'Mon-Fri 09:00-17:00'")
    try:
        return parse_window(value)
    except InvalidHours as error:
        raise ValueError(str(error)) from error


ClockTime = Annotated[time, PlainValidator(_clock_time)]
HoursText = Annotated[Window, PlainValidator(_hours)]
Moment = Annotated[datetime, PlainValidator(_moment)]
Weekday = Annotated[int, PlainValidator(_weekday)]


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


class LeaveIn(_Model):
    start: Moment | None = Field(default=None, alias="from")
    end: Moment = Field(alias="to")
    reason: str = ""

    def spec(self) -> LeaveSpec:
        return LeaveSpec(self.start, self.end, self.reason)


class UserIn(_Model):
    email: str
    name: str
    timezone: str = "UTC"
    role: str = "user"
    contact_methods: list[ContactIn] | None = None
    notification_rules: list[RuleIn] | None = None
    unavailable: list[LeaveIn] | None = None
    working_hours: list[HoursText] | None = None
    low_urgency: Literal["working_hours", "anytime"] | None = None


class TeamIn(_Model):
    name: str
    members: list[str] = Field(default_factory=list)
    working_hours: list[HoursText] | None = None


class WindowIn(_Model):
    days: list[Weekday] = Field(default_factory=lambda: sorted(EVERY_DAY))
    start: ClockTime = Field(default=time(0, 0), alias="from")
    end: ClockTime = Field(default=time(0, 0), alias="to")

    def window(self) -> Window:
        return Window(days=frozenset(self.days), start=self.start, end=self.end)


class LayerIn(_Model):
    name: str
    start: Annotated[date | None, PlainValidator(_layer_start)] = None
    handoff: ClockTime | None = None
    rotation: timedelta = DEFAULT_TURN
    participants: list[str]
    restrictions: list[WindowIn] = Field(default_factory=list)

    _rotation = field_validator("rotation", mode="before")(_duration)

    @field_validator("handoff")
    @classmethod
    def _same_as_start(cls, value: time | None, info: ValidationInfo) -> time | None:
        start = info.data.get("start")
        if value is not None and isinstance(start, datetime) and start.time() != value:
            raise ValueError(
                f"the start {start:%Y-%m-%dT%H:%M} already puts the handoff at "
                f"{start:%H:%M}; write the start as a date, or leave handoff out"
            )
        return value

    def spec(self) -> LayerSpec:
        handoff = self.handoff or DEFAULT_HANDOFF
        if isinstance(self.start, datetime):
            start: datetime | None = self.start
            handoff = self.start.time()
        elif self.start is not None:
            start = datetime.combine(self.start, handoff)
        else:
            start = None
        return LayerSpec(
            name=self.name,
            start=start,
            rotation=self.rotation,
            participants=tuple(self.participants),
            handoff=handoff,
            restrictions=tuple(w.window() for w in self.restrictions),
        )


class OverrideIn(_Model):
    user: str
    start: Moment = Field(alias="from")
    end: Moment = Field(alias="to")
    note: str = ""

    def spec(self) -> OverrideSpec:
        return OverrideSpec(self.user, self.start, self.end, self.note)


class ExemptionIn(_Model):
    user: str
    start: Moment | None = Field(default=None, alias="from")
    end: Moment | None = Field(default=None, alias="to")
    layer: str | None = None
    reason: str = ""

    def spec(self) -> ExemptionSpec:
        return ExemptionSpec(self.user, self.start, self.end, self.layer, self.reason)


class ScheduleIn(_Model):
    name: str
    timezone: str
    max_share: int = DEFAULT_MAX_SHARE
    layers: list[LayerIn] = Field(default_factory=list)
    overrides: list[OverrideIn] | None = None
    exemptions: list[ExemptionIn] | None = None

    def spec(self) -> ScheduleSpec:
        return ScheduleSpec(
            name=self.name,
            timezone=self.timezone,
            layers=tuple(layer.spec() for layer in self.layers),
            max_share=self.max_share,
            overrides=None if self.overrides is None else tuple(o.spec() for o in self.overrides),
            exemptions=None
            if self.exemptions is None
            else tuple(e.spec() for e in self.exemptions),
        )


class TargetIn(_Model):
    user: str | None = None
    schedule: str | None = None
    team: str | None = None
    role: str | None = None
    """incident_manager, incident_engineer or subject_matter_expert: what the page asks."""

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetIn:
        named = [v for v in (self.user, self.schedule, self.team) if v is not None]
        if len(named) != 1:
            raise ValueError("a target names exactly one of user, schedule or team")
        return self

    def spec(self) -> TargetSpec:
        if self.user is not None:
            return TargetSpec(TargetKind.USER, self.user, self.role)
        if self.schedule is not None:
            return TargetSpec(TargetKind.SCHEDULE, self.schedule, self.role)
        assert self.team is not None
        return TargetSpec(TargetKind.TEAM, self.team, self.role)


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


class StatusComponentIn(_Model):
    name: str
    description: str = ""


class StatusPageIn(_Model):
    """``{name: Checkout, components: [Payments, {name: Orders, description: ...}]}``."""

    name: str
    components: list[str | StatusComponentIn]

    def spec(self) -> StatusPageSpec:
        return StatusPageSpec(
            name=self.name.strip(),
            components=tuple(
                StatusComponentSpec(c.strip())
                if isinstance(c, str)
                else StatusComponentSpec(c.name.strip(), c.description.strip())
                for c in self.components
            ),
        )


class ServiceIn(_Model):
    name: str
    escalation_policy: str
    team: str | None = None
    runbook_url: str = ""
    urgency: Literal["high", "low"] | None = None
    integrations: list[IntegrationIn] = Field(default_factory=list)
    chat_channel: str = ""
    status_page: StatusPageIn | None = None


class OrgIn(_Model):
    users: list[UserIn] = Field(default_factory=list)
    teams: list[TeamIn] = Field(default_factory=list)
    schedules: list[ScheduleIn] = Field(default_factory=list)
    escalation_policies: list[PolicyIn] = Field(default_factory=list)
    services: list[ServiceIn] = Field(default_factory=list)
    major_incidents: MajorIncidentsIn | None = None

    def spec(self) -> OrgSpec:
        return OrgSpec(
            major_incidents=self.major_incidents.spec() if self.major_incidents else None,
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
                    unavailable=None
                    if u.unavailable is None
                    else tuple(leave.spec() for leave in u.unavailable),
                    working_hours=_windows(u.working_hours),
                    low_urgency=u.low_urgency,
                )
                for u in self.users
            ),
            teams=tuple(
                TeamSpec(t.name, tuple(t.members), _windows(t.working_hours)) for t in self.teams
            ),
            schedules=tuple(s.spec() for s in self.schedules),
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
                    chat_channel=s.chat_channel,
                    status_page=s.status_page.spec() if s.status_page else None,
                )
                for s in self.services
            ),
        )


def _windows(listed: list[Window] | None) -> tuple[Window, ...] | None:
    return None if listed is None else tuple(listed)


_BASE_60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping instead of keeping the last, and
    reads ``17:00`` as text (as YAML 1.2 does), not as the base-60 number 1020."""


def _without_base_60(regexp: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rf"(?!{_BASE_60.pattern}$){regexp.pattern}", regexp.flags)


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _without_base_60(regexp) if tag in _NUMBERS else regexp) for tag, regexp in resolvers
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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


def parse_schedule(data: Any, source: str = "<body>") -> ScheduleSpec:
    """One schedule in the shape of an entry of the file's ``schedules:`` (as JSON or YAML
    data); raise OrgFileError naming each problem's path inside it."""
    if not isinstance(data, dict):
        raise OrgFileError(source, ["a schedule is a mapping (name:, timezone:, layers:, ...)"])
    try:
        return ScheduleIn.model_validate(data).spec()
    except ValidationError as error:
        raise OrgFileError(
            source,
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


class _Quoted(str):
    """Text written in double quotes: times of day, so that any YAML reader keeps them text."""


class _Flow(dict[str, Any]):
    """A mapping written on one line: ``{user: ..., from: ..., to: ...}``."""


def _represent_quoted(dumper: _Dumper, value: _Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _represent_flow(dumper: _Dumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(value), flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Quoted, _represent_quoted)
_Dumper.add_representer(_Flow, _represent_flow)


def _precise(value: datetime) -> str:
    """ISO 8601 with as much of the time as it takes: minutes, seconds or microseconds."""
    if value.microsecond:
        return value.isoformat(timespec="microseconds")
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


def _moment_text(value: datetime) -> date | str:
    """A naive midnight as its date; any other moment as precise as it is, with its offset."""
    if value.tzinfo is None and value.time() == time(0, 0):
        return value.date()
    return _precise(value)


def _clock_text(value: time) -> _Quoted:
    return _Quoted(value.isoformat(timespec="minutes"))


def _layer_out(layer: LayerSpec) -> dict[str, Any]:
    """``start`` as a date and ``handoff`` as HH:MM; a start with seconds stays a datetime."""
    out: dict[str, Any] = {"name": layer.name}
    if layer.start is None:
        if layer.handoff != DEFAULT_HANDOFF:
            out["handoff"] = _clock_text(layer.handoff)
    elif layer.start.second or layer.start.microsecond:
        out["start"] = _precise(layer.start)
    else:
        out["start"] = layer.start.date()
        out["handoff"] = _clock_text(layer.start.time())
    out["rotation"] = format_duration(layer.rotation)
    out["participants"] = list(layer.participants)
    if layer.restrictions:
        out["restrictions"] = [_window_out(w) for w in layer.restrictions]
    return out


def _window_out(window: Window) -> _Flow:
    out = _Flow()
    if window.days != EVERY_DAY:
        out["days"] = [WEEKDAYS[day] for day in sorted(window.days)]
    if (window.start, window.end) != (time(0, 0), time(0, 0)):
        out["from"] = _clock_text(window.start)
        out["to"] = _clock_text(window.end)
    return out


def _schedule_out(schedule: ScheduleSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": schedule.name, "timezone": schedule.timezone}
    if schedule.max_share != DEFAULT_MAX_SHARE:
        out["max_share"] = schedule.max_share
    out["layers"] = [_layer_out(layer) for layer in schedule.layers]
    if schedule.overrides is not None:
        out["overrides"] = [_override_out(o) for o in schedule.overrides]
    if schedule.exemptions is not None:
        out["exemptions"] = [_exemption_out(e) for e in schedule.exemptions]
    return out


def _override_out(override: OverrideSpec) -> _Flow:
    out = _Flow(user=override.user)
    out["from"] = _moment_text(override.start)
    out["to"] = _moment_text(override.end)
    if override.note:
        out["note"] = override.note
    return out


def _exemption_out(exemption: ExemptionSpec) -> _Flow:
    out = _Flow(user=exemption.user)
    if exemption.start is not None:
        out["from"] = _moment_text(exemption.start)
    if exemption.end is not None:
        out["to"] = _moment_text(exemption.end)
    if exemption.layer is not None:
        out["layer"] = exemption.layer
    if exemption.reason:
        out["reason"] = exemption.reason
    return out


def _leave_out(leave: LeaveSpec) -> _Flow:
    out = _Flow()
    if leave.start is not None:
        out["from"] = _moment_text(leave.start)
    out["to"] = _moment_text(leave.end)
    if leave.reason:
        out["reason"] = leave.reason
    return out


def _hours_out(windows: tuple[Window, ...] | None) -> dict[str, Any]:
    """``working_hours`` as text, one window per item; nothing when None (keep stored)."""
    return {} if windows is None else {"working_hours": [window_text(w) for w in windows]}


def _status_page_out(page: StatusPageSpec) -> dict[str, Any]:
    return {
        "name": page.name,
        "components": [
            _Flow({"name": c.name, "description": c.description}) if c.description else c.name
            for c in page.components
        ],
    }


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
            | (
                {"unavailable": [_leave_out(leave) for leave in u.unavailable]}
                if u.unavailable is not None
                else {}
            )
            | _hours_out(u.working_hours)
            | ({"low_urgency": u.low_urgency} if u.low_urgency is not None else {})
            for u in spec.users
        ],
        "teams": [
            {"name": t.name, "members": list(t.members)} | _hours_out(t.working_hours)
            for t in spec.teams
        ],
        "schedules": [_schedule_out(s) for s in spec.schedules],
        "escalation_policies": [
            {
                "name": p.name,
                "repeat": p.repeat,
                "levels": [
                    {
                        "escalate_after": format_duration(level.escalate_after),
                        "targets": [
                            {t.kind.value: t.name} | ({"role": t.role} if t.role else {})
                            for t in level.targets
                        ],
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
            | ({"chat_channel": s.chat_channel} if s.chat_channel else {})
            | ({"status_page": _status_page_out(s.status_page)} if s.status_page else {})
            for s in spec.services
        ],
    }
    if spec.major_incidents is not None:
        data["major_incidents"] = major_incidents_out(spec.major_incidents)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000)
