"""The org file's ``major_incidents:`` block: parsed, refused with the path of each problem,
applied by the real ``ondeck apply`` (on both databases), exported back, and used: its
thresholds change the computed severity and its cadence the CAN due times, while the
server's ONDECK_* settings stay the defaults for what it leaves out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ondeck.adapters.orgfile import OrgFileError, parse_org
from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.domain.major_incidents import (
    DEFAULT_PROTOCOL,
    CadenceSettings,
    Destination,
    MajorIncidentSpec,
    ThresholdSettings,
)
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import command, command_centre, people
from ondeck.services.ingest import ingest_signal
from tests.conftest import ROUTING_KEY, SECRET, ondeck_env, run_cli

BASE = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
escalation_policies:
  - name: Default
    levels: [{{escalate_after: 5m, targets: [{{user: ada@example.com}}]}}]
services:
  - name: checkout-api
    escalation_policy: Default
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
"""

FULL = """
major_incidents:
  bridge: "https://meet.example.com/ondeck-{number}"
  protocol: |
    The incident manager runs the bridge.
  announcement_channel: {email: all@example.com}
  severity: {high_loss_per_hour: 5000, medium_loss_per_hour: 500}
  can_every: {high: 15m, low: 10h}
"""


def test_the_block_is_read_into_the_spec() -> None:
    spec = parse_org(BASE + FULL).major_incidents
    assert spec == MajorIncidentSpec(
        bridge="https://meet.example.com/ondeck-{number}",
        protocol="The incident manager runs the bridge.",
        announcement=Destination("email", "all@example.com"),
        severity=ThresholdSettings(high_loss_per_hour=5000, medium_loss_per_hour=500),
        can=CadenceSettings(high=timedelta(minutes=15), low=timedelta(minutes=600)),
    )
    assert parse_org(BASE).major_incidents is None
    assert MajorIncidentSpec().protocol_text == DEFAULT_PROTOCOL


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ('bridge: "meet me at noon"', "major_incidents.bridge: "),
        ('bridge: "https://meet.example.com/{room}"', "major_incidents.bridge: {room} is not"),
        ("bridge: ftp://files.example.com/x", "major_incidents.bridge: 'ftp://"),
        ("announcement_channel: {email: not-an-address}", "announcement_channel.email: "),
        ("announcement_channel: {slack: '#general'}", "announcement_channel.slack: "),
        ("announcement_channel: {sms: '+447700900123'}", "announcement_channel: 'sms' cannot"),
        (
            "severity: {high_loss_per_hour: 5000}",
            "major_incidents.severity.medium_loss_per_hour: give high_loss_per_hour and",
        ),
        (
            "severity: {high_users: 10, medium_users: 50}",
            "major_incidents.severity.medium_users: must not exceed high_users",
        ),
        (
            "severity: {high_loss_per_hour: -1, medium_loss_per_hour: 0}",
            "major_incidents.severity.high_loss_per_hour: must not be negative",
        ),
        ("can_every: {medium: 0s}", "major_incidents.can_every.medium: must be from 1s"),
        ("can_every: {high: 8d}", "major_incidents.can_every.high: must be from 1s"),
    ],
)
def test_a_bad_value_is_refused_naming_its_path_and_nothing_is_stored(
    refusing_env: dict[str, str], block: str, problem: str
) -> None:
    env = refusing_env
    text = BASE + "major_incidents:\n  " + block + "\n"
    result = run_cli(env, "apply", "-f", "-", input_text=text, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert problem in result.stderr
    assert "checkout-api" not in run_cli(env, "export").stdout


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ("colour: red", "org.yaml: major_incidents.colour: unknown field"),
        (
            "announcement_channel: {email: a@example.com, slack: C0ALL}",
            "org.yaml: major_incidents.announcement_channel: name exactly one destination",
        ),
        ("severity: {high_users: lots, medium_users: 1}", "major_incidents.severity.high_users"),
        ("can_every: [15m]", "org.yaml: major_incidents.can_every: "),
    ],
)
def test_a_shape_problem_is_found_before_anything_is_stored(block: str, problem: str) -> None:
    with pytest.raises(OrgFileError) as caught:
        parse_org(BASE + "major_incidents:\n  " + block + "\n", "org.yaml")
    assert problem in str(caught.value)


def test_apply_stores_the_block_and_export_writes_it_back(database_url: str) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=BASE + FULL)
    exported = run_cli(env, "export").stdout
    assert "major_incidents:" in exported
    assert "bridge: https://meet.example.com/ondeck-{number}" in exported
    assert parse_org(exported).major_incidents == parse_org(BASE + FULL).major_incidents
    run_cli(env, "apply", "-f", "-", input_text=exported)
    assert run_cli(env, "export").stdout == exported

    run_cli(env, "apply", "-f", "-", input_text=BASE)  # a file without the block keeps it
    assert "major_incidents:" in run_cli(env, "export").stdout
    run_cli(env, "apply", "-f", "-", input_text=BASE + "major_incidents: {}\n")
    assert "major_incidents: {}" in run_cli(env, "export").stdout


def test_the_org_files_settings_decide_severity_and_cadence_over_the_servers(
    database_url: str,
) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=BASE + FULL)
    c = bootstrap(Settings(database_url=database_url, secret_key=SECRET, can_medium_minutes=45))
    try:
        policy = command.Policy(c.settings.severity_thresholds, c.settings.can_cadence)
        ada = people.person_by_email(uow=c.uow, email="ada@example.com")
        outcome = ingest_signal(
            uow=c.uow,
            clock=c.clock,
            integration_key=ROUTING_KEY,
            signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key="settings", summary="Down"),
        )
        assert outcome.incident_id is not None
        state = command.declare(
            uow=c.uow, clock=c.clock, incident_id=outcome.incident_id, actor=ada, policy=policy
        )
        first_due = state.command.next_can_due - state.command.declared_at
        assert first_due == timedelta(minutes=15)  # the file's, not the server's 30
        assert state.bridge_url == f"https://meet.example.com/ondeck-{state.incident.number}"
        assert state.protocol == "The incident manager runs the bridge."

        estimate = command.add_loss_estimate(
            uow=c.uow,
            clock=c.clock,
            incident_id=outcome.incident_id,
            actor=ada,
            cost_per_hour=800,
            policy=policy,
        )
        assert estimate.severity.value == "medium"  # the file's 500; the server's 1,000: low
        after = command.command_state(uow=c.uow, clock=c.clock, incident_id=outcome.incident_id)
        # medium cadence: the file says nothing, so the server's 45 minutes
        assert after.command.next_can_due - after.command.declared_at == timedelta(minutes=45)
        with c.uow(read_only=True) as work:
            assert command_centre.settings(work).announcement == Destination(
                "email", "all@example.com"
            )
    finally:
        c.close()
