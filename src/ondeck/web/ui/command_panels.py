"""The command centre's side panels, in words: the status-page draft, the roles, the bridge
and protocol, who follows. Pure: records in, rows out; times in the viewer's ``Clockface``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ondeck.domain.model import IncidentRole
from ondeck.domain.stages import Stage
from ondeck.domain.status_page import ComponentState
from ondeck.domain.status_updates import UpdateStatus
from ondeck.services.ports import (
    RoleHolder,
    Stakeholder,
    StatusComponentRecord,
    StatusUpdateRecord,
)
from ondeck.web.ui.present import Clockface, link_text, safe_href

STAGE_NAMES: dict[Stage, str] = {
    Stage.DETECT: "Detect",
    Stage.ASSEMBLE: "Assemble",
    Stage.VERIFY: "Verify",
    Stage.DISPATCH: "Dispatch",
    Stage.MITIGATE: "Mitigate",
    Stage.REPAIR: "Repair",
    Stage.REVIEW: "Review",
    Stage.ACTION_ITEMS: "Action items",
}


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


@dataclass(frozen=True)
class ComponentChoice:
    id: int
    text: str
    """``Checkout: Payments``: its public group, then its name."""
    ours: bool
    """Of the incident's own service."""


@dataclass(frozen=True)
class UpdateView:
    """A status-page update: the draft to edit, or one already published."""

    id: int
    title: str
    body: str
    status: str
    status_text: str
    impact: str
    impact_text: str
    components: list[int]
    stage: str
    proposed: str
    """``09:04:00 by ada@example.com``."""
    published: str
    """When and by whom, empty for a draft."""


@dataclass(frozen=True)
class StatusPanel:
    draft: UpdateView | None
    """The latest unpublished update, if any."""
    other_drafts: int
    """Older unpublished updates (the panel edits the latest)."""
    published: list[UpdateView]
    """Newest first."""
    statuses: list[Choice]
    impacts: list[Choice]
    components: list[ComponentChoice]
    """The incident's service's components first."""
    listed: bool
    """The incident's service has components on the status page (stage moves propose
    drafts only then)."""


@dataclass(frozen=True)
class RoleRow:
    role: str
    """The role's value: ``incident_manager``."""
    role_text: str
    email: str
    name: str
    since: str
    """``09:04:00, by grace@example.com``."""


@dataclass(frozen=True)
class RolesPanel:
    manager: RoleRow | None
    engineer: RoleRow | None
    experts: list[RoleRow]
    """Users holding the subject-matter expert role, longest-held first."""
    named_experts: str
    """The experts named at Dispatch (people or groups, not necessarily users)."""
    roles: list[Choice]
    people: list[Choice]
    """Everyone, by email (value) and name, for the hand-off form."""


ROLE_TEXT = {
    IncidentRole.INCIDENT_MANAGER: "Incident manager",
    IncidentRole.INCIDENT_ENGINEER: "Incident engineer",
    IncidentRole.SUBJECT_MATTER_EXPERT: "Subject-matter expert",
}


@dataclass(frozen=True)
class Bridge:
    """The command centre's conference bridge and how to behave on it."""

    href: str
    """The bridge's URL when it is safe to link (http or https), else empty."""
    url: str
    """As stored, for the form."""
    text: str
    """The link as people read it (empty when it is no link)."""
    protocol: str


@dataclass(frozen=True)
class Following:
    names: list[str]
    """``Name (email)`` of everyone following, earliest first."""
    viewer_follows: bool


def roles_panel(
    holders: Sequence[RoleHolder],
    named_experts: Sequence[str],
    people: Sequence[tuple[str, str]],
    clock: Clockface,
) -> RolesPanel:
    """Who holds which role (``holders``, longest-held first), the experts named at Dispatch,
    and everyone (``(email, name)``) to choose from in the hand-off form."""
    rows = [
        RoleRow(
            role=holder.role.value,
            role_text=ROLE_TEXT[holder.role],
            email=holder.email,
            name=holder.name,
            since=clock.when(holder.since)
            + (f", by {holder.assigned_by}" if holder.assigned_by else ""),
        )
        for holder in holders
    ]

    def one(role: IncidentRole) -> RoleRow | None:
        return next((row for row in rows if row.role == role.value), None)

    return RolesPanel(
        manager=one(IncidentRole.INCIDENT_MANAGER),
        engineer=one(IncidentRole.INCIDENT_ENGINEER),
        experts=[r for r in rows if r.role == IncidentRole.SUBJECT_MATTER_EXPERT.value],
        named_experts=", ".join(named_experts),
        roles=[Choice(role.value, text) for role, text in ROLE_TEXT.items()],
        people=[Choice(email, f"{name} ({email})") for email, name in people],
    )


def _update(update: StatusUpdateRecord, clock: Clockface) -> UpdateView:
    published = (
        f"{clock.when(update.published_at)} by {update.published_by}"
        if update.published_at is not None
        else ""
    )
    return UpdateView(
        id=update.id,
        title=update.title,
        body=update.body,
        status=update.status.value,
        status_text=update.status.label,
        impact=update.impact.value,
        impact_text=update.impact.label,
        components=list(update.components),
        stage=STAGE_NAMES[update.stage],
        proposed=f"{clock.when(update.proposed_at)} by {update.proposed_by}",
        published=published,
    )


def status_panel(
    updates: Sequence[StatusUpdateRecord],
    components: Sequence[StatusComponentRecord],
    service_id: int,
    clock: Clockface,
) -> StatusPanel:
    """The status-page panel of an incident of service ``service_id``: its latest draft to
    edit and publish, and what was published (``updates`` oldest first), with every public
    component to choose from, the service's own first."""
    drafts = [u for u in updates if not u.published]
    ordered = sorted(components, key=lambda c: c.service_id != service_id)
    return StatusPanel(
        draft=_update(drafts[-1], clock) if drafts else None,
        other_drafts=max(0, len(drafts) - 1),
        published=[_update(u, clock) for u in reversed(updates) if u.published],
        statuses=[Choice(s.value, s.label) for s in UpdateStatus],
        impacts=[Choice(i.value, i.label) for i in ComponentState],
        components=[
            ComponentChoice(c.id, f"{c.group}: {c.name}", c.service_id == service_id)
            for c in ordered
        ],
        listed=any(c.service_id == service_id for c in components),
    )


def bridge(url: str, protocol: str) -> Bridge:
    """The bridge (linked only when it is http or https) and the protocol."""
    href = safe_href(url)
    return Bridge(href=href, url=url, text=link_text(url) if href else "", protocol=protocol)


def following(stakeholders: Sequence[Stakeholder], viewer: str) -> Following:
    """Who follows the incident, and whether ``viewer`` (an email) does."""
    return Following(
        names=[f"{s.name} ({s.email})" for s in stakeholders],
        viewer_follows=any(s.email.lower() == viewer.lower() for s in stakeholders),
    )
