"""Configuration as code through the real `ondeck apply` and `ondeck export`, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ondeck_env, run_cli

EXAMPLE_ORG = """\
# The demo organisation `make run` loads. Apply your own with `ondeck apply -f FILE`.
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {type: email, address: ada@example.com}
    notification_rules:
      - {contact: email, after: 0m}
  - {email: grace@example.com, name: Grace Hopper, timezone: America/New_York}
  - {email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki}
  - {email: cto@example.com, name: Cee Tee, timezone: UTC}
teams:
  - name: Payments
    members: [ada@example.com, grace@example.com, linus@example.com]
schedules:
  - name: Payments primary
    timezone: Europe/London
    layers:
      - name: Weekly
        start: 2026-11-02T09:00
        rotation: 1w
        participants: [ada@example.com, grace@example.com, linus@example.com]
escalation_policies:
  - name: Payments default
    repeat: 1
    levels:
      - escalate_after: 5m
        targets: [{schedule: Payments primary}]
      - escalate_after: 10m
        targets: [{user: cto@example.com}]
services:
  - name: Checkout API
    team: Payments
    escalation_policy: Payments default
    runbook_url: https://runbooks.example/checkout
    integrations:
      - {type: events_v2, key: 0123456789abcdef0123456789abcdef}
      - {type: alertmanager, key: am-checkout-secret}
"""
"""The issue's example organisation, verbatim: the contract `ondeck apply` must keep."""

LISTINGS = ("users", "teams", "schedules", "escalation-policies", "services")


def export(env: dict[str, str]) -> str:
    return run_cli(env, "export").stdout


def apply_text(env: dict[str, str], text: str) -> str:
    return run_cli(env, "apply", "-f", "-", input_text=text).stdout


def has_line(output: str, start: str) -> bool:
    return any(line.startswith(start) for line in output.splitlines())


def ids(server: Any, token: str) -> dict[str, dict[str, int]]:
    with server.client(token) as client:
        out = {}
        for kind in LISTINGS:
            response = client.get(f"/api/v1/{kind}")
            assert response.status_code == 200, response.text
            out[kind] = {
                str(item.get("email") or item["name"]): int(item["id"])
                for item in response.json()["data"]
            }
    return out


def test_the_example_organisation_applies_and_applying_it_again_changes_nothing(
    database_url: str, start_server: Any
) -> None:
    env = ondeck_env(database_url)

    summary = apply_text(env, EXAMPLE_ORG)
    first = export(env)
    server = start_server(env)
    token = run_cli(env, "token", "create", "--user", "ada@example.com").stdout.splitlines()[-1]
    ids_before = ids(server, token)
    apply_text(env, EXAMPLE_ORG)
    second = export(env)

    assert "4 users, 1 teams, 1 schedules, 1 escalation policies, 1 services" in summary
    assert second == first
    assert ids(server, token) == ids_before
    assert sorted(ids_before["users"]) == [
        "ada@example.com",
        "cto@example.com",
        "grace@example.com",
        "linus@example.com",
    ]
    for line in (
        "start: 2026-11-02\n",
        'handoff: "09:00"',
        "rotation: 1w",
        "escalate_after: 5m",
        "escalate_after: 10m",
        "repeat: 1",
        "key: 0123456789abcdef0123456789abcdef",
        "key: am-checkout-secret",
        "runbook_url: https://runbooks.example/checkout",
        "- schedule: Payments primary",
        "- user: cto@example.com",
    ):
        assert line in first


def test_an_export_applied_again_or_elsewhere_exports_identically(
    database_url: str, tmp_path: Path
) -> None:
    env = ondeck_env(database_url)
    elsewhere = ondeck_env(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    apply_text(env, EXAMPLE_ORG)
    exported = export(env)

    apply_text(env, exported)
    apply_text(elsewhere, exported)

    assert export(env) == exported
    assert export(elsewhere) == exported


def test_an_escalation_after_one_second_applies_and_exports_as_one_second(
    database_url: str,
) -> None:
    env = ondeck_env(database_url)
    text = EXAMPLE_ORG.replace("escalate_after: 5m", "escalate_after: 1s")

    apply_text(env, text)
    exported = export(env)

    assert "escalate_after: 1s" in exported
    assert "escalate_after: 5m" not in exported


@dataclass(frozen=True)
class Applied:
    env: dict[str, str]
    exported: str


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    """One SQLite database holding the example organisation, shared by the refusal cases."""
    path = tmp_path_factory.mktemp("applied") / "ondeck.db"
    env = ondeck_env(f"sqlite:///{path}")
    apply_text(env, EXAMPLE_ORG)
    yield Applied(env=env, exported=export(env))


BAD_FILES = [
    (
        "invalid YAML",
        EXAMPLE_ORG.replace("    name: Ada Lovelace", "   name: Ada Lovelace"),
        "line 4, column 4: not valid YAML",
    ),
    (
        "a key given twice",
        EXAMPLE_ORG + "services: []\n",
        "line 41, column 1: not valid YAML ('services' is given twice",
    ),
    (
        "unknown field",
        EXAMPLE_ORG.replace("    runbook_url:", "    runbook:"),
        "services[0].runbook: unknown field",
    ),
    (
        "wrong type",
        EXAMPLE_ORG.replace("repeat: 1", "repeat: twice"),
        "escalation_policies[0].repeat: Input should be a valid integer",
    ),
    (
        "unknown reference",
        EXAMPLE_ORG.replace("escalation_policy: Payments default", "escalation_policy: Payments"),
        "services[0].escalation_policy: no escalation policy named 'Payments'",
    ),
    (
        "bad duration",
        EXAMPLE_ORG.replace("escalate_after: 5m", "escalate_after: 5 minutes"),
        "escalation_policies[0].levels[0].escalate_after: '5 minutes' is not a duration",
    ),
    (
        "duration without a unit",
        EXAMPLE_ORG.replace("escalate_after: 5m", "escalate_after: 5"),
        "escalation_policies[0].levels[0].escalate_after: 5 has no unit",
    ),
    (
        "bad time zone",
        EXAMPLE_ORG.replace("timezone: Europe/London\n    layers", "timezone: London\n    layers"),
        "schedules[0].timezone: 'London' is not an IANA time zone",
    ),
    (
        "short routing key",
        EXAMPLE_ORG.replace("key: 0123456789abcdef0123456789abcdef", "key: 0123456789abcdef"),
        "services[0].integrations[0].key: an events_v2 key is 32 letters and digits",
    ),
    (
        "override of an unknown user",
        EXAMPLE_ORG.replace(
            "linus@example.com]\nescalation_policies",
            "linus@example.com]\n    overrides:\n"
            "      - {user: bob@example.com, from: 2030-01-01, to: 2030-01-02}\n"
            "escalation_policies",
        ),
        "schedules[0].overrides[0].user: no user with email 'bob@example.com'",
    ),
    (
        "exemption from an unknown layer",
        EXAMPLE_ORG.replace(
            "linus@example.com]\nescalation_policies",
            "linus@example.com]\n    exemptions:\n"
            "      - {user: grace@example.com, layer: Nightly}\n"
            "escalation_policies",
        ),
        "schedules[0].exemptions[0].layer: no layer named 'Nightly' in this schedule",
    ),
    (
        "leave ending before it starts",
        EXAMPLE_ORG.replace(
            "    role: admin\n",
            "    role: admin\n    unavailable:\n      - {from: 2030-01-04, to: 2030-01-01}\n",
        ),
        "users[0].unavailable[0].to: must be after from",
    ),
    (
        "restriction on a weekday that does not exist",
        EXAMPLE_ORG.replace(
            "        rotation: 1w\n",
            "        rotation: 1w\n        restrictions: [{days: [mon, fry]}]\n",
        ),
        "schedules[0].layers[0].restrictions[0].days[1]: 'fry' is not a weekday",
    ),
    (
        "markup-like name",
        EXAMPLE_ORG.replace("team: Payments", "team: '[red]Payments'"),
        "services[0].team: no team named '[red]Payments'",
    ),
]


@pytest.mark.parametrize(
    ("text", "problem"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_a_bad_file_is_refused_with_file_path_and_problem_and_changes_nothing(
    applied: Applied, tmp_path: Path, text: str, problem: str
) -> None:
    file = tmp_path / "org.yaml"
    file.write_text(text.replace("Ada Lovelace", "Ada King"), encoding="utf-8")

    result = run_cli(applied.env, "apply", "-f", str(file), check=False)

    assert result.returncode == 2, result.stderr
    assert has_line(result.stderr, f"error: {file}: {problem}")
    assert export(applied.env) == applied.exported


def test_a_missing_file_is_refused_naming_it(applied: Applied, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "org.yaml"

    result = run_cli(applied.env, "apply", "-f", str(missing), check=False)

    assert result.returncode == 2
    assert f"error: {missing}: cannot read the file (No such file or directory)" in (
        result.stderr.splitlines()
    )
    assert export(applied.env) == applied.exported


def test_problems_in_a_file_from_stdin_are_attributed_to_stdin(applied: Applied) -> None:
    result = run_cli(
        applied.env,
        "apply",
        "-f",
        "-",
        input_text="teams:\n  - {name: T, members: [x@y.z]}\n",
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: <stdin>: teams[0].members[0]: no user with email 'x@y.z'"
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("escalation_policy: Payments default", "escalation_policy: Nope"),
            "services[0].escalation_policy: no escalation policy named 'Nope'",
        ),
        (
            ("name: Checkout API", "name: " + "x" * 201),
            "services[0].name: is 201 characters long; at most 200 fit",
        ),
    ],
    ids=["unknown reference", "name too long to store"],
)
def test_a_file_with_one_problem_among_many_changes_applies_none_of_them(
    database_url: str, change: tuple[str, str], problem: str
) -> None:
    env = ondeck_env(database_url)
    apply_text(env, EXAMPLE_ORG)
    before = export(env)
    text = (
        EXAMPLE_ORG.replace("Ada Lovelace", "Ada King")
        .replace("repeat: 1", "repeat: 3")
        .replace("  - name: Payments\n", "  - name: Billing\n    members: []\n  - name: Payments\n")
        .replace(*change)
        + "  - {name: Search, escalation_policy: Payments default}\n"
    )

    result = run_cli(env, "apply", "-f", "-", input_text=text, check=False)

    assert result.returncode == 2
    assert has_line(result.stderr, f"error: <stdin>: {problem}")
    assert export(env) == before
