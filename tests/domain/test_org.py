"""The cross-reference rules an organisation file must obey, each problem with its path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest

from ondeck.domain.model import TargetKind, Urgency
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
    Problem,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    TargetSpec,
    TeamSpec,
    UserSpec,
    moment,
    validate,
    wall_clock,
)
from ondeck.domain.rotation import Window

ROUTING_KEY = "0123456789abcdef0123456789abcdef"
ADA = UserSpec(
    email="ada@example.com",
    name="Ada Lovelace",
    timezone="Europe/London",
    role="admin",
    contact_methods=(
        ContactSpec("email", "ada@example.com"),
        ContactSpec("webhook", "https://hooks.example/ada", label="phone"),
    ),
    notification_rules=(
        RuleSpec("email", timedelta(0)),
        RuleSpec("phone", timedelta(minutes=5), Urgency.HIGH),
        RuleSpec("https://hooks.example/ada", timedelta(minutes=10)),
    ),
)
GRACE = UserSpec(email="grace@example.com", name="Grace Hopper")
LAYER = LayerSpec(
    name="Weekly",
    start=datetime(2026, 11, 2, 9, 0),
    rotation=timedelta(weeks=1),
    participants=("ada@example.com", "Grace@Example.com"),
)
SCHEDULE = ScheduleSpec(name="Payments primary", timezone="Europe/London", layers=(LAYER,))
LEVEL = LevelSpec(
    escalate_after=timedelta(minutes=5),
    targets=(
        TargetSpec(TargetKind.SCHEDULE, "Payments primary"),
        TargetSpec(TargetKind.USER, "ADA@example.com"),
        TargetSpec(TargetKind.TEAM, "Payments"),
    ),
)
POLICY = PolicySpec(name="Payments default", levels=(LEVEL,), repeat=1)
SERVICE = ServiceSpec(
    name="Checkout API",
    escalation_policy="Payments default",
    team="Payments",
    integrations=(
        IntegrationSpec("events_v2", ROUTING_KEY),
        IntegrationSpec("alertmanager", "am-checkout-secret"),
    ),
)
ORG = OrgSpec(
    users=(ADA, GRACE),
    teams=(TeamSpec("Payments", ("ada@example.com", "grace@example.com")),),
    schedules=(SCHEDULE,),
    escalation_policies=(POLICY,),
    services=(SERVICE,),
)


def with_user(**changes: Any) -> OrgSpec:
    return replace(ORG, users=(replace(ADA, **changes), GRACE))


def with_layer(**changes: Any) -> OrgSpec:
    layer = replace(LAYER, **changes)
    return replace(ORG, schedules=(replace(SCHEDULE, layers=(layer,)),))


def with_schedule(**changes: Any) -> OrgSpec:
    return replace(ORG, schedules=(replace(SCHEDULE, **changes),))


def override(start: datetime, end: datetime, **changes: Any) -> OrgSpec:
    return with_schedule(overrides=(OverrideSpec("grace@example.com", start, end, **changes),))


def exemption(**changes: Any) -> OrgSpec:
    return with_schedule(exemptions=(ExemptionSpec("grace@example.com", **changes),))


def leave(start: datetime, end: datetime, **changes: Any) -> OrgSpec:
    return with_user(unavailable=(LeaveSpec(start, end, **changes),))


def with_level(**changes: Any) -> OrgSpec:
    level = replace(LEVEL, **changes)
    return replace(ORG, escalation_policies=(replace(POLICY, levels=(level,)),))


def with_service(**changes: Any) -> OrgSpec:
    return replace(ORG, services=(replace(SERVICE, **changes),))


def target(kind: TargetKind, name: str) -> OrgSpec:
    return with_level(targets=(TargetSpec(kind, name),))


def test_the_example_organisation_has_no_problems() -> None:
    assert validate(ORG, {}) == []


@pytest.mark.parametrize("role", ["incident_manager", "incident_engineer", "subject_matter_expert"])
@pytest.mark.parametrize("kind", [TargetKind.USER, TargetKind.SCHEDULE, TargetKind.TEAM])
def test_every_kind_of_target_may_page_for_any_incident_role(kind: TargetKind, role: str) -> None:
    name = {TargetKind.USER: "ada@example.com", TargetKind.SCHEDULE: "Payments primary"}
    spec = with_level(targets=(TargetSpec(kind, name.get(kind, "Payments"), role),))

    assert validate(spec, {}) == []


def test_an_empty_organisation_has_no_problems() -> None:
    assert validate(OrgSpec(), {}) == []


def test_references_may_name_objects_that_are_already_stored() -> None:
    spec = OrgSpec(
        teams=(TeamSpec("SRE", ("old@example.com",)),),
        services=(ServiceSpec("Search", escalation_policy="Stored policy", team="Stored team"),),
    )
    existing = {
        "users": {"old@example.com"},
        "teams": {"Stored team"},
        "escalation_policies": {"Stored policy"},
    }

    assert validate(spec, existing) == []
    assert [p.path for p in validate(spec, {})] == [
        "teams[0].members[0]",
        "services[0].escalation_policy",
        "services[0].team",
    ]


DEC_24 = datetime(2026, 12, 24, 9, 0)
NEW_YORK_9AM_IN_UTC = datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
"""Naive 09:00 on the 24th in New York is 14:00 UTC: after noon UTC, before 15:00 UTC."""

SCHEDULE_CASES: list[tuple[str, Callable[[], OrgSpec], str, str]] = [
    (
        "duplicate layer name",
        lambda: with_schedule(layers=(LAYER, LAYER)),
        "schedules[0].layers[1]",
        "'Weekly' is listed twice",
    ),
    (
        "restriction without days",
        lambda: with_layer(restrictions=(Window(frozenset(), time(9), time(17)),)),
        "schedules[0].layers[0].restrictions[0].days",
        "needs at least one day",
    ),
    (
        "fairness limit of nothing",
        lambda: with_schedule(max_share=0),
        "schedules[0].max_share",
        "must be a percentage between 1 and 100",
    ),
    (
        "fairness limit over everything",
        lambda: with_schedule(max_share=101),
        "schedules[0].max_share",
        "must be a percentage between 1 and 100",
    ),
    (
        "override of an unknown user",
        lambda: with_schedule(
            overrides=(OverrideSpec("bob@x.org", DEC_24, DEC_24 + timedelta(days=1)),)
        ),
        "schedules[0].overrides[0].user",
        "no user with email 'bob@x.org'",
    ),
    (
        "override ending as it starts",
        lambda: override(DEC_24, DEC_24),
        "schedules[0].overrides[0].to",
        "must be after from",
    ),
    (
        "override ending before it starts",
        lambda: override(DEC_24, DEC_24 - timedelta(minutes=1)),
        "schedules[0].overrides[0].to",
        "must be after from",
    ),
    (
        "override whose naive start is read in the schedule's zone",
        lambda: with_schedule(
            timezone="America/New_York",
            overrides=(
                OverrideSpec("grace@example.com", DEC_24, NEW_YORK_9AM_IN_UTC - timedelta(hours=1)),
            ),
        ),
        "schedules[0].overrides[0].to",
        "must be after from",
    ),
    (
        "override with a note too long to store",
        lambda: override(DEC_24, DEC_24 + timedelta(days=1), note="x" * 501),
        "schedules[0].overrides[0].note",
        "501 characters long; at most 500 fit",
    ),
    (
        "override starting before year one in UTC",
        lambda: override(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), DEC_24),
        "schedules[0].overrides[0].from",
        "too far in the past or future",
    ),
    (
        "exemption of an unknown user",
        lambda: with_schedule(exemptions=(ExemptionSpec("bob@x.org"),)),
        "schedules[0].exemptions[0].user",
        "no user with email 'bob@x.org'",
    ),
    (
        "exemption ending before it starts",
        lambda: exemption(start=DEC_24, end=DEC_24 - timedelta(days=1)),
        "schedules[0].exemptions[0].to",
        "must be after from",
    ),
    (
        "exemption from a layer the schedule does not have",
        lambda: exemption(layer="Nightly"),
        "schedules[0].exemptions[0].layer",
        "no layer named 'Nightly' in this schedule",
    ),
    (
        "exemption with a NUL in its reason",
        lambda: exemption(reason="Medical\x00"),
        "schedules[0].exemptions[0].reason",
        "NUL",
    ),
    (
        "exemption with a reason too long to keep",
        lambda: exemption(reason="x" * 2001),
        "schedules[0].exemptions[0].reason",
        "at most 2000 fit",
    ),
    (
        "leave ending before it starts",
        lambda: leave(DEC_24, DEC_24 - timedelta(days=1)),
        "users[0].unavailable[0].to",
        "must be after from",
    ),
    (
        "leave whose naive start is read in the user's zone",
        lambda: with_user(
            timezone="America/New_York",
            unavailable=(LeaveSpec(DEC_24, NEW_YORK_9AM_IN_UTC - timedelta(hours=1)),),
        ),
        "users[0].unavailable[0].to",
        "must be after from",
    ),
]
"""Schedules' restrictions, fairness limits, overrides, exemptions and users' leave."""

CASES: list[tuple[str, Callable[[], OrgSpec], str, str]] = [
    (
        "unknown user in a team",
        lambda: replace(ORG, teams=(TeamSpec("Payments", ("ada@example.com", "bob@x.org")),)),
        "teams[0].members[1]",
        "no user with email 'bob@x.org'",
    ),
    (
        "unknown user as a target",
        lambda: target(TargetKind.USER, "bob@x.org"),
        "escalation_policies[0].levels[0].targets[0].user",
        "no user named 'bob@x.org'",
    ),
    (
        "unknown schedule as a target",
        lambda: target(TargetKind.SCHEDULE, "Payments secondary"),
        "escalation_policies[0].levels[0].targets[0].schedule",
        "no schedule named 'Payments secondary'",
    ),
    (
        "unknown team as a target",
        lambda: target(TargetKind.TEAM, "payments"),
        "escalation_policies[0].levels[0].targets[0].team",
        "no team named 'payments'",
    ),
    (
        "unknown escalation policy on a service",
        lambda: with_service(escalation_policy="Payments urgent"),
        "services[0].escalation_policy",
        "no escalation policy named 'Payments urgent'",
    ),
    (
        "unknown team on a service",
        lambda: with_service(team="Billing"),
        "services[0].team",
        "no team named 'Billing'",
    ),
    (
        "unknown participant in a layer",
        lambda: with_layer(participants=("ada@example.com", "bob@x.org")),
        "schedules[0].layers[0].participants[1]",
        "no user with email 'bob@x.org'",
    ),
    (
        "bad schedule time zone",
        lambda: replace(ORG, schedules=(replace(SCHEDULE, timezone="Europe/Londres"),)),
        "schedules[0].timezone",
        "'Europe/Londres' is not an IANA time zone",
    ),
    (
        "empty schedule time zone",
        lambda: replace(ORG, schedules=(replace(SCHEDULE, timezone=""),)),
        "schedules[0].timezone",
        "'' is not an IANA time zone",
    ),
    (
        "path-like time zone",
        lambda: replace(ORG, schedules=(replace(SCHEDULE, timezone="../../etc/passwd"),)),
        "schedules[0].timezone",
        "is not an IANA time zone",
    ),
    (
        "server-dependent time zone",
        lambda: replace(ORG, schedules=(replace(SCHEDULE, timezone="localtime"),)),
        "schedules[0].timezone",
        "name the zone",
    ),
    (
        "bad user time zone",
        lambda: with_user(timezone="GMT+1"),
        "users[0].timezone",
        "'GMT+1' is not an IANA time zone",
    ),
    (
        "events_v2 key too short",
        lambda: with_service(integrations=(IntegrationSpec("events_v2", ROUTING_KEY[:31]),)),
        "services[0].integrations[0].key",
        "32 letters and digits",
    ),
    (
        "events_v2 key too long",
        lambda: with_service(integrations=(IntegrationSpec("events_v2", ROUTING_KEY + "0"),)),
        "services[0].integrations[0].key",
        "32 letters and digits",
    ),
    (
        "events_v2 key with punctuation",
        lambda: with_service(integrations=(IntegrationSpec("events_v2", ROUTING_KEY[:31] + "-"),)),
        "services[0].integrations[0].key",
        "32 letters and digits",
    ),
    (
        "alertmanager key too short",
        lambda: with_service(integrations=(IntegrationSpec("alertmanager", "short"),)),
        "services[0].integrations[0].key",
        "at least 8 characters",
    ),
    (
        "unknown integration type",
        lambda: with_service(integrations=(IntegrationSpec("nagios", "nagios-secret"),)),
        "services[0].integrations[0].type",
        "'nagios' is not one of alertmanager, events_v2",
    ),
    (
        "integration key used twice",
        lambda: replace(
            ORG,
            services=(
                SERVICE,
                ServiceSpec(
                    "Search",
                    "Payments default",
                    integrations=(IntegrationSpec("alertmanager", "am-checkout-secret"),),
                ),
            ),
        ),
        "services[1].integrations[0].key",
        "listed twice",
    ),
    (
        "duplicate user email, in another case",
        lambda: replace(ORG, users=(ADA, GRACE, replace(ADA, email="ADA@example.com"))),
        "users[2]",
        "'ada@example.com' is listed twice",
    ),
    (
        "duplicate team name",
        lambda: replace(ORG, teams=ORG.teams * 2),
        "teams[1]",
        "'Payments' is listed twice",
    ),
    (
        "duplicate schedule name",
        lambda: replace(ORG, schedules=(SCHEDULE, SCHEDULE)),
        "schedules[1]",
        "'Payments primary' is listed twice",
    ),
    (
        "duplicate policy name",
        lambda: replace(ORG, escalation_policies=(POLICY, POLICY)),
        "escalation_policies[1]",
        "'Payments default' is listed twice",
    ),
    (
        "duplicate service name",
        lambda: replace(ORG, services=(SERVICE, replace(SERVICE, integrations=()))),
        "services[1]",
        "'Checkout API' is listed twice",
    ),
    (
        "rotation shorter than a minute",
        lambda: with_layer(rotation=timedelta(seconds=59)),
        "schedules[0].layers[0].rotation",
        "between 1m and 52w",
    ),
    (
        "rotation longer than a year",
        lambda: with_layer(rotation=timedelta(weeks=52, seconds=1)),
        "schedules[0].layers[0].rotation",
        "between 1m and 52w",
    ),
    (
        "layer without participants",
        lambda: with_layer(participants=()),
        "schedules[0].layers[0].participants",
        "at least one person",
    ),
    (
        "escalate_after of zero",
        lambda: with_level(escalate_after=timedelta(0)),
        "escalation_policies[0].levels[0].escalate_after",
        "between 1s and 1d",
    ),
    (
        "escalate_after over a day",
        lambda: with_level(escalate_after=timedelta(days=1, seconds=1)),
        "escalation_policies[0].levels[0].escalate_after",
        "between 1s and 1d",
    ),
    (
        "target with an unknown incident role",
        lambda: with_level(targets=(TargetSpec(TargetKind.TEAM, "Payments", "commander"),)),
        "escalation_policies[0].levels[0].targets[0].role",
        "'commander' is not one of incident_manager, incident_engineer, subject_matter_expert",
    ),
    (
        "level without targets",
        lambda: with_level(targets=()),
        "escalation_policies[0].levels[0].targets",
        "needs a target",
    ),
    (
        "policy without levels",
        lambda: replace(ORG, escalation_policies=(replace(POLICY, levels=()),)),
        "escalation_policies[0].levels",
        "at least one level",
    ),
    (
        "negative repeat",
        lambda: replace(ORG, escalation_policies=(replace(POLICY, repeat=-1),)),
        "escalation_policies[0].repeat",
        "between 0 and 9",
    ),
    (
        "repeat over nine",
        lambda: replace(ORG, escalation_policies=(replace(POLICY, repeat=10),)),
        "escalation_policies[0].repeat",
        "between 0 and 9",
    ),
    (
        "rule naming a missing contact",
        lambda: with_user(notification_rules=(RuleSpec("sms", timedelta(0)),)),
        "users[0].notification_rules[0].contact",
        "'sms' names none of this user's contact methods",
    ),
    (
        "rule delayed over a day",
        lambda: with_user(notification_rules=(RuleSpec("email", timedelta(days=1, seconds=1)),)),
        "users[0].notification_rules[0].after",
        "at most 1d",
    ),
    (
        "unknown contact method type",
        lambda: with_user(
            contact_methods=(ContactSpec("pager", "555-0100"),), notification_rules=()
        ),
        "users[0].contact_methods[0].type",
        "'pager' is not a contact method type",
    ),
    (
        "email without an at sign",
        lambda: replace(ORG, users=(ADA, GRACE, UserSpec(email="hedy", name="Hedy"))),
        "users[2].email",
        "'hedy' is not an email address",
    ),
    (
        "service name longer than can be stored",
        lambda: with_service(name="x" * 201),
        "services[0].name",
        "201 characters long; at most 200 fit",
    ),
    (
        "empty team name",
        lambda: replace(ORG, teams=(*ORG.teams, TeamSpec("  ", ()))),
        "teams[1].name",
        "must not be empty",
    ),
    (
        "NUL character in a layer name",
        lambda: with_layer(name="Week\x00ly"),
        "schedules[0].layers[0].name",
        "NUL",
    ),
    (
        "alertmanager key longer than can be stored",
        lambda: with_service(integrations=(IntegrationSpec("alertmanager", "k" * 201),)),
        "services[0].integrations[0].key",
        "at most 200 fit",
    ),
    (
        "events_v2 key with non-ASCII letters",
        lambda: with_service(integrations=(IntegrationSpec("events_v2", "é" * 32),)),
        "services[0].integrations[0].key",
        "32 letters and digits",
    ),
    (
        "empty email",
        lambda: replace(ORG, users=(ADA, GRACE, UserSpec(email="", name="Nobody"))),
        "users[2].email",
        "must not be empty",
    ),
    (
        "unknown role",
        lambda: with_user(role="owner"),
        "users[0].role",
        "'owner' is not one of admin, observer, user",
    ),
    *SCHEDULE_CASES,
]


@pytest.mark.parametrize(
    ("build", "path", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_problem_is_reported_once_at_its_path(
    build: Callable[[], OrgSpec], path: str, message: str
) -> None:
    problems = validate(build(), {})

    assert [p.path for p in problems] == [path], problems
    assert message in problems[0].message


@pytest.mark.parametrize(
    ("rotation", "escalate_after"),
    [(timedelta(minutes=1), timedelta(seconds=1)), (timedelta(weeks=52), timedelta(days=1))],
    ids=["lower bounds", "upper bounds"],
)
def test_the_bounds_themselves_are_allowed(rotation: timedelta, escalate_after: timedelta) -> None:
    spec = with_layer(rotation=rotation)
    spec = replace(
        spec,
        escalation_policies=(
            replace(POLICY, levels=(replace(LEVEL, escalate_after=escalate_after),)),
        ),
    )

    assert validate(spec, {}) == []


def test_everything_a_schedule_and_a_user_may_say_about_being_away_is_allowed() -> None:
    spec = replace(
        with_schedule(
            max_share=100,
            layers=(
                replace(
                    LAYER,
                    restrictions=(Window(frozenset({5, 6})), Window(start=time(22), end=time(6))),
                ),
            ),
            overrides=(OverrideSpec("GRACE@example.com", DEC_24, DEC_24 + timedelta(days=3)),),
            exemptions=(
                ExemptionSpec("ada@example.com", reason="Medical, until further notice"),
                ExemptionSpec("grace@example.com", start=DEC_24, layer="Weekly"),
                ExemptionSpec("grace@example.com", end=DEC_24),
            ),
        ),
        users=(
            replace(ADA, unavailable=(LeaveSpec(DEC_24, DEC_24 + timedelta(days=1), "Holiday"),)),
            replace(GRACE, unavailable=(LeaveSpec(None, DEC_24),)),
        ),
    )

    assert validate(spec, {}) == []


def test_a_naive_time_and_the_same_moment_with_an_offset_are_one_moment() -> None:
    naive = datetime(2026, 12, 24, 9, 0)
    aware = datetime(2026, 12, 24, 15, 0, tzinfo=timezone(timedelta(hours=1)))

    assert moment(naive, "America/New_York") == moment(aware, "UTC") == NEW_YORK_9AM_IN_UTC


@pytest.mark.parametrize(
    ("at", "written"),
    [
        (datetime(2026, 12, 24, 9, 0, tzinfo=UTC), datetime(2026, 12, 24, 9, 0)),
        (datetime(2026, 7, 1, 8, 0, tzinfo=UTC), datetime(2026, 7, 1, 9, 0)),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30)),
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(0))),
        ),
    ],
    ids=["winter", "summer", "first 01:30 of the autumn change", "second 01:30"],
)
def test_a_moment_is_written_as_wall_clock_time_with_an_offset_only_where_that_is_ambiguous(
    at: datetime, written: datetime
) -> None:
    result = wall_clock(at, "Europe/London")

    assert (result, result.tzinfo is None) == (written, written.tzinfo is None)
    assert moment(result, "Europe/London") == at


def test_a_new_user_without_contact_methods_can_have_rules_for_their_email() -> None:
    spec = replace(
        ORG, users=(ADA, replace(GRACE, notification_rules=(RuleSpec("email", timedelta(0)),)))
    )

    assert validate(spec, {}) == []


def test_every_problem_in_a_file_is_reported_not_just_the_first() -> None:
    spec = replace(
        with_service(escalation_policy="Nope", team="Nobody"),
        teams=(TeamSpec("Payments", ("bob@x.org",)),),
    )

    assert [str(p) for p in validate(spec, {})] == [
        "teams[0].members[0]: no user with email 'bob@x.org'",
        "services[0].escalation_policy: no escalation policy named 'Nope'",
        "services[0].team: no team named 'Nobody'",
    ]


def test_a_problem_reads_as_its_path_then_what_is_wrong() -> None:
    assert str(Problem("services[0].team", "no team named 'X'")) == (
        "services[0].team: no team named 'X'"
    )


def test_a_key_stored_on_another_service_is_refused_without_naming_the_key() -> None:
    owners = {"am-checkout-secret": "Search"}

    problems = validate(ORG, {}, key_owners=owners)

    assert problems == [
        Problem(
            "services[0].integrations[1].key",
            "this key belongs to service 'Search'; take it off that service in the same file "
            "to move it",
        )
    ]
    assert "am-checkout-secret" not in str(problems[0])


def test_a_key_moves_when_the_same_file_takes_it_off_its_old_service() -> None:
    search = ServiceSpec(name="Search", escalation_policy="Payments default")
    org = replace(ORG, services=(SERVICE, search))

    assert validate(org, {}, key_owners={"am-checkout-secret": "Search"}) == []


def test_re_applying_a_service_with_its_own_keys_is_not_a_move() -> None:
    owners = {ROUTING_KEY: "Checkout API", "am-checkout-secret": "Checkout API"}

    assert validate(ORG, {}, key_owners=owners) == []
