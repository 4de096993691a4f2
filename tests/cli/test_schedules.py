"""`ondeck schedule show | check | calendar | invite | consent` and `ondeck user calendar`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.cli.rota import BETA, PRIMARY, ROTA_ORG, rows, run_many, weekly_holder
from tests.conftest import ondeck_env, run_cli


def test_show_lists_who_is_on_call_each_shift_with_why_and_the_layers(
    rota_env: dict[str, str],
) -> None:
    window = ("--from", "2030-01-07", "--to", "2030-01-21")
    before = datetime.now(UTC)
    text, as_json, beta = run_many(
        rota_env,
        ("schedule", "show", PRIMARY, *window),
        ("schedule", "show", PRIMARY, *window, "--json"),
        ("schedule", "show", BETA, "--from", "2030-01-07T00:00", "--to", "2030-01-07T12:00"),
    )
    after = datetime.now(UTC)

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "Payments primary (Europe/London)"
    assert lines[1].startswith("on call now: ")
    assert weekly_holder(before) in lines[1] or weekly_holder(after) in lines[1]
    assert lines[2].startswith("next: ") and "Europe/London" in lines[2]
    assert "Shifts Mon 7 Jan 2030 00:00 – Mon 21 Jan 2030 00:00 Europe/London" in text.stdout
    expected = [
        ("Mon 7 Jan 2030 00:00", "Mon 7 Jan 2030 09:00", "Linus Torvalds <linus@example.com>"),
        ("Mon 7 Jan 2030 09:00", "Mon 14 Jan 2030 09:00", "Ada Lovelace <ada@example.com>"),
        ("Mon 14 Jan 2030 09:00", "Mon 21 Jan 2030 00:00", "Grace Hopper <grace@example.com>"),
    ]
    for start, end, person in expected:
        assert len(rows(text.stdout, start, end, person, "layer Weekly")) == 1, text.stdout
    assert rows(text.stdout, "Weekly", "1w", "Mon 6 Jan 2020 09:00", "always", "-")
    assert rows(text.stdout, "Ada Lovelace, Grace Hopper, Linus Torvalds")
    assert lines[-1] == "checks: no problems found"

    view = json.loads(as_json.stdout)
    assert (view["name"], view["timezone"]) == (PRIMARY, "Europe/London")
    assert [(s["from"], s["to"], s["on_call"]["email"], s["why"]) for s in view["shifts"]] == [
        (
            "2030-01-07T00:00:00+00:00",
            "2030-01-07T09:00:00+00:00",
            "linus@example.com",
            "layer Weekly",
        ),
        (
            "2030-01-07T09:00:00+00:00",
            "2030-01-14T09:00:00+00:00",
            "ada@example.com",
            "layer Weekly",
        ),
        (
            "2030-01-14T09:00:00+00:00",
            "2030-01-21T00:00:00+00:00",
            "grace@example.com",
            "layer Weekly",
        ),
    ]
    assert view["layers"][0]["rotation"] == "1w"
    assert [p["email"] for p in view["layers"][0]["participants"]] == [
        "ada@example.com",
        "grace@example.com",
        "linus@example.com",
    ]

    assert beta.stdout.splitlines()[0] == "Checkout [beta] (America/New_York)"
    assert rows(beta.stdout, "Mon 7 Jan 2030 09:00", "Mon 7 Jan 2030 12:00", "layer Daily")


def test_check_exits_1_on_any_warning_and_0_for_a_healthy_schedule(
    rota_env: dict[str, str],
) -> None:
    healthy, everything, thin, unknown = run_many(
        rota_env,
        ("schedule", "check", PRIMARY),
        ("schedule", "check"),
        ("schedule", "check", BETA),
        ("schedule", "check", "Payments secondary"),
    )

    assert (healthy.returncode, healthy.stdout) == (0, "Payments primary: no problems found\n")
    too_few = (
        "  warning: Layer 'Daily' has 2 people; a rotation needs at least 3 so that nobody is "
        "on call every other turn"
    )
    assert (thin.returncode, thin.stdout) == (1, f"Checkout [beta]: 1 warning\n{too_few}\n")
    assert everything.returncode == 1
    assert everything.stdout == healthy.stdout + thin.stdout
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr == "error: no schedule named 'Payments secondary'\n"


def test_calendar_commands_print_the_secret_feed_urls(rota_env: dict[str, str]) -> None:
    schedule, user, nobody = run_many(
        rota_env,
        ("schedule", "calendar", PRIMARY),
        ("user", "calendar", "GRACE@example.com"),
        ("user", "calendar", "nobody@example.com"),
    )

    feed = r"http://127\.0\.0\.1:8000/calendars/{}/\d+\.ics\?token=[A-Za-z0-9_-]{{43}}\n"
    assert re.fullmatch(feed.format("schedules"), schedule.stdout), schedule.stdout
    assert re.fullmatch(feed.format("users"), user.stdout), user.stdout
    assert user.stdout.split("token=")[1] != schedule.stdout.split("token=")[1]
    assert (nobody.returncode, nobody.stdout) == (1, "")
    assert nobody.stderr == "error: no user with email 'nobody@example.com'\n"


def test_someone_invited_joins_the_rotation_once_an_admin_records_their_consent(
    tmp_path: Path,
) -> None:
    env = ondeck_env(f"sqlite:///{tmp_path / 'ondeck.db'}")
    run_cli(env, "apply", "-f", "-", input_text=ROTA_ORG)
    invite = ("schedule", "invite", PRIMARY, "--layer", "Weekly", "--user", "cto@example.com")

    invited = run_cli(env, *invite)
    check, no_note = run_many(
        env,
        ("schedule", "check", PRIMARY),
        ("schedule", "consent", PRIMARY, "--user", "cto@example.com", "--note", " "),
    )
    consent = ("schedule", "consent", PRIMARY, "--user", "cto@example.com")
    consented = run_cli(env, *consent, "--note", "agreed in our 1:1 on 20 Nov")
    check_after = run_cli(env, "schedule", "check", PRIMARY, check=False)

    assert invited.stdout == (
        "invited cto@example.com to layer 'Weekly' of 'Payments primary'; "
        "they join the rotation once they opt in\n"
    )
    assert check.returncode == 0
    assert check.stdout == (
        "Payments primary: 1 info\n"
        "  info: Cee Tee is listed in layer 'Weekly' but has not opted in yet; "
        "the rotation leaves them out\n"
    )
    assert no_note.returncode == 1
    assert no_note.stderr.startswith("error: say how they agreed")
    assert consented.stdout == (
        "cto@example.com is now in the rotations of 'Payments primary' (consent recorded)\n"
    )
    assert check_after.returncode == 1
    assert "\n  warning: Cee Tee has no working contact method" in check_after.stdout
