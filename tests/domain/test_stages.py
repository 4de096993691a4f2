"""Incident stages: the checklist, the transition rule and the times derived from moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.stages import (
    ORDER,
    Facts,
    Item,
    Stage,
    StageChange,
    UnknownStage,
    checklist,
    parse_stage,
    time_to_mitigate,
    time_to_repair,
    transition,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EVERYTHING = Facts(
    acknowledged=True,
    manager=True,
    engineer=True,
    can_report_stages=frozenset(Stage),
    severity=True,
    experts=True,
    resolved=True,
    rca_owner=True,
)


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("detect", Stage.DETECT),
        ("Mitigate", Stage.MITIGATE),
        (" repair ", Stage.REPAIR),
        ("action_items", Stage.ACTION_ITEMS),
        ("action-items", Stage.ACTION_ITEMS),
        ("Action items", Stage.ACTION_ITEMS),
    ],
)
def test_stage_names_are_read_loosely(name: str, stage: Stage) -> None:
    assert parse_stage(name) is stage


@pytest.mark.parametrize("name", ["", "fix", "mitigated", "stage 3"])
def test_an_unknown_stage_is_refused_with_the_list_of_stages(name: str) -> None:
    with pytest.raises(UnknownStage, match="stages are detect, assemble"):
        parse_stage(name)


@pytest.mark.parametrize(
    ("current", "target", "facts", "missing"),
    [
        (Stage.DETECT, Stage.ASSEMBLE, Facts(), (Item.ACKNOWLEDGED,)),
        (Stage.DETECT, Stage.ASSEMBLE, Facts(acknowledged=True), ()),
        (
            Stage.ASSEMBLE,
            Stage.VERIFY,
            Facts(manager=True),
            (Item.ENGINEER_NAMED,),
        ),
        (
            Stage.VERIFY,
            Stage.DISPATCH,
            Facts(severity=True),
            (Item.FIRST_CAN_REPORT,),
        ),
        (
            Stage.VERIFY,
            Stage.DISPATCH,
            Facts(severity=True, can_report_stages=frozenset({Stage.DETECT})),
            (),
        ),
        (Stage.DISPATCH, Stage.MITIGATE, Facts(), (Item.EXPERTS_NAMED,)),
        (
            Stage.MITIGATE,
            Stage.REPAIR,
            Facts(can_report_stages=frozenset({Stage.VERIFY})),
            (Item.WORKAROUND_REPORTED,),
        ),
        (Stage.REPAIR, Stage.REVIEW, Facts(resolved=False), (Item.RESOLVED,)),
        (Stage.REVIEW, Stage.ACTION_ITEMS, Facts(), (Item.RCA_OWNER_NAMED,)),
        (
            Stage.DETECT,
            Stage.DISPATCH,
            Facts(acknowledged=True, manager=True),
            (Item.ENGINEER_NAMED, Item.FIRST_CAN_REPORT, Item.SEVERITY_SET),
        ),
    ],
)
def test_moving_on_lists_what_is_missing_and_needs_a_reason_then(
    current: Stage, target: Stage, facts: Facts, missing: tuple[Item, ...]
) -> None:
    moved = transition(current, target, facts=facts, reason="the bridge is open")
    assert moved.missing == missing
    if missing:
        with pytest.raises(InvalidTransition, match="give a reason"):
            transition(current, target, facts=facts, reason="  ")
    else:
        assert transition(current, target, facts=facts).missing == ()


def test_going_back_needs_a_reason() -> None:
    with pytest.raises(InvalidTransition, match="needs a reason"):
        transition(Stage.REPAIR, Stage.MITIGATE, facts=EVERYTHING)
    back = transition(Stage.REPAIR, Stage.MITIGATE, facts=EVERYTHING, reason="it broke again")
    assert back.backwards and back.reason == "it broke again" and back.missing == ()


def test_staying_in_the_same_stage_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already in verify"):
        transition(Stage.VERIFY, Stage.VERIFY, facts=EVERYTHING, reason="why not")


def test_a_checklist_shows_each_item_with_whether_it_is_done() -> None:
    facts = Facts(severity=True)
    assert checklist(Stage.VERIFY, facts) == [
        (Item.FIRST_CAN_REPORT, False),
        (Item.SEVERITY_SET, True),
    ]
    assert checklist(Stage.ACTION_ITEMS, facts) == []


@given(st.sampled_from(ORDER), st.sampled_from(ORDER))
def test_with_everything_done_any_forward_move_needs_no_reason(a: Stage, b: Stage) -> None:
    if ORDER.index(b) > ORDER.index(a):
        assert transition(a, b, facts=EVERYTHING).missing == ()


@given(st.sampled_from(ORDER), st.sampled_from(ORDER), st.text(min_size=1).filter(str.strip))
def test_with_a_reason_every_move_but_staying_is_allowed(a: Stage, b: Stage, why: str) -> None:
    if a is b:
        with pytest.raises(InvalidTransition):
            transition(a, b, facts=Facts(), reason=why)
    else:
        moved = transition(a, b, facts=Facts(), reason=why)
        assert (moved.source, moved.target) == (a, b)


def test_time_to_mitigate_and_repair_come_from_the_first_moves_past_those_stages() -> None:
    changes = [
        StageChange(Stage.MITIGATE, T0 + timedelta(minutes=10)),
        StageChange(Stage.REPAIR, T0 + timedelta(minutes=40)),
        StageChange(Stage.MITIGATE, T0 + timedelta(minutes=50)),
        StageChange(Stage.REPAIR, T0 + timedelta(minutes=70)),
        StageChange(Stage.ACTION_ITEMS, T0 + timedelta(hours=3)),
    ]
    assert time_to_mitigate(T0, changes) == timedelta(minutes=40)
    assert time_to_repair(T0, changes) == timedelta(hours=3)
    assert time_to_mitigate(T0, changes[:1]) is None
    assert time_to_repair(T0, changes[:4]) is None
