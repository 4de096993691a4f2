"""Turning records and specs into what pages show: times in the viewer's zone, masked secrets.

Nothing here reads the clock or the database; pages pass ``now`` and the records in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ondeck.domain.model import TargetKind
from ondeck.domain.org import PolicySpec, ScheduleSpec, ServiceSpec, UserSpec
from ondeck.services.people import OnCall
from ondeck.services.ports import TimelineEntry


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def span(delta: timedelta) -> str:
    """A duration in at most two units: ``45s``, ``12m``, ``3h 4m``, ``2d 5h``."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    while len(units) > 1 and units[0][0] == 0:
        units.pop(0)
    shown = [f"{value}{unit}" for value, unit in units[:2] if value]
    return " ".join(shown) or f"0{units[0][1]}"


@dataclass(frozen=True)
class Clockface:
    """Shows moments to one viewer: in their time zone, relative to one ``now``."""

    now: datetime
    timezone: str

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(zone(self.timezone))

    def when(self, moment: datetime | None) -> str:
        """``14:05:09`` today, ``Tue 3 Mar 14:05`` on another day, in the viewer's zone."""
        if moment is None:
            return ""
        local = self.local(moment)
        if local.date() == self.local(self.now).date():
            return local.strftime("%H:%M:%S")
        return f"{local:%a} {local.day} {local:%b %H:%M}"

    def full(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return self.local(moment).strftime("%Y-%m-%d %H:%M:%S %Z")

    def day(self, moment: datetime) -> str:
        """``Sun 22 Nov 09:00 GMT``: a moment hours or days away, to the minute."""
        local = self.local(moment)
        return f"{local:%a} {local.day} {local:%b %H:%M %Z}"

    def age(self, moment: datetime) -> str:
        return span(self.now - moment)

    def until(self, moment: datetime) -> str:
        return span(moment - self.now)


def mask(secret: str) -> str:
    """The last four characters only, so keys can be told apart but not copied."""
    return "…" + secret[-4:] if len(secret) > 4 else "…"


def contact_text(kind: str, address: str) -> str:
    """Email addresses in full; webhook URLs by host only, since their paths often hold tokens."""
    if kind == "webhook":
        host = urlsplit(address).hostname or "?"
        return f"{host}/…"
    return address


def safe_href(url: str | None) -> str:
    """``url`` if it is http(s), else empty: a ``javascript:`` link must never be clickable."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return ""
    return url


def link_text(url: str) -> str:
    """A link as people read it: no scheme, no trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def alert_links(details: dict[str, Any]) -> list[tuple[str, str]]:
    """``(href, text)`` for the links monitoring sent with the alert, safe ones only."""
    found: list[tuple[str, str]] = []
    client_url = safe_href(str(details.get("client_url") or ""))
    if client_url:
        found.append((client_url, str(details.get("client") or "Monitoring")))
    for link in details.get("links") or ():
        if isinstance(link, list | tuple) and link:
            href = safe_href(str(link[0]))
            text = str(link[1]) if len(link) > 1 and link[1] else href
            if href:
                found.append((href, text))
    return found


def details_text(details: dict[str, Any]) -> str:
    """The alert's custom details as indented JSON, or empty when there are none."""
    custom = details.get("details")
    if not custom:
        return ""
    return json.dumps(custom, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def by_text(who: str | None, at: datetime | None, clock: Clockface) -> str:
    if not who:
        return ""
    return f"{who} at {clock.when(at)}" if at else who


def entry_json(entry: TimelineEntry, clock: Clockface) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "label": entry.kind.replace("_", " "),
        "at": entry.at.isoformat(),
        "when": clock.when(entry.at),
        "full": clock.full(entry.at),
        "actor": entry.actor,
        "message": entry.message,
    }


@dataclass(frozen=True)
class IntegrationRow:
    kind: str
    key_hint: str


@dataclass(frozen=True)
class ServiceRow:
    name: str
    team: str
    escalation_policy: str
    runbook_url: str
    urgency: str
    """Empty when the alert's severity decides."""
    integrations: tuple[IntegrationRow, ...]


def service_rows(specs: list[ServiceSpec]) -> list[ServiceRow]:
    return [
        ServiceRow(
            name=spec.name,
            team=spec.team or "",
            escalation_policy=spec.escalation_policy,
            runbook_url=safe_href(spec.runbook_url),
            urgency=spec.urgency.value if spec.urgency else "",
            integrations=tuple(IntegrationRow(i.kind, mask(i.key)) for i in spec.integrations),
        )
        for spec in specs
    ]


@dataclass(frozen=True)
class LevelRow:
    number: int
    then: str
    """What happens when nobody acknowledges within this level's wait."""
    targets: tuple[tuple[str, str, str], ...]
    """``(kind, name, role)`` triples; users by name; role as read ("incident manager") or
    "" when the target pages without one."""


@dataclass(frozen=True)
class PolicyRow:
    id: int
    name: str
    repeat: int
    levels: tuple[LevelRow, ...]
    services: tuple[str, ...]


def _then(policy: PolicySpec, index: int) -> str:
    wait = span(policy.levels[index].escalate_after)
    if index + 1 < len(policy.levels):
        return f"escalates after {wait}"
    if policy.repeat:
        return f"back to level 1 after {wait}"
    return "last level"


def policy_rows(
    policies: list[tuple[int, PolicySpec]], services: list[ServiceSpec], names: dict[str, str]
) -> list[PolicyRow]:
    """``policies`` as ``(id, spec)`` pairs; ``names`` maps email to name.

    The id anchors links from incident pages (a policy snapshot knows its id).
    """
    return [
        PolicyRow(
            id=policy_id,
            name=policy.name,
            repeat=policy.repeat,
            levels=tuple(
                LevelRow(
                    number=index + 1,
                    then=_then(policy, index),
                    targets=tuple(
                        (
                            t.kind.value,
                            names.get(t.name.lower(), t.name)
                            if t.kind is TargetKind.USER
                            else t.name,
                            t.role.replace("_", " ") if t.role else "",
                        )
                        for t in level.targets
                    ),
                )
                for index, level in enumerate(policy.levels)
            ),
            services=tuple(s.name for s in services if s.escalation_policy == policy.name),
        )
        for policy_id, policy in policies
    ]


@dataclass(frozen=True)
class LayerRow:
    name: str
    rotation: str
    participants: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    name: str
    timezone: str
    now: tuple[str, ...]
    reason: str
    """Why, when it is not a plain turn: ``override #3``, ``trade #4``, a stand-in."""
    next: tuple[str, ...]
    handoff_local: str
    """The next change in the schedule's own zone."""
    handoff_viewer: str
    """The same moment in the viewer's zone, when that zone differs."""
    handoff_in: str
    layers: tuple[LayerRow, ...]


def for_viewer(change: datetime | None, schedule: Clockface, viewer: Clockface) -> str:
    """The handoff as the viewer reads it, when their zone differs: the time alone on the
    same day, else the day and time; empty when it reads the same."""
    if change is None or viewer.day(change) == schedule.day(change):
        return ""
    if viewer.local(change).date() == schedule.local(change).date():
        return f"{viewer.local(change):%H:%M %Z}"
    return viewer.day(change)


def schedule_rows(
    on_calls: list[OnCall],
    specs: dict[str, ScheduleSpec],
    names: dict[str, str],
    clock: Clockface,
) -> list[ScheduleRow]:
    """``names`` maps email to name, for the people in each rotation."""
    rows = []
    for item in on_calls:
        spec = specs.get(item.schedule)
        change = item.next_change
        schedule_clock = Clockface(now=clock.now, timezone=item.timezone)
        rows.append(
            ScheduleRow(
                id=item.schedule_id,
                name=item.schedule,
                timezone=item.timezone,
                now=tuple(p.name for p in item.now),
                reason=item.reason,
                next=tuple(p.name for p in item.next),
                handoff_local=schedule_clock.day(change) if change else "",
                handoff_viewer=for_viewer(change, schedule_clock, clock),
                handoff_in=clock.until(change) if change else "",
                layers=tuple(
                    LayerRow(
                        layer.name,
                        span(layer.rotation),
                        tuple(names.get(email.lower(), email) for email in layer.participants),
                    )
                    for layer in (spec.layers if spec else ())
                ),
            )
        )
    return rows


def _rule_contact(reference: str) -> str:
    return contact_text("webhook", reference) if "://" in reference else reference


@dataclass(frozen=True)
class NextShift:
    """Someone's current or next shift, on whichever schedule comes first."""

    schedule_id: int
    schedule: str
    text: str
    now: bool


@dataclass(frozen=True)
class UserRow:
    name: str
    email: str
    timezone: str
    role: str
    contacts: tuple[tuple[str, str], ...]
    """``(kind, shown address)`` pairs."""
    rules: tuple[str, ...]
    next_shift: NextShift | None = None
    id: int = 0
    """Their id, for a link to their page (0: none)."""


def user_rows(
    specs: list[UserSpec],
    next_shifts: Mapping[str, NextShift] | None = None,
    ids: Mapping[str, int] | None = None,
) -> list[UserRow]:
    """``next_shifts`` maps a lower-cased email to that person's next shift; ``ids`` an email
    to the person's id."""
    upcoming = next_shifts or {}
    rows = []
    for spec in specs:
        rules = tuple(
            _rule_contact(rule.contact)
            + (f" after {span(rule.after)}" if rule.after else " immediately")
            + (f" ({rule.urgency.value} urgency)" if rule.urgency else "")
            for rule in spec.notification_rules or ()
        )
        rows.append(
            UserRow(
                name=spec.name,
                email=spec.email,
                timezone=spec.timezone,
                role=spec.role,
                contacts=tuple(
                    (c.label or c.kind, contact_text(c.kind, c.address))
                    for c in spec.contact_methods or ()
                ),
                rules=rules,
                next_shift=upcoming.get(spec.email.lower()),
                id=(ids or {}).get(spec.email, 0),
            )
        )
    return rows
