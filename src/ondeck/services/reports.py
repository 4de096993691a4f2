"""Reports in the shapes people take them away in: rows for tables and CSV for spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import Any

from ondeck.services.schedules import FairnessReport

FAIRNESS_COLUMNS = (
    "schedule",
    "from",
    "to",
    "email",
    "name",
    "timezone",
    "hours_on_call",
    "off_hours_hours",
    "night_hours",
    "weekend_hours",
    "pages",
    "night_pages",
    "acknowledged",
    "median_seconds_to_ack",
    "hours_balance",
    "off_hours_balance",
    "pages_balance",
    "balance",
)
"""One row per person and schedule; the balances (0–100) are the schedule's, on every row."""


def fairness_rows(reports: list[FairnessReport]) -> list[dict[str, Any]]:
    rows = []
    for item in reports:
        report = item.report
        for load in report.people:
            person = item.people.get(load.user)
            rows.append(
                {
                    "schedule": report.schedule,
                    "from": report.start.isoformat(),
                    "to": report.end.isoformat(),
                    "email": person.email if person else "",
                    "name": person.name if person else f"user {load.user}",
                    "timezone": person.timezone if person else "UTC",
                    "hours_on_call": round(load.hours, 2),
                    "off_hours_hours": round(load.off_hours, 2),
                    "night_hours": round(load.night_hours, 2),
                    "weekend_hours": round(load.weekend_hours, 2),
                    "pages": load.pages,
                    "night_pages": load.night_pages,
                    "acknowledged": load.acknowledged,
                    "median_seconds_to_ack": None
                    if load.median_ack_seconds is None
                    else round(load.median_ack_seconds),
                    "hours_balance": report.hours_balance,
                    "off_hours_balance": report.off_hours_balance,
                    "pages_balance": report.pages_balance,
                    "balance": report.balance,
                }
            )
    return rows


def fairness_csv(reports: list[FairnessReport]) -> str:
    """The rows as CSV with a header line; an empty median is an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FAIRNESS_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in fairness_rows(reports):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
