"""`ondeck override …`: put someone on call for a window, above every layer of a schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ondeck.cli.common import (
    acting,
    checked_window,
    container,
    describe,
    in_zone,
    out,
    read_time,
    refusals,
    say,
)
from ondeck.services import schedule_changes
from ondeck.services.schedule_reads import get_schedule, list_overrides
from ondeck.services.schedules import describe_moment, describe_span

override_app = typer.Typer(
    help="Overrides: someone on call for a window, above every layer of a schedule.",
    no_args_is_help=True,
)

ScheduleOption = Annotated[str, typer.Option("--schedule", help="The schedule's name")]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Act as the user with this email (default: as an admin)", show_default=False
    ),
]
NO_END = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of a listing without --to: every override that has not ended."""
TIME_HELP = "ISO 8601 time or date; without an offset it is the schedule's wall-clock time"


@override_app.command("create")
def create(
    schedule: ScheduleOption,
    user: Annotated[str, typer.Option(help="Email of the person to put on call")],
    start: Annotated[str, typer.Option("--from", help=f"When the override begins: {TIME_HELP}")],
    end: Annotated[str, typer.Option("--to", help="When it ends (same forms)")],
    note: Annotated[str, typer.Option(help="Why, for the schedule's history")] = "",
    as_user: AsOption = None,
) -> None:
    """Put a person on call on a schedule from --from to --to, whatever the layers say."""
    begins, ends = read_time("--from", start), read_time("--to", end)
    c = container()
    actor = acting(c, as_user)
    with refusals():
        record = get_schedule(uow=c.uow, ref=schedule)
        created = schedule_changes.create_override(
            uow=c.uow,
            clock=c.clock,
            ref=record.id,
            user_email=user,
            start=in_zone(begins, record.timezone),
            end=in_zone(ends, record.timezone),
            actor=actor,
            note=note,
        )
    span = describe_span(record.timezone, created.start, created.end)
    say(f"override #{created.id}: {user.strip().lower()} is on call on {record.name!r} {span}")


@override_app.command("list")
def list_(
    schedule: ScheduleOption,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=f"List overrides that end after this: {TIME_HELP} (default: now)",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="…and begin before this (same forms as --from; default: no limit)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List a schedule's overrides (trades' included) that overlap --from to --to."""
    begins, ends = read_time("--from", start), read_time("--to", end)
    c = container()
    with refusals():
        record = get_schedule(uow=c.uow, ref=schedule)
    zone = record.timezone
    first = c.clock.now() if begins is None else in_zone(begins, zone)
    last = None if ends is None else in_zone(ends, zone)
    if last is not None:
        checked_window(first, last, zone, longest=timedelta.max)
    with refusals():
        found = list_overrides(uow=c.uow, ref=record.id, start=first, end=last or NO_END)
    if not found.overrides:
        say(f"no overrides on {record.name!r} from {describe(first, zone)}")
        return
    table = Table(
        "#",
        "on call",
        f"from ({zone})",
        f"to ({zone})",
        "note",
        "trade",
        "created by",
        title=f"Overrides of {escape(record.name)}",
    )
    for item in found.overrides:
        person = found.people.get(item.user_id)
        table.add_row(
            str(item.id),
            escape(f"{person.name} <{person.email}>" if person else f"user {item.user_id}"),
            describe_moment(zone, item.start),
            describe_moment(zone, item.end),
            escape(item.note),
            f"#{item.trade_id}" if item.trade_id is not None else "",
            escape(item.created_by),
        )
    out.print(table)


@override_app.command("remove")
def remove(
    override_id: Annotated[int, typer.Argument(metavar="ID", help="The override's number")],
    as_user: AsOption = None,
) -> None:
    """Take an override back (the person who made it, the person on it, or an admin).

    One that has begun ends now (who was on call stays history); one that is over cannot be
    removed.
    """
    c = container()
    actor = acting(c, as_user)
    with refusals():
        shortened = schedule_changes.remove_override(
            uow=c.uow, clock=c.clock, override_id=override_id, actor=actor
        )
    if shortened is None:
        say(f"override #{override_id} removed")
        return
    with refusals():
        record = get_schedule(uow=c.uow, ref=shortened.schedule_id)
    say(
        f"override #{override_id} had begun: it now ends at "
        f"{describe(shortened.end, record.timezone)} and stays as history "
        f"as override #{shortened.id}"
    )
