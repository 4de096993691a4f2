"""The organisation file format on its own: errors name the file and path; dump reads back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ondeck.adapters.orgfile import OrgFileError, dump_org, parse_org
from ondeck.domain.model import TargetKind, Urgency
from ondeck.domain.org import (
    ContactSpec,
    IntegrationSpec,
    LayerSpec,
    LevelSpec,
    OrgSpec,
    PolicySpec,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    TargetSpec,
    TeamSpec,
    UserSpec,
)

POLICY_WITH = """
escalation_policies:
  - name: P
    levels:
      - escalate_after: {after}
        targets: [{{user: ada@example.com}}]
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "users:\n  - email: a@example.com\n   name: A\n",
            "line 3, column 4: not valid YAML",
        ),
        ("users:\n\t- x\n", "line 2, column 1: not valid YAML"),
        ("- users\n", "the top level must be a mapping"),
        ("users: []\nusers: []\n", "line 2, column 1: not valid YAML ('users' is given twice"),
        (
            "teams:\n  - {name: A, name: B}\n",
            "line 2, column 15: not valid YAML ('name' is given twice",
        ),
        ("userz: []\n", "userz: unknown field"),
        ("users:\n  - {email: a@example.com, name: A, nick: x}\n", "users[0].nick: unknown field"),
        ("users:\n  - {email: a@example.com}\n", "users[0].name: required field is missing"),
        ("teams:\n  - {name: [A]}\n", "teams[0].name: Input should be a valid string"),
        ("teams:\n  - {name: yes}\n", "teams[0].name: Input should be a valid string"),
        ("teams: Payments\n", "teams: Input should be a valid list"),
        (
            "escalation_policies:\n  - {name: P, repeat: many, levels: []}\n",
            "escalation_policies[0].repeat: Input should be a valid integer",
        ),
        (
            POLICY_WITH.format(after="5 minutes"),
            "escalation_policies[0].levels[0].escalate_after: '5 minutes' is not a duration",
        ),
        (
            POLICY_WITH.format(after="5"),
            "escalation_policies[0].levels[0].escalate_after: 5 has no unit",
        ),
        (
            POLICY_WITH.format(after="1m1h"),
            "escalation_policies[0].levels[0].escalate_after: '1m1h': write each unit once",
        ),
        (
            POLICY_WITH.format(after="99999999999w"),
            "escalation_policies[0].levels[0].escalate_after: '99999999999w' is longer",
        ),
        (
            POLICY_WITH.format(after="[5m]"),
            "escalation_policies[0].levels[0].escalate_after: write a duration like",
        ),
        (
            "escalation_policies:\n  - name: P\n    levels:\n"
            "      - {escalate_after: 5m, targets: [{user: a@example.com, team: T}]}\n",
            "escalation_policies[0].levels[0].targets[0]: a target names exactly one of",
        ),
        (
            "schedules:\n  - name: S\n    timezone: UTC\n    layers:\n"
            "      - {name: L, start: 2026-11-02T09:00:00Z, rotation: 1w, participants: []}\n",
            "schedules[0].layers[0].start: start is a wall-clock time",
        ),
        (
            "services:\n  - {name: S, escalation_policy: P, urgency: urgent}\n",
            "services[0].urgency: Input should be 'high' or 'low'",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_the_path_and_the_problem(
    text: str, problem: str
) -> None:
    with pytest.raises(OrgFileError) as caught:
        parse_org(text, "org.yaml")

    assert caught.value.filename == "org.yaml"
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems
    assert f"org.yaml: {problem}" in str(caught.value)


def test_every_shape_problem_in_a_file_is_listed() -> None:
    text = "users:\n  - {email: a@example.com}\nteams:\n  - {name: T, lead: a@example.com}\n"

    with pytest.raises(OrgFileError) as caught:
        parse_org(text, "org.yaml")

    assert caught.value.problems == [
        "users[0].name: required field is missing",
        "teams[0].lead: unknown field",
    ]


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "{}\n"])
def test_an_empty_file_is_an_empty_organisation(text: str) -> None:
    assert parse_org(text) == OrgSpec()


def test_emails_are_trimmed_and_lowercased_and_a_naive_start_is_wall_clock_time() -> None:
    spec = parse_org(
        "users:\n  - {email: ' Ada@Example.COM ', name: Ada}\n"
        "schedules:\n  - name: S\n    timezone: Europe/London\n    layers:\n"
        "      - {name: L, start: 2026-11-02T09:00, rotation: 1w,"
        " participants: [Ada@Example.COM]}\n"
    )

    assert spec.users[0].email == "ada@example.com"
    assert spec.schedules[0].layers[0].start == datetime(2026, 11, 2, 9, 0)
    assert spec.schedules[0].layers[0].rotation == timedelta(weeks=1)


def test_a_user_without_contact_methods_keeps_what_is_stored() -> None:
    spec = parse_org("users:\n  - {email: a@example.com, name: A}\n")

    assert spec.users[0].contact_methods is None
    assert spec.users[0].notification_rules is None


def test_a_target_becomes_a_reference_of_its_kind() -> None:
    spec = parse_org(
        "escalation_policies:\n  - name: P\n    levels:\n      - escalate_after: 1s\n"
        "        targets: [{user: a@example.com}, {schedule: S}, {team: T}]\n"
    )

    assert spec.escalation_policies[0].levels[0] == LevelSpec(
        escalate_after=timedelta(seconds=1),
        targets=(
            TargetSpec(TargetKind.USER, "a@example.com"),
            TargetSpec(TargetKind.SCHEDULE, "S"),
            TargetSpec(TargetKind.TEAM, "T"),
        ),
    )


_NAMES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_EMAILS = st.emails().map(str.lower).filter(lambda e: e == e.strip())
_DURATIONS = st.integers(min_value=0, max_value=10**8).map(lambda s: timedelta(seconds=s))
_STARTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
_USERS = st.builds(
    UserSpec,
    email=_EMAILS,
    name=_NAMES,
    timezone=st.sampled_from(["UTC", "Europe/London", "America/New_York"]),
    role=st.sampled_from(["admin", "user", "observer"]),
    contact_methods=st.lists(
        st.builds(
            ContactSpec,
            kind=st.sampled_from(["email", "webhook"]),
            address=_NAMES,
            label=st.just("") | _NAMES,
        ),
        max_size=2,
    ).map(tuple),
    notification_rules=st.lists(
        st.builds(
            RuleSpec, contact=_NAMES, after=_DURATIONS, urgency=st.none() | st.sampled_from(Urgency)
        ),
        max_size=2,
    ).map(tuple),
)
_TARGETS = st.builds(TargetSpec, kind=st.sampled_from(TargetKind), name=_NAMES)
_SPECS = st.builds(
    OrgSpec,
    users=st.lists(_USERS, max_size=2).map(tuple),
    teams=st.lists(
        st.builds(TeamSpec, name=_NAMES, members=st.lists(_EMAILS, max_size=2).map(tuple)),
        max_size=2,
    ).map(tuple),
    schedules=st.lists(
        st.builds(
            ScheduleSpec,
            name=_NAMES,
            timezone=_NAMES,
            layers=st.lists(
                st.builds(
                    LayerSpec,
                    name=_NAMES,
                    start=_STARTS,
                    rotation=_DURATIONS,
                    participants=st.lists(_NAMES, max_size=2).map(tuple),
                ),
                max_size=2,
            ).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    escalation_policies=st.lists(
        st.builds(
            PolicySpec,
            name=_NAMES,
            repeat=st.integers(0, 9),
            levels=st.lists(
                st.builds(
                    LevelSpec,
                    escalate_after=_DURATIONS,
                    targets=st.lists(_TARGETS, max_size=2).map(tuple),
                ),
                max_size=2,
            ).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    services=st.lists(
        st.builds(
            ServiceSpec,
            name=_NAMES,
            escalation_policy=_NAMES,
            team=st.none() | _NAMES,
            runbook_url=st.just("") | _NAMES,
            urgency=st.none() | st.sampled_from(Urgency),
            integrations=st.lists(
                st.builds(IntegrationSpec, kind=_NAMES, key=_NAMES), max_size=2
            ).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(_SPECS)
def test_whatever_is_dumped_reads_back_as_the_same_organisation(spec: OrgSpec) -> None:
    assert parse_org(dump_org(spec)) == spec
