"""Incident roles: parsing, taking the paged-for role on acknowledging, and hand-offs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.model import EscalationTarget, IncidentRole, PolicySnapshot, TargetKind
from ondeck.domain.roles import (
    Change,
    Holding,
    RoleRefused,
    UnknownRole,
    hand_off,
    handoff_text,
    parse_role,
    role_to_take,
)

MANAGER = IncidentRole.INCIDENT_MANAGER
ENGINEER = IncidentRole.INCIDENT_ENGINEER
EXPERT = IncidentRole.SUBJECT_MATTER_EXPERT
NAMES = {1: "Ada", 2: "Bob", 3: "Cy"}


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("incident_manager", MANAGER),
        ("incident-engineer", ENGINEER),
        ("  Subject matter expert ", EXPERT),
        ("INCIDENT_MANAGER", MANAGER),
    ],
)
def test_a_role_reads_with_underscores_hyphens_or_spaces(text: str, role: IncidentRole) -> None:
    assert parse_role(text) is role


@pytest.mark.parametrize("text", ["commander", "", "manager", "incident"])
def test_an_unknown_role_is_refused_listing_the_roles(text: str) -> None:
    with pytest.raises(UnknownRole) as refused:
        parse_role(text)

    assert "one of incident_manager, incident_engineer, subject_matter_expert" in str(refused.value)


@pytest.mark.parametrize(
    ("holdings", "paged_for", "who", "takes"),
    [
        ((), MANAGER, 1, MANAGER),
        ((), None, 1, None),
        (((MANAGER, 2),), MANAGER, 1, None),
        (((MANAGER, 1),), MANAGER, 1, None),
        (((MANAGER, 2),), ENGINEER, 1, ENGINEER),
        (((EXPERT, 2),), EXPERT, 1, EXPERT),
        (((EXPERT, 1),), EXPERT, 1, None),
    ],
    ids=[
        "nobody holds it: take it",
        "paged without a role: nothing",
        "someone else holds it: keep theirs",
        "already holds it: nothing new",
        "the other head's role is free",
        "experts are many",
        "already an expert",
    ],
)
def test_acknowledging_takes_the_paged_for_role_only_when_it_is_free(
    holdings: tuple[tuple[IncidentRole, int], ...],
    paged_for: IncidentRole | None,
    who: int,
    takes: IncidentRole | None,
) -> None:
    held = [Holding(role, person) for role, person in holdings]

    assert role_to_take(held, paged_for, who) is takes


@pytest.mark.parametrize(
    ("holdings", "role", "who", "remove", "change"),
    [
        ((), MANAGER, 2, False, Change(MANAGER, 2, ())),
        (((MANAGER, 1),), MANAGER, 2, False, Change(MANAGER, 2, (1,))),
        (((MANAGER, 1), (ENGINEER, 3)), ENGINEER, 2, False, Change(ENGINEER, 2, (3,))),
        (((EXPERT, 1),), EXPERT, 2, False, Change(EXPERT, 2, ())),
        (((EXPERT, 1), (EXPERT, 2)), EXPERT, 2, True, Change(EXPERT, None, (2,))),
    ],
    ids=["first manager", "manager replaced", "engineer replaced", "expert added", "expert out"],
)
def test_a_hand_off_replaces_a_head_and_adds_or_removes_an_expert(
    holdings: tuple[tuple[IncidentRole, int], ...],
    role: IncidentRole,
    who: int,
    remove: bool,
    change: Change[int],
) -> None:
    held = [Holding(r, person) for r, person in holdings]

    assert hand_off(held, role, who, remove=remove) == change


@pytest.mark.parametrize(
    ("holdings", "role", "who", "remove", "words"),
    [
        (((MANAGER, 1),), MANAGER, 1, False, "already holds the incident manager role"),
        (((EXPERT, 1),), EXPERT, 1, False, "already holds the subject matter expert role"),
        ((), EXPERT, 1, True, "is not a subject-matter expert"),
        (((MANAGER, 1),), MANAGER, 1, True, "cannot be removed as incident manager; hand"),
    ],
)
def test_a_hand_off_that_changes_nothing_is_refused_saying_why(
    holdings: tuple[tuple[IncidentRole, int], ...],
    role: IncidentRole,
    who: int,
    remove: bool,
    words: str,
) -> None:
    held = [Holding(r, person) for r, person in holdings]

    with pytest.raises(RoleRefused, match=words):
        hand_off(held, role, who, remove=remove)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (Change(MANAGER, 2, (1,)), "Incident manager handed from Ada to Bob by Ada"),
        (Change(ENGINEER, 3, ()), "Cy made incident engineer by Ada"),
        (Change(EXPERT, 2, ()), "Bob added as subject matter expert by Ada"),
        (Change(EXPERT, None, (3,)), "Cy removed as subject matter expert by Ada"),
    ],
)
def test_the_timeline_says_who_handed_what_to_whom(change: Change[int], text: str) -> None:
    assert handoff_text(change, names=NAMES, by="Ada") == text


_HOLDINGS = st.lists(
    st.builds(Holding, role=st.sampled_from(IncidentRole), who=st.integers(1, 4)), max_size=6
)


@given(_HOLDINGS, st.sampled_from(IncidentRole), st.integers(1, 4))
def test_after_any_hand_off_the_new_holder_holds_it_and_a_head_role_has_one_holder(
    holdings: list[Holding[int]], role: IncidentRole, who: int
) -> None:
    try:
        change = hand_off(holdings, role, who)
    except RoleRefused:
        assert Holding(role, who) in holdings
        return
    after = [h for h in holdings if not (h.role is role and h.who in change.removed)]
    after.append(Holding(role, who))

    holders = [h.who for h in after if h.role is role]
    assert who in holders
    if role.single:
        assert holders == [who]


def test_a_policy_snapshot_stored_before_roles_reads_without_them_and_roles_round_trip() -> None:
    old = {
        "policy_id": 1,
        "name": "P",
        "repeat": 0,
        "levels": [
            {"escalate_after": 300, "targets": [{"kind": "schedule", "ref": 2, "name": "S"}]}
        ],
    }
    snapshot = PolicySnapshot.from_json(old)
    with_role = replace(
        snapshot,
        levels=(
            replace(
                snapshot.levels[0],
                targets=(replace(snapshot.levels[0].targets[0], role=MANAGER),),
            ),
        ),
    )

    assert snapshot.levels[0].targets == (EscalationTarget(TargetKind.SCHEDULE, 2, "S"),)
    assert snapshot.to_json() == old
    assert PolicySnapshot.from_json(with_role.to_json()) == with_role
    assert with_role.to_json()["levels"][0]["targets"][0]["role"] == "incident_manager"
