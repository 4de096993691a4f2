"""Configuration as code: apply an organisation file idempotently, export it back.

Applying validates everything first, then changes all of it in one transaction or none of
it. Beyond what the organisation store keeps (users, teams, schedules with their layers,
policies, services), applying:

- gives a layer without a start one: a stored layer of the same name keeps its start date
  (at the file's handoff time); a new one starts at the latest Monday handoff at or before
  now, so its first person is on call at once and applying again changes nothing;
- brings a schedule's overrides and exemptions, and a user's leave, in line with the file
  when the file lists them (None keeps what is stored). They are matched by who and when
  (and, for exemptions, which layer): listed ones that are missing are added, matched ones
  take the file's note or reason, and stored ones the file leaves out are taken back; one
  that has begun is cut short at now instead, so the past stays as it was. Ones that have
  ended are history, whether stored or listed, and are never touched;
- records consent for people newly listed in a rotation;
- writes every change to a schedule on that schedule's timeline as ``ondeck apply``.
  Reasons for exemptions and leave never go on a timeline: only managers may read them.

Exporting writes the overrides, exemptions and leave that have not ended yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ondeck.domain.durations import format_duration
from ondeck.domain.org import (
    ExemptionSpec,
    LayerSpec,
    LeaveSpec,
    OrgSpec,
    OverrideSpec,
    ScheduleSpec,
    UserSpec,
    moment,
    validate,
    wall_clock,
)
from ondeck.domain.rotation import default_start, describe_window
from ondeck.domain.schedules import AwayKind
from ondeck.services.errors import Forbidden, InvalidOrg
from ondeck.services.ports import (
    AbsenceRecord,
    Clock,
    Consent,
    LayerRecord,
    Person,
    ScheduleRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ondeck.services.schedules import (
    all_schedules,
    describe_moment,
    describe_span,
    describe_wall,
)

APPLY_ACTOR = "ondeck apply"
FOREVER = datetime.max.replace(tzinfo=UTC)


class EventKind:
    """Kinds of the schedule timeline entries ``ondeck apply`` writes."""

    SCHEDULE_CREATED = "schedule_created"
    SETTINGS_CHANGED = "settings_changed"
    LAYERS_CHANGED = "layers_changed"
    CONSENT_RECORDED = "consent_recorded"
    OVERRIDE_ADDED = "override_added"
    OVERRIDE_REMOVED = "override_removed"
    OVERRIDE_CHANGED = "override_changed"
    EXEMPTION_ADDED = "exemption_added"
    EXEMPTION_REMOVED = "exemption_removed"
    EXEMPTION_CHANGED = "exemption_changed"
    LEAVE_ADDED = "leave_added"
    LEAVE_REMOVED = "leave_removed"
    LEAVE_CHANGED = "leave_changed"


def apply_org(
    *, uow: UnitOfWorkFactory, clock: Clock, spec: OrgSpec, actor: str = APPLY_ACTOR
) -> dict[str, int]:
    """Validate everything first; apply all of it in one transaction or none of it.

    ``actor`` is who the schedules' timelines name for the changes (``ondeck apply``, or the
    admin who sent a schedule over the API)."""
    with uow() as work:
        problems = validate(
            spec, work.org.existing_names(), key_owners=work.org.integration_owners()
        )
        if problems:
            raise InvalidOrg([str(problem) for problem in problems])
        now = clock.now()
        before = {s.name: _stored(work, s.name) for s in spec.schedules}
        spec = with_layer_starts(spec, before, now)
        counts = work.org.apply(spec, at=now)
        if spec.major_incidents is not None:
            work.settings.set_major_incidents(spec.major_incidents)
        applying = _Applying(work, now, actor)
        for schedule in spec.schedules:
            record = _stored(work, schedule.name)
            assert record is not None, "the schedule was stored in this same unit of work"
            applying.schedule_changed(before[schedule.name], record)
            applying.record_consent_of_listed_people(record)
            if schedule.overrides is not None:
                applying.sync_overrides(record, schedule.overrides)
            if schedule.exemptions is not None:
                applying.sync_exemptions(record, schedule.exemptions)
        for user in spec.users:
            if user.unavailable is not None:
                applying.sync_leave(user, user.unavailable)
        work.commit()
        return counts


def with_layer_starts(
    spec: OrgSpec, stored: dict[str, ScheduleRecord | None], now: datetime
) -> OrgSpec:
    """``spec`` with a start for every layer that has none: the stored layer of that name
    keeps its start date, at the layer's handoff; a new layer starts at the latest Monday
    handoff at or before ``now`` in the schedule's zone."""

    def start(schedule: ScheduleSpec, layer: LayerSpec) -> LayerSpec:
        if layer.start is not None:
            return layer
        record = stored.get(schedule.name)
        kept = {x.name: x.start for x in record.layers} if record else {}
        if layer.name in kept:
            return replace(layer, start=datetime.combine(kept[layer.name].date(), layer.handoff))
        return replace(layer, start=default_start(schedule.timezone, now, layer.handoff))

    return replace(
        spec,
        schedules=tuple(
            replace(s, layers=tuple(start(s, layer) for layer in s.layers)) for s in spec.schedules
        ),
    )


def _stored(work: UnitOfWork, name: str) -> ScheduleRecord | None:
    schedule_id = work.schedules.id_by_name(name)
    return None if schedule_id is None else work.schedules.record(schedule_id)


@dataclass(frozen=True)
class _Key:
    """What identifies an override, exemption or period of leave: who, when, which layer."""

    user: int
    start: datetime | None
    end: datetime | None
    layer: str | None = None


@dataclass(frozen=True)
class _Wanted:
    key: _Key
    text: str
    """The note (overrides) or reason (exemptions, leave)."""


def _match(
    wanted: Iterable[_Wanted], stored: list[Any], key: Callable[[Any], _Key]
) -> tuple[list[_Wanted], list[tuple[Any, _Wanted]], list[Any]]:
    """(to add, matched pairs, to take back); each stored item matches at most one entry."""
    left = list(stored)
    missing: list[_Wanted] = []
    matched: list[tuple[Any, _Wanted]] = []
    for entry in wanted:
        found = next((item for item in left if key(item) == entry.key), None)
        if found is None:
            missing.append(entry)
        else:
            left.remove(found)
            matched.append((found, entry))
    return missing, matched, left


_ABSENCE_EVENTS = {
    AwayKind.EXEMPT: (
        EventKind.EXEMPTION_REMOVED,
        EventKind.EXEMPTION_CHANGED,
        EventKind.EXEMPTION_ADDED,
    ),
    AwayKind.LEAVE: (EventKind.LEAVE_REMOVED, EventKind.LEAVE_CHANGED, EventKind.LEAVE_ADDED),
}
"""What apply writes when it takes back, changes or adds an exemption or leave."""


def _absence_key(absence: AbsenceRecord) -> _Key:
    return _Key(absence.user_id, absence.start, absence.end, absence.layer)


class _Applying:
    """The changes of one apply beyond the organisation store, each written on the
    timeline of the schedule it changes."""

    def __init__(self, work: UnitOfWork, now: datetime, actor: str = APPLY_ACTOR) -> None:
        self.work = work
        self.now = now
        self.actor = actor
        self._people: dict[int, Person | None] = {}
        self._listed: dict[int, list[ScheduleRecord]] | None = None

    def person(self, user_id: int) -> Person | None:
        if user_id not in self._people:
            self._people[user_id] = self.work.directory.person(user_id)
        return self._people[user_id]

    def name(self, user_id: int) -> str:
        person = self.person(user_id)
        return person.name if person else f"user {user_id}"

    def email(self, user_id: int) -> str:
        person = self.person(user_id)
        return person.email if person else ""

    def user_id(self, email: str) -> int:
        person = self.work.directory.person_by_email(email)
        assert person is not None, "validated: every listed user exists"
        return person.id

    def event(self, record: ScheduleRecord, kind: str, message: str, **data: Any) -> None:
        self.work.schedules.add_event(
            record.id, at=self.now, kind=kind, actor=self.actor, message=message, data=data
        )

    def over(self, end: datetime | None) -> bool:
        return end is not None and end <= self.now

    def begun(self, start: datetime | None) -> bool:
        return start is None or start < self.now

    def schedule_changed(self, before: ScheduleRecord | None, after: ScheduleRecord) -> None:
        if before is None:
            self.event(
                after,
                EventKind.SCHEDULE_CREATED,
                f"Schedule created by {self.actor}, in time zone {after.timezone}",
            )
        else:
            if before.timezone != after.timezone:
                self.event(
                    after,
                    EventKind.SETTINGS_CHANGED,
                    f"Time zone changed by {self.actor}: {before.timezone} → {after.timezone}",
                )
            if before.max_share != after.max_share:
                self.event(
                    after,
                    EventKind.SETTINGS_CHANGED,
                    f"Fairness limit changed by {self.actor}: "
                    f"{before.max_share}% → {after.max_share}%",
                )
        changes = layer_changes(before.layers if before else (), after.layers, self.name)
        if changes:
            self.event(
                after,
                EventKind.LAYERS_CHANGED,
                f"Layers changed by {self.actor}: {changes}",
                layers=[layer.name for layer in after.layers],
            )

    def record_consent_of_listed_people(self, record: ScheduleRecord) -> None:
        """Listing someone in a rotation of an applied file is an administrator recording their
        consent; a person who declined stays out until they (or an admin) say otherwise."""
        known = self.work.schedules.consents(record.id)
        for user_id in record.participants:
            if user_id in known:
                continue
            self.work.schedules.set_consent(
                schedule_id=record.id,
                user_id=user_id,
                state=Consent.CONSENTED,
                by=self.actor,
                at=self.now,
                note="listed in a rotation by an administrator",
            )
            self.event(
                record,
                EventKind.CONSENT_RECORDED,
                f"Consent of {self.name(user_id)} recorded by {self.actor} "
                "(listed in a rotation by an administrator)",
                user=self.email(user_id),
            )

    def sync_overrides(self, record: ScheduleRecord, listed: tuple[OverrideSpec, ...]) -> None:
        zone = record.timezone
        wanted = [
            _Wanted(_Key(self.user_id(o.user), moment(o.start, zone), moment(o.end, zone)), o.note)
            for o in listed
        ]
        stored = self.work.schedules.overrides(record.id, start=self.now, end=FOREVER)
        missing, matched, extra = _match(
            (w for w in wanted if not self.over(w.key.end)),
            stored,
            lambda o: _Key(o.user_id, o.start, o.end),
        )

        def what(user_id: int, start: datetime, end: datetime) -> str:
            return f"{self.name(user_id)} on call {describe_span(zone, start, end)}"

        for override in extra:
            text = what(override.user_id, override.start, override.end)
            if self.begun(override.start):
                self.work.schedules.update_override(override.id, end=self.now)
                message = f"Override ended early by {self.actor}, at {self.at(zone)}: {text}"
            else:
                self.work.schedules.remove_override(override.id)
                message = f"Override removed by {self.actor}: {text}"
            self.event(
                record,
                EventKind.OVERRIDE_REMOVED,
                message,
                override=override.id,
                user=self.email(override.user_id),
            )
        for override, entry in matched:
            if override.note != entry.text:
                self.work.schedules.update_override(override.id, note=entry.text)
                self.event(
                    record,
                    EventKind.OVERRIDE_CHANGED,
                    f"Override note changed by {self.actor}: "
                    f"{what(override.user_id, override.start, override.end)}",
                    override=override.id,
                    user=self.email(override.user_id),
                )
        for entry in missing:
            start, end = entry.key.start, entry.key.end
            assert start is not None and end is not None
            override_id = self.work.schedules.add_override(
                schedule_id=record.id,
                user_id=entry.key.user,
                start=start,
                end=end,
                note=entry.text,
                by=self.actor,
                at=self.now,
            )
            self.event(
                record,
                EventKind.OVERRIDE_ADDED,
                f"Override added by {self.actor}: {what(entry.key.user, start, end)}",
                override=override_id,
                user=self.email(entry.key.user),
            )

    def at(self, zone: str) -> str:
        return f"{describe_moment(zone, self.now)} {zone}"

    def sync_exemptions(self, record: ScheduleRecord, listed: tuple[ExemptionSpec, ...]) -> None:
        zone = record.timezone

        def read(value: datetime | None) -> datetime | None:
            return None if value is None else moment(value, zone)

        wanted = [
            _Wanted(_Key(self.user_id(e.user), read(e.start), read(e.end), e.layer), e.reason)
            for e in listed
        ]
        stored = [
            a
            for a in self.work.schedules.absences(schedule_id=record.id, start=self.now)
            if a.kind is AwayKind.EXEMPT and a.schedule_id == record.id
        ]
        self.sync_absences(wanted, stored, AwayKind.EXEMPT, record)

    def sync_leave(self, user: UserSpec, listed: tuple[LeaveSpec, ...]) -> None:
        user_id = self.user_id(user.email)
        wanted = [
            _Wanted(
                _Key(
                    user_id,
                    None if x.start is None else moment(x.start, user.timezone),
                    moment(x.end, user.timezone),
                ),
                x.reason,
            )
            for x in listed
        ]
        stored = [
            a
            for a in self.work.schedules.absences(user_ids=[user_id], start=self.now)
            if a.kind is AwayKind.LEAVE and a.schedule_id is None
        ]
        self.sync_absences(wanted, stored, AwayKind.LEAVE, None)

    def sync_absences(
        self,
        wanted: list[_Wanted],
        stored: list[AbsenceRecord],
        kind: AwayKind,
        schedule: ScheduleRecord | None,
    ) -> None:
        """Bring the stored exemptions of ``schedule`` (or one person's leave, ``schedule``
        None) in line with ``wanted``: add the missing, change reasons, take back the rest
        (cut short at now if they have begun)."""
        missing, matched, extra = _match(
            (w for w in wanted if not self.over(w.key.end)), stored, _absence_key
        )
        removed, changed, added = _ABSENCE_EVENTS[kind]
        for absence in extra:
            early = self.begun(absence.start)
            if early:
                self.work.schedules.update_absence(absence.id, end=self.now)
            else:
                self.work.schedules.remove_absence(absence.id)
            done = "ended early" if early else "removed"
            key = _absence_key(absence)
            self.absence_event(schedule, kind, removed, done, key, early=early, absence=absence.id)
        for absence, entry in matched:
            if absence.reason != entry.text:
                self.work.schedules.update_absence(absence.id, reason=entry.text)
                self.absence_event(
                    schedule, kind, changed, "reason changed", entry.key, absence=absence.id
                )
        for entry in missing:
            absence_id = self.work.schedules.add_absence(
                user_id=entry.key.user,
                schedule_id=None if schedule is None else schedule.id,
                layer=entry.key.layer,
                kind=kind,
                start=entry.key.start,
                end=entry.key.end,
                reason=entry.text,
                by=self.actor,
                at=self.now,
            )
            self.absence_event(schedule, kind, added, "added", entry.key, absence=absence_id)

    def absence_event(
        self,
        schedule: ScheduleRecord | None,
        kind: AwayKind,
        event: str,
        done: str,
        key: _Key,
        *,
        early: bool = False,
        **data: Any,
    ) -> None:
        """``Exemption <done> by ondeck apply: ...`` on its schedule, or ``Leave <done> by
        ...`` on every schedule the person is listed in, each worded on its own clock."""
        if schedule is not None:
            records = [schedule]
        else:
            if self._listed is None:
                self._listed = {}
                for record in all_schedules(self.work):
                    for person in record.participants:
                        self._listed.setdefault(person, []).append(record)
            records = self._listed.get(key.user, [])
        word = "Leave" if kind is AwayKind.LEAVE else "Exemption"
        for record in records:
            when = f", at {self.at(record.timezone)}" if early else ""
            text = self.away_text(record, key, kind)
            self.event(
                record,
                event,
                f"{word} {done} by {self.actor}{when}: {text}",
                user=self.email(key.user),
                **data,
            )

    def away_text(self, record: ScheduleRecord, key: _Key, kind: AwayKind) -> str:
        """``Ada Lovelace is on leave <when>``, on the schedule's clock; never the reason."""
        what = (
            "is on leave"
            if kind is AwayKind.LEAVE
            else "is exempt from " + (f"layer {key.layer!r}" if key.layer else "this schedule")
        )
        zone = record.timezone
        if key.start is not None and key.end is not None:
            when = describe_span(zone, key.start, key.end)
        elif key.end is not None:
            when = f"until {describe_moment(zone, key.end)} {zone}"
        elif key.start is not None:
            when = f"from {describe_moment(zone, key.start)} {zone} until further notice"
        else:
            when = "until further notice"
        return f"{self.name(key.user)} {what} {when}"


def layer_changes(
    before: tuple[LayerRecord, ...],
    after: tuple[LayerRecord, ...],
    name: Callable[[int], str],
) -> str:
    """What changed between two versions of a schedule's layers, in plain words; empty when
    nothing did. ``name`` gives a participant's name."""
    old = {layer.name: layer for layer in before}
    parts = []
    for layer in after:
        if old.get(layer.name) == layer:
            continue
        people = " → ".join(name(p) for p in layer.participants)
        was = old.get(layer.name)
        if layer.restrictions:
            windows = [describe_window(w) for w in layer.restrictions]
            hours = ", only " + " and ".join(
                [", ".join(windows[:-1]), windows[-1]] if len(windows) > 1 else windows
            )
        elif was is not None and was.restrictions:
            hours = ", at all hours"
        else:
            hours = ""
        parts.append(
            f"{layer.name} now every {format_duration(layer.turn)} from "
            f"{describe_wall(layer.start)}{hours}: {people}"
        )
    kept = [layer.name for layer in after]
    parts += [f"{layer.name} removed" for layer in before if layer.name not in kept]
    if [n for n in old if n in kept] != [n for n in kept if n in old]:
        parts.append("order now " + ", ".join(kept) + " (lowest first)")
    return "; ".join(parts)


def export_org(*, uow: UnitOfWorkFactory, now: datetime | None = None) -> OrgSpec:
    """The stored organisation, with the overrides, exemptions and leave that have not ended
    by ``now`` (default: the system clock's now). Times are wall-clock in the schedule's zone
    (the user's for leave); where there are none the list is None, so applying an old export
    keeps what was added since."""
    at = now or datetime.now(UTC)
    with uow(read_only=True) as work:
        spec = replace(work.org.export(), major_incidents=work.settings.major_incidents())
        emails: dict[int, str] = {}

        def email(user_id: int) -> str:
            if user_id not in emails:
                person = work.directory.person(user_id)
                assert person is not None
                emails[user_id] = person.email
            return emails[user_id]

        absences = work.schedules.absences(start=at)
        schedules = []
        for schedule in spec.schedules:
            schedule_id = work.schedules.id_by_name(schedule.name)
            assert schedule_id is not None
            zone = schedule.timezone
            overrides = tuple(
                OverrideSpec(
                    email(o.user_id), wall_clock(o.start, zone), wall_clock(o.end, zone), o.note
                )
                for o in work.schedules.overrides(schedule_id, start=at, end=FOREVER)
            )
            exemptions = tuple(
                ExemptionSpec(
                    email(a.user_id),
                    _local(a.start, zone),
                    _local(a.end, zone),
                    a.layer,
                    a.reason,
                )
                for a in absences
                if a.kind is AwayKind.EXEMPT and a.schedule_id == schedule_id
            )
            schedules.append(
                replace(schedule, overrides=overrides or None, exemptions=exemptions or None)
            )
        leave: dict[str, list[AbsenceRecord]] = {}
        for absence in absences:
            if absence.kind is AwayKind.LEAVE and absence.schedule_id is None:
                leave.setdefault(email(absence.user_id), []).append(absence)
        users = [
            replace(
                user,
                unavailable=tuple(
                    LeaveSpec(
                        _local(a.start, user.timezone), wall_clock(a.end, user.timezone), a.reason
                    )
                    for a in leave.get(user.email, [])
                    if a.end is not None
                )
                or None,
            )
            for user in spec.users
        ]
        return replace(spec, schedules=tuple(schedules), users=tuple(users))


def _local(value: datetime | None, timezone: str) -> datetime | None:
    return None if value is None else wall_clock(value, timezone)


def put_schedule(*, uow: UnitOfWorkFactory, clock: Clock, spec: ScheduleSpec, actor: Person) -> int:
    """Create the schedule ``spec`` names, or bring it in line with ``spec``: the same shape
    and rules as a schedule in an organisation file (defaults for new rotations, overrides
    and exemptions kept unless listed, every change on its timeline). Admins only; listing
    people in a layer records their consent as the admin. Returns the schedule's id."""
    if actor.role != "admin":
        raise Forbidden("only an admin can create or change a schedule's rotations")
    try:
        apply_org(uow=uow, clock=clock, spec=OrgSpec(schedules=(spec,)), actor=actor.email)
    except InvalidOrg as error:
        raise InvalidOrg([p.removeprefix("schedules[0].") for p in error.problems]) from error
    with uow(read_only=True) as work:
        found = work.schedules.id_by_name(spec.name)
    assert found is not None, "the schedule was just stored"
    return found
