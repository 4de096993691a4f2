"""The interfaces use cases depend on. Adapters implement them; tests may fake them.

Records returned here are plain frozen dataclasses: services never see SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from ondeck.domain.contacts import MethodState
from ondeck.domain.fairness import PageRecord
from ondeck.domain.major_incidents import MajorIncidentSpec
from ondeck.domain.model import (
    ContactMethod,
    IncidentRole,
    IncidentStatus,
    NotificationRule,
    PolicySnapshot,
    Severity,
    Urgency,
)
from ondeck.domain.org import OrgSpec
from ondeck.domain.rotation import Window
from ondeck.domain.schedules import Away, AwayKind, Override, Schedule
from ondeck.domain.severity import LossEstimate, Response
from ondeck.domain.severity import Severity as LossSeverity
from ondeck.domain.stages import Stage
from ondeck.domain.status_page import ComponentState
from ondeck.domain.status_updates import UpdateStatus
from ondeck.domain.trades import Period, Trade, TradeKind, TradeRequest, TradeStatus


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Route:
    """Where an integration key sends its events."""

    integration_id: int
    integration_kind: str
    service_id: int
    service_name: str
    service_urgency: Urgency | None
    policy_id: int


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    timezone: str
    role: str
    contacts: tuple[ContactMethod, ...]
    rules: tuple[NotificationRule, ...]
    working_hours: tuple[Window, ...] = ()
    """Their own, else their first team's with any; empty: the default (Mon-Fri 09-17)."""
    low_urgency: str = "working_hours"
    """``working_hours``: low-urgency pages wait for them; ``anytime``: they do not."""


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    number: int
    service_id: int
    service_name: str
    runbook_url: str
    dedup_key: str
    title: str
    status: IncidentStatus
    urgency: Urgency
    severity: Severity | None
    source: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    alert_count: int
    last_alert_at: datetime
    policy: PolicySnapshot
    details: dict[str, Any] = field(compare=False, hash=False)
    chat_channel: str = ""
    """The service's chat channel, which gets one message per incident kept up to date."""


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    incident_id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True)
class NewTimelineEntry:
    incident_id: int
    at: datetime
    kind: str
    message: str
    actor: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class IncidentFilter:
    statuses: tuple[IncidentStatus, ...] = ()
    service_id: int | None = None
    urgency: Urgency | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class DueEscalation:
    incident_id: int
    level: int
    loop: int
    due_at: datetime
    snoozed: bool = False
    """A snooze's timer: when due, the acknowledged incident is triggered again."""
    round: int = 0
    """0, or when the incident was last triggered again: part of its pages' idempotency keys."""


@dataclass(frozen=True)
class NotificationRecord:
    """One message about an incident and where it stands."""

    id: int
    kind: str
    address: str
    user_id: int | None
    state: str
    """queued, sending, sent, delivered, failed, cancelled or bundled."""
    level: int
    loop: int
    attempts: int
    created_at: datetime
    deliver_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    last_error: str
    bundle_id: int | None
    held: bool


@dataclass(frozen=True)
class InboundRefusal:
    """A reply, callback or command that was refused (unknown sender, bad signature...)."""

    id: int
    at: datetime
    channel: str
    sender: str
    incident_id: int | None
    reason: str


@dataclass(frozen=True)
class DueTimes:
    """When the earliest escalation and the earliest message become due (None: nothing)."""

    escalation: datetime | None
    message: datetime | None


@dataclass(frozen=True)
class NewMessage:
    idempotency_key: str
    incident_id: int
    user_id: int | None
    """None: an announcement to the incident's chat channel, not a page to a person."""
    contact_method_id: int | None
    kind: str
    address: str
    level: int
    loop: int
    deliver_at: datetime
    schedule_id: int | None = None
    """The schedule that put this person on call for the page, when one did."""
    purpose: str = "page"
    """What the message is: ``page``, ``announcement`` or a notice's purpose (notices.py)."""
    role: str | None = None
    """The incident role the page asks its person to take, if any."""
    payload: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    """A notice's own words: ``{"subject", "text", "url"}``; None for pages and announcements."""


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    idempotency_key: str
    incident_id: int
    user_id: int | None
    contact_method_id: int | None
    kind: str
    address: str
    level: int
    loop: int
    state: str
    deliver_at: datetime
    attempts: int
    last_error: str
    schedule_id: int | None = None
    held: bool = False
    """Storm control held it back at least once: it goes in a bundle."""
    purpose: str = "page"
    """``page``, ``announcement`` or a notice's purpose (see NewMessage)."""
    role: str | None = None
    payload: dict[str, Any] | None = field(default=None, compare=False, hash=False)


class DuplicateOpenIncident(Exception):
    """Another transaction opened an incident with the same dedup key first."""


class IncidentStore(Protocol):
    def open_by_dedup(self, service_id: int, dedup_key: str) -> IncidentRecord | None:
        """The open incident with this key, locked for update until the unit of work ends."""

    def create(
        self,
        *,
        service_id: int,
        dedup_key: str,
        title: str,
        urgency: Urgency,
        severity: Severity | None,
        source: str,
        policy: PolicySnapshot,
        details: dict[str, Any],
        at: datetime,
    ) -> int:
        """Insert a triggered incident; raise DuplicateOpenIncident on a dedup race."""

    def get(self, incident_id: int, *, lock: bool = False) -> IncidentRecord | None: ...

    def get_many(self, incident_ids: list[int]) -> dict[int, IncidentRecord]: ...

    def record_repeat(self, incident_id: int, at: datetime) -> None: ...

    def set_status(
        self, incident_id: int, status: IncidentStatus, *, by: str, at: datetime
    ) -> None: ...

    def add_timeline(
        self,
        incident_id: int,
        *,
        at: datetime,
        kind: str,
        message: str,
        actor: str = "",
        data: dict[str, Any] | None = None,
    ) -> None: ...

    def add_timeline_many(self, entries: list[NewTimelineEntry]) -> None: ...

    def timeline(self, incident_id: int, *, after_id: int = 0) -> list[TimelineEntry]: ...

    def search(self, query: IncidentFilter) -> tuple[list[IncidentRecord], int]: ...

    def add_change_event(
        self,
        *,
        service_id: int,
        summary: str,
        source: str,
        occurred_at: datetime,
        received_at: datetime,
        details: dict[str, Any],
    ) -> int: ...


class PagingStore(Protocol):
    def start_escalation(self, incident_id: int, *, due_at: datetime) -> None:
        """Create the timer of a new incident at its first level."""

    def move_escalations(self, moves: list[DueEscalation]) -> None:
        """Set each listed incident's timer to the given position and due time."""

    def cancel_escalations(self, incident_ids: list[int]) -> None: ...

    def claim_due_escalations(self, now: datetime, limit: int) -> list[DueEscalation]:
        """Due timers, locked so that no other engine advances them in this transaction."""

    def lock_escalation(self, incident_id: int) -> None:
        """Wait for and hold the incident's timer, if it has one. Take it before the incident
        itself: engines hold timers first, so the same order everywhere cannot deadlock."""

    def escalation(self, incident_id: int) -> DueEscalation | None:
        """The incident's timer, if it has one."""

    def set_escalation(self, timer: DueEscalation) -> None:
        """Replace the incident's timer with ``timer``."""

    def last_paged_position(self, incident_id: int) -> tuple[int, int] | None:
        """(level, loop) of the furthest escalation step that queued a page, if any."""

    def add_inbound_refusal(
        self, *, at: datetime, channel: str, sender: str, incident_id: int | None, reason: str
    ) -> None: ...

    def inbound_refusals(self, *, limit: int = 100) -> list[InboundRefusal]:
        """The newest refusals, newest first."""

    def enqueue(self, messages: list[NewMessage], *, now: datetime) -> int:
        """Insert messages, skipping any whose idempotency key exists; returns how many."""

    def cancel_queued(self, incident_id: int) -> int: ...

    def claim_due_messages(
        self, now: datetime, limit: int, *, deadline: datetime
    ) -> list[OutboxMessage]:
        """Mark due messages ``sending`` until ``deadline`` and return them.

        Messages whose earlier ``sending`` deadline passed (the engine died mid-send) are
        claimed again: delivery is at-least-once.
        """

    def requeue_sending(self, now: datetime) -> int:
        """Queue every ``sending`` message again, due at ``now``: their senders are dead."""

    def mark_sent(self, message_id: int, at: datetime, *, provider_ref: str = "") -> None: ...

    def recent_sends(
        self,
        user_id: int,
        kind: str,
        since: datetime,
        now: datetime,
        *,
        most: int,
        excluding: Collection[int] = (),
    ) -> list[datetime]:
        """The ``most`` latest moments messages (bundles counting once) went to the person
        on ``kind`` after ``since``, those being sent right now counting as ``now``, leaving
        out ``excluding`` (the batch just claimed): all storm control needs to know."""

    def hold(self, message_id: int, *, until: datetime, now: datetime) -> bool:
        """Put a claimed message back in the queue until ``until`` (storm control); the
        claim does not count as an attempt. True when it was held for the first time."""

    def hold_queued(
        self, user_id: int, kind: str, *, until: datetime, now: datetime
    ) -> list[OutboxMessage]:
        """Hold every queued message to the person on ``kind`` due before ``until`` until
        then (storm control, in one statement); returns those held for the first time."""

    def bundle_held(self, carrier: OutboxMessage) -> list[OutboxMessage]:
        """Fold every held message for the carrier's person and address into the carrier;
        returns all its bundle members (earlier ones included), oldest first."""

    def bundle_into(self, carrier_id: int, member_ids: list[int]) -> None: ...

    def bundle_members(self, carrier_id: int) -> list[OutboxMessage]: ...

    def finish_bundle(self, carrier_id: int, *, state: str, at: datetime, error: str = "") -> None:
        """Give the carrier's outcome (``sent`` or ``failed``) to every message it carries."""

    def notifications(self, incident_id: int) -> list[NotificationRecord]:
        """Every message about the incident (pages, bundle members, chat updates), oldest
        first."""

    def chat_post(self, incident_id: int, provider: str, channel: str) -> str | None:
        """The provider's handle on the incident's message in ``channel``, once posted."""

    def save_chat_post(self, incident_id: int, provider: str, channel: str, ref: str) -> None: ...

    def by_provider_ref(self, kind: str, provider_ref: str) -> OutboxMessage | None:
        """The message a provider knows by ``provider_ref`` (its delivery receipts name it)."""

    def mark_delivered(self, message_id: int, at: datetime) -> None: ...

    def mark_retry(self, message_id: int, *, deliver_at: datetime, error: str) -> None: ...

    def mark_failed(self, message_id: int, *, error: str) -> None: ...

    def mark_cancelled(self, message_id: int, *, reason: str) -> None:
        """A claimed message that is no longer to be sent (the incident stopped paging)."""

    def attempted_contacts(self, incident_id: int, user_id: int, level: int, loop: int) -> set[int]:
        """Contact method ids already used for this person at this escalation step."""

    def due_times(self) -> DueTimes:
        """When the earliest escalation and the earliest message become due."""

    def health_counts(self, now: datetime) -> dict[str, int]: ...


class DirectoryStore(Protocol):
    def route_for_key(self, key: str) -> Route | None: ...

    def policy_snapshot(self, policy_id: int) -> PolicySnapshot: ...

    def schedule(self, schedule_id: int, *, start: datetime, end: datetime) -> Schedule | None:
        """The schedule as the domain sees it for ``[start, end)``: its layers with only the
        people who opted in, and the overrides and absences that touch the window."""

    def team_member_ids(self, team_id: int) -> tuple[int, ...]: ...

    def person(self, user_id: int) -> Person | None: ...

    def person_by_email(self, email: str) -> Person | None: ...

    def people_by_contact(self, kind: str, address: str) -> list[Person]:
        """People with a contact method of ``kind`` at ``address`` (case-insensitive for
        email; phone numbers compared in E.164); for email, also the account address."""

    def user_for_token(self, token_hash: str) -> Person | None: ...

    def add_token(self, *, user_id: int, token_hash: str, name: str, at: datetime) -> None: ...

    def password_hash(self, user_id: int) -> str | None: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...


class OrgStore(Protocol):
    def integration_owners(self) -> dict[str, str]:
        """Stored integration keys and the names of their services."""

    def existing_names(self) -> dict[str, set[str]]:
        """Names already stored, by kind: users (emails), teams, schedules, policies, services."""

    def apply(self, spec: OrgSpec, *, at: datetime) -> dict[str, int]:
        """Create or update everything ``spec`` names; returns counts of changed objects."""

    def export(self) -> OrgSpec: ...

    def listing(self, kind: str) -> list[dict[str, Any]]:
        """Read models for the API and UI: users, teams, schedules, policies, services."""


@dataclass(frozen=True)
class LayerRecord:
    name: str
    start: datetime
    """Naive wall-clock time in the schedule's zone: the first handoff."""
    turn: timedelta
    participants: tuple[int, ...]
    """Everyone listed, in turn order, whether or not they have opted in yet."""
    restrictions: tuple[Window, ...]


@dataclass(frozen=True)
class ScheduleRecord:
    id: int
    name: str
    timezone: str
    max_share: int
    layers: tuple[LayerRecord, ...]
    calendar_generation: int

    @property
    def participants(self) -> tuple[int, ...]:
        """Everyone listed in any layer, each once, in order of first appearance."""
        return tuple(dict.fromkeys(p for layer in self.layers for p in layer.participants))


class Consent(StrEnum):
    INVITED = "invited"
    CONSENTED = "consented"
    DECLINED = "declined"


@dataclass(frozen=True)
class ConsentRecord:
    schedule_id: int
    user_id: int
    state: Consent
    recorded_by: str
    at: datetime
    note: str


@dataclass(frozen=True)
class OverrideRecord:
    id: int
    schedule_id: int
    user_id: int
    start: datetime
    end: datetime
    note: str
    trade_id: int | None
    created_at: datetime
    created_by: str

    def override(self) -> Override:
        return Override(self.id, self.user_id, self.start, self.end, trade=self.trade_id)


@dataclass(frozen=True)
class TradeRecord:
    id: int
    schedule_id: int
    kind: TradeKind
    status: TradeStatus
    requester_id: int
    colleague_id: int | None
    start: datetime
    end: datetime
    swap_start: datetime | None
    swap_end: datetime | None
    note: str
    created_at: datetime
    answered_at: datetime | None
    answered_by_id: int | None

    def trade(self) -> Trade:
        swap = (
            Period(self.swap_start, self.swap_end)
            if self.swap_start is not None and self.swap_end is not None
            else None
        )
        request = TradeRequest(
            kind=self.kind,
            requester=self.requester_id,
            window=Period(self.start, self.end),
            colleague=self.colleague_id,
            swap_window=swap,
        )
        return Trade(self.id, request, self.status)


@dataclass(frozen=True)
class AbsenceRecord:
    id: int
    user_id: int
    schedule_id: int | None
    """None: away from every schedule (leave)."""
    layer: str | None
    kind: AwayKind
    start: datetime | None
    end: datetime | None
    reason: str
    created_at: datetime
    created_by: str

    def away(self) -> Away:
        return Away(self.user_id, self.start, self.end, layer=self.layer, kind=self.kind)


@dataclass(frozen=True)
class ScheduleEvent:
    id: int
    schedule_id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any] = field(compare=False, hash=False)


class ScheduleStore(Protocol):
    """Schedules beyond their layers: consent, overrides, trades, absences and their history."""

    def ids(self) -> list[int]:
        """Every schedule's id, oldest first."""

    def record(self, schedule_id: int) -> ScheduleRecord | None: ...

    def id_by_name(self, name: str) -> int | None: ...

    def set_layer_participants(
        self, schedule_id: int, layer: str, participants: tuple[int, ...]
    ) -> None: ...

    def consents(self, schedule_id: int) -> dict[int, ConsentRecord]: ...

    def set_consent(
        self,
        *,
        schedule_id: int,
        user_id: int,
        state: Consent,
        by: str,
        at: datetime,
        note: str = "",
    ) -> None: ...

    def overrides(
        self, schedule_id: int, *, start: datetime, end: datetime
    ) -> list[OverrideRecord]:
        """Overrides of the schedule overlapping ``[start, end)``, oldest first."""

    def get_override(self, override_id: int) -> OverrideRecord | None: ...

    def add_override(
        self,
        *,
        schedule_id: int,
        user_id: int,
        start: datetime,
        end: datetime,
        note: str,
        by: str,
        at: datetime,
        trade_id: int | None = None,
    ) -> int: ...

    def remove_override(self, override_id: int) -> None: ...

    def update_override(
        self, override_id: int, *, note: str | None = None, end: datetime | None = None
    ) -> None:
        """Change an override's note or cut it short at ``end`` (None: unchanged); it keeps
        its id, so its precedence over overlapping overrides."""

    def absences(
        self,
        *,
        schedule_id: int | None = None,
        user_ids: Collection[int] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AbsenceRecord]:
        """Absences that apply to ``schedule_id`` (its own and everywhere-leave; None: all),
        of ``user_ids`` (None: anyone), overlapping ``[start, end)`` where given."""

    def get_absence(self, absence_id: int) -> AbsenceRecord | None: ...

    def add_absence(
        self,
        *,
        user_id: int,
        schedule_id: int | None,
        layer: str | None,
        kind: AwayKind,
        start: datetime | None,
        end: datetime | None,
        reason: str,
        by: str,
        at: datetime,
    ) -> int: ...

    def remove_absence(self, absence_id: int) -> None: ...

    def update_absence(
        self, absence_id: int, *, reason: str | None = None, end: datetime | None = None
    ) -> None:
        """Change an absence's reason or cut it short at ``end`` (None: unchanged)."""

    def trades(
        self, schedule_id: int, *, statuses: Collection[TradeStatus] = ()
    ) -> list[TradeRecord]: ...

    def get_trade(self, trade_id: int, *, lock: bool = False) -> TradeRecord | None: ...

    def add_trade(
        self, *, schedule_id: int, request: TradeRequest, note: str, at: datetime
    ) -> int: ...

    def answer_trade(
        self, trade_id: int, *, status: TradeStatus, by: int | None, at: datetime
    ) -> None: ...

    def add_event(
        self,
        schedule_id: int,
        *,
        at: datetime,
        kind: str,
        message: str,
        actor: str = "",
        data: dict[str, Any] | None = None,
    ) -> None: ...

    def events(self, schedule_id: int, *, limit: int = 100) -> list[ScheduleEvent]:
        """The newest ``limit`` events of the schedule, newest first."""

    def pages(self, schedule_id: int, *, start: datetime, end: datetime) -> list[PageRecord]:
        """Incidents that paged someone through this schedule in ``[start, end)``: the first
        page sent to each person, and when that person acknowledged, if they did."""

    def calendar_generation(self, kind: str, owner_id: int) -> int | None:
        """The current generation of a ``user`` or ``schedule`` calendar link; None: no owner."""

    def bump_calendar_generation(self, kind: str, owner_id: int) -> int: ...


@dataclass(frozen=True)
class ContactRecord:
    """A contact method with what is known of it: its last test and its last delivery."""

    id: int
    user_id: int
    position: int
    kind: str
    address: str
    label: str
    tested_at: datetime | None = None
    test_ok: bool | None = None
    test_detail: str = ""
    delivered_at: datetime | None = None
    """When its most recent finished page was sent or given up (None: never)."""
    delivered_ok: bool | None = None
    delivery_detail: str = ""

    def method(self) -> ContactMethod:
        return ContactMethod(id=self.id, kind=self.kind, address=self.address, label=self.label)

    def state(self) -> MethodState:
        return MethodState(
            kind=self.kind,
            delivered_ok=self.delivered_ok,
            delivered_at=self.delivered_at,
            tested_ok=self.test_ok,
            tested_at=self.tested_at,
        )


@dataclass(frozen=True)
class HoursRecord:
    """A person's working hours as stored: their own, and their team's, which apply when they
    have none of their own (and the default when neither has any)."""

    own: tuple[Window, ...]
    team: str
    """The first of their teams (in name order) with working hours; "" when none has."""
    team_hours: tuple[Window, ...]
    low_urgency: str


class ContactStore(Protocol):
    """People's contact methods, notification rules and working hours."""

    def methods(self, user_ids: Collection[int]) -> dict[int, list[ContactRecord]]:
        """Each listed person's contact methods, in their order (people with none: [])."""

    def get(self, contact_id: int) -> ContactRecord | None: ...

    def add(self, *, user_id: int, kind: str, address: str, label: str) -> int:
        """Add a method after the person's others; returns its id."""

    def update(self, contact_id: int, *, address: str, label: str) -> None:
        """Change a method; a new address forgets the outcome of its last test."""

    def reorder(self, user_id: int, contact_ids: list[int]) -> None:
        """Put the person's methods in this order (every one of them, each once)."""

    def remove(self, contact_id: int) -> int:
        """Delete a method and the rules that use it; returns how many rules went with it."""

    def rules(self, user_id: int) -> tuple[NotificationRule, ...]: ...

    def set_rules(self, user_id: int, rules: tuple[NotificationRule, ...]) -> None:
        """Replace the person's rules with these, in this order."""

    def hours(self, user_id: int) -> HoursRecord: ...

    def set_hours(self, user_id: int, *, windows: tuple[Window, ...], low_urgency: str) -> None: ...

    def record_test(self, contact_id: int, *, at: datetime, ok: bool, detail: str) -> None: ...


class OrgSettingsStore(Protocol):
    """Organisation settings from the org file that are not named objects."""

    def major_incidents(self) -> MajorIncidentSpec | None:
        """The ``major_incidents:`` block last applied; None: never applied."""

    def set_major_incidents(self, spec: MajorIncidentSpec) -> None: ...


@dataclass(frozen=True)
class Stakeholder:
    """Someone following an incident: they get its CAN reports, never its pages."""

    incident_id: int
    user_id: int
    email: str
    name: str
    since: datetime


class CommandCentreStore(Protocol):
    """A major incident's virtual command centre: its bridge and who follows it."""

    def bridge(self, incident_id: int) -> str:
        """The incident's conference bridge URL; "" when it has none (or is not declared)."""

    def set_bridge(self, incident_id: int, url: str) -> None:
        """Set the bridge of a declared incident ("" removes it)."""

    def stakeholders(self, incident_id: int) -> list[Stakeholder]:
        """Followers of the incident, earliest first."""

    def add_stakeholder(self, incident_id: int, user_id: int, *, at: datetime) -> bool:
        """False when they already follow it (nothing changes then)."""

    def remove_stakeholder(self, incident_id: int, user_id: int) -> bool:
        """False when they did not follow it."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back."""

    incidents: IncidentStore
    paging: PagingStore
    directory: DirectoryStore
    org: OrgStore
    schedules: ScheduleStore
    contacts: ContactStore
    command: IncidentCommandStore
    settings: OrgSettingsStore
    centre: CommandCentreStore
    status: StatusStore
    roles: IncidentRoleStore

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def signal_work(self) -> None:
        """Wake engines once this unit of work commits: new work may be due now."""


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; ``read_only`` ones never commit and never wait for writers."""


@dataclass(frozen=True)
class PageItem:
    """One incident in a bundled message (storm control)."""

    incident_id: int
    incident_number: int
    incident_title: str
    service_name: str
    urgency: Urgency
    incident_url: str
    acknowledge_url: str


@dataclass(frozen=True)
class Notice:
    """A plain informative message about an incident (a CAN report, a reminder, a
    broadcast): channels show its words and offer no actions."""

    purpose: str
    subject: str
    text: str
    url: str = ""
    unsubscribe_url: str = ""
    """A status subscriber's signed unsubscribe link: it acts without a sign-in, so it is
    sent with the message but never written to a log."""
    confirm_url: str = ""
    """A status subscription's signed confirmation link: sent, like ``unsubscribe_url``,
    but never written to a log."""

    @property
    def public(self) -> bool:
        """For people outside the organisation (status-page subscribers): channels add
        nothing about the incident itself (its number, title or service)."""
        return self.purpose in ("status_update", "status_confirm")


@dataclass(frozen=True)
class Page:
    """Everything a channel needs to tell one person about one incident.

    A bundled message (storm control) is the page of its first incident with ``bundle``
    listing every incident it carries, that one included. A test notification has
    ``test`` set and incident number 0; it acts on nothing.
    """

    message_id: int
    idempotency_key: str
    address: str
    recipient_name: str
    incident_number: int
    incident_title: str
    service_name: str
    urgency: Urgency
    status: IncidentStatus
    runbook_url: str
    incident_url: str
    acknowledge_url: str
    resolve_url: str
    created_at: datetime
    details: dict[str, Any] = field(compare=False, hash=False)
    incident_id: int = 0
    user_id: int = 0
    escalate_url: str = ""
    snooze_url: str = ""
    reply_to: str = ""
    """Email: the Reply-To address that reaches the inbound listener ("" when not read)."""
    thread_ref: str = ""
    """Chat announcements: the provider's handle on the message to update ("" posts anew)."""
    bundle: tuple[PageItem, ...] = ()
    test: bool = False
    notice: Notice | None = None
    """Set for a notice: render ``notice`` as a plain message, without action links."""
    role: str | None = None
    """The incident role the page asks its person to take (``IncidentRole`` value), if any."""

    @property
    def bundled(self) -> bool:
        return len(self.bundle) > 1

    @property
    def role_text(self) -> str:
        """One sentence for the page's text, "You are paged as incident manager.", or ""."""
        return f"You are paged as {self.role.replace('_', ' ')}." if self.role else ""


@dataclass(frozen=True)
class Delivery:
    ok: bool
    permanent: bool = False
    detail: str = ""
    provider_ref: str = ""
    """The provider's id for what it accepted (Twilio SID, Slack ts, ...)."""
    attempts: tuple[str, ...] = ()
    """Each provider tried before the outcome, in order, e.g. ``("twilio: HTTP 500",)``."""


class Channel(Protocol):
    """Delivers a page over one kind of contact method (email, webhook, ...)."""

    kind: str

    def send(self, page: Page) -> Delivery:
        """Deliver once; never raise for a provider failure, report it in the Delivery."""


class LinkSigner(Protocol):
    def sign(self, *, incident_id: int, user_id: int, action: str) -> str: ...

    def verify(self, token: str) -> tuple[int, int, str]:
        """(incident id, user id, action); raise InvalidLink when forged or expired."""


class InvalidLink(Exception):
    pass


class ReplySigner(Protocol):
    """Short tokens that fit in an email address's local part (Reply-To plus-addressing)."""

    def reply_token(self, *, incident_id: int, user_id: int) -> str: ...

    def read_reply_token(self, token: str) -> tuple[int, int]:
        """(incident id, user id); raise InvalidLink when forged."""


class CalendarSigner(Protocol):
    """Secrets of long-lived links that nothing stores: calendar feeds (its first use) and
    status-page subscribers' links; ``kind`` keeps each use's tokens apart."""

    def token(self, *, kind: str, owner_id: int, generation: int) -> str:
        """The secret of a ``kind`` link for ``owner_id``; a new ``generation`` gives a new
        secret."""


class Wakeup(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until signalled or ``timeout`` seconds pass; True when signalled."""

    def notify(self) -> None: ...


@dataclass(frozen=True)
class CommandRecord:
    """A major incident's command state: who declared it, its stage and severity.

    Who holds which role is ``IncidentRoleStore``'s; ``experts`` are the experts named at
    Dispatch (people or groups, not necessarily users)."""

    incident_id: int
    declared_at: datetime
    declared_by: str
    experts: tuple[str, ...]
    rca_owner: str
    stage: Stage
    stage_at: datetime
    severity: LossSeverity | None
    response: Response | None
    next_can_due: datetime


@dataclass(frozen=True)
class StageTransitionRecord:
    id: int
    incident_id: int
    source: Stage | None
    """None for the move into the first stage, when the incident was declared."""
    target: Stage
    at: datetime
    by: str
    reason: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class CanReportRecord:
    id: int
    incident_id: int
    at: datetime
    author: str
    stage: Stage
    conditions: str
    actions: str
    needs: str
    next_due: datetime


@dataclass(frozen=True)
class LossEstimateRecord:
    id: int
    incident_id: int
    at: datetime
    by: str
    estimate: LossEstimate
    severity: LossSeverity
    response: Response
    note: str


@dataclass(frozen=True)
class DueReminder:
    incident_id: int
    due_at: datetime


class IncidentCommandStore(Protocol):
    """Major incidents: declarations, stage moves, CAN reports, loss estimates, reminders."""

    def get(self, incident_id: int, *, lock: bool = False) -> CommandRecord | None: ...

    def declare(self, record: CommandRecord) -> None: ...

    def save(self, record: CommandRecord) -> None:
        """Replace the stored command state of ``record.incident_id`` with ``record``."""

    def add_transition(
        self,
        incident_id: int,
        *,
        source: Stage | None,
        target: Stage,
        at: datetime,
        by: str,
        reason: str,
        missing: tuple[str, ...],
    ) -> None: ...

    def transitions(self, incident_id: int) -> list[StageTransitionRecord]:
        """Oldest first."""

    def add_can_report(
        self,
        incident_id: int,
        *,
        at: datetime,
        author: str,
        stage: Stage,
        conditions: str,
        actions: str,
        needs: str,
        next_due: datetime,
    ) -> int: ...

    def can_reports(self, incident_id: int) -> list[CanReportRecord]:
        """Oldest first."""

    def add_loss_estimate(
        self,
        incident_id: int,
        *,
        at: datetime,
        by: str,
        estimate: LossEstimate,
        severity: LossSeverity,
        response: Response,
        note: str,
    ) -> int: ...

    def loss_estimates(self, incident_id: int) -> list[LossEstimateRecord]:
        """Oldest first."""

    def set_reminder(self, incident_id: int, due_at: datetime) -> None:
        """Create or move the incident's CAN reminder timer."""

    def cancel_reminder(self, incident_id: int) -> None: ...

    def claim_due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        """Due reminder timers, locked (``SKIP LOCKED``) until the unit of work ends."""

    def next_reminder_due(self) -> datetime | None: ...

    def paged_user_ids(self, incident_id: int) -> set[int]:
        """Everyone a message about the incident was queued for."""


@dataclass(frozen=True)
class StatusComponentRecord:
    """A component on the public status page, in its service's public group."""

    id: int
    service_id: int
    group: str
    name: str
    description: str
    position: int


@dataclass(frozen=True)
class StatusUpdateRecord:
    """A customer-facing update about an incident; public once ``published_at`` is set."""

    id: int
    incident_id: int
    stage: Stage
    status: UpdateStatus
    title: str
    body: str
    impact: ComponentState
    components: tuple[int, ...]
    """Ids of the public components it is about."""
    proposed_at: datetime
    proposed_by: str
    published_at: datetime | None = None
    published_by: str = ""

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass(frozen=True)
class StatusSubscriberRecord:
    id: int
    kind: str
    """``email`` or ``webhook``."""
    address: str
    created_at: datetime
    """When the subscription was last requested (an email's confirmation link is dated)."""
    confirmed_at: datetime | None = None
    """None while an email subscription awaits confirmation; only confirmed ones get updates."""

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class StatusStore(Protocol):
    """The public status page: components, updates and subscribers."""

    def components(self) -> list[StatusComponentRecord]:
        """Every public component, by group name, then position."""

    def add_update(self, record: StatusUpdateRecord) -> int:
        """Store ``record`` (its ``id`` is ignored); returns the new id."""

    def get_update(self, update_id: int, *, lock: bool = False) -> StatusUpdateRecord | None: ...

    def save_update(self, record: StatusUpdateRecord) -> None:
        """Replace the stored update ``record.id`` with ``record``."""

    def updates(self, incident_id: int) -> list[StatusUpdateRecord]:
        """The incident's updates, drafts too, oldest first."""

    def published_since(self, since: datetime) -> list[StatusUpdateRecord]:
        """Every published update of each incident with an update published at or after
        ``since``, or whose latest published update is not resolved; oldest first."""

    def add_subscriber(
        self, kind: str, address: str, at: datetime, *, confirmed: bool
    ) -> tuple[int, bool]:
        """(id, True) for a new subscriber (confirmed at ``at`` when ``confirmed``); (the
        existing id, False) when already there, unchanged."""

    def request_again(self, subscriber_id: int, at: datetime) -> None:
        """Date an unconfirmed subscriber's request ``at`` (a new confirmation link)."""

    def confirm_subscriber(self, subscriber_id: int, at: datetime) -> bool:
        """Mark the subscriber confirmed at ``at``; False when already confirmed or gone."""

    def subscriber(self, subscriber_id: int) -> StatusSubscriberRecord | None: ...

    def remove_subscriber(self, subscriber_id: int) -> bool:
        """False when there was no such subscriber."""

    def subscribers(self) -> list[StatusSubscriberRecord]:
        """Oldest first."""


@dataclass(frozen=True)
class RoleHolder:
    """Someone holding an incident role, since when and by whose doing."""

    incident_id: int
    role: IncidentRole
    user_id: int
    email: str
    name: str
    since: datetime
    assigned_by: str


class IncidentRoleStore(Protocol):
    """Who holds which incident role (any incident, declared major or not)."""

    def holders(self, incident_id: int) -> list[RoleHolder]:
        """Longest-held first."""

    def add(
        self, incident_id: int, *, role: IncidentRole, user_id: int, at: datetime, by: str
    ) -> None: ...

    def remove(self, incident_id: int, *, role: IncidentRole, user_id: int) -> None: ...

    def paged_role(self, incident_id: int, user_id: int) -> IncidentRole | None:
        """The role the latest page to ``user_id`` about the incident asked for, if any."""
