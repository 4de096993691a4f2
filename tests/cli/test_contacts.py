"""`ondeck contact …`: adding a method, a test notification through a real SMTP server, rules
per urgency, working hours, and the refusals, with their exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Mailbox, free_port, ondeck_env, run_cli

ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
  - {{email: grace@example.com, name: Grace Hopper, timezone: America/New_York}}
  - {{email: linus@example.com, name: Linus Torvalds,
     contact_methods: [{{type: webhook, address: "http://127.0.0.1:{free_port()}/x"}}]}}
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}", **extra)
    run_cli(env, "apply", "-f", "-", input_text=ORG)
    return env


def test_grace_adds_a_method_tests_it_sets_rules_and_removing_it_takes_its_rules(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    env = _env(tmp_path, ONDECK_SMTP_URL=mailbox.url)
    as_grace = ("--as", "grace@example.com")

    added = run_cli(
        env,
        "contact",
        "add",
        "grace@example.com",
        "email",
        "grace@home.example",
        "--label",
        "home",
        *as_grace,
    ).stdout
    found = re.search(r"contact method #(\d+) added for Grace Hopper: home \(email ", added)
    assert found is not None, added
    method = found.group(1)
    tested = run_cli(env, "contact", "test", method, *as_grace)
    rules = run_cli(
        env,
        "contact",
        "rules",
        "grace@example.com",
        "--high",
        "grace@example.com",
        "--high",
        "home:2m",
        "--low",
        "#" + method,
        *as_grace,
    )
    listed = run_cli(env, "contact", "list", "grace@example.com")
    removed = run_cli(env, "contact", "remove", method)
    after = run_cli(env, "contact", "rules", "grace@example.com")

    assert tested.stdout.strip() == (
        "test notification sent to home (email grace@home.example): accepted by SMTP server"
    )
    assert "test notification" in str(mailbox.wait_for("grace@home.example")[0]["Subject"]).lower()
    assert rules.stdout.splitlines() == [
        "Notification rules of Grace Hopper:",
        "  high urgency:",
        "    email grace@example.com at once",
        "    home (email grace@home.example) after 2m",
        "  low urgency:",
        "    home (email grace@home.example) at once",
    ]
    assert re.search(rf"{method} .* grace@home\.example .* home .* ok ", listed.stdout)
    assert removed.stdout.strip() == (
        "Removed email grace@home.example; the 2 notification rules that used it were removed too."
    )
    assert after.stdout.splitlines()[-3:] == [
        "    email grace@example.com at once",
        "  low urgency:",
        "    email at once, within working hours (no rules of their own)",
    ]


def test_refusals_say_what_is_wrong_and_exit_1(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def refused(*args: str) -> str:
        result = run_cli(env, "contact", *args, check=False)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        return result.stderr.strip()

    assert refused("add", "grace@example.com", "sms", "0770 090") == (
        "error: address: '0770 090' is not a phone number in international (E.164) form: + "
        "then the country code and number, 8 to 15 digits and nothing else, like +447700900123"
    )
    assert refused("list", "grace@example.com", "--as", "linus@example.com") == (
        "error: only Grace Hopper or an admin may see or change their contact methods, "
        "notification rules and working hours"
    )
    assert refused("hours", "grace@example.com", "--set", "Mon-Fri 9-17") == (
        "error: working_hours[0]: 'Mon-Fri 9-17': '9' is not a time of day; write HH:MM, like 09:00"
    )
    untried = run_cli(env, "contact", "list", "linus@example.com").stdout
    hook = re.search(r"(\d+) +. webhook", untried)
    assert hook is not None, untried
    assert "warning" not in untried
    assert refused("test", hook.group(1)).startswith(
        "error: test notification to webhook http://127.0.0.1:"
    )
    warning = (
        "warning: no working contact method: the last page or test notification to their "
        "only method failed"
    )
    assert warning in run_cli(env, "contact", "list", "linus@example.com").stdout


def test_working_hours_are_shown_and_set_in_the_persons_zone(tmp_path: Path) -> None:
    env = _env(tmp_path)

    before = run_cli(env, "contact", "hours", "grace@example.com").stdout
    after = run_cli(
        env,
        "contact",
        "hours",
        "grace@example.com",
        "--set",
        "Mon-Thu 08:00-16:00",
        "--set",
        "Fri 08:00-12:00",
        "--low-urgency",
        "anytime",
        "--as",
        "grace@example.com",
    ).stdout

    assert before.splitlines() == [
        "Working hours of Grace Hopper (America/New_York): Mon-Fri 09:00-17:00 (the default)",
        "Low-urgency pages wait for working hours.",
    ]
    assert after.splitlines() == [
        "Working hours of Grace Hopper (America/New_York): Mon-Thu 08:00-16:00; Fri "
        "08:00-12:00 (their own)",
        "Low-urgency pages come at any time.",
    ]
