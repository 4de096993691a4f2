"""How people are reached, as code: contact methods of every kind, notification rules per
urgency, working hours of people and teams, and services' chat channels, through the real
`ondeck apply` and `ondeck export`."""

from __future__ import annotations

import pytest

from tests.conftest import ondeck_env, run_cli

REACH_ORG = """\
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {type: email, address: ada@example.com}
      - {type: sms, address: '+447700900123', label: mobile}
      - {type: voice, address: '+447700900123', label: landline}
      - {type: slack, address: U024BE7LH}
      - {type: ntfy, address: ada-pages}
      - {type: teams, address: 'https://example.webhook.office.com/webhookb2/x'}
      - {type: mattermost, address: 'https://chat.example/hooks/ada'}
      - {type: webhook, address: 'https://hooks.example/ada', label: bridge}
    notification_rules:
      - {contact: email, after: 0m, urgency: high}
      - {contact: mobile, after: 2m, urgency: high}
      - {contact: landline, after: 5m, urgency: high}
      - {contact: email, after: 0m, urgency: low}
    working_hours: [Mon-Thu 08:00-16:00, Fri 08:00-12:00]
    low_urgency: anytime
  - {email: grace@example.com, name: Grace Hopper, timezone: America/New_York}
teams:
  - name: Night owls
    members: [grace@example.com]
    working_hours: ['22:00-06:00']
escalation_policies:
  - name: Default
    levels:
      - escalate_after: 5m
        targets: [{user: ada@example.com}]
services:
  - name: Checkout API
    escalation_policy: Default
    chat_channel: C0123ABCD
"""


def test_contact_methods_rules_and_working_hours_apply_and_export_back_identically(
    database_url: str,
) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=REACH_ORG)

    exported = run_cli(env, "export").stdout
    run_cli(env, "apply", "-f", "-", input_text=exported)

    assert run_cli(env, "export").stdout == exported
    for line in (
        "  - type: sms\n    address: '+447700900123'\n    label: mobile\n",
        "  - contact: landline\n    after: 5m\n    urgency: high\n",
        "  working_hours:\n  - Mon-Thu 08:00-16:00\n  - Fri 08:00-12:00\n  low_urgency: anytime\n",
        "  working_hours:\n  - 22:00-06:00\n",
        "  chat_channel: C0123ABCD\n",
    ):
        assert line in exported, line
    grace = exported[exported.index("email: grace@example.com") :].split("\n- ")[0]
    assert "working_hours" not in grace
    assert "low_urgency" not in grace


def test_working_hours_left_out_keep_what_is_stored(sqlite_url: str) -> None:
    env = ondeck_env(sqlite_url)
    run_cli(env, "apply", "-f", "-", input_text=REACH_ORG)
    without = REACH_ORG.replace(
        "    working_hours: [Mon-Thu 08:00-16:00, Fri 08:00-12:00]\n    low_urgency: anytime\n", ""
    )

    run_cli(env, "apply", "-f", "-", input_text=without)

    exported = run_cli(env, "export").stdout
    assert "  - Fri 08:00-12:00\n  low_urgency: anytime\n" in exported


BAD = [
    (
        "phone number not in E.164",
        REACH_ORG.replace("'+447700900123', label: mobile", "07700 900123, label: mobile"),
        "<stdin>: users[0].contact_methods[1].address: '07700 900123' is not a phone number in "
        "international (E.164) form",
    ),
    (
        "slack address",
        REACH_ORG.replace("address: U024BE7LH", "address: '@ada'"),
        "<stdin>: users[0].contact_methods[3].address: '@ada' is neither a Slack member ID",
    ),
    (
        "working hours",
        REACH_ORG.replace("Fri 08:00-12:00", "Fri 08:00-12"),
        "<stdin>: users[0].working_hours[1]: 'Fri 08:00-12': '12' is not a time of day; "
        "write HH:MM, like 09:00",
    ),
    (
        "team working hours",
        REACH_ORG.replace("'22:00-06:00'", "'nights'"),
        "<stdin>: teams[0].working_hours[0]: 'nights': 'nights' is not a day",
    ),
    (
        "low urgency",
        REACH_ORG.replace("low_urgency: anytime", "low_urgency: never"),
        "<stdin>: users[0].low_urgency: Input should be 'working_hours' or 'anytime'",
    ),
    (
        "chat channel",
        REACH_ORG.replace("chat_channel: C0123ABCD", "chat_channel: '#checkout'"),
        "<stdin>: services[0].chat_channel: '#checkout' is not a Slack channel id",
    ),
    (
        "the same label twice",
        REACH_ORG.replace("label: landline", "label: mobile"),
        "<stdin>: users[0].contact_methods[2].label: 'mobile' labels two methods",
    ),
]


@pytest.mark.parametrize(("text", "problem"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_contact_setting_is_refused_with_its_path_and_changes_nothing(
    sqlite_url: str, text: str, problem: str
) -> None:
    env = ondeck_env(sqlite_url)
    run_cli(env, "apply", "-f", "-", input_text="users: [{email: zed@example.com, name: Zed}]")
    before = run_cli(env, "export").stdout

    refused = run_cli(env, "apply", "-f", "-", input_text=text, check=False)

    assert refused.returncode == 2, refused.stdout
    assert problem in refused.stderr.replace("\n", " ")
    assert run_cli(env, "export").stdout == before
