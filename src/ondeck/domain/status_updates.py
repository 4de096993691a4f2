"""Customer-facing status updates: what a stage change proposes, what an edit may say, and
the outage windows that published updates give each public component.

Pure: callers pass the stage, the public names and the published updates. An update tells
customers where the incident is (its ``UpdateStatus``), how badly the named components are
affected (a ``ComponentState``) and, in words written for them, what is happening. It never
carries the internal incident title or service name: its title is made from the public
group name (``"Degraded service: Checkout"``).

Stage to status: Detect, Assemble and Verify are *investigating*; Dispatch and Mitigate
*identified* (the cause is known and a fix is under way); Repair *monitoring* (fixed for
now, watching it hold); Review and Action items *resolved*. Each stage has its own words for
customers (``STAGE_BODIES``), so every stage is worth telling them about, even where the
status stays the same.

Impact windows: a component is affected from the first published update that names it
with a state other than operational until the next published update of the incident that
names it with another state (a new window), stops naming it, or resolves the incident.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from ipaddress import ip_address
from urllib.parse import urlsplit

from ondeck.domain.errors import DomainError
from ondeck.domain.stages import Stage
from ondeck.domain.status_page import ComponentState, Impact

TITLE_LIMIT = 300
BODY_LIMIT = 5000


class UpdateStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


STAGE_STATUS: dict[Stage, UpdateStatus] = {
    Stage.DETECT: UpdateStatus.INVESTIGATING,
    Stage.ASSEMBLE: UpdateStatus.INVESTIGATING,
    Stage.VERIFY: UpdateStatus.INVESTIGATING,
    Stage.DISPATCH: UpdateStatus.IDENTIFIED,
    Stage.MITIGATE: UpdateStatus.IDENTIFIED,
    Stage.REPAIR: UpdateStatus.MONITORING,
    Stage.REVIEW: UpdateStatus.RESOLVED,
    Stage.ACTION_ITEMS: UpdateStatus.RESOLVED,
}

DEFAULT_IMPACT: dict[UpdateStatus, ComponentState] = {
    UpdateStatus.INVESTIGATING: ComponentState.DEGRADED,
    UpdateStatus.IDENTIFIED: ComponentState.PARTIAL_OUTAGE,
    UpdateStatus.MONITORING: ComponentState.DEGRADED,
    UpdateStatus.RESOLVED: ComponentState.OPERATIONAL,
}
"""The impact a proposal starts from when the incident has no earlier update to carry over."""

STAGE_BODIES: dict[Stage, str] = {
    Stage.DETECT: "We are looking into reports of problems with {what}. "
    "Some requests may fail or be slow. We will post again as soon as we know more.",
    Stage.ASSEMBLE: "We are aware of problems with {what} and are assembling a team to "
    "investigate. Some requests may fail or be slow. We will post again as soon as we know "
    "more.",
    Stage.VERIFY: "We have confirmed the problems with {what} and are assessing how many "
    "customers are affected. Some requests may fail or be slow. We will post again soon.",
    Stage.DISPATCH: "We have found the cause of the problems with {what}, and the specialists "
    "who can fix it are on it. Some requests may still fail or be slow until then.",
    Stage.MITIGATE: "We are applying a fix for the problems with {what}. Some requests may "
    "still fail or be slow until it is in place.",
    Stage.REPAIR: "A fix for the problems with {what} is in place and things are working "
    "again. We are watching closely to make sure it holds.",
    Stage.REVIEW: "The problems with {what} are resolved and everything is working normally. "
    "We are sorry for the disruption.",
    Stage.ACTION_ITEMS: "The problems with {what} are resolved. We are now working on "
    "follow-up changes so that this does not happen again.",
}
"""What a move into each stage tells customers; ``{what}`` is the affected components."""

_HEADINGS: dict[ComponentState, str] = {
    ComponentState.OPERATIONAL: "Resolved",
    ComponentState.MAINTENANCE: "Maintenance",
    ComponentState.DEGRADED: "Degraded service",
    ComponentState.PARTIAL_OUTAGE: "Partial outage",
    ComponentState.MAJOR_OUTAGE: "Major outage",
}


class InvalidUpdate(DomainError):
    """An update that cannot be published as written; ``field`` names the bad part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Proposal:
    """A draft update, written for customers."""

    status: UpdateStatus
    impact: ComponentState
    title: str
    body: str


def public_title(impact: ComponentState, group: str) -> str:
    """``"Degraded service: Checkout"``; without a group, ``"Degraded service"``."""
    heading = _HEADINGS[impact]
    return f"{heading}: {group}" if group.strip() else heading


def propose(
    stage: Stage,
    *,
    group: str,
    components: Sequence[str],
    previous_impact: ComponentState | None = None,
) -> Proposal:
    """The update a move into ``stage`` proposes for the public ``group`` and its
    ``components`` (public names). The impact carries over from the incident's latest update
    (``previous_impact``: what the incident manager judged) unless the status is resolved,
    which is always operational."""
    status = STAGE_STATUS[stage]
    if status is UpdateStatus.RESOLVED:
        impact = ComponentState.OPERATIONAL
    elif previous_impact is not None and previous_impact is not ComponentState.OPERATIONAL:
        impact = previous_impact
    else:
        impact = DEFAULT_IMPACT[status]
    what = _listing(components) or (group.strip() or "some of our services")
    return Proposal(
        status=status,
        impact=impact,
        title=public_title(impact, group),
        body=STAGE_BODIES[stage].format(what=what),
    )


def _listing(names: Sequence[str]) -> str:
    names = [name for name in names if name.strip()]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def parse_status(text: str) -> UpdateStatus:
    """The status named ``text`` (case and spaces ignored); InvalidUpdate("status") if none."""
    try:
        return UpdateStatus(text.strip().lower())
    except ValueError:
        known = ", ".join(status.value for status in UpdateStatus)
        raise InvalidUpdate("status", f"status: unknown {text!r}; one of {known}") from None


def parse_impact(text: str) -> ComponentState:
    """The component state named ``text``; InvalidUpdate("impact") if none."""
    try:
        return ComponentState(text.strip().lower())
    except ValueError:
        known = ", ".join(state.value for state in ComponentState)
        raise InvalidUpdate("impact", f"impact: unknown {text!r}; one of {known}") from None


def check_text(title: str, body: str) -> tuple[str, str]:
    """The title and body stripped; InvalidUpdate naming a blank or too long one."""
    title, body = title.strip(), body.strip()
    for field, value, limit in (("title", title, TITLE_LIMIT), ("body", body, BODY_LIMIT)):
        if not value:
            raise InvalidUpdate(field, f"{field}: must not be blank")
        if len(value) > limit:
            raise InvalidUpdate(field, f"{field}: at most {limit} characters ({len(value)} given)")
    return title, body


def check_components(chosen: Iterable[int], known: Iterable[int]) -> tuple[int, ...]:
    """``chosen`` in order without repeats; InvalidUpdate("components") naming an unknown one."""
    listed = tuple(dict.fromkeys(chosen))
    unknown = sorted(set(listed) - set(known))
    if unknown:
        raise InvalidUpdate(
            "components",
            f"components: no public status component with id {', '.join(map(str, unknown))}",
        )
    return listed


@dataclass(frozen=True)
class Published:
    """One published update of an incident, as the impact windows need it."""

    at: datetime
    status: UpdateStatus
    impact: ComponentState
    components: tuple[int, ...]


def impact_windows(updates: Iterable[Published]) -> dict[int, list[Impact]]:
    """Each component's outage windows from one incident's published updates (any order).

    A window ends when a later update names the component with another state, leaves it out
    or resolves the incident; the latest window of an unresolved incident is still open.
    Operational spans are not windows.
    """
    ordered = sorted(updates, key=lambda update: update.at)
    windows: dict[int, list[Impact]] = {}
    open_since: dict[int, tuple[ComponentState, datetime]] = {}
    for update in ordered:
        affected = (
            {}
            if update.status is UpdateStatus.RESOLVED or update.impact is ComponentState.OPERATIONAL
            else dict.fromkeys(update.components, update.impact)
        )
        for component, (state, start) in list(open_since.items()):
            if affected.get(component) is not state:
                windows.setdefault(component, []).append(Impact(state, start, update.at))
                del open_since[component]
        for component, state in affected.items():
            open_since.setdefault(component, (state, update.at))
    for component, (state, start) in open_since.items():
        windows.setdefault(component, []).append(Impact(state, start, None))
    return windows


def is_active(updates: Sequence[Published]) -> bool:
    """An incident is active on the public page while its latest published update is not
    resolved (and it has one)."""
    if not updates:
        return False
    latest = sorted(updates, key=lambda update: update.at)[-1]  # as impact_windows orders
    return latest.status is not UpdateStatus.RESOLVED


def private_webhook(url: str) -> bool:
    """Whether ``url``'s host is ``localhost`` or an IP address that is not public
    (loopback, private, link-local, reserved): a public subscription must not make ondeck
    post into its own network. Host names are taken as given (not resolved)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return not address.is_global
