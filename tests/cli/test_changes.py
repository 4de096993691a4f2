"""`ondeck override …` and `ondeck away …`: changing who is on call, and refusing bad changes."""

from __future__ import annotations

from tests.cli.rota import PRIMARY, ROTA_ORG, rows, run_many
from tests.conftest import ondeck_env, run_cli

GRACE_COVERS = (
    "override",
    "create",
    "--schedule",
    PRIMARY,
    "--user",
    "grace@example.com",
    "--from",
    "2030-01-08T10:00",
    "--to",
    "2030-01-08T18:00",
    "--note",
    "Ada at the dentist",
)
"""During Ada's turn (Mon 7 – Mon 14 Jan 2030 09:00 London, which is UTC in January)."""
LINUS_AWAY = ("away", "--user", "linus@example.com", "--from", "2030-01-20", "--to", "2030-01-29")
"""Naive times in Linus's own zone (Helsinki): his whole turn of 21–28 January."""


def test_an_override_and_leave_change_who_is_on_call_until_taken_back(database_url: str) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=ROTA_ORG)

    created = run_cli(env, *GRACE_COVERS, "--as", "grace@example.com")
    away = run_cli(env, *LINUS_AWAY, "--reason", "honeymoon")
    show, oncall, overrides, absences = run_many(
        env,
        ("schedule", "show", PRIMARY, "--from", "2030-01-07T09:00", "--to", "2030-01-28"),
        ("oncall", "--schedule", PRIMARY, "--at", "2030-01-08T12:00:00+00:00"),
        ("override", "list", "--schedule", PRIMARY),
        ("away", "list", "--user", "linus@example.com"),
    )
    forbidden = run_cli(env, "override", "remove", "1", "--as", "linus@example.com", check=False)
    removed, back = run_many(
        env,
        ("override", "remove", "1"),
        ("away", "remove", "1", "--as", "linus@example.com"),
    )

    assert created.stdout == (
        "override #1: grace@example.com is on call on 'Payments primary' "
        "Tue 8 Jan 2030 10:00 – Tue 8 Jan 2030 18:00 Europe/London\n"
    )
    assert away.stdout == (
        "absence #1: linus@example.com is on leave from every schedule "
        "Sun 20 Jan 2030 00:00 – Tue 29 Jan 2030 00:00 Europe/Helsinki\n"
    )
    for start, end, person, why in [
        ("Mon 7 Jan 2030 09:00", "Tue 8 Jan 2030 10:00", "Ada Lovelace", "layer Weekly"),
        ("Tue 8 Jan 2030 10:00", "Tue 8 Jan 2030 18:00", "Grace Hopper", "override #1"),
        ("Tue 8 Jan 2030 18:00", "Mon 14 Jan 2030 09:00", "Ada Lovelace", "layer Weekly"),
        ("Mon 14 Jan 2030 09:00", "Mon 21 Jan 2030 09:00", "Grace Hopper", "layer Weekly"),
        (
            "Mon 21 Jan 2030 09:00",
            "Mon 28 Jan 2030 00:00",
            "Ada Lovelace",
            "layer Weekly, standing in for Linus Torvalds",
        ),
    ]:
        assert len(rows(show.stdout, start, end, person, why)) == 1, show.stdout
    assert rows(
        oncall.stdout,
        PRIMARY,
        "Grace Hopper <grace@example.com> (override #1)",
        "2030-01-08T18:00+00:00",
        "Ada Lovelace",
    ), oncall.stdout
    assert rows(
        overrides.stdout,
        " 1 ",
        "Grace Hopper <grace@example.com>",
        "Tue 8 Jan 2030 10:00",
        "Tue 8 Jan 2030 18:00",
        "Ada at the dentist",
        "grace@example.com",
    ), overrides.stdout
    assert rows(
        absences.stdout,
        " 1 ",
        "Linus Torvalds",
        "every schedule (leave)",
        "Sun 20 Jan 2030 00:00",
        "Tue 29 Jan 2030 00:00",
        "Europe/Helsinki",
        "honeymoon",
    ), absences.stdout
    assert forbidden.returncode == 1
    assert forbidden.stderr.startswith("error: only whoever made the override, the person on it")
    assert removed.stdout == "override #1 removed\n"
    assert back.stdout == "absence #1 removed\n"


def test_bad_changes_are_refused_with_what_and_where_and_change_nothing(
    rota_env: dict[str, str],
) -> None:
    override = GRACE_COVERS[:-4]
    cases = {
        "over": (
            (*override, "--from", "2020-01-08T10:00", "--to", "2020-01-08T18:00"),
            1,
            "the override is already over",
        ),
        "backwards": (
            (*override, "--from", "2030-01-08T10:00", "--to", "2030-01-08T09:00"),
            1,
            "the override must end after it starts",
        ),
        "unreadable": (
            (*override, "--from", "2030-01-08T10:00", "--to", "tomorrow 6pm"),
            1,
            "--to 'tomorrow 6pm' is not an ISO 8601 time or date such as 2026-11-22T09:00",
        ),
        "unknown schedule": (
            (*GRACE_COVERS[:3], "Payments secondary", *GRACE_COVERS[4:]),
            1,
            "no schedule named 'Payments secondary'",
        ),
        "unknown user": (
            (*GRACE_COVERS[:5], "grace@example.org", *GRACE_COVERS[6:]),
            1,
            "no user with email 'grace@example.org'",
        ),
        "unknown actor": ((*GRACE_COVERS, "--as", "eve@example.com"), 1, "--as: no user"),
        "leave without end": (
            ("away", "--user", "linus@example.com", "--from", "2030-01-20", "--reason", "x"),
            1,
            "leave from every schedule needs an end",
        ),
        "layer without schedule": (
            (*LINUS_AWAY, "--layer", "Weekly", "--reason", "x"),
            2,
            "--layer needs --schedule",
        ),
        "no reason": (LINUS_AWAY, 2, "ondeck away needs --reason"),
    }

    results = run_many(rota_env, *(args for args, _, _ in cases.values()))
    overrides, absences = run_many(
        rota_env,
        ("override", "list", "--schedule", PRIMARY, "--from", "2020-01-01"),
        ("away", "list"),
    )

    for (name, (_, code, message)), result in zip(cases.items(), results, strict=True):
        assert result.returncode == code, (name, result.stderr)
        assert message in result.stderr, (name, result.stderr)
        assert result.stdout == "", name
        if code == 1:
            assert result.stderr.startswith("error: "), (name, result.stderr)
    assert overrides.stdout.startswith("no overrides on 'Payments primary' from ")
    assert absences.stdout == "nobody is away\n"
