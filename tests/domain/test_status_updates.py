"""Customer-facing status updates: what each stage proposes, what an edit may say, and the
outage windows published updates give each component."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.stages import Stage
from ondeck.domain.status_page import ComponentState, Impact
from ondeck.domain.status_updates import (
    STAGE_BODIES,
    STAGE_STATUS,
    InvalidUpdate,
    Published,
    UpdateStatus,
    check_components,
    check_text,
    impact_windows,
    is_active,
    parse_impact,
    parse_status,
    private_webhook,
    propose,
    public_title,
)

S = ComponentState
U = UpdateStatus
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("stage", "status", "impact", "title"),
    [
        (Stage.DETECT, U.INVESTIGATING, S.DEGRADED, "Degraded service: Checkout"),
        (Stage.ASSEMBLE, U.INVESTIGATING, S.DEGRADED, "Degraded service: Checkout"),
        (Stage.VERIFY, U.INVESTIGATING, S.DEGRADED, "Degraded service: Checkout"),
        (Stage.DISPATCH, U.IDENTIFIED, S.PARTIAL_OUTAGE, "Partial outage: Checkout"),
        (Stage.MITIGATE, U.IDENTIFIED, S.PARTIAL_OUTAGE, "Partial outage: Checkout"),
        (Stage.REPAIR, U.MONITORING, S.DEGRADED, "Degraded service: Checkout"),
        (Stage.REVIEW, U.RESOLVED, S.OPERATIONAL, "Resolved: Checkout"),
        (Stage.ACTION_ITEMS, U.RESOLVED, S.OPERATIONAL, "Resolved: Checkout"),
    ],
)
def test_each_stage_proposes_its_status_impact_and_a_public_title(
    stage: Stage, status: UpdateStatus, impact: ComponentState, title: str
) -> None:
    proposal = propose(stage, group="Checkout", components=["Payments", "Orders"])
    assert (proposal.status, proposal.impact, proposal.title) == (status, impact, title)
    assert "Payments and Orders" in proposal.body


def test_every_stage_has_a_status_and_its_own_words_for_customers() -> None:
    assert set(STAGE_STATUS) == set(Stage) == set(STAGE_BODIES)
    assert len(set(STAGE_BODIES.values())) == len(Stage)


@pytest.mark.parametrize(
    ("stage", "words"),
    [
        (Stage.ASSEMBLE, "assembling a team"),
        (Stage.VERIFY, "confirmed the problems with Payments and are assessing"),
        (Stage.DISPATCH, "specialists who can fix it"),
        (Stage.MITIGATE, "applying a fix"),
        (Stage.REPAIR, "is in place"),
        (Stage.REPAIR, "watching closely"),
        (Stage.REVIEW, "are resolved"),
        (Stage.ACTION_ITEMS, "follow-up changes so that this does not happen again"),
    ],
)
def test_each_stage_tells_customers_what_is_happening_now(stage: Stage, words: str) -> None:
    assert words in propose(stage, group="Checkout", components=["Payments"]).body


@given(
    st.sampled_from(Stage),
    st.lists(st.text(alphabet="abcxyz ", min_size=1, max_size=8).filter(str.strip), max_size=4),
    st.sampled_from(ComponentState) | st.none(),
)
def test_a_proposal_follows_its_stage_whatever_came_before(
    stage: Stage, components: list[str], previous: ComponentState | None
) -> None:
    proposal = propose(stage, group="Checkout", components=components, previous_impact=previous)
    assert proposal.status is STAGE_STATUS[stage]
    assert proposal.body.startswith(STAGE_BODIES[stage].split("{what}")[0])
    assert all(name in proposal.body for name in components)
    resolved = proposal.status is UpdateStatus.RESOLVED
    assert (proposal.impact is ComponentState.OPERATIONAL) or not resolved


@pytest.mark.parametrize(
    ("stage", "previous", "impact"),
    [
        (Stage.DISPATCH, S.MAJOR_OUTAGE, S.MAJOR_OUTAGE),  # the manager's judgement carries
        (Stage.REPAIR, S.PARTIAL_OUTAGE, S.PARTIAL_OUTAGE),
        (Stage.DISPATCH, S.OPERATIONAL, S.PARTIAL_OUTAGE),  # nothing to carry: the default
        (Stage.REVIEW, S.MAJOR_OUTAGE, S.OPERATIONAL),  # resolved is always operational
    ],
)
def test_a_proposal_carries_the_latest_impact_over_until_resolved(
    stage: Stage, previous: ComponentState, impact: ComponentState
) -> None:
    proposal = propose(stage, group="Checkout", components=["Payments"], previous_impact=previous)
    assert proposal.impact is impact


@pytest.mark.parametrize(
    ("components", "group", "words"),
    [
        ([], "Checkout", "problems with Checkout"),
        (["Payments"], "Checkout", "problems with Payments"),
        (["A", "B", "C"], "Checkout", "problems with A, B and C"),
        ([], "", "problems with some of our services"),
    ],
)
def test_the_body_names_the_components_or_else_the_group(
    components: list[str], group: str, words: str
) -> None:
    assert words in propose(Stage.ASSEMBLE, group=group, components=components).body


def test_a_title_without_a_group_is_only_the_heading() -> None:
    assert public_title(S.MAJOR_OUTAGE, "  ") == "Major outage"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("investigating", U.INVESTIGATING), (" Resolved ", U.RESOLVED), ("MONITORING", U.MONITORING)],
)
def test_statuses_are_read_whatever_their_case(text: str, parsed: UpdateStatus) -> None:
    assert parse_status(text) is parsed


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: parse_status("on fire"), "status"),
        (lambda: parse_impact("meh"), "impact"),
        (lambda: check_text("  ", "body"), "title"),
        (lambda: check_text("title", ""), "body"),
        (lambda: check_text("x" * 301, "body"), "title"),
        (lambda: check_text("title", "x" * 5001), "body"),
        (lambda: check_components([1, 9], [1, 2]), "components"),
    ],
)
def test_bad_parts_are_refused_naming_the_field(call: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidUpdate) as raised:
        call()
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}:")


def test_components_keep_their_order_without_repeats() -> None:
    assert check_components([2, 1, 2], [1, 2, 3]) == (2, 1)
    assert check_text("  A title ", " body ") == ("A title", "body")


def published(minutes: int, status: UpdateStatus, impact: ComponentState, *ids: int) -> Published:
    return Published(at(minutes), status, impact, ids)


@pytest.mark.parametrize(
    ("updates", "windows"),
    [
        ([], {}),
        (
            [published(0, U.INVESTIGATING, S.DEGRADED, 1)],
            {1: [Impact(S.DEGRADED, at(0), None)]},
        ),
        (
            [
                published(0, U.INVESTIGATING, S.DEGRADED, 1, 2),
                published(30, U.IDENTIFIED, S.MAJOR_OUTAGE, 1),
                published(90, U.RESOLVED, S.OPERATIONAL, 1),
            ],
            {
                1: [Impact(S.DEGRADED, at(0), at(30)), Impact(S.MAJOR_OUTAGE, at(30), at(90))],
                2: [Impact(S.DEGRADED, at(0), at(30))],
            },
        ),
        (  # the same state again keeps one window; a resolved update ends it whatever it says
            [
                published(0, U.INVESTIGATING, S.PARTIAL_OUTAGE, 1),
                published(10, U.IDENTIFIED, S.PARTIAL_OUTAGE, 1),
                published(20, U.RESOLVED, S.PARTIAL_OUTAGE, 1),
            ],
            {1: [Impact(S.PARTIAL_OUTAGE, at(0), at(20))]},
        ),
        (  # an operational update ends the windows without resolving
            [
                published(0, U.INVESTIGATING, S.DEGRADED, 1),
                published(10, U.MONITORING, S.OPERATIONAL, 1),
            ],
            {1: [Impact(S.DEGRADED, at(0), at(10))]},
        ),
    ],
)
def test_published_updates_give_each_component_its_outage_windows(
    updates: list[Published], windows: dict[int, list[Impact]]
) -> None:
    assert impact_windows(updates) == windows
    assert impact_windows(reversed(updates)) == windows


@pytest.mark.parametrize(
    ("updates", "active"),
    [
        ([], False),
        ([published(0, U.INVESTIGATING, S.DEGRADED, 1)], True),
        (
            [published(0, U.INVESTIGATING, S.DEGRADED), published(5, U.RESOLVED, S.OPERATIONAL)],
            False,
        ),
    ],
)
def test_an_incident_is_active_until_its_latest_update_resolves_it(
    updates: list[Published], active: bool
) -> None:
    assert is_active(updates) is active


update_strategy = st.builds(
    published,
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(UpdateStatus),
    st.sampled_from(ComponentState),
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=1, max_value=3),
)


@given(st.lists(update_strategy, max_size=12))
def test_windows_of_a_component_never_overlap_and_only_the_last_stays_open(
    updates: list[Published],
) -> None:
    for windows in impact_windows(updates).values():
        ordered = sorted(windows, key=lambda w: w.start)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            assert earlier.end is not None and earlier.end <= later.start
        assert all(w.state is not S.OPERATIONAL for w in windows)
        if ordered[-1].end is None:
            assert is_active(updates)


@pytest.mark.parametrize(
    ("url", "private"),
    [
        ("https://hooks.example.com/status", False),
        ("https://93.184.215.14/hook", False),
        ("http://localhost:8080/hook", True),
        ("http://api.localhost/hook", True),
        ("http://127.0.0.1:9000/hook", True),
        ("http://10.1.2.3/hook", True),
        ("http://192.168.0.10/hook", True),
        ("http://169.254.169.254/latest/meta-data", True),
        ("http://[::1]/hook", True),
        ("http://[fd00::1]/hook", True),
    ],
)
def test_webhooks_into_loopback_or_private_networks_are_recognised(url: str, private: bool) -> None:
    assert private_webhook(url) is private
