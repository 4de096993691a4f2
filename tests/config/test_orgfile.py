"""The organisation file format on its own: errors name the file and path; dump reads back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ondeck.adapters.orgfile import OrgFileError, dump_org, parse_org
from ondeck.domain.model import IncidentRole, TargetKind, Urgency
from ondeck.domain.org import (
    ContactSpec,
    ExemptionSpec,
    IntegrationSpec,
    LayerSpec,
    LeaveSpec,
    LevelSpec,
    OrgSpec,
    OverrideSpec,
    PolicySpec,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    TargetSpec,
    TeamSpec,
    UserSpec,
)
from ondeck.domain.rotation import Window

POLICY_WITH = """
escalation_policies:
  - name: P
    levels:
      - escalate_after: {after}
        targets: [{{user: ada@example.com}}]
"""


SCHEDULE = "schedules:\n  - name: S\n    timezone: Europe/London\n"
LAYER = SCHEDULE + "    layers:\n      - name: L\n        participants: [a@example.com]\n"


def layer_with(*lines: str) -> str:
    return LAYER + "".join(f"        {line}\n" for line in lines)


def schedule_with(*lines: str) -> str:
    return SCHEDULE + "".join(f"    {line}\n" for line in lines)


LEAVE = "users:\n  - email: a@example.com\n    name: A\n    unavailable:\n      - "
SCHEDULE_CASES = [
    (
        layer_with("restrictions: [{days: [mon, funday]}]"),
        "schedules[0].layers[0].restrictions[0].days[1]: 'funday' is not a weekday "
        "(mon, tue, wed, thu, fri, sat, sun)",
    ),
    (
        layer_with("restrictions: [{days: mon}]"),
        "schedules[0].layers[0].restrictions[0].days: Input should be a valid list",
    ),
    (
        layer_with("restrictions: [{from: 9am, to: '17:00'}]"),
        "schedules[0].layers[0].restrictions[0].from: '9am' is not a time of day; "
        'write HH:MM, like "09:00"',
    ),
    (
        layer_with("restrictions: [{from: '09:00', to: '24:00'}]"),
        'schedules[0].layers[0].restrictions[0].to: write midnight as "00:00"',
    ),
    (
        layer_with("restrictions: [{from: 900, to: '17:00'}]"),
        "schedules[0].layers[0].restrictions[0].from: 900 is not a time of day",
    ),
    (
        layer_with("restrictions: [{from: '09:00', until: '17:00'}]"),
        "schedules[0].layers[0].restrictions[0].until: unknown field",
    ),
    (
        layer_with("handoff: '9.30'"),
        "schedules[0].layers[0].handoff: '9.30' is not a time of day",
    ),
    (
        layer_with("start: 2026-11-02T09:00", "handoff: '10:00'"),
        "schedules[0].layers[0].handoff: the start 2026-11-02T09:00 already puts the handoff "
        "at 09:00; write the start as a date, or leave handoff out",
    ),
    (
        layer_with("start: next monday"),
        "schedules[0].layers[0].start: 'next monday' is not a date or time",
    ),
    (
        layer_with("start: 2026-11-02T09:00+01:00"),
        "schedules[0].layers[0].start: start is a wall-clock time in the schedule's time zone",
    ),
    (schedule_with("max_share: half"), "schedules[0].max_share: Input should be a valid integer"),
    (
        schedule_with("overrides: [{user: a@example.com, from: 2026-12-24T09:00}]"),
        "schedules[0].overrides[0].to: required field is missing",
    ),
    (
        schedule_with("overrides: [{user: a@example.com, from: soon, to: 2026-12-24}]"),
        "schedules[0].overrides[0].from: 'soon' is not a date or time; write 2026-12-24, "
        "2026-12-24T09:00 or 2026-12-24T09:00+01:00",
    ),
    (
        schedule_with("overrides: [{who: a@example.com, from: 2026-12-24, to: 2026-12-25}]"),
        "schedules[0].overrides[0].who: unknown field",
    ),
    (
        schedule_with("exemptions: [{user: a@example.com, until: 2027-01-01}]"),
        "schedules[0].exemptions[0].until: unknown field",
    ),
    (
        schedule_with("exemptions: [{user: a@example.com, to: 31/12/2026}]"),
        "schedules[0].exemptions[0].to: '31/12/2026' is not a date or time",
    ),
    (
        schedule_with("exemptions: {user: a@example.com}"),
        "schedules[0].exemptions: Input should be a valid list",
    ),
]
"""Each new schedule field refused at its own path, by the parser."""

LEAVE_CASES = [
    (LEAVE + "{from: 2026-12-21}\n", "users[0].unavailable[0].to: required field is missing"),
    (
        LEAVE + "{from: 2026-12-21, to: after christmas}\n",
        "users[0].unavailable[0].to: 'after christmas' is not a date or time",
    ),
    (
        LEAVE + "{from: 2026-12-21, to: 2027-01-04, why: Holiday}\n",
        "users[0].unavailable[0].why: unknown field",
    ),
    (
        "users:\n  - {email: a@example.com, name: A, unavailable: 2026-12-21}\n",
        "users[0].unavailable: Input should be a valid list",
    ),
]


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
        *SCHEDULE_CASES,
        *LEAVE_CASES,
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


FULL_SCHEDULE = """
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    unavailable:
      - {from: 2026-12-21, to: 2027-01-04, reason: Holiday}
      - {from: 2027-02-01T12:30, to: 2027-02-02T09:00+01:00}
schedules:
  - name: Payments primary
    timezone: Europe/London
    max_share: 40
    layers:
      - name: Weekly
        participants: [ada@example.com]
        start: 2026-11-02
        handoff: "10:30"
        restrictions:
          - {days: [mon, tue, wed, thu, fri], from: 09:00, to: 17:00}
          - {days: [Sat, SUN]}
          - {from: "22:00", to: "06:00"}
      - {name: Daily, participants: [ada@example.com], rotation: 1d, handoff: "18:00"}
      - {name: Old style, participants: [ada@example.com], start: 2020-01-06T09:00}
    overrides:
      - {user: ada@example.com, from: 2026-12-24T09:00, to: 2026-12-27, note: Wedding}
    exemptions:
      - {user: ada@example.com}
      - {user: ada@example.com, from: 2027-02-01, layer: Weekly, reason: Parental leave}
"""


def test_the_schedule_fields_read_as_wall_clock_times_windows_and_open_ended_periods() -> None:
    spec = parse_org(FULL_SCHEDULE)
    schedule = spec.schedules[0]
    weekly, daily, old_style = schedule.layers

    assert schedule.max_share == 40
    assert weekly.start == datetime(2026, 11, 2, 10, 30)
    assert weekly.handoff == time(10, 30)
    assert weekly.rotation == timedelta(weeks=1)
    assert weekly.restrictions == (
        Window(frozenset({0, 1, 2, 3, 4}), time(9, 0), time(17, 0)),
        Window(frozenset({5, 6}), time(0, 0), time(0, 0)),
        Window(frozenset(range(7)), time(22, 0), time(6, 0)),
    )
    assert (daily.start, daily.handoff, daily.rotation) == (None, time(18, 0), timedelta(days=1))
    assert (old_style.start, old_style.handoff) == (datetime(2020, 1, 6, 9, 0), time(9, 0))
    assert schedule.overrides == (
        OverrideSpec(
            "ada@example.com", datetime(2026, 12, 24, 9, 0), datetime(2026, 12, 27), "Wedding"
        ),
    )
    assert schedule.exemptions == (
        ExemptionSpec("ada@example.com"),
        ExemptionSpec(
            "ada@example.com", datetime(2027, 2, 1), None, "Weekly", reason="Parental leave"
        ),
    )
    assert spec.users[0].unavailable == (
        LeaveSpec(datetime(2026, 12, 21), datetime(2027, 1, 4), "Holiday"),
        LeaveSpec(
            datetime(2027, 2, 1, 12, 30),
            datetime(2027, 2, 2, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        ),
    )


def test_overrides_exemptions_and_leave_left_out_keep_what_is_stored_and_empty_lists_clear_it() -> (
    None
):
    left_out = parse_org(
        "users:\n  - {email: a@example.com, name: A}\n" + SCHEDULE + "    layers: []\n"
    )
    emptied = parse_org(
        "users:\n  - {email: a@example.com, name: A, unavailable: []}\n"
        + SCHEDULE
        + "    overrides: []\n    exemptions: []\n"
    )

    assert left_out.users[0].unavailable is None
    assert (left_out.schedules[0].overrides, left_out.schedules[0].exemptions) == (None, None)
    assert emptied.users[0].unavailable == ()
    assert (emptied.schedules[0].overrides, emptied.schedules[0].exemptions) == ((), ())


def test_an_export_writes_starts_as_a_date_and_a_handoff_and_leaves_out_what_is_default() -> None:
    text = dump_org(parse_org(FULL_SCHEDULE))

    assert "max_share: 40\n" in text
    assert '    start: 2026-11-02\n    handoff: "10:30"\n    rotation: 1w\n' in text
    assert '    - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}\n' in text
    assert "    - {days: [sat, sun]}\n" in text
    assert '    - {from: "22:00", to: "06:00"}\n' in text
    assert '  - name: Daily\n    handoff: "18:00"\n    rotation: 1d\n' in text
    assert '    start: 2020-01-06\n    handoff: "09:00"\n' in text
    assert "- {user: ada@example.com, from: '2026-12-24T09:00', to: 2026-12-27, note: Wedding}" in (
        text
    )
    assert "- {user: ada@example.com}\n" in text
    assert "- {from: 2026-12-21, to: 2027-01-04, reason: Holiday}\n" in text
    assert "to: '2027-02-02T09:00+01:00'" in text
    assert "restrictions" not in dump_org(parse_org(LAYER))
    assert "max_share" not in dump_org(parse_org(LAYER))


def test_a_start_with_seconds_is_written_back_whole() -> None:
    text = dump_org(parse_org(layer_with("start: 2026-11-02T09:00:30")))

    assert "start: '2026-11-02T09:00:30'" in text
    assert "handoff" not in text
    assert parse_org(text).schedules[0].layers[0].start == datetime(2026, 11, 2, 9, 0, 30)


def test_a_target_may_name_the_incident_role_its_people_are_paged_for() -> None:
    spec = parse_org(
        "escalation_policies:\n  - name: P\n    levels:\n      - escalate_after: 5m\n"
        "        targets:\n"
        "          - {schedule: Managers, role: incident_manager}\n"
        "          - {user: a@example.com, role: incident_engineer}\n"
        "          - {team: T}\n"
    )

    assert spec.escalation_policies[0].levels[0].targets == (
        TargetSpec(TargetKind.SCHEDULE, "Managers", "incident_manager"),
        TargetSpec(TargetKind.USER, "a@example.com", "incident_engineer"),
        TargetSpec(TargetKind.TEAM, "T"),
    )
    assert parse_org(dump_org(spec)) == spec
    assert "    - user: a@example.com\n      role: incident_engineer\n    - team: T\n" in dump_org(
        spec
    )


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
_OFFSETS = st.none() | st.integers(-14 * 60, 14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_MOMENTS = st.one_of(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)).map(
        lambda d: datetime.combine(d, time(0, 0))
    ),
    st.builds(
        lambda d, offset: d.replace(tzinfo=offset),
        st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2100, 1, 1)),
        _OFFSETS,
    ),
)
_CLOCK_TIMES = st.builds(time, st.integers(0, 23), st.integers(0, 59))
_WINDOWS = st.builds(
    Window,
    days=st.frozensets(st.integers(0, 6)),
    start=_CLOCK_TIMES,
    end=_CLOCK_TIMES,
)
_HOURS = st.builds(
    Window,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=_CLOCK_TIMES,
    end=_CLOCK_TIMES,
)
_LEAVE = st.builds(LeaveSpec, start=st.none() | _MOMENTS, end=_MOMENTS, reason=st.just("") | _NAMES)


def _layer(
    name: str,
    start: datetime | None,
    handoff: time,
    rotation: timedelta,
    participants: tuple[str, ...],
    restrictions: tuple[Window, ...],
) -> LayerSpec:
    """A layer as a file can say it: a given start's time is its handoff."""
    return LayerSpec(
        name=name,
        start=start,
        rotation=rotation,
        participants=participants,
        handoff=handoff if start is None else start.time(),
        restrictions=restrictions,
    )


_LAYERS = st.builds(
    _layer,
    name=_NAMES,
    start=st.none() | _STARTS,
    handoff=_CLOCK_TIMES,
    rotation=_DURATIONS,
    participants=st.lists(_NAMES, max_size=2).map(tuple),
    restrictions=st.lists(_WINDOWS, max_size=2).map(tuple),
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
    unavailable=st.none() | st.lists(_LEAVE, max_size=2).map(tuple),
    working_hours=st.none() | st.lists(_HOURS, max_size=2).map(tuple),
    low_urgency=st.sampled_from([None, "working_hours", "anytime"]),
)
_TARGETS = st.builds(
    TargetSpec,
    kind=st.sampled_from(TargetKind),
    name=_NAMES,
    role=st.none() | st.sampled_from([role.value for role in IncidentRole]),
)
_SPECS = st.builds(
    OrgSpec,
    users=st.lists(_USERS, max_size=2).map(tuple),
    teams=st.lists(
        st.builds(
            TeamSpec,
            name=_NAMES,
            members=st.lists(_EMAILS, max_size=2).map(tuple),
            working_hours=st.none() | st.lists(_HOURS, max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    schedules=st.lists(
        st.builds(
            ScheduleSpec,
            name=_NAMES,
            timezone=_NAMES,
            layers=st.lists(_LAYERS, max_size=2).map(tuple),
            max_share=st.integers(-5, 105),
            overrides=st.none()
            | st.lists(
                st.builds(
                    OverrideSpec,
                    user=_EMAILS,
                    start=_MOMENTS,
                    end=_MOMENTS,
                    note=st.just("") | _NAMES,
                ),
                max_size=2,
            ).map(tuple),
            exemptions=st.none()
            | st.lists(
                st.builds(
                    ExemptionSpec,
                    user=_EMAILS,
                    start=st.none() | _MOMENTS,
                    end=st.none() | _MOMENTS,
                    layer=st.none() | _NAMES,
                    reason=st.just("") | _NAMES,
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
            chat_channel=st.just("") | _NAMES,
        ),
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(_SPECS)
def test_whatever_is_dumped_reads_back_as_the_same_organisation(spec: OrgSpec) -> None:
    assert parse_org(dump_org(spec)) == spec
