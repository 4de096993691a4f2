"""The public status page (no sign-in): what it shows (who subscribes to it is
``status_subscriptions``'s).

Only what was written for customers leaves here: public group and component names, and
the title, text, status and impact of *published* updates. Never an incident's internal
title, its service's name, its responders, CAN reports, timeline or drafts. Incidents are
known publicly by the id of their first published update (``ref``), not their own id.

A component's state is the worst impact of the published updates still open on it; its
uptime bars (``HISTORY_DAYS`` days, in UTC) come from the impact windows of every
published update (``domain.status_updates.impact_windows``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ondeck.domain.status_page import (
    ComponentState,
    DayBar,
    Impact,
    daily_bars,
    overall_state,
    overall_text,
    percent_text,
    state_at,
    uptime,
    worst,
)
from ondeck.domain.status_updates import (
    Published,
    UpdateStatus,
    impact_windows,
    is_active,
)
from ondeck.services.ports import (
    Clock,
    StatusComponentRecord,
    StatusUpdateRecord,
    UnitOfWorkFactory,
)

HISTORY_DAYS = 90
PAST_DAYS = 14
"""Resolved incidents stay listed under "past incidents" this long after their last update."""
FEED_ENTRIES = 50
ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class PublicComponent:
    id: int
    name: str
    description: str
    state: ComponentState
    bars: list[DayBar]
    uptime: float

    @property
    def uptime_text(self) -> str:
        """``99.97%``: never rounded up to a false 100%."""
        return percent_text(self.uptime)


@dataclass(frozen=True)
class PublicGroup:
    name: str
    state: ComponentState
    components: list[PublicComponent]


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    incident_ref: int
    status: UpdateStatus
    impact: ComponentState
    title: str
    body: str
    components: list[str]
    """``Group: Component`` of each component it names."""
    published_at: datetime


@dataclass(frozen=True)
class PublicIncident:
    ref: int
    title: str
    status: UpdateStatus
    impact: ComponentState
    started_at: datetime
    updated_at: datetime
    components: list[str]
    updates: list[PublicUpdate]
    """Newest first."""


@dataclass(frozen=True)
class PublicPage:
    headline: str
    state: ComponentState
    groups: list[PublicGroup]
    active: list[PublicIncident]
    past: list[PublicIncident]
    """Resolved within ``PAST_DAYS`` days, newest first."""
    updates: list[PublicUpdate]
    """The latest ``FEED_ENTRIES`` published updates, newest first (the Atom feed)."""
    generated_at: datetime


def public_page(*, uow: UnitOfWorkFactory, clock: Clock) -> PublicPage:
    """Everything the public page, its JSON and its feed show, as of now."""
    now = clock.now()
    with uow(read_only=True) as work:
        found = work.status.components()
        published = work.status.published_since(now - timedelta(days=HISTORY_DAYS))
    named = {c.id: c for c in found}
    by_incident: dict[int, list[StatusUpdateRecord]] = defaultdict(list)
    for update in published:
        by_incident[update.incident_id].append(update)
    impacts: dict[int, list[Impact]] = defaultdict(list)
    incidents: list[tuple[bool, PublicIncident]] = []
    for updates in by_incident.values():
        facts = [_published(u) for u in updates]
        for component, windows in impact_windows(facts).items():
            impacts[component] += windows
        incidents.append((is_active(facts), _incident(updates, named)))
    groups = _groups(found, impacts, now)
    states = [c.state for g in groups for c in g.components]
    active = [i for live, i in incidents if live]
    past = [
        i for live, i in incidents if not live and i.updated_at >= now - timedelta(days=PAST_DAYS)
    ]
    every = sorted(
        (u for _live, i in incidents for u in i.updates),
        key=lambda u: (u.published_at, u.id),
        reverse=True,
    )
    listed = [i.impact for i in active]
    return PublicPage(
        headline=overall_text(states, listed),
        state=overall_state(states, listed),
        groups=groups,
        active=sorted(active, key=lambda i: i.updated_at, reverse=True),
        past=sorted(past, key=lambda i: i.updated_at, reverse=True),
        updates=every[:FEED_ENTRIES],
        generated_at=now,
    )


def _published(update: StatusUpdateRecord) -> Published:
    assert update.published_at is not None
    return Published(update.published_at, update.status, update.impact, update.components)


def _public_update(
    update: StatusUpdateRecord, ref: int, named: dict[int, StatusComponentRecord]
) -> PublicUpdate:
    assert update.published_at is not None
    return PublicUpdate(
        id=update.id,
        incident_ref=ref,
        status=update.status,
        impact=update.impact,
        title=update.title,
        body=update.body,
        components=[f"{named[c].group}: {named[c].name}" for c in update.components if c in named],
        published_at=update.published_at,
    )


def _incident(
    updates: list[StatusUpdateRecord], named: dict[int, StatusComponentRecord]
) -> PublicIncident:
    """An incident as the public sees it, from its published updates (oldest first)."""
    ref = updates[0].id
    shown = [_public_update(u, ref, named) for u in reversed(updates)]
    latest = shown[0]
    return PublicIncident(
        ref=ref,
        title=latest.title,
        status=latest.status,
        impact=latest.impact,
        started_at=shown[-1].published_at,
        updated_at=latest.published_at,
        components=list(dict.fromkeys(name for u in shown for name in u.components)),
        updates=shown,
    )


def _groups(
    found: list[StatusComponentRecord], impacts: dict[int, list[Impact]], now: datetime
) -> list[PublicGroup]:
    grouped: dict[str, list[PublicComponent]] = defaultdict(list)
    for component in found:
        windows = impacts.get(component.id, [])
        bars = daily_bars(windows, days=HISTORY_DAYS, zone=ZONE, now=now)
        grouped[component.group].append(
            PublicComponent(
                id=component.id,
                name=component.name,
                description=component.description,
                state=state_at(windows, now),
                bars=bars,
                uptime=uptime(bars),
            )
        )
    return [
        PublicGroup(name, worst(c.state for c in listed), listed)
        for name, listed in grouped.items()
    ]
