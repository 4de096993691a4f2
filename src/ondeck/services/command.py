"""Running a major incident: declare it, move it through its stages, post CAN reports,
estimate the loss (which sets severity and the response method), and remind the incident
manager when a CAN report is overdue (the engine calls ``remind_overdue_can``).

Who may act: the incident's participants — its incident manager and engineer, whoever
acknowledged it or was paged for it — and admins; anyone else is refused (Forbidden) and
nothing changes. Every change lands on the incident's timeline with its actor and time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ondeck.domain import can, stages
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.major_incidents import incident_bridge_problem
from ondeck.domain.model import IncidentRole, IncidentStatus
from ondeck.domain.severity import InvalidEstimate, Journey, LossEstimate, Thresholds, assess
from ondeck.domain.stages import ORDER, Facts, Item, Stage
from ondeck.services import command_centre, notices, status_proposals, summons, timeline
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import (
    CanReportRecord,
    Clock,
    CommandRecord,
    DueTimes,
    IncidentRecord,
    LossEstimateRecord,
    Person,
    RoleHolder,
    StageTransitionRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)

REMINDER_BATCH = 100


@dataclass(frozen=True)
class Policy:
    """The organisation's settings for major incidents."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    cadence: can.Cadence = field(default_factory=can.Cadence)

    def under(self, work: UnitOfWork) -> Policy:
        """These settings (the server's) with the organisation's (the org file's
        ``major_incidents:`` block) in their place wherever it sets them."""
        chosen = work.settings.major_incidents()
        if chosen is None:
            return self
        return Policy(chosen.severity.over(self.thresholds), chosen.can.over(self.cadence))


class BadInput(Refused):
    """A value that makes no sense; ``field`` names it (an unknown stage, a negative loss)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotDeclared(InvalidTransition):
    """The incident is not a major incident (yet)."""


@dataclass(frozen=True)
class CommandState:
    """What the top of a major incident shows."""

    incident: IncidentRecord
    command: CommandRecord
    manager: str | None
    engineer: str | None
    checklist: list[tuple[Item, bool]]
    latest_can: CanReportRecord | None
    can_overdue: bool
    time_to_mitigate: timedelta | None
    time_to_repair: timedelta | None
    experts: tuple[str, ...] = ()
    """The emails of the users holding the subject-matter expert role (the experts named at
    Dispatch, who need not be users, are ``command.experts``)."""
    holders: tuple[RoleHolder, ...] = ()
    """Everyone holding an incident role, longest-held first."""
    bridge_url: str = ""
    """The command centre's conference bridge ("" for none)."""
    protocol: str = ""
    """The organisation's communication protocol for major incidents."""


def command_state(*, uow: UnitOfWorkFactory, clock: Clock, incident_id: int) -> CommandState:
    """The incident's command state; NotFound, or NotDeclared when it is not a major one."""
    with uow(read_only=True) as work:
        return _state(work, incident_id, clock.now())


def declare(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    manager: str | None = None,
    engineer: str | None = None,
    policy: Policy | None = None,
    bridge: str | None = None,
) -> CommandState:
    """Declare a major incident from an existing incident, in Detect.

    Its command centre opens: the bridge is ``bridge``, else the organisation's fixed URL or
    template filled in ("": none), and the declaration is broadcast on the organisation's
    announcement channel naming the incident manager (``command_centre.open_centre``). A
    bridge that is not an http(s) URL is BadInput.

    The incident manager is ``manager`` (an email; it replaces any holder), else whoever
    already holds the role (taken on acknowledging a page for it), else the declarer (if a
    user); the incident engineer is ``engineer``, else its holder, else whoever acknowledged
    it if they are not the manager.
    The first CAN report is due one High period later. Observers may not declare;
    declaring twice is refused (InvalidTransition); an unknown email is BadInput.
    """
    policy = policy or Policy()
    bridge = _bridge(bridge) if bridge is not None else None
    now = clock.now()
    with uow() as work:
        incident = _incident(work, incident_id, lock=True)
        if actor.role == "observer":
            raise Forbidden("observers may not declare major incidents")
        if work.command.get(incident_id) is not None:
            raise InvalidTransition(f"incident #{incident_id} is already a major incident")
        held = {h.role: h.user_id for h in work.roles.holders(incident_id)}
        if manager:
            manager_id: int | None = _user_id(work, "manager", manager)
        elif IncidentRole.INCIDENT_MANAGER in held:
            manager_id = held[IncidentRole.INCIDENT_MANAGER]
        else:  # the declarer, when they are a user (the CLI's own admin is not)
            manager_id = actor.id if work.directory.person(actor.id) is not None else None
        engineer_id = _user_id(work, "engineer", engineer) if engineer else None
        engineer_id = engineer_id or held.get(IncidentRole.INCIDENT_ENGINEER)
        if engineer_id is None and incident.acknowledged_by:
            acknowledger = work.directory.person_by_email(incident.acknowledged_by)
            if acknowledger is not None and acknowledger.id != manager_id:
                engineer_id = acknowledger.id
        for role, user_id in (
            (IncidentRole.INCIDENT_MANAGER, manager_id),
            (IncidentRole.INCIDENT_ENGINEER, engineer_id),
        ):
            _hold(work, incident_id, role, user_id, now=now, by=actor.email)
        policy = policy.under(work)
        due = can.next_due(now, None, policy.cadence)
        record = CommandRecord(
            incident_id=incident_id,
            declared_at=now,
            declared_by=actor.email,
            experts=(),
            rca_owner="",
            stage=Stage.DETECT,
            stage_at=now,
            severity=None,
            response=None,
            next_can_due=due,
        )
        work.command.declare(record)
        work.command.add_transition(
            incident_id,
            source=None,
            target=Stage.DETECT,
            at=now,
            by=actor.email,
            reason="declared",
            missing=(),
        )
        work.command.set_reminder(incident_id, due)
        names = _names(work, record)
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.DECLARED,
            actor=actor.email,
            message=f"Declared a major incident; incident manager {names[0] or 'none'}, "
            f"incident engineer {names[1] or 'none'}; first CAN report due {due:%H:%M} UTC",
            data={"manager": names[0], "engineer": names[1], "next_can_due": due.isoformat()},
        )
        command_centre.open_centre(
            work,
            incident,
            actor=actor.email,
            manager=work.directory.person(manager_id) if manager_id is not None else None,
            bridge=bridge,
            now=now,
        )
        work.signal_work()
        work.commit()
        return _state(work, incident_id, now)


def change_stage(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    stage: str,
    reason: str = "",
    experts: list[str] | None = None,
    rca_owner: str | None = None,
) -> CommandState:
    """Move the incident to ``stage`` (a participant only).

    ``experts`` (names) and ``rca_owner`` are recorded first, so they count for the
    checklist. Moving on with checklist items missing, or going back, needs ``reason``;
    the missing items go on the timeline. An unknown stage is BadInput; a refused move is
    InvalidTransition; nothing changes then. From Review on, CAN reminders stop. A draft
    status-page update for customers is proposed (``status_proposals.propose_for_stage``).
    """
    try:
        target = stages.parse_stage(stage)
    except stages.UnknownStage as error:
        raise BadInput("stage", f"stage: {error}") from error
    now = clock.now()
    with uow() as work:
        incident, record = _participant(work, incident_id, actor)
        newly_named: tuple[str, ...] = ()
        if experts is not None:
            named = tuple(dict.fromkeys(name.strip() for name in experts if name.strip()))
            newly_named = tuple(name for name in named if name not in record.experts)
            record = replace(record, experts=named)
        if rca_owner is not None:
            record = replace(record, rca_owner=rca_owner.strip())
        moved = stages.transition(
            record.stage, target, facts=_facts(work, incident, record), reason=reason
        )
        missing = tuple(item.value for item in moved.missing)
        record = replace(record, stage=target, stage_at=now)
        work.command.save(record)
        work.command.add_transition(
            incident_id,
            source=moved.source,
            target=target,
            at=now,
            by=actor.email,
            reason=moved.reason,
            missing=missing,
        )
        if _reporting(target):
            work.command.set_reminder(incident_id, record.next_can_due)
        else:
            work.command.cancel_reminder(incident_id)
        message = f"Stage {moved.source.value} → {target.value}"
        if missing:
            message += f"; moved on without {', '.join(missing)}"
        if moved.reason:
            message += f"; reason: {moved.reason}"
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.STAGE_CHANGED,
            actor=actor.email,
            message=message,
            data={
                "from": moved.source.value,
                "to": target.value,
                "reason": moved.reason,
                "missing": list(missing),
                "experts": list(record.experts),
                "rca_owner": record.rca_owner,
            },
        )
        _summon_named_users(work, incident, newly_named, actor, now)
        status_proposals.propose_for_stage(
            work, incident=incident, stage=target, actor=actor.email, now=now
        )
        work.signal_work()
        work.commit()
        return _state(work, incident_id, now)


def _summon_named_users(
    work: UnitOfWork,
    incident: IncidentRecord,
    names: tuple[str, ...],
    actor: Person,
    now: datetime,
) -> None:
    """Experts newly named by a user's email become subject-matter experts and are summoned
    (Dispatch pages the experts); other names are people outside ondeck, only recorded."""
    expert_role = IncidentRole.SUBJECT_MATTER_EXPERT
    held = {h.user_id for h in work.roles.holders(incident.id) if h.role is expert_role}
    for name in names:
        expert = work.directory.person_by_email(name)
        if expert is None:
            continue
        if expert.id not in held:
            work.roles.add(incident.id, role=expert_role, user_id=expert.id, at=now, by=actor.email)
        summons.summon_expert(work, incident=incident, expert=expert, by=actor, now=now)


def post_can_report(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    conditions: str,
    actions: str,
    needs: str,
    policy: Policy | None = None,
) -> CanReportRecord:
    """Post a CAN report (a participant only); the next one is due one period of the
    current severity later, and every stakeholder is sent it as a "can_report" notice. A
    blank part is BadInput naming it."""
    policy = policy or Policy()
    try:
        report = can.Report(conditions, actions, needs)
    except can.InvalidReport as error:
        raise BadInput(error.field, str(error)) from error
    now = clock.now()
    with uow() as work:
        incident, record = _participant(work, incident_id, actor)
        due = can.next_due(now, record.severity, policy.under(work).cadence)
        report_id = work.command.add_can_report(
            incident_id,
            at=now,
            author=actor.email,
            stage=record.stage,
            conditions=report.conditions,
            actions=report.actions,
            needs=report.needs,
            next_due=due,
        )
        work.command.save(replace(record, next_can_due=due))
        if _reporting(record.stage):
            work.command.set_reminder(incident_id, due)
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.CAN_REPORT,
            actor=actor.email,
            message=f"CAN report. Conditions: {report.conditions} Actions: {report.actions} "
            f"Needs: {report.needs}",
            data={
                "report_id": report_id,
                "conditions": report.conditions,
                "actions": report.actions,
                "needs": report.needs,
                "next_due": due.isoformat(),
            },
        )
        posted = work.command.can_reports(incident_id)[-1]
        command_centre.tell_stakeholders(work, incident, posted, now=now)
        work.signal_work()
        work.commit()
        return posted


def can_reports(*, uow: UnitOfWorkFactory, incident_id: int) -> list[CanReportRecord]:
    """The incident's CAN reports, oldest first (NotFound, NotDeclared)."""
    with uow(read_only=True) as work:
        _command(work, incident_id)
        return work.command.can_reports(incident_id)


def add_loss_estimate(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    cost_per_hour: float = 0.0,
    revenue_per_hour: float = 0.0,
    users_affected: int = 0,
    security_impact: bool = False,
    journey: str = Journey.UNAFFECTED.value,
    note: str = "",
    policy: Policy | None = None,
) -> LossEstimateRecord:
    """Record a loss estimate (a participant only) and set severity and response method
    from it. A change of either goes on the timeline; so does the next CAN due time, which
    follows the new severity's cadence. Bad numbers are BadInput naming the field."""
    policy = policy or Policy()
    try:
        estimate = LossEstimate(
            cost_per_hour=float(cost_per_hour),
            revenue_per_hour=float(revenue_per_hour),
            users_affected=users_affected,
            security_impact=security_impact,
            journey=Journey(journey),
        )
    except InvalidEstimate as error:
        raise BadInput(error.field, str(error)) from error
    except ValueError as error:
        known = ", ".join(j.value for j in Journey)
        raise BadInput("journey", f"journey: unknown {journey!r}; one of {known}") from error
    now = clock.now()
    with uow() as work:
        _incident_record, record = _participant(work, incident_id, actor)
        policy = policy.under(work)
        assessment = assess(estimate, policy.thresholds)
        estimate_id = work.command.add_loss_estimate(
            incident_id,
            at=now,
            by=actor.email,
            estimate=estimate,
            severity=assessment.severity,
            response=assessment.response,
            note=note.strip(),
        )
        reports = work.command.can_reports(incident_id)
        last = reports[-1].at if reports else record.declared_at
        due = can.next_due(last, assessment.severity, policy.cadence)
        updated = replace(
            record,
            severity=assessment.severity,
            response=assessment.response,
            next_can_due=due,
        )
        work.command.save(updated)
        if _reporting(record.stage):
            work.command.set_reminder(incident_id, due)
        entries = [
            (
                timeline.LOSS_ESTIMATED,
                f"Loss estimate: {estimate.loss_per_hour:g} per hour, "
                f"{estimate.users_affected} users, journey {estimate.journey.value}, "
                f"security impact {'yes' if estimate.security_impact else 'no'}: "
                f"{assessment.severity.value} ({assessment.because})",
            )
        ]
        if record.severity is not assessment.severity:
            before = record.severity.value if record.severity else "none"
            entries.append(
                (
                    timeline.SEVERITY_CHANGED,
                    f"Severity {before} → {assessment.severity.value}; "
                    f"next CAN report due {due:%H:%M} UTC",
                )
            )
        if record.response is not assessment.response:
            before = record.response.value if record.response else "none"
            entries.append(
                (
                    timeline.RESPONSE_CHANGED,
                    f"Response method {before} → {assessment.response.value}",
                )
            )
        for kind, message in entries:
            work.incidents.add_timeline(
                incident_id,
                at=now,
                kind=kind,
                actor=actor.email,
                message=message,
                data={
                    "estimate_id": estimate_id,
                    "severity": assessment.severity.value,
                    "response": assessment.response.value,
                },
            )
        work.signal_work()
        work.commit()
        return work.command.loss_estimates(incident_id)[-1]


def loss_estimates(*, uow: UnitOfWorkFactory, incident_id: int) -> list[LossEstimateRecord]:
    """Every estimate of the incident, oldest first (NotFound, NotDeclared)."""
    with uow(read_only=True) as work:
        _command(work, incident_id)
        return work.command.loss_estimates(incident_id)


def stage_history(*, uow: UnitOfWorkFactory, incident_id: int) -> list[StageTransitionRecord]:
    """Every stage move, oldest first, from the declaration on (NotFound, NotDeclared)."""
    with uow(read_only=True) as work:
        _command(work, incident_id)
        return work.command.transitions(incident_id)


def remind_overdue_can(
    *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy | None = None
) -> int:
    """For each due CAN reminder timer (a batch, claimed ``SKIP LOCKED``): write "overdue
    CAN report" on the timeline, queue a "can_reminder" notice to the incident manager
    (idempotency key per incident and due time), and move the timer to the next due
    time after now. Returns how many reminders fired. One transaction: a due time is
    reminded once, whatever crashes and however many engines."""
    now = clock.now()
    with uow() as work:
        due = work.command.claim_due_reminders(now, REMINDER_BATCH)
        policy = (policy or Policy()).under(work)
        fired = 0
        for timer in due:
            record = work.command.get(timer.incident_id)
            incident = work.incidents.get(timer.incident_id)
            if record is None or incident is None or not _reporting(record.stage):
                work.command.cancel_reminder(timer.incident_id)
                continue
            _remind(work, incident, record, timer.due_at, now)
            following = can.next_reminder(timer.due_at, now, record.severity, policy.cadence)
            work.command.set_reminder(timer.incident_id, following)
            fired += 1
        if due:
            work.signal_work()
            work.commit()
    return fired


def due_times(*, uow: UnitOfWorkFactory) -> tuple[DueTimes, datetime | None]:
    """The engine's due times (escalations, messages) and the earliest CAN reminder, read
    in one read-only transaction: the engine looks at these on every pass."""
    with uow(read_only=True) as work:
        return work.paging.due_times(), work.command.next_reminder_due()


def _remind(
    work: UnitOfWork, incident: IncidentRecord, record: CommandRecord, due: datetime, now: datetime
) -> None:
    """A "can_reminder" notice to the incident manager (their email method, else their
    first), once per due time, and the timeline entry saying whom it reminded."""
    manager_id = _holder_ids(work, record.incident_id, IncidentRole.INCIDENT_MANAGER)
    manager = work.directory.person(manager_id[0]) if manager_id else None
    queued = manager is not None and notices.queue_notice(
        work,
        incident_id=incident.id,
        purpose=notices.CAN_REMINDER,
        subject=f"CAN report overdue: #{incident.number} {incident.title}",
        text=f"The CAN report on incident #{incident.number} {incident.title} was due at "
        f"{due:%H:%M} UTC. Post one (conditions, actions, needs) so that everyone "
        "following the incident knows where it stands.",
        now=now,
        key=f"i{incident.id}:can:{int(due.timestamp())}:u{manager.id}",
        user_id=manager.id,
    )
    whom = manager.email if manager is not None else "nobody (no incident manager)"
    if manager is not None and not queued:
        whom += " (no contact method to remind them on)"
    work.incidents.add_timeline(
        incident.id,
        at=now,
        kind=timeline.CAN_OVERDUE,
        actor="ondeck",
        message=f"Overdue CAN report (due {due:%H:%M} UTC); reminded {whom}",
        data={"due": due.isoformat(), "manager": manager.email if manager else None},
    )


def set_bridge(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, actor: Person, url: str
) -> CommandState:
    """Set (or with "" remove) the conference bridge of a major incident (a participant
    only); the timeline says so. A URL that is not http(s) is BadInput."""
    url = _bridge(url)
    now = clock.now()
    with uow() as work:
        _participant(work, incident_id, actor)
        command_centre.record_bridge(work, incident_id, url, actor=actor.email, now=now)
        work.commit()
        return _state(work, incident_id, now)


def _bridge(url: str) -> str:
    """One incident's bridge URL, stripped; BadInput naming ``bridge`` when it is not one."""
    url = url.strip()
    if url and (problem := incident_bridge_problem(url)):
        raise BadInput("bridge", f"bridge: {problem}")
    return url


def _reporting(stage: Stage) -> bool:
    """CAN reports are due until the incident reaches Review."""
    return ORDER.index(stage) < ORDER.index(Stage.REVIEW)


def _incident(work: UnitOfWork, incident_id: int, *, lock: bool = False) -> IncidentRecord:
    incident = work.incidents.get(incident_id, lock=lock)
    if incident is None:
        raise NotFound(f"no incident #{incident_id}")
    return incident


def _command(work: UnitOfWork, incident_id: int, *, lock: bool = False) -> CommandRecord:
    _incident(work, incident_id)
    return _declared(work, incident_id, lock=lock)


def _declared(work: UnitOfWork, incident_id: int, *, lock: bool = False) -> CommandRecord:
    """The command state of an incident already known to exist; NotDeclared without one."""
    record = work.command.get(incident_id, lock=lock)
    if record is None:
        raise NotDeclared(f"incident #{incident_id} is not a major incident; declare it first")
    return record


def participant(
    work: UnitOfWork, incident_id: int, person: Person
) -> tuple[IncidentRecord, CommandRecord]:
    """The incident and its command state, locked, for a use case in ``work`` that only
    participants may run; NotFound, NotDeclared or Forbidden otherwise."""
    return _participant(work, incident_id, person)


def _participant(
    work: UnitOfWork, incident_id: int, person: Person
) -> tuple[IncidentRecord, CommandRecord]:
    """The incident and its command state, locked; Forbidden unless ``person`` takes part."""
    incident = _incident(work, incident_id, lock=True)
    record = _declared(work, incident_id, lock=True)
    check_takes_part(work, incident, person)
    return incident, record


def check_takes_part(work: UnitOfWork, incident: IncidentRecord, person: Person) -> None:
    """Forbidden unless ``person`` takes part in the incident: an admin, someone holding
    one of its roles, whoever acknowledged it or was paged for it."""
    takes_part = (
        person.role == "admin"
        or any(h.user_id == person.id for h in work.roles.holders(incident.id))
        or (incident.acknowledged_by or "").lower() == person.email.lower()
        or person.id in work.command.paged_user_ids(incident.id)
    )
    if not takes_part:
        raise Forbidden(
            f"{person.email} is not a participant of incident #{incident.id}: only its "
            "incident manager and engineer, experts, whoever acknowledged it or was paged "
            "for it, and admins may do this"
        )


def _holder_ids(work: UnitOfWork, incident_id: int, role: IncidentRole) -> list[int]:
    return [h.user_id for h in work.roles.holders(incident_id) if h.role is role]


def _hold(
    work: UnitOfWork,
    incident_id: int,
    role: IncidentRole,
    user_id: int | None,
    *,
    now: datetime,
    by: str,
) -> None:
    """Make ``user_id`` the one holder of a head's ``role`` (None: leave it as it is)."""
    holders = _holder_ids(work, incident_id, role)
    if user_id is None or holders == [user_id]:
        return
    for old in holders:
        work.roles.remove(incident_id, role=role, user_id=old)
    work.roles.add(incident_id, role=role, user_id=user_id, at=now, by=by)


def _facts(work: UnitOfWork, incident: IncidentRecord, record: CommandRecord) -> Facts:
    held = {h.role for h in work.roles.holders(incident.id)}
    return Facts(
        acknowledged=incident.acknowledged_at is not None,
        manager=IncidentRole.INCIDENT_MANAGER in held,
        engineer=IncidentRole.INCIDENT_ENGINEER in held,
        can_report_stages=frozenset(r.stage for r in work.command.can_reports(incident.id)),
        severity=record.severity is not None,
        experts=bool(record.experts) or IncidentRole.SUBJECT_MATTER_EXPERT in held,
        resolved=incident.status is IncidentStatus.RESOLVED,
        rca_owner=bool(record.rca_owner),
    )


def _user_id(work: UnitOfWork, field: str, email: str) -> int:
    person = work.directory.person_by_email(email.strip())
    if person is None:
        raise BadInput(field, f"{field}: nobody has the email {email!r}")
    return person.id


def _names(work: UnitOfWork, record: CommandRecord) -> tuple[str | None, str | None]:
    """The emails of the incident manager and engineer (None: nobody holds the role)."""
    held = {h.role: h.email for h in work.roles.holders(record.incident_id)}
    return held.get(IncidentRole.INCIDENT_MANAGER), held.get(IncidentRole.INCIDENT_ENGINEER)


def _state(work: UnitOfWork, incident_id: int, now: datetime) -> CommandState:
    incident = _incident(work, incident_id)
    record = _declared(work, incident_id)
    reports = work.command.can_reports(incident_id)
    changes = [
        stages.StageChange(move.target, move.at) for move in work.command.transitions(incident_id)
    ]
    manager, engineer = _names(work, record)
    holders = tuple(work.roles.holders(incident_id))
    return CommandState(
        incident=incident,
        command=record,
        manager=manager,
        engineer=engineer,
        checklist=stages.checklist(record.stage, _facts(work, incident, record)),
        latest_can=reports[-1] if reports else None,
        can_overdue=_reporting(record.stage) and can.overdue(record.next_can_due, now),
        time_to_mitigate=stages.time_to_mitigate(incident.created_at, changes),
        time_to_repair=stages.time_to_repair(incident.created_at, changes),
        experts=tuple(h.email for h in holders if h.role is IncidentRole.SUBJECT_MATTER_EXPERT),
        holders=holders,
        bridge_url=work.centre.bridge(incident_id),
        protocol=command_centre.settings(work).protocol_text,
    )
