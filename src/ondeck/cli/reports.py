"""`ondeck report …`: how the on-call load was shared, as tables or CSV for spreadsheets."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ondeck.cli.common import container, out, read_time, refusals, say, window_before
from ondeck.services import reports, schedules
from ondeck.services.schedule_reads import get_schedule
from ondeck.services.schedules import FairnessReport, describe_span

report_app = typer.Typer(help="Reports on how on-call work was shared.", no_args_is_help=True)

REPORTED_BY_DEFAULT = timedelta(days=28)
LONGEST_REPORTED = timedelta(days=366)


def _hours(value: float) -> str:
    return f"{value:.1f}"


def _median(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def _table(item: FairnessReport, zone: str) -> Table:
    report = item.report
    table = Table(
        "person",
        "zone",
        "hours on call",
        "off-hours",
        "night",
        "weekend",
        "pages",
        "night pages",
        "acknowledged",
        "median to ack",
        title=f"{escape(report.schedule)}: balance {report.balance}/100 "
        f"(hours {report.hours_balance}, off-hours {report.off_hours_balance}, "
        f"pages {report.pages_balance})",
        caption=escape(describe_span(zone, report.start, report.end)),
    )
    for load in report.people:
        person = item.people.get(load.user)
        table.add_row(
            escape(f"{person.name} <{person.email}>" if person else f"user {load.user}"),
            escape(person.timezone if person else "UTC"),
            _hours(load.hours),
            _hours(load.off_hours),
            _hours(load.night_hours),
            _hours(load.weekend_hours),
            str(load.pages),
            str(load.night_pages),
            str(load.acknowledged),
            _median(load.median_ack_seconds),
        )
    return table


@report_app.command("fairness")
def fairness(
    schedule: Annotated[
        str | None,
        typer.Option(help="Only this schedule (default: every schedule)", show_default=False),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="ISO 8601 time or date; without an offset it is the schedule's wall-clock "
            "time (UTC without --schedule) (default: 28 days before --to)",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="End of the report (same forms as --from; default: now)",
            show_default=False,
        ),
    ] = None,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="Print CSV (one row per person and schedule) for spreadsheets"),
    ] = False,
) -> None:
    """How the on-call load was shared, per schedule and person.

    Hours on call (and the off-hours, nights and weekends among them, by each person's own
    clock), pages and time to acknowledge, and each schedule's balance: 100 when everyone
    carried the same, 0 when one person carried everything (the worst of hours, off-hours
    and pages).
    """
    read_time("--from", start)
    read_time("--to", end)
    c = container()
    zone = "UTC"
    if schedule is not None:
        with refusals():
            zone = get_schedule(uow=c.uow, ref=schedule).timezone
    first, last = window_before(
        start,
        end,
        zone,
        default_end=c.clock.now().replace(microsecond=0),
        default_length=REPORTED_BY_DEFAULT,
        longest=LONGEST_REPORTED,
    )
    with refusals():
        if schedule is None:
            found = schedules.fairness_reports(uow=c.uow, start=first, end=last)
        else:
            found = [schedules.fairness_report(uow=c.uow, ref=schedule, start=first, end=last)]
    if as_csv:
        sys.stdout.write(reports.fairness_csv(found))
        return
    if not found:
        say("no schedules to report on")
    for item in found:
        out.print(_table(item, zone))
