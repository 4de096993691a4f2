"""What the incident page shows of a major incident (the command centre), in words.

``load`` reads what the command centre shows of one incident (None when it is not a major
incident); ``centre`` turns it into rows for the template: severity and loss, the stage
bar and checklist, CAN reports, estimates here; the side panels (status page, roles,
bridge, followers) in ``command_panels``. Nothing here but ``load`` touches the database,
and nothing reads the clock: the page passes its ``Clockface``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ondeck.bootstrap import Container
from ondeck.domain.severity import Journey, Response, Severity
from ondeck.domain.stages import ORDER, Item, Stage
from ondeck.services import command, command_centre, people, status_updates, timeline
from ondeck.services.ports import (
    CanReportRecord,
    LossEstimateRecord,
    StageTransitionRecord,
    Stakeholder,
    StatusComponentRecord,
    StatusUpdateRecord,
)
from ondeck.web.ui.command_panels import (
    STAGE_NAMES,
    Bridge,
    Choice,
    Following,
    RolesPanel,
    StatusPanel,
    bridge,
    following,
    roles_panel,
    status_panel,
)
from ondeck.web.ui.present import Clockface, span

STAGE_HINTS = {
    Stage.DETECT: "a human has the page",
    Stage.ASSEMBLE: "name the incident manager and engineer",
    Stage.VERIFY: "first CAN report and a severity",
    Stage.DISPATCH: "page the experts",
    Stage.MITIGATE: "fix it for now",
    Stage.REPAIR: "fix it for real",
    Stage.REVIEW: "root-cause analysis",
    Stage.ACTION_ITEMS: "follow up",
}
ITEM_TEXT = {
    Item.ACKNOWLEDGED: "Someone acknowledged the page",
    Item.MANAGER_NAMED: "Incident manager named",
    Item.ENGINEER_NAMED: "Incident engineer named",
    Item.FIRST_CAN_REPORT: "First CAN report posted",
    Item.SEVERITY_SET: "Severity set from a loss estimate",
    Item.EXPERTS_NAMED: "Subject-matter experts named",
    Item.WORKAROUND_REPORTED: "A CAN report during Mitigate says what the workaround is",
    Item.RESOLVED: "The incident is resolved",
    Item.RCA_OWNER_NAMED: "A root-cause-analysis owner is named",
}
SEVERITY_TEXT = {Severity.HIGH: "High", Severity.MEDIUM: "Medium", Severity.LOW: "Low"}
RESPONSE_TEXT = {
    Response.RESTORE_IMMEDIATELY: "restore immediately",
    Response.NEXT_WORKING_DAY: "restore by the next working day",
    Response.BACKLOG: "when possible, to the backlog",
}
JOURNEY_TEXT = {
    Journey.UNAFFECTED: "unaffected",
    Journey.DEGRADED: "degraded (users get through, badly)",
    Journey.BLOCKED: "blocked (users cannot get through)",
}

CHANGES = (
    timeline.ACKNOWLEDGED,
    timeline.ROLE_TAKEN,
    timeline.ROLE_HANDED,
    timeline.EXPERT_SUMMONED,
    timeline.BRIDGE_SET,
    timeline.FOLLOWED,
    timeline.UNFOLLOWED,
    timeline.RESOLVED,
    timeline.DECLARED,
    timeline.STAGE_CHANGED,
    timeline.CAN_REPORT,
    timeline.CAN_OVERDUE,
    timeline.LOSS_ESTIMATED,
    timeline.SEVERITY_CHANGED,
    timeline.RESPONSE_CHANGED,
    timeline.STATUS_UPDATE_PROPOSED,
    timeline.STATUS_UPDATE_EDITED,
    timeline.STATUS_UPDATE_PUBLISHED,
)
"""Timeline kinds after which the command centre shows something else: the live page offers
to reload when one arrives."""


def changes(major: bool) -> str:
    """The kinds (space-separated) after which the page is out of date: for an incident not
    declared major, only its declaration."""
    return " ".join(CHANGES if major else (timeline.DECLARED,))


@dataclass(frozen=True)
class Loaded:
    """A major incident's command state with its stage moves and loss estimates."""

    state: command.CommandState
    moves: list[StageTransitionRecord]
    estimates: list[LossEstimateRecord]
    reports: list[CanReportRecord]
    updates: list[StatusUpdateRecord]
    """Its status-page updates, drafts and published, oldest first."""
    components: list[StatusComponentRecord]
    """Every public component of the status page."""
    people: list[tuple[str, str]] = field(default_factory=list)
    """``(email, name)`` of everyone, for the hand-off form."""
    stakeholders: list[Stakeholder] = field(default_factory=list)
    """Who follows the incident (gets its CAN reports), earliest first."""


def load(container: Container, incident_id: int) -> Loaded | None:
    """The incident's command data, or None when it is not a major incident (NotFound
    propagates)."""
    try:
        state = command.command_state(
            uow=container.uow, clock=container.clock, incident_id=incident_id
        )
    except command.NotDeclared:
        return None
    return Loaded(
        state=state,
        moves=command.stage_history(uow=container.uow, incident_id=incident_id),
        estimates=command.loss_estimates(uow=container.uow, incident_id=incident_id),
        reports=command.can_reports(uow=container.uow, incident_id=incident_id),
        updates=status_updates.updates(uow=container.uow, incident_id=incident_id),
        components=status_updates.components(uow=container.uow),
        people=[
            (item["spec"].email, item["spec"].name)
            for item in people.listing(uow=container.uow, kind="users")
        ],
        stakeholders=command_centre.stakeholders(uow=container.uow, incident_id=incident_id),
    )


@dataclass(frozen=True)
class StageStep:
    """One stage on the stage bar."""

    value: str
    name: str
    hint: str
    state: str
    """``done``, ``current`` or ``ahead``."""
    at: str
    """When the incident last entered it (empty if it never did), in the viewer's zone."""


@dataclass(frozen=True)
class Check:
    text: str
    met: bool


@dataclass(frozen=True)
class CanView:
    at: str
    full: str
    author: str
    stage: str
    conditions: str
    actions: str
    needs: str


@dataclass(frozen=True)
class EstimateRow:
    at: str
    by: str
    loss_per_hour: str
    users: str
    journey: str
    security: str
    severity: str
    note: str


@dataclass(frozen=True)
class Centre:
    """Everything the command-centre panels show."""

    severity: str
    """``High — restore immediately``; empty until a loss estimate sets it."""
    severity_class: str
    loss: str
    """The latest estimate in one line, empty when there is none."""
    stage: str
    stage_value: str
    stage_since: str
    steps: list[StageStep]
    checklist: list[Check]
    missing: list[str]
    reason_required: bool
    """Moving on needs a reason whatever the move form fills in (the experts, the RCA
    owner): items are missing that the form cannot supply."""
    next_stage: Choice | None
    later_stages: list[Choice]
    earlier_stages: list[Choice]
    names_experts: bool
    """Moving past the current stage needs experts named (Dispatch)."""
    names_rca_owner: bool
    """Moving past the current stage needs an RCA owner (Review)."""
    rca_owner: str
    latest_can: CanView | None
    earlier_cans: list[CanView]
    """The CAN reports before the latest, newest first."""
    reporting: bool
    """CAN reports are still due (before Review)."""
    next_can_due: str
    next_can_in: str
    can_overdue: bool
    estimates: list[EstimateRow]
    time_to_mitigate: str
    time_to_repair: str
    status: StatusPanel
    roles: RolesPanel
    bridge: Bridge
    following: Following


def severity_text(severity: Severity | None, response: Response | None) -> str:
    """``High — restore immediately``, or empty before any estimate."""
    if severity is None:
        return ""
    words = SEVERITY_TEXT[severity]
    return f"{words} — {RESPONSE_TEXT[response]}" if response is not None else words


def money(amount: float) -> str:
    """``12,500`` or ``12.5`` per hour, as people write amounts."""
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"


def estimate_text(record: LossEstimateRecord) -> str:
    """``12,500 per hour, 300 users, journey blocked, no security impact``."""
    estimate = record.estimate
    security = "security impact" if estimate.security_impact else "no security impact"
    return (
        f"{money(estimate.loss_per_hour)} per hour, {estimate.users_affected:,} users, "
        f"journey {estimate.journey.value}, {security}"
    )


def _steps(current: Stage, moves: list[StageTransitionRecord], clock: Clockface) -> list[StageStep]:
    entered = {move.target: move.at for move in moves}  # the latest move into each stage
    here = ORDER.index(current)
    steps = []
    for index, stage in enumerate(ORDER):
        state = "done" if index < here else "current" if index == here else "ahead"
        at = entered.get(stage)
        steps.append(
            StageStep(
                value=stage.value,
                name=STAGE_NAMES[stage],
                hint=STAGE_HINTS[stage],
                state=state,
                at=clock.when(at) if at is not None and state != "ahead" else "",
            )
        )
    return steps


def _can(report: CanReportRecord, clock: Clockface) -> CanView:
    return CanView(
        at=clock.when(report.at),
        full=clock.full(report.at),
        author=report.author,
        stage=STAGE_NAMES[report.stage],
        conditions=report.conditions,
        actions=report.actions,
        needs=report.needs,
    )


def _estimate_row(record: LossEstimateRecord, clock: Clockface) -> EstimateRow:
    estimate = record.estimate
    return EstimateRow(
        at=clock.when(record.at),
        by=record.by,
        loss_per_hour=money(estimate.loss_per_hour),
        users=f"{estimate.users_affected:,}",
        journey=estimate.journey.value,
        security="yes" if estimate.security_impact else "no",
        severity=severity_text(record.severity, record.response),
        note=record.note,
    )


def centre(loaded: Loaded, clock: Clockface, viewer: str = "") -> Centre:
    """The command-centre panels of one major incident, for one viewer (by email)."""
    state = loaded.state
    record = state.command
    here = ORDER.index(record.stage)
    reporting = here < ORDER.index(Stage.REVIEW)
    latest = loaded.estimates[-1] if loaded.estimates else None
    return Centre(
        severity=severity_text(record.severity, record.response),
        severity_class=record.severity.value if record.severity else "none",
        loss=estimate_text(latest) if latest is not None else "",
        stage=STAGE_NAMES[record.stage],
        stage_value=record.stage.value,
        stage_since=clock.when(record.stage_at),
        steps=_steps(record.stage, loaded.moves, clock),
        checklist=[Check(ITEM_TEXT[item], met) for item, met in state.checklist],
        missing=[ITEM_TEXT[item] for item, met in state.checklist if not met],
        reason_required=any(
            not met and item not in (Item.EXPERTS_NAMED, Item.RCA_OWNER_NAMED)
            for item, met in state.checklist
        ),
        next_stage=(
            Choice(ORDER[here + 1].value, STAGE_NAMES[ORDER[here + 1]])
            if here + 1 < len(ORDER)
            else None
        ),
        later_stages=[Choice(s.value, STAGE_NAMES[s]) for s in ORDER[here + 2 :]],
        earlier_stages=[Choice(s.value, STAGE_NAMES[s]) for s in ORDER[:here]],
        names_experts=record.stage is Stage.DISPATCH,
        names_rca_owner=record.stage is Stage.REVIEW,
        rca_owner=record.rca_owner,
        latest_can=_can(state.latest_can, clock) if state.latest_can else None,
        earlier_cans=[_can(report, clock) for report in reversed(loaded.reports[:-1])],
        reporting=reporting,
        next_can_due=clock.when(record.next_can_due),
        next_can_in=(
            f"overdue by {clock.age(record.next_can_due)}"
            if state.can_overdue
            else f"in {clock.until(record.next_can_due)}"
        ),
        can_overdue=state.can_overdue,
        estimates=[_estimate_row(e, clock) for e in reversed(loaded.estimates)],
        time_to_mitigate=span(state.time_to_mitigate) if state.time_to_mitigate else "",
        time_to_repair=span(state.time_to_repair) if state.time_to_repair else "",
        status=status_panel(loaded.updates, loaded.components, state.incident.service_id, clock),
        roles=roles_panel(state.holders, record.experts, loaded.people, clock),
        bridge=bridge(state.bridge_url, state.protocol),
        following=following(loaded.stakeholders, viewer),
    )
