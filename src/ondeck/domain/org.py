"""An organisation's on-call set-up as code, and the cross-reference rules it must obey.

``OrgSpec`` is what ``ondeck apply`` reads and ``ondeck export`` writes. Objects are named
by natural keys (user email, team/schedule/policy/service name), so applying the same spec
twice changes nothing the second time. Overrides, exemptions and leave have no name: they
are known by who, when (and for exemptions, which layer).

Times in a spec are naive wall-clock times unless they carry an offset: a layer's start in
its schedule's zone, an override's or exemption's bounds in the schedule's zone, a period of
leave in the user's zone. ``moment`` turns them into UTC the way rotations read wall-clock
times (``fold=0`` in gaps and folds); ``wall_clock`` is its inverse for export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from datetime import timezone as fixed_offset
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ondeck.domain import major_incidents
from ondeck.domain.contacts import CONTACT_KINDS, address_problem, label_problem
from ondeck.domain.model import IncidentRole, TargetKind, Urgency
from ondeck.domain.rotation import DEFAULT_HANDOFF, DEFAULT_TURN, Window, wall_to_utc
from ondeck.domain.working_hours import MOST_WINDOWS

__all__ = ["CONTACT_KINDS"]
ROLES = frozenset({"admin", "user", "observer"})
INCIDENT_ROLES = tuple(role.value for role in IncidentRole)
"""What an escalation target's ``role`` may be."""
MAX_ROTATION = timedelta(weeks=52)
MAX_ESCALATE_AFTER = timedelta(days=1)
MAX_RULE_DELAY = timedelta(days=1)
LOW_URGENCY = frozenset({"working_hours", "anytime"})
"""Whether low-urgency pages wait for working hours (the default) or come at any time."""
DEFAULT_MAX_SHARE = 50
"""Percent of a schedule's on-call time one person may hold before ``schedule check`` warns."""
LONGEST_NOTE = 500
LONGEST_REASON = 2000


@dataclass(frozen=True)
class ContactSpec:
    kind: str
    address: str
    label: str = ""


@dataclass(frozen=True)
class RuleSpec:
    contact: str
    """A contact method's kind, label or address."""
    after: timedelta
    urgency: Urgency | None = None


@dataclass(frozen=True)
class LeaveSpec:
    """A period of leave: away from every schedule for ``[start, end)``.

    Naive bounds are wall-clock times in the user's zone; a None start is leave already under
    way (recorded without one). The reason is for managers only.
    """

    start: datetime | None
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class UserSpec:
    email: str
    name: str
    timezone: str = "UTC"
    role: str = "user"
    contact_methods: tuple[ContactSpec, ...] | None = None
    """None: keep what is stored (a new user gets their email address)."""
    notification_rules: tuple[RuleSpec, ...] | None = None
    unavailable: tuple[LeaveSpec, ...] | None = None
    """Leave that has not ended yet, all of it (any listed that has ended is history and
    ignored). None: keep what is stored."""
    working_hours: tuple[Window, ...] | None = None
    """Weekly windows in the user's zone; empty: their team's, or Mon-Fri 09:00-17:00.
    None: keep what is stored."""
    low_urgency: str | None = None
    """``working_hours`` (low-urgency pages wait for them) or ``anytime``. None: keep."""


@dataclass(frozen=True)
class TeamSpec:
    name: str
    members: tuple[str, ...] = ()
    working_hours: tuple[Window, ...] | None = None
    """Working hours of members who set none of their own. None: keep what is stored."""


@dataclass(frozen=True)
class LayerSpec:
    name: str
    start: datetime | None = None
    """Naive wall-clock time of the first handoff in the schedule's zone. None: not given;
    applying keeps the stored layer's start date, or starts a new layer at the latest Monday
    ``handoff`` (``rotation.default_start``)."""
    rotation: timedelta = DEFAULT_TURN
    participants: tuple[str, ...] = ()
    handoff: time = DEFAULT_HANDOFF
    """Time of day of each handoff; used only when ``start`` is None (else its time is)."""
    restrictions: tuple[Window, ...] = ()
    """Empty: the layer has someone at all times; else only inside these windows."""


@dataclass(frozen=True)
class OverrideSpec:
    """``user`` on call for ``[start, end)`` above every layer; naive bounds in the
    schedule's zone."""

    user: str
    start: datetime
    end: datetime
    note: str = ""


@dataclass(frozen=True)
class ExemptionSpec:
    """``user`` is not to be on call in this schedule (or only its ``layer``) for
    ``[start, end)``; None bounds are open. Naive bounds are in the schedule's zone. The
    reason is for managers only."""

    user: str
    start: datetime | None = None
    end: datetime | None = None
    layer: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    timezone: str
    layers: tuple[LayerSpec, ...] = ()
    max_share: int = DEFAULT_MAX_SHARE
    overrides: tuple[OverrideSpec, ...] | None = None
    """Overrides that have not ended yet, all of them (any listed that have ended are history
    and ignored). None: keep what is stored."""
    exemptions: tuple[ExemptionSpec, ...] | None = None
    """Exemptions that have not ended yet, all of them, as for ``overrides``."""


@dataclass(frozen=True)
class TargetSpec:
    kind: TargetKind
    name: str
    role: str | None = None
    """The incident role its people are paged to take (an ``IncidentRole`` value), if any."""


@dataclass(frozen=True)
class LevelSpec:
    escalate_after: timedelta
    targets: tuple[TargetSpec, ...]


@dataclass(frozen=True)
class PolicySpec:
    name: str
    levels: tuple[LevelSpec, ...]
    repeat: int = 0


@dataclass(frozen=True)
class IntegrationSpec:
    kind: str
    key: str


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    escalation_policy: str
    team: str | None = None
    runbook_url: str = ""
    urgency: Urgency | None = None
    integrations: tuple[IntegrationSpec, ...] = ()
    chat_channel: str = ""
    """A Slack channel id (``C0123ABCD``) that gets one message per incident; empty: none."""
    status_page: StatusPageSpec | None = None
    """Where the service shows on the public status page; None: it is not there at all."""


@dataclass(frozen=True)
class StatusComponentSpec:
    name: str
    description: str = ""


@dataclass(frozen=True)
class StatusPageSpec:
    """A service's public face: its group ``name`` and the components customers see."""

    name: str
    components: tuple[StatusComponentSpec, ...]


@dataclass(frozen=True)
class OrgSpec:
    users: tuple[UserSpec, ...] = ()
    teams: tuple[TeamSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    escalation_policies: tuple[PolicySpec, ...] = ()
    services: tuple[ServiceSpec, ...] = ()
    major_incidents: major_incidents.MajorIncidentSpec | None = None
    """The ``major_incidents:`` block; None: keep what is stored."""


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class _Names:
    users: set[str] = field(default_factory=set)
    teams: set[str] = field(default_factory=set)
    schedules: set[str] = field(default_factory=set)
    escalation_policies: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)


INTEGRATION_KINDS = frozenset({"events_v2", "alertmanager"})


def _duplicates(path: str, keys: Iterable[str]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for index, key in enumerate(keys):
        if key in seen:
            out.append(Problem(f"{path}[{index}]", f"{key!r} is listed twice"))
        seen.add(key)
    return out


def _text_problems(path: str, value: str, longest: int, *, required: bool = True) -> list[Problem]:
    """Names and addresses must fit their stored column and be storable text at all."""
    if required and not value.strip():
        return [Problem(path, "must not be empty")]
    if len(value) > longest:
        return [Problem(path, f"is {len(value)} characters long; at most {longest} fit")]
    if "\x00" in value:
        return [Problem(path, "must not contain NUL characters")]
    return []


def _zone_problem(path: str, name: str) -> list[Problem]:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return [Problem(path, f"{name!r} is not an IANA time zone (e.g. Europe/London)")]
    if name == "localtime":
        return [Problem(path, "'localtime' is whatever the server uses; name the zone")]
    return []


def moment(value: datetime, timezone: str) -> datetime:
    """The UTC moment ``value`` names: a naive value is wall-clock time in ``timezone``
    (``fold=0`` where that time is skipped or repeated), an aware one names itself."""
    if value.tzinfo is None:
        return wall_to_utc(value, ZoneInfo(timezone))
    return value.astimezone(UTC)


def wall_clock(value: datetime, timezone: str) -> datetime:
    """How a file writes the moment ``value``: its naive wall-clock time in ``timezone``, or,
    where that time would be read back as another moment (the second pass through a repeated
    hour), the local time with its UTC offset. ``moment`` reads either back as ``value``."""
    local = value.astimezone(ZoneInfo(timezone))
    naive = local.replace(tzinfo=None, fold=0)
    if wall_to_utc(naive, ZoneInfo(timezone)) == value:
        return naive
    offset = local.utcoffset()
    assert offset is not None
    return naive.replace(tzinfo=fixed_offset(offset))


def _zone_ok(name: str) -> bool:
    return not _zone_problem("", name)


def _order_problem(
    path: str, start: datetime | None, end: datetime | None, timezone: str
) -> list[Problem]:
    """Each bound names a moment, and ``to`` comes after ``from``, both read in ``timezone``
    (unless that zone is itself a problem, reported elsewhere)."""
    readable = _zone_ok(timezone)
    bounds: dict[str, datetime] = {}
    for field_name, value in (("from", start), ("to", end)):
        if value is None:
            continue
        try:
            bounds[field_name] = moment(value, timezone) if readable else value
        except OverflowError:
            return [Problem(f"{path}.{field_name}", "is too far in the past or future")]
    if len(bounds) < 2:
        return []
    first, last = bounds["from"], bounds["to"]
    if (first.tzinfo is None) != (last.tzinfo is None):
        return []
    if last <= first:
        return [Problem(f"{path}.to", "must be after from")]
    return []


def validate(
    spec: OrgSpec,
    existing: dict[str, set[str]],
    *,
    key_owners: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem in ``spec``, each with its path; references may name stored objects.

    ``key_owners`` maps stored integration keys to their service: a key may move to
    another service only when the same file also takes it off its old one, so a typo
    never silently reroutes another team's alerts.
    """
    owners = key_owners or {}
    listed = {s.name: {i.key for i in s.integrations} for s in spec.services}
    known = _Names(
        users={u.email.lower() for u in spec.users} | existing.get("users", set()),
        teams={t.name for t in spec.teams} | existing.get("teams", set()),
        schedules={s.name for s in spec.schedules} | existing.get("schedules", set()),
        escalation_policies={p.name for p in spec.escalation_policies}
        | existing.get("escalation_policies", set()),
    )
    problems: list[Problem] = []
    problems += _duplicates("users", (u.email.lower() for u in spec.users))
    problems += _duplicates("teams", (t.name for t in spec.teams))
    problems += _duplicates("schedules", (s.name for s in spec.schedules))
    problems += _duplicates("escalation_policies", (p.name for p in spec.escalation_policies))
    problems += _duplicates("services", (s.name for s in spec.services))

    for ui, user in enumerate(spec.users):
        base = f"users[{ui}]"
        email_problems = _text_problems(f"{base}.email", user.email, 320)
        problems += email_problems + _text_problems(f"{base}.name", user.name, 200)
        if not email_problems and "@" not in user.email:
            problems.append(Problem(f"{base}.email", f"{user.email!r} is not an email address"))
        if user.role not in ROLES:
            problems.append(
                Problem(f"{base}.role", f"{user.role!r} is not one of {', '.join(sorted(ROLES))}")
            )
        problems += _zone_problem(f"{base}.timezone", user.timezone)
        contacts = user.contact_methods or ()
        problems += _contact_problems(base, contacts)
        if user.low_urgency is not None and user.low_urgency not in LOW_URGENCY:
            problems.append(
                Problem(
                    f"{base}.low_urgency",
                    f"{user.low_urgency!r} is not one of {', '.join(sorted(LOW_URGENCY))}",
                )
            )
        problems += _hours_problems(f"{base}.working_hours", user.working_hours)
        references = {c.kind for c in contacts} | {c.label for c in contacts if c.label}
        references |= {c.address for c in contacts}
        if user.contact_methods is None:
            references |= {"email", user.email}
        for ri, rule in enumerate(user.notification_rules or ()):
            if rule.after > MAX_RULE_DELAY:
                problems.append(
                    Problem(f"{base}.notification_rules[{ri}].after", "must be at most 1d")
                )
            if rule.contact not in references:
                problems.append(
                    Problem(
                        f"{base}.notification_rules[{ri}].contact",
                        f"{rule.contact!r} names none of this user's contact methods",
                    )
                )
        for li, leave in enumerate(user.unavailable or ()):
            lbase = f"{base}.unavailable[{li}]"
            problems += _order_problem(lbase, leave.start, leave.end, user.timezone)
            problems += _text_problems(
                f"{lbase}.reason", leave.reason, LONGEST_REASON, required=False
            )

    for ti, team in enumerate(spec.teams):
        problems += _text_problems(f"teams[{ti}].name", team.name, 200)
        problems += _hours_problems(f"teams[{ti}].working_hours", team.working_hours)
        for mi, member in enumerate(team.members):
            if member.lower() not in known.users:
                problems.append(
                    Problem(f"teams[{ti}].members[{mi}]", f"no user with email {member!r}")
                )

    for si, schedule in enumerate(spec.schedules):
        problems += _schedule_problems(f"schedules[{si}]", schedule, known.users)

    for pi, policy in enumerate(spec.escalation_policies):
        base = f"escalation_policies[{pi}]"
        problems += _text_problems(f"{base}.name", policy.name, 200)
        if not policy.levels:
            problems.append(Problem(f"{base}.levels", "needs at least one level"))
        if policy.repeat < 0 or policy.repeat > 9:
            problems.append(Problem(f"{base}.repeat", "must be between 0 and 9"))
        for li, level in enumerate(policy.levels):
            if not timedelta(seconds=1) <= level.escalate_after <= MAX_ESCALATE_AFTER:
                problems.append(
                    Problem(f"{base}.levels[{li}].escalate_after", "must be between 1s and 1d")
                )
            if not level.targets:
                problems.append(Problem(f"{base}.levels[{li}].targets", "needs a target"))
            for ti, target in enumerate(level.targets):
                pool = {
                    TargetKind.USER: known.users,
                    TargetKind.SCHEDULE: known.schedules,
                    TargetKind.TEAM: known.teams,
                }[target.kind]
                name = target.name.lower() if target.kind is TargetKind.USER else target.name
                if name not in pool:
                    problems.append(
                        Problem(
                            f"{base}.levels[{li}].targets[{ti}].{target.kind.value}",
                            f"no {target.kind.value} named {target.name!r}",
                        )
                    )
                if target.role is not None and target.role not in INCIDENT_ROLES:
                    problems.append(
                        Problem(
                            f"{base}.levels[{li}].targets[{ti}].role",
                            f"{target.role!r} is not one of {', '.join(INCIDENT_ROLES)}",
                        )
                    )

    integration_keys: set[str] = set()
    for si, service in enumerate(spec.services):
        base = f"services[{si}]"
        problems += _text_problems(f"{base}.name", service.name, 200)
        problems += _text_problems(f"{base}.runbook_url", service.runbook_url, 2000, required=False)
        if service.chat_channel and not _CHAT_CHANNEL.fullmatch(service.chat_channel):
            problems.append(
                Problem(
                    f"{base}.chat_channel",
                    f"{service.chat_channel!r} is not a Slack channel id (C or G then capital "
                    "letters and digits, like C0123ABCD: the channel's details show it)",
                )
            )
        if service.escalation_policy not in known.escalation_policies:
            problems.append(
                Problem(
                    f"{base}.escalation_policy",
                    f"no escalation policy named {service.escalation_policy!r}",
                )
            )
        if service.team is not None and service.team not in known.teams:
            problems.append(Problem(f"{base}.team", f"no team named {service.team!r}"))
        if service.status_page is not None:
            problems += _status_page_problems(f"{base}.status_page", service.status_page)
        for ii, integration in enumerate(service.integrations):
            path = f"{base}.integrations[{ii}]"
            if integration.key in integration_keys:
                problems.append(Problem(f"{path}.key", "this key is listed twice"))
            integration_keys.add(integration.key)
            problems += _integration_problems(path, integration)
            owner = owners.get(integration.key)
            if (
                owner is not None
                and owner != service.name
                and integration.key in listed.get(owner, {integration.key})
            ):
                problems.append(
                    Problem(
                        f"{path}.key",
                        f"this key belongs to service {owner!r}; take it off that service "
                        "in the same file to move it",
                    )
                )
    if spec.major_incidents is not None:
        problems += [
            Problem(f"major_incidents.{path}", message)
            for path, message in major_incidents.problems(spec.major_incidents)
        ]
    return problems


_CHAT_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,30}")


def _status_page_problems(base: str, page: StatusPageSpec) -> list[Problem]:
    """A public group needs a name and at least one component, each named once."""
    problems = _text_problems(f"{base}.name", page.name, 200)
    if not page.components:
        problems.append(Problem(f"{base}.components", "list at least one component"))
    problems += _duplicates(f"{base}.components", (c.name.strip() for c in page.components))
    for index, component in enumerate(page.components):
        path = f"{base}.components[{index}]"
        problems += _text_problems(f"{path}.name", component.name, 200)
        problems += _text_problems(
            f"{path}.description", component.description, 2000, required=False
        )
    return problems


def _contact_problems(base: str, contacts: tuple[ContactSpec, ...]) -> list[Problem]:
    problems = _duplicates(f"{base}.contact_methods", (f"{c.kind} {c.address}" for c in contacts))
    labels: set[str] = set()
    for ci, contact in enumerate(contacts):
        cbase = f"{base}.contact_methods[{ci}]"
        if contact.label in labels:
            problems.append(Problem(f"{cbase}.label", f"{contact.label!r} labels two methods"))
        if contact.label:
            labels.add(contact.label)
        if contact.kind not in CONTACT_KINDS:
            problems.append(Problem(f"{cbase}.type", str(address_problem(contact.kind, ""))))
            continue
        wrong = address_problem(contact.kind, contact.address)
        if wrong is not None:
            problems.append(Problem(f"{cbase}.address", wrong))
        wrong = label_problem(contact.label)
        if wrong is not None:
            problems.append(Problem(f"{cbase}.label", wrong))
    return problems


def _hours_problems(path: str, windows: tuple[Window, ...] | None) -> list[Problem]:
    if windows is None:
        return []
    problems = [
        Problem(f"{path}[{wi}]", "needs at least one day")
        for wi, window in enumerate(windows)
        if not window.days
    ]
    if len(windows) > MOST_WINDOWS:
        problems.append(Problem(path, f"lists {len(windows)} windows; at most {MOST_WINDOWS} fit"))
    return problems


def _schedule_problems(base: str, schedule: ScheduleSpec, users: set[str]) -> list[Problem]:
    problems = _text_problems(f"{base}.name", schedule.name, 200)
    problems += _zone_problem(f"{base}.timezone", schedule.timezone)
    if not 1 <= schedule.max_share <= 100:
        problems.append(Problem(f"{base}.max_share", "must be a percentage between 1 and 100"))
    problems += _duplicates(f"{base}.layers", (layer.name for layer in schedule.layers))
    for li, layer in enumerate(schedule.layers):
        lbase = f"{base}.layers[{li}]"
        problems += _text_problems(f"{lbase}.name", layer.name, 200)
        if layer.rotation < timedelta(minutes=1) or layer.rotation > MAX_ROTATION:
            problems.append(Problem(f"{lbase}.rotation", "must be between 1m and 52w (one year)"))
        if not layer.participants:
            problems.append(Problem(f"{lbase}.participants", "needs at least one person"))
        for pi, email in enumerate(layer.participants):
            if email.lower() not in users:
                problems.append(
                    Problem(f"{lbase}.participants[{pi}]", f"no user with email {email!r}")
                )
        for wi, window in enumerate(layer.restrictions):
            if not window.days:
                problems.append(
                    Problem(f"{lbase}.restrictions[{wi}].days", "needs at least one day")
                )
    for oi, override in enumerate(schedule.overrides or ()):
        obase = f"{base}.overrides[{oi}]"
        if override.user.lower() not in users:
            problems.append(Problem(f"{obase}.user", f"no user with email {override.user!r}"))
        problems += _order_problem(obase, override.start, override.end, schedule.timezone)
        problems += _text_problems(f"{obase}.note", override.note, LONGEST_NOTE, required=False)
    layer_names = {layer.name for layer in schedule.layers}
    for ei, exemption in enumerate(schedule.exemptions or ()):
        ebase = f"{base}.exemptions[{ei}]"
        if exemption.user.lower() not in users:
            problems.append(Problem(f"{ebase}.user", f"no user with email {exemption.user!r}"))
        problems += _order_problem(ebase, exemption.start, exemption.end, schedule.timezone)
        if exemption.layer is not None and exemption.layer not in layer_names:
            problems.append(
                Problem(f"{ebase}.layer", f"no layer named {exemption.layer!r} in this schedule")
            )
        problems += _text_problems(
            f"{ebase}.reason", exemption.reason, LONGEST_REASON, required=False
        )
    return problems


def _integration_problems(path: str, integration: IntegrationSpec) -> list[Problem]:
    problems = []
    if integration.kind not in INTEGRATION_KINDS:
        kinds = ", ".join(sorted(INTEGRATION_KINDS))
        problems.append(Problem(f"{path}.type", f"{integration.kind!r} is not one of {kinds}"))
    key = integration.key
    if integration.kind == "events_v2":
        if not (len(key) == 32 and key.isascii() and key.isalnum()):
            problems.append(
                Problem(
                    f"{path}.key",
                    "an events_v2 key is 32 letters and digits (PagerDuty's routing_key)",
                )
            )
    elif len(key) < 8:
        problems.append(Problem(f"{path}.key", "must be at least 8 characters"))
    else:
        problems += _text_problems(f"{path}.key", key, 200)
    return problems
