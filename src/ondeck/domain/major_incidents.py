"""An organisation's settings for major incidents: the command centre's conference bridge,
the communication protocol, the announcement channel, severity thresholds and CAN cadence.

They come from the org file's ``major_incidents:`` block. Thresholds and cadence given there
replace the server's defaults (``ONDECK_SEVERITY_*``, ``ONDECK_CAN_*_MINUTES``) key by key;
what the block leaves out keeps the server's value. Loss thresholds come in pairs (high and
medium together, and the same for users) so that their order can be checked in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from string import Formatter
from urllib.parse import urlsplit

from ondeck.domain.can import Cadence
from ondeck.domain.contacts import CONTACT_KINDS, address_problem
from ondeck.domain.severity import InvalidEstimate, Thresholds

PLACEHOLDERS = ("number", "id")
"""What a bridge template may name: ``{number}`` (the incident's number) and ``{id}``."""
LONGEST_BRIDGE = 2000
LONGEST_PROTOCOL = 20_000
ANNOUNCEMENT_KINDS = tuple(sorted(CONTACT_KINDS - {"sms", "voice"}))
"""Where a declaration can be announced: a chat channel, an email list, a webhook, ..."""
LONGEST_CADENCE = timedelta(weeks=1)
SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,30}")
"""A Slack channel's ID: the Slack app posts there (a member ID or webhook URL works too)."""

DEFAULT_PROTOCOL = """\
The incident manager leads and speaks for the incident: they run the bridge, keep the \
timeline, post a CAN report (conditions, actions, needs) at every due time, and decide \
when the incident moves to its next stage. The incident engineer works on the fix and \
tells the incident manager what they find; they do not answer questions from elsewhere.

Everyone else who joins the bridge listens first and speaks when asked. Questions and \
offers of help go to the incident manager, not to the engineer.

Keep the bridge open for the whole incident, from Assemble until the Review is booked. \
Hand a role over out loud on the bridge, and record the hand-off in ondeck.

Stakeholders follow the incident in ondeck and get every CAN report; they do not need to \
join the bridge to know where things stand."""


@dataclass(frozen=True)
class Destination:
    """A contact-method kind and address: where the declaration broadcast goes."""

    kind: str
    address: str


@dataclass(frozen=True)
class ThresholdSettings:
    """Severity thresholds the org file sets; None: the server's value."""

    high_loss_per_hour: float | None = None
    medium_loss_per_hour: float | None = None
    high_users: int | None = None
    medium_users: int | None = None

    def over(self, defaults: Thresholds) -> Thresholds:
        """``defaults`` with every threshold set here in its place."""
        chosen = {
            name: value
            for name in ("high_loss_per_hour", "medium_loss_per_hour", "high_users", "medium_users")
            if (value := getattr(self, name)) is not None
        }
        return replace(defaults, **chosen)


@dataclass(frozen=True)
class CadenceSettings:
    """How often CAN reports are due at each severity, as the org file sets it; None: the
    server's value."""

    high: timedelta | None = None
    medium: timedelta | None = None
    low: timedelta | None = None

    def over(self, defaults: Cadence) -> Cadence:
        chosen = {
            name: value
            for name in ("high", "medium", "low")
            if (value := getattr(self, name)) is not None
        }
        return replace(defaults, **chosen)


@dataclass(frozen=True)
class MajorIncidentSpec:
    bridge: str = ""
    """A fixed conference URL, or a template naming ``{number}`` and/or ``{id}``; empty:
    no bridge unless one is set on the incident."""
    protocol: str = ""
    """The communication protocol shown in the command centre; empty: DEFAULT_PROTOCOL."""
    announcement: Destination | None = None
    """Where a declaration is broadcast; None: nowhere."""
    severity: ThresholdSettings = ThresholdSettings()
    can: CadenceSettings = CadenceSettings()

    @property
    def protocol_text(self) -> str:
        return self.protocol.strip() or DEFAULT_PROTOCOL


def bridge_url(template: str, *, number: int, incident_id: int) -> str:
    """The bridge of one incident: ``template`` with its placeholders filled ("" for none).
    The template is assumed valid (``problems`` checks it)."""
    if not template:
        return ""
    return template.format(number=number, id=incident_id)


def bridge_problem(value: str) -> str | None:
    """What is wrong with a bridge URL or template; None: nothing."""
    if len(value) > LONGEST_BRIDGE:
        return f"is {len(value)} characters long; at most {LONGEST_BRIDGE} fit"
    try:
        named = [name for _, name, _, _ in Formatter().parse(value) if name is not None]
    except ValueError as error:
        return f"is not a valid template ({error}); write a literal brace as {{{{ or }}}}"
    unknown = [name for name in named if name not in PLACEHOLDERS]
    if unknown:
        return (
            f"{{{unknown[0]}}} is not a placeholder; use {{number}} (the incident's number) "
            "or {id}"
        )
    example = bridge_url(value, number=1, incident_id=1)
    if any(not c.isprintable() or c.isspace() for c in example):
        return "must be one URL without spaces"
    parts = urlsplit(example)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"{value!r} is not an http(s) URL (like https://meet.example.com/ondeck-{{number}})"
    return None


def incident_bridge_problem(url: str) -> str | None:
    """What is wrong with one incident's bridge URL (no placeholders); None: nothing."""
    if "{" in url or "}" in url:
        return "is one incident's bridge: write the URL itself, without {placeholders}"
    return bridge_problem(url)


def problems(spec: MajorIncidentSpec) -> list[tuple[str, str]]:
    """Every problem of the block as (path inside ``major_incidents``, message)."""
    found: list[tuple[str, str]] = []
    if spec.bridge and (problem := bridge_problem(spec.bridge)):
        found.append(("bridge", problem))
    if len(spec.protocol) > LONGEST_PROTOCOL:
        found.append(
            ("protocol", f"is {len(spec.protocol)} characters long; at most {LONGEST_PROTOCOL}")
        )
    if "\x00" in spec.protocol:
        found.append(("protocol", "must not contain NUL characters"))
    if spec.announcement is not None:
        kind, address = spec.announcement.kind, spec.announcement.address
        if kind not in ANNOUNCEMENT_KINDS:
            found.append(
                (
                    "announcement_channel",
                    f"{kind!r} cannot carry announcements; use one of "
                    f"{', '.join(ANNOUNCEMENT_KINDS)}",
                )
            )
        elif not (kind == "slack" and SLACK_CHANNEL.fullmatch(address)) and (
            problem := address_problem(kind, address)
        ):
            if kind == "slack":
                problem = f"{address!r} is not a Slack channel ID (like C0123ABCD): {problem}"
            found.append((f"announcement_channel.{kind}", problem))
    found += _threshold_problems(spec.severity)
    for name in ("high", "medium", "low"):
        period = getattr(spec.can, name)
        if period is not None and not timedelta(seconds=1) <= period <= LONGEST_CADENCE:
            found.append((f"can_every.{name}", "must be from 1s to 1w (a week)"))
    return found


def _threshold_problems(severity: ThresholdSettings) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for high, medium in (
        ("high_loss_per_hour", "medium_loss_per_hour"),
        ("high_users", "medium_users"),
    ):
        if (getattr(severity, high) is None) != (getattr(severity, medium) is None):
            missing = high if getattr(severity, high) is None else medium
            found.append((f"severity.{missing}", f"give {high} and {medium} together"))
    try:
        Thresholds(
            high_loss_per_hour=_or(severity.high_loss_per_hour, 1e12),
            medium_loss_per_hour=_or(severity.medium_loss_per_hour, 0.0),
            high_users=int(_or(severity.high_users, 10_000_000_000)),
            medium_users=int(_or(severity.medium_users, 0)),
        )
    except InvalidEstimate as error:
        found.append((f"severity.{error.field}", str(error).removeprefix(f"{error.field}: ")))
    return found


def _or(value: float | None, fallback: float) -> float:
    return fallback if value is None else value
