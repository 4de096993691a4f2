"""What the command centre shows, from records alone (no server, no database): severity in
words, the stage bar, the checklist, which stages the forms offer, CAN reports due or
overdue, and the history of loss estimates newest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ondeck.domain.model import IncidentRole, IncidentStatus, PolicySnapshot, Urgency
from ondeck.domain.severity import Journey, LossEstimate, Response, Severity
from ondeck.domain.stages import Item, Stage
from ondeck.domain.status_page import ComponentState
from ondeck.domain.status_updates import UpdateStatus
from ondeck.services.command import CommandState
from ondeck.services.ports import (
    CanReportRecord,
    CommandRecord,
    IncidentRecord,
    LossEstimateRecord,
    RoleHolder,
    StageTransitionRecord,
    Stakeholder,
    StatusComponentRecord,
    StatusUpdateRecord,
)
from ondeck.web.ui.command_view import Loaded, centre, money, severity_text
from ondeck.web.ui.present import Clockface

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=20)
CLOCK = Clockface(now=NOW, timezone="UTC")

INCIDENT = IncidentRecord(
    id=7,
    number=7,
    service_id=1,
    service_name="Checkout API",
    runbook_url="",
    dedup_key="k",
    title="Checkout down",
    status=IncidentStatus.ACKNOWLEDGED,
    urgency=Urgency.HIGH,
    severity=None,
    source="t",
    created_at=T0,
    acknowledged_at=T0,
    acknowledged_by="grace@example.com",
    resolved_at=None,
    resolved_by=None,
    alert_count=1,
    last_alert_at=T0,
    policy=PolicySnapshot(policy_id=1, name="Heads", repeat=0, levels=()),
    details={},
)
COMMAND = CommandRecord(
    incident_id=7,
    declared_at=T0,
    declared_by="grace@example.com",
    experts=(),
    rca_owner="",
    stage=Stage.DETECT,
    stage_at=T0,
    severity=None,
    response=None,
    next_can_due=T0 + timedelta(minutes=30),
)


def _move(target: Stage, minutes: int, source: Stage | None = None) -> StageTransitionRecord:
    return StageTransitionRecord(
        id=minutes,
        incident_id=7,
        source=source,
        target=target,
        at=T0 + timedelta(minutes=minutes),
        by="grace@example.com",
        reason="",
        missing=(),
    )


def _report(minutes: int, conditions: str) -> CanReportRecord:
    return CanReportRecord(
        id=minutes,
        incident_id=7,
        at=T0 + timedelta(minutes=minutes),
        author="grace@example.com",
        stage=Stage.ASSEMBLE,
        conditions=conditions,
        actions="rolling back",
        needs="nothing",
        next_due=T0 + timedelta(minutes=minutes + 30),
    )


def _estimate(minutes: int, cost: float, severity: Severity) -> LossEstimateRecord:
    return LossEstimateRecord(
        id=minutes,
        incident_id=7,
        at=T0 + timedelta(minutes=minutes),
        by="grace@example.com",
        estimate=LossEstimate(cost_per_hour=cost, users_affected=1200, journey=Journey.DEGRADED),
        severity=severity,
        response={
            Severity.HIGH: Response.RESTORE_IMMEDIATELY,
            Severity.MEDIUM: Response.NEXT_WORKING_DAY,
            Severity.LOW: Response.BACKLOG,
        }[severity],
        note="",
    )


def _loaded(
    command: CommandRecord = COMMAND,
    *,
    checklist: list[tuple[Item, bool]] | None = None,
    overdue: bool = False,
    moves: list[StageTransitionRecord] | None = None,
    reports: list[CanReportRecord] | None = None,
    estimates: list[LossEstimateRecord] | None = None,
    updates: list[StatusUpdateRecord] | None = None,
    components: list[StatusComponentRecord] | None = None,
    holders: tuple[RoleHolder, ...] = (),
    bridge_url: str = "",
    stakeholders: list[Stakeholder] | None = None,
) -> Loaded:
    reports = reports or []
    state = CommandState(
        incident=INCIDENT,
        command=command,
        manager="grace@example.com",
        engineer=None,
        checklist=checklist if checklist is not None else [(Item.ACKNOWLEDGED, True)],
        latest_can=reports[-1] if reports else None,
        can_overdue=overdue,
        time_to_mitigate=None,
        time_to_repair=None,
        holders=holders,
        bridge_url=bridge_url,
        protocol="Speak when asked.",
    )
    return Loaded(
        state=state,
        moves=moves if moves is not None else [_move(Stage.DETECT, 0)],
        estimates=estimates or [],
        reports=reports,
        updates=updates or [],
        components=components or [],
        people=[("grace@example.com", "Grace Hopper"), ("linus@example.com", "Linus Torvalds")],
        stakeholders=stakeholders or [],
    )


def _update(update_id: int, minutes: int, published: bool = False) -> StatusUpdateRecord:
    return StatusUpdateRecord(
        id=update_id,
        incident_id=7,
        stage=Stage.ASSEMBLE,
        status=UpdateStatus.INVESTIGATING,
        title=f"update {update_id}",
        body="We are looking into it.",
        impact=ComponentState.PARTIAL_OUTAGE,
        components=(2,),
        proposed_at=T0 + timedelta(minutes=minutes),
        proposed_by="grace@example.com",
        published_at=T0 + timedelta(minutes=minutes + 1) if published else None,
        published_by="grace@example.com" if published else "",
    )


@pytest.mark.parametrize(
    ("severity", "response", "shown"),
    [
        (None, None, ""),
        (Severity.HIGH, Response.RESTORE_IMMEDIATELY, "High — restore immediately"),
        (Severity.MEDIUM, Response.NEXT_WORKING_DAY, "Medium — restore by the next working day"),
        (Severity.LOW, Response.BACKLOG, "Low — when possible, to the backlog"),
    ],
)
def test_severity_reads_with_its_response_method(
    severity: Severity | None, response: Response | None, shown: str
) -> None:
    assert severity_text(severity, response) == shown


@pytest.mark.parametrize(
    ("amount", "shown"), [(0, "0"), (12500, "12,500"), (12.5, "12.50"), (1e6, "1,000,000")]
)
def test_amounts_read_as_people_write_them(amount: float, shown: str) -> None:
    assert money(amount) == shown


def test_the_stage_bar_marks_done_stages_with_their_times_the_current_one_and_those_ahead() -> None:
    command = replace(COMMAND, stage=Stage.VERIFY, stage_at=T0 + timedelta(minutes=9))
    moves = [
        _move(Stage.DETECT, 0),
        _move(Stage.ASSEMBLE, 4, Stage.DETECT),
        _move(Stage.VERIFY, 9, Stage.ASSEMBLE),
    ]

    shown = centre(_loaded(command, moves=moves), CLOCK)

    assert [(s.name, s.state, s.at) for s in shown.steps[:4]] == [
        ("Detect", "done", "09:00:00"),
        ("Assemble", "done", "09:04:00"),
        ("Verify", "current", "09:09:00"),
        ("Dispatch", "ahead", ""),
    ]
    assert [s.state for s in shown.steps[4:]] == ["ahead"] * 4
    assert shown.next_stage is not None and shown.next_stage.text == "Dispatch"
    assert [s.text for s in shown.later_stages] == [
        "Mitigate",
        "Repair",
        "Review",
        "Action items",
    ]
    assert [s.text for s in shown.earlier_stages] == ["Detect", "Assemble"]


def test_after_going_back_a_stage_visited_later_is_ahead_again_without_a_time() -> None:
    command = replace(COMMAND, stage=Stage.MITIGATE)
    moves = [
        _move(Stage.DETECT, 0),
        _move(Stage.MITIGATE, 5, Stage.DETECT),
        _move(Stage.REPAIR, 10, Stage.MITIGATE),
        _move(Stage.MITIGATE, 15, Stage.REPAIR),
    ]

    steps = {s.name: s for s in centre(_loaded(command, moves=moves), CLOCK).steps}

    assert (steps["Mitigate"].state, steps["Mitigate"].at) == ("current", "09:15:00")
    assert (steps["Repair"].state, steps["Repair"].at) == ("ahead", "")
    assert (steps["Assemble"].state, steps["Assemble"].at) == ("done", "")


def test_the_checklist_says_what_is_met_and_what_is_missing() -> None:
    command = replace(COMMAND, stage=Stage.ASSEMBLE)
    checklist = [(Item.MANAGER_NAMED, True), (Item.ENGINEER_NAMED, False)]

    shown = centre(_loaded(command, checklist=checklist), CLOCK)

    assert [(c.text, c.met) for c in shown.checklist] == [
        ("Incident manager named", True),
        ("Incident engineer named", False),
    ]
    assert shown.missing == ["Incident engineer named"]
    assert shown.reason_required


@pytest.mark.parametrize(
    ("stage", "item"), [(Stage.DISPATCH, Item.EXPERTS_NAMED), (Stage.REVIEW, Item.RCA_OWNER_NAMED)]
)
def test_naming_what_the_move_form_asks_for_makes_a_reason_unnecessary(
    stage: Stage, item: Item
) -> None:
    shown = centre(_loaded(replace(COMMAND, stage=stage), checklist=[(item, False)]), CLOCK)

    assert len(shown.missing) == 1
    assert not shown.reason_required


@pytest.mark.parametrize(
    ("stage", "experts", "rca_owner"),
    [(Stage.VERIFY, False, False), (Stage.DISPATCH, True, False), (Stage.REVIEW, False, True)],
)
def test_the_move_form_asks_for_experts_leaving_dispatch_and_an_rca_owner_leaving_review(
    stage: Stage, experts: bool, rca_owner: bool
) -> None:
    shown = centre(_loaded(replace(COMMAND, stage=stage)), CLOCK)

    assert (shown.names_experts, shown.names_rca_owner) == (experts, rca_owner)


def test_the_last_stage_offers_no_next_stage() -> None:
    shown = centre(_loaded(replace(COMMAND, stage=Stage.ACTION_ITEMS), checklist=[]), CLOCK)

    assert shown.next_stage is None
    assert shown.later_stages == []
    assert len(shown.earlier_stages) == 7


def test_a_can_report_due_later_says_when() -> None:
    shown = centre(_loaded(), CLOCK)

    assert (shown.reporting, shown.can_overdue) == (True, False)
    assert (shown.next_can_due, shown.next_can_in) == ("09:30:00", "in 10m")


def test_an_overdue_can_report_says_by_how_much() -> None:
    command = replace(COMMAND, next_can_due=NOW - timedelta(minutes=7, seconds=30))

    shown = centre(_loaded(command, overdue=True), CLOCK)

    assert shown.can_overdue
    assert shown.next_can_in == "overdue by 7m 30s"


def test_from_review_on_no_can_report_is_due() -> None:
    shown = centre(_loaded(replace(COMMAND, stage=Stage.REVIEW)), CLOCK)

    assert not shown.reporting


def test_the_latest_can_report_comes_first_and_the_earlier_ones_newest_first() -> None:
    reports = [_report(1, "first"), _report(5, "second"), _report(9, "third")]

    shown = centre(_loaded(reports=reports), CLOCK)

    assert shown.latest_can is not None
    assert (shown.latest_can.conditions, shown.latest_can.stage) == ("third", "Assemble")
    assert [r.conditions for r in shown.earlier_cans] == ["second", "first"]


def test_severity_and_the_latest_estimate_head_the_page_and_the_history_is_newest_first() -> None:
    command = replace(COMMAND, severity=Severity.HIGH, response=Response.RESTORE_IMMEDIATELY)
    estimates = [_estimate(2, 500, Severity.MEDIUM), _estimate(8, 20000, Severity.HIGH)]

    shown = centre(_loaded(command, estimates=estimates), CLOCK)

    assert (shown.severity, shown.severity_class) == ("High — restore immediately", "high")
    assert shown.loss == "20,000 per hour, 1,200 users, journey degraded, no security impact"
    assert [(e.at, e.loss_per_hour, e.severity) for e in shown.estimates] == [
        ("09:08:00", "20,000", "High — restore immediately"),
        ("09:02:00", "500", "Medium — restore by the next working day"),
    ]


def test_before_any_estimate_severity_is_unset() -> None:
    shown = centre(_loaded(), CLOCK)

    assert (shown.severity, shown.severity_class, shown.loss) == ("", "none", "")


def _component(component_id: int, service_id: int, name: str) -> StatusComponentRecord:
    return StatusComponentRecord(
        id=component_id,
        service_id=service_id,
        group="Shop" if service_id == 1 else "Other",
        name=name,
        description="",
        position=0,
    )


def test_the_status_panel_edits_the_latest_draft_and_lists_what_was_published_newest_first() -> (
    None
):
    updates = [_update(1, 1, published=True), _update(2, 3), _update(3, 5, published=True)]
    updates.append(_update(4, 7))
    components = [_component(5, 9, "Billing"), _component(2, 1, "Basket")]

    panel = centre(_loaded(updates=updates, components=components), CLOCK).status

    assert panel.draft is not None
    assert (panel.draft.id, panel.draft.proposed) == (4, "09:07:00 by grace@example.com")
    assert (panel.draft.status_text, panel.draft.impact_text) == ("Investigating", "Partial outage")
    assert panel.other_drafts == 1
    assert [(u.id, u.published) for u in panel.published] == [
        (3, "09:06:00 by grace@example.com"),
        (1, "09:02:00 by grace@example.com"),
    ]
    assert [(c.text, c.ours) for c in panel.components] == [
        ("Shop: Basket", True),
        ("Other: Billing", False),
    ]
    assert panel.listed


def test_without_components_of_its_service_the_panel_says_nothing_is_proposed() -> None:
    panel = centre(_loaded(components=[_component(5, 9, "Billing")]), CLOCK).status

    assert panel.draft is None
    assert not panel.listed


def _holder(role: IncidentRole, name: str, minutes: int, by: str = "") -> RoleHolder:
    return RoleHolder(
        incident_id=7,
        role=role,
        user_id=minutes,
        email=f"{name.lower()}@example.com",
        name=name,
        since=T0 + timedelta(minutes=minutes),
        assigned_by=by,
    )


def test_the_roles_panel_shows_each_head_and_the_experts_and_offers_everyone_to_hand_to() -> None:
    holders = (
        _holder(IncidentRole.INCIDENT_MANAGER, "Grace", 0, "grace@example.com"),
        _holder(IncidentRole.SUBJECT_MATTER_EXPERT, "Linus", 3, "grace@example.com"),
        _holder(IncidentRole.SUBJECT_MATTER_EXPERT, "Olga", 5),
    )
    command = replace(COMMAND, experts=("DBA on call",))

    panel = centre(_loaded(command, holders=holders), CLOCK).roles

    assert panel.manager is not None
    assert (panel.manager.name, panel.manager.since) == ("Grace", "09:00:00, by grace@example.com")
    assert panel.engineer is None
    assert [(e.name, e.since) for e in panel.experts] == [
        ("Linus", "09:03:00, by grace@example.com"),
        ("Olga", "09:05:00"),
    ]
    assert panel.named_experts == "DBA on call"
    assert [r.text for r in panel.roles] == [
        "Incident manager",
        "Incident engineer",
        "Subject-matter expert",
    ]
    assert [p.text for p in panel.people] == [
        "Grace Hopper (grace@example.com)",
        "Linus Torvalds (linus@example.com)",
    ]


@pytest.mark.parametrize(
    ("url", "href", "text"),
    [
        ("https://meet.example.com/incident-7/", "https://meet.example.com/incident-7/",
         "meet.example.com/incident-7"),
        ("javascript:alert(1)", "", ""),
        ("", "", ""),
    ],
)  # fmt: skip
def test_the_bridge_is_a_link_only_when_it_is_http(url: str, href: str, text: str) -> None:
    bridge = centre(_loaded(bridge_url=url), CLOCK).bridge

    assert (bridge.href, bridge.text, bridge.url) == (href, text, url)
    assert bridge.protocol == "Speak when asked."


def test_the_viewer_sees_whether_they_follow_the_incident() -> None:
    olga = Stakeholder(incident_id=7, user_id=4, email="Olga@example.com", name="Olga", since=T0)

    following = centre(_loaded(stakeholders=[olga]), CLOCK, "olga@example.com").following
    other = centre(_loaded(stakeholders=[olga]), CLOCK, "grace@example.com").following

    assert following.names == ["Olga (Olga@example.com)"]
    assert (following.viewer_follows, other.viewer_follows) == (True, False)
