"""`ondeck report fairness`: tables per schedule, and CSV that spreadsheets read."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from ondeck.services.reports import FAIRNESS_COLUMNS
from tests.cli.rota import BETA, PRIMARY, rows, run_many

JANUARY = ("--from", "2026-01-05", "--to", "2026-02-02")
"""Four weeks from Monday 5 January 2026 00:00 London (UTC in winter). Turns change on
Mondays at 09:00: Ada until 09:00, then Grace, Linus, Ada, and Grace from the 26th."""


def test_fairness_is_a_table_per_schedule_or_csv_for_spreadsheets(
    rota_env: dict[str, str],
) -> None:
    as_csv, table, everything, backwards = run_many(
        rota_env,
        ("report", "fairness", "--schedule", PRIMARY, *JANUARY, "--csv"),
        ("report", "fairness", "--schedule", PRIMARY, *JANUARY),
        ("report", "fairness"),
        ("report", "fairness", "--from", "2026-02-02", "--to", "2026-01-05"),
    )

    reader = csv.DictReader(io.StringIO(as_csv.stdout, newline=""))
    found = {row["email"]: row for row in reader}
    assert reader.fieldnames == list(FAIRNESS_COLUMNS)
    assert {email: float(row["hours_on_call"]) for email, row in found.items()} == {
        "ada@example.com": 9 + 168,
        "grace@example.com": 168 + 159,
        "linus@example.com": 168,
    }
    for row in found.values():
        assert (row["schedule"], row["from"], row["to"]) == (
            PRIMARY,
            "2026-01-05T00:00:00+00:00",
            "2026-02-02T00:00:00+00:00",
        )
        assert (row["pages"], row["median_seconds_to_ack"]) == ("0", "")
        assert 0 <= int(row["balance"]) < 100

    balance = next(iter(found.values()))["balance"]
    assert f"Payments primary: balance {balance}/100" in table.stdout
    assert rows(table.stdout, "Ada Lovelace <ada@example.com>", "Europe/London", "177.0")
    assert rows(table.stdout, "Grace Hopper <grace@example.com>", "America/New_York", "327.0")
    assert "Mon 5 Jan 2026 00:00 – Mon 2 Feb 2026 00:00 Europe/London" in table.stdout

    assert everything.returncode == 0
    assert "Payments primary: balance" in everything.stdout
    assert f"{BETA}: balance" in everything.stdout
    today = datetime.now(UTC)
    started = {f"{d:%a} {d.day} {d:%b %Y}" for d in (today - timedelta(days=28), today)}
    assert any(day in everything.stdout for day in started), everything.stdout

    assert backwards.returncode == 1
    assert backwards.stderr.startswith("error: --to (Mon 5 Jan 2026 00:00 UTC) is not after")
