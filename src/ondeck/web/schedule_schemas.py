"""API schemas for schedules, named by role: what the schedule API reads and returns.

Times in bodies need an offset (``2026-11-22T09:00:00Z``); people are named by email in
bodies and returned as ``{id, email, name}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ondeck.domain.rotation import WEEKDAYS, Window
from ondeck.domain.schedule_checks import Finding
from ondeck.domain.schedules import Shift
from ondeck.domain.trades import TradeKind
from ondeck.services.ports import (
    AbsenceRecord,
    OverrideRecord,
    Person,
    TradeRecord,
)
from ondeck.services.schedule_changes import ConsentChange
from ondeck.services.schedules import LayerView, ScheduleView, UserShift
from ondeck.web.schemas import TimelineEntryPublic, UserRef

People = Mapping[int, Person]


def user_ref(people: People, user_id: int) -> UserRef:
    """The person as the API names them; a removed user keeps their id."""
    person = people.get(user_id)
    if person is None:
        return UserRef(id=user_id, email="", name=f"user {user_id}")
    return UserRef(id=person.id, email=person.email, name=person.name)


def _maybe_ref(people: People, user_id: int | None) -> UserRef | None:
    return None if user_id is None else user_ref(people, user_id)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- what the API reads ---------------------------------------------------------------


class OverrideCreate(_Body):
    user: str = Field(description="Email of the person to put on call")
    start: AwareDatetime
    end: AwareDatetime
    note: str = ""


class TradeCreate(_Body):
    kind: TradeKind = Field(description="cover: they take your window; swap: you take theirs")
    start: AwareDatetime = Field(description="Your window: when it starts")
    end: AwareDatetime
    colleague: str | None = Field(
        default=None, description="Email of the colleague asked; leave out to ask anyone (cover)"
    )
    swap_start: AwareDatetime | None = Field(
        default=None, description="Swaps: the colleague's window you take in return"
    )
    swap_end: AwareDatetime | None = None
    note: str = ""


class AbsenceCreate(_Body):
    user: str = Field(description="Email of the person who is away")
    start: AwareDatetime | None = Field(default=None, description="Leave out: from now")
    end: AwareDatetime | None = Field(
        default=None, description="Leave out: until further notice (exemptions only)"
    )
    reason: str = Field(default="", description="Seen only by admins and the person themself")
    schedule: int | None = Field(
        default=None, description="Exempt from this schedule only; leave out for leave"
    )
    layer: str | None = Field(default=None, description="Exempt from this layer of it only")


class InvitationCreate(_Body):
    user: str = Field(description="Email of the person asked to join")
    layer: str = Field(description="The layer they are asked to join")


class ConsentCreate(_Body):
    user: str = Field(description="Email of the person who agreed")
    note: str = Field(description="How they agreed, e.g. 'agreed in our 1:1 on 20 Nov'")


# --- what the API returns ---------------------------------------------------------------


class ShiftSourcePublic(BaseModel):
    kind: Literal["layer", "stand_in", "override", "trade"]
    layer: str | None
    override_id: int | None
    trade_id: int | None
    standing_in_for: UserRef | None


class ShiftPublic(BaseModel):
    user: UserRef
    start: datetime
    end: datetime
    source: ShiftSourcePublic

    @classmethod
    def of(cls, shift: Shift, people: People) -> ShiftPublic:
        source = shift.source
        return cls(
            user=user_ref(people, shift.user),
            start=shift.start,
            end=shift.end,
            source=ShiftSourcePublic(
                kind=source.kind.value,
                layer=source.layer or None,
                override_id=source.override,
                trade_id=source.trade,
                standing_in_for=_maybe_ref(people, source.standing_in_for),
            ),
        )


class ShiftsPublic(BaseModel):
    data: list[ShiftPublic]
    count: int


class ScheduleRef(BaseModel):
    id: int
    name: str


class UserShiftPublic(ShiftPublic):
    schedule: ScheduleRef

    @classmethod
    def of_user(cls, found: UserShift, person: Person) -> UserShiftPublic:
        people = {person.id: person}
        if found.standing_in_for is not None:
            people[found.standing_in_for.id] = found.standing_in_for
        shift = ShiftPublic.of(found.shift, people)
        return cls(schedule=ScheduleRef(id=found.schedule_id, name=found.schedule), **dict(shift))


class UserShiftsPublic(BaseModel):
    data: list[UserShiftPublic]
    count: int


class OverridePublic(BaseModel):
    id: int
    schedule_id: int
    user: UserRef
    start: datetime
    end: datetime
    note: str
    trade_id: int | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, record: OverrideRecord, people: People) -> OverridePublic:
        return cls(
            id=record.id,
            schedule_id=record.schedule_id,
            user=user_ref(people, record.user_id),
            start=record.start,
            end=record.end,
            note=record.note,
            trade_id=record.trade_id,
            created_at=record.created_at,
            created_by=record.created_by,
        )


class OverridesPublic(BaseModel):
    data: list[OverridePublic]
    count: int


class TradePublic(BaseModel):
    id: int
    schedule_id: int
    kind: str
    status: str
    requester: UserRef
    colleague: UserRef | None = Field(description="None: anyone in the rotations may accept")
    start: datetime
    end: datetime
    swap_start: datetime | None
    swap_end: datetime | None
    note: str
    created_at: datetime
    answered_at: datetime | None
    answered_by: UserRef | None

    @classmethod
    def of(cls, record: TradeRecord, people: People) -> TradePublic:
        return cls(
            id=record.id,
            schedule_id=record.schedule_id,
            kind=record.kind.value,
            status=record.status.value,
            requester=user_ref(people, record.requester_id),
            colleague=_maybe_ref(people, record.colleague_id),
            start=record.start,
            end=record.end,
            swap_start=record.swap_start,
            swap_end=record.swap_end,
            note=record.note,
            created_at=record.created_at,
            answered_at=record.answered_at,
            answered_by=_maybe_ref(people, record.answered_by_id),
        )


class TradesPublic(BaseModel):
    data: list[TradePublic]
    count: int


class AbsencePublic(BaseModel):
    id: int
    user: UserRef
    kind: str = Field(description="leave (every schedule) or exempt (one schedule or layer)")
    schedule_id: int | None
    layer: str | None
    start: datetime | None
    end: datetime | None
    reason: str = Field(description="Blank unless you are an admin or the person themself")
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, record: AbsenceRecord, people: People) -> AbsencePublic:
        return cls(
            id=record.id,
            user=user_ref(people, record.user_id),
            kind=record.kind.value,
            schedule_id=record.schedule_id,
            layer=record.layer,
            start=record.start,
            end=record.end,
            reason=record.reason,
            created_at=record.created_at,
            created_by=record.created_by,
        )


class AbsencesPublic(BaseModel):
    data: list[AbsencePublic]
    count: int


class FindingPublic(BaseModel):
    code: str
    level: str
    message: str
    start: datetime | None
    end: datetime | None
    user: UserRef | None
    layer: str | None

    @classmethod
    def of(cls, finding: Finding, people: People) -> FindingPublic:
        return cls(
            code=finding.code.value,
            level=finding.level.value,
            message=finding.message,
            start=finding.start,
            end=finding.end,
            user=_maybe_ref(people, finding.user),
            layer=finding.layer,
        )


class FindingsPublic(BaseModel):
    data: list[FindingPublic]
    count: int


class ScheduleCheckPublic(BaseModel):
    schedule: ScheduleRef
    findings: list[FindingPublic]


class ScheduleChecksPublic(BaseModel):
    data: list[ScheduleCheckPublic]
    count: int


class ScheduleEventPublic(TimelineEntryPublic):
    """One change on a schedule's timeline of changes: the same shape as an incident's."""


class ScheduleEventsPublic(BaseModel):
    data: list[ScheduleEventPublic]
    count: int


class ConsentPublic(BaseModel):
    schedule: str
    user: str
    state: str = Field(description="invited, consented or declined")

    @classmethod
    def of(cls, change: ConsentChange) -> ConsentPublic:
        return cls(schedule=change.schedule, user=change.user, state=change.state.value)


class RestrictionPublic(BaseModel):
    days: list[str] = Field(description="mon … sun")
    start: str = Field(description="Wall-clock HH:MM in the schedule's zone")
    end: str = Field(description="HH:MM; not after start: the next day")

    @classmethod
    def of(cls, window: Window) -> RestrictionPublic:
        return cls(
            days=[WEEKDAYS[d] for d in sorted(window.days)],
            start=window.start.isoformat("minutes"),
            end=window.end.isoformat("minutes"),
        )


class WaitingPublic(BaseModel):
    user: UserRef
    state: str = Field(description="invited or declined")


class LayerPublic(BaseModel):
    name: str
    start: str = Field(description="The first handoff, wall-clock in the schedule's zone")
    rotation_seconds: int
    restrictions: list[RestrictionPublic]
    participants: list[UserRef] = Field(description="In the rotation (opted in), in turn order")
    waiting: list[WaitingPublic] = Field(description="Listed but not (or not yet) opted in")
    shifts: list[ShiftPublic] = Field(description="What this layer alone puts on call")

    @classmethod
    def of(cls, layer: LayerView, people: People) -> LayerPublic:
        return cls(
            name=layer.name,
            start=layer.start.isoformat(timespec="minutes"),
            rotation_seconds=int(layer.turn.total_seconds()),
            restrictions=[RestrictionPublic.of(w) for w in layer.restrictions],
            participants=[user_ref(people, p) for p in layer.participants],
            waiting=[
                WaitingPublic(user=user_ref(people, p), state=state.value)
                for p, state in layer.waiting
            ],
            shifts=[ShiftPublic.of(s, people) for s in layer.shifts],
        )


class ScheduleTimelinePublic(BaseModel):
    id: int
    name: str
    timezone: str
    max_share: int
    start: datetime
    end: datetime
    layers: list[LayerPublic]
    final: list[ShiftPublic] = Field(description="Who is on call: overrides over the layers")
    overrides: list[OverridePublic] = Field(description="In the window or not ended yet")
    trades: list[TradePublic] = Field(description="Pending, and answered in the last 30 days")
    absences: list[AbsencePublic] = Field(description="Of its people, not ended yet")
    findings: list[FindingPublic]
    events: list[ScheduleEventPublic] = Field(description="The newest 50 changes, newest first")
    on_call_now: list[UserRef]
    next_change: datetime | None
    on_call_next: list[UserRef]

    @classmethod
    def of(cls, view: ScheduleView) -> ScheduleTimelinePublic:
        people = view.people
        return cls(
            id=view.id,
            name=view.name,
            timezone=view.timezone,
            max_share=view.max_share,
            start=view.start,
            end=view.end,
            layers=[LayerPublic.of(layer, people) for layer in view.layers],
            final=[ShiftPublic.of(s, people) for s in view.final],
            overrides=[OverridePublic.of(o, people) for o in view.overrides],
            trades=[TradePublic.of(t, people) for t in view.trades],
            absences=[AbsencePublic.of(a, people) for a in view.absences],
            findings=[FindingPublic.of(f, people) for f in view.findings],
            events=[ScheduleEventPublic.of(e) for e in view.events],
            on_call_now=[user_ref(people, p) for p in view.on_call_now],
            next_change=view.next_change,
            on_call_next=[user_ref(people, p) for p in view.on_call_next],
        )


class FairnessRowPublic(BaseModel):
    """One person's load on one schedule; the balances (0–100) are the schedule's."""

    model_config = ConfigDict(populate_by_name=True)

    schedule: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    email: str
    name: str
    timezone: str
    hours_on_call: float
    off_hours_hours: float
    night_hours: float
    weekend_hours: float
    pages: int
    night_pages: int
    acknowledged: int
    median_seconds_to_ack: int | None
    hours_balance: int
    off_hours_balance: int
    pages_balance: int
    balance: int


class FairnessPublic(BaseModel):
    data: list[FairnessRowPublic]
    count: int


class CalendarLinkPublic(BaseModel):
    url: str = Field(description="The secret feed address; anyone holding it can read the feed")
    webcal: str = Field(description="The same feed for calendar apps that subscribe to webcal://")
