"""`ondeck away …`: leave (away from every schedule) and exemptions (from one schedule or one
layer of it). Someone away hands their turns to the next available person in the rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ondeck.cli.common import (
    CLI_ADMIN,
    acting,
    container,
    fail,
    in_zone,
    out,
    read_time,
    refusals,
    say,
)
from ondeck.domain.schedules import AwayKind
from ondeck.services import people, schedule_changes
from ondeck.services.ports import AbsenceRecord, Person, ScheduleRecord
from ondeck.services.schedule_reads import get_schedule, list_absences
from ondeck.services.schedules import describe_moment, describe_span

away_app = typer.Typer()
"""Its help is the docstring of ``away``, which marks someone away when no subcommand is given."""

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Act as the user with this email (default: as an admin)", show_default=False
    ),
]


def _when(start: datetime | None, end: datetime | None, zone: str) -> str:
    if start is not None and end is not None:
        return describe_span(zone, start, end)
    if end is not None:
        return f"until {describe_moment(zone, end)} {zone}"
    if start is not None:
        return f"from {describe_moment(zone, start)} {zone} until further notice"
    return "until further notice"


@away_app.callback(invoke_without_command=True)
def away(
    context: typer.Context,
    user: Annotated[
        str | None, typer.Option(help="Email of the person away", show_default=False)
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="ISO 8601 time or date; without an offset it is the wall-clock time of the "
            "schedule (with --schedule) or of the person (default: now)",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="When they are back (same forms as --from); leave from every schedule needs it "
            "(default: until further notice, allowed with --schedule only)",
            show_default=False,
        ),
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option(
            help="Exempt them from this schedule only (default: on leave from every schedule)"
        ),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(help="…and only from this layer of it (needs --schedule)"),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Why; only admins and the person can read it", show_default=False),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Mark someone away (on leave, or exempt from a schedule); list or remove absences.

    Without --schedule they are on leave from every schedule from --from to --to (--to is
    needed); with --schedule they are exempt from that schedule (or one --layer of it),
    possibly open-ended. Their turns go to the next available person in each rotation.
    `ondeck away list` and `ondeck away remove ID` list and take back absences.
    """
    given = [
        option
        for option, value in (
            ("--user", user),
            ("--from", start),
            ("--to", end),
            ("--schedule", schedule),
            ("--layer", layer),
            ("--reason", reason),
            ("--as", as_user),
        )
        if value is not None
    ]
    if context.invoked_subcommand is not None:
        if given:
            fail(
                f"{given[0]} belongs to `ondeck away` itself, "
                f"not to `ondeck away {context.invoked_subcommand}`",
                2,
            )
        return
    if not given:
        say(context.get_help())
        raise typer.Exit(2)
    if user is None or reason is None:
        missing = " and ".join(o for o, v in (("--user", user), ("--reason", reason)) if v is None)
        fail(f"ondeck away needs {missing} (see ondeck away --help)", 2)
    if layer is not None and schedule is None:
        fail("--layer needs --schedule: a layer belongs to a schedule", 2)
    begins, ends = read_time("--from", start), read_time("--to", end)
    c = container()
    actor = acting(c, as_user)
    with refusals():
        if schedule is not None:
            record = get_schedule(uow=c.uow, ref=schedule)
            zone, ref = record.timezone, record.id
        else:
            zone, ref = people.person_by_email(uow=c.uow, email=user).timezone, None
        created = schedule_changes.add_absence(
            uow=c.uow,
            clock=c.clock,
            actor=actor,
            user_email=user,
            start=None if begins is None else in_zone(begins, zone),
            end=None if ends is None else in_zone(ends, zone),
            reason=reason,
            ref=ref,
            layer=layer,
        )
    if created.kind is AwayKind.LEAVE:
        what = "is on leave from every schedule"
    elif layer is not None:
        what = f"is exempt from layer {layer!r} of {schedule!r}"
    else:
        what = f"is exempt from {schedule!r}"
    when = _when(created.start, created.end, zone)
    say(f"absence #{created.id}: {user.strip().lower()} {what} {when}")


def _where(absence: AbsenceRecord, schedules: dict[int, ScheduleRecord]) -> str:
    if absence.schedule_id is None:
        return "every schedule (leave)"
    name = repr(schedules[absence.schedule_id].name)
    return f"layer {absence.layer!r} of {name}" if absence.layer else name


def _zone(
    absence: AbsenceRecord, schedules: dict[int, ScheduleRecord], person: Person | None
) -> str:
    """Times of an exemption are on its schedule's clock, times of leave on the person's."""
    if absence.schedule_id is not None:
        return schedules[absence.schedule_id].timezone
    return person.timezone if person else "UTC"


@away_app.command("list")
def list_(
    user: Annotated[
        str | None,
        typer.Option(
            help="Only the absences of the user with this email (default: everyone's)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List leave and exemptions that have not ended, with their reasons."""
    c = container()
    with refusals():
        listing = list_absences(uow=c.uow, now=c.clock.now(), viewer=CLI_ADMIN, user_email=user)
        schedules = {
            sid: get_schedule(uow=c.uow, ref=sid)
            for sid in {a.schedule_id for a in listing.absences if a.schedule_id is not None}
        }
    if not listing.absences:
        say("nobody is away" if user is None else f"{user} is not away")
        return
    table = Table("#", "who", "away from", "from", "until", "zone", "reason")
    for absence in listing.absences:
        person = listing.people.get(absence.user_id)
        zone = _zone(absence, schedules, person)
        table.add_row(
            str(absence.id),
            escape(f"{person.name} <{person.email}>" if person else f"user {absence.user_id}"),
            escape(_where(absence, schedules)),
            describe_moment(zone, absence.start) if absence.start else "-",
            describe_moment(zone, absence.end) if absence.end else "further notice",
            zone,
            escape(absence.reason),
        )
    out.print(table)


@away_app.command("remove")
def remove(
    absence_id: Annotated[int, typer.Argument(metavar="ID", help="The absence's number")],
    as_user: AsOption = None,
) -> None:
    """Take an absence back: the person is available again in their rotations."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        schedule_changes.remove_absence(
            uow=c.uow, clock=c.clock, absence_id=absence_id, actor=actor
        )
    say(f"absence #{absence_id} removed")
