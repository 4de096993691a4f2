"""`ondeck schedule …` and `ondeck user calendar`: reading schedules, checking them, their
calendar feeds, and asking people to join a rotation."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ondeck.cli.common import (
    CLI_ADMIN,
    container,
    describe,
    out,
    read_time,
    refusals,
    say,
    window,
)
from ondeck.domain.durations import format_duration
from ondeck.domain.rotation import describe_window
from ondeck.domain.schedule_checks import Finding, Level
from ondeck.domain.schedules import Shift
from ondeck.services import calendars, people, schedule_changes, schedules
from ondeck.services.ports import Consent, Person
from ondeck.services.schedule_reads import describe_source, get_schedule
from ondeck.services.schedules import LayerView, ScheduleView, describe_moment, describe_wall

schedule_app = typer.Typer(
    help="Schedules: who is on call when and why, checks, calendar feeds, inviting people.",
    no_args_is_help=True,
)

SHOWN_BY_DEFAULT = timedelta(days=14)
LONGEST_SHOWN = timedelta(days=366)

NameArgument = Annotated[
    str, typer.Argument(metavar="NAME", help="The schedule's name", show_default=False)
]


def _person(people_by_id: dict[int, Person], user_id: int) -> str:
    person = people_by_id.get(user_id)
    return f"{person.name} <{person.email}>" if person else f"user {user_id}"


def _name(people_by_id: dict[int, Person], user_id: int) -> str:
    person = people_by_id.get(user_id)
    return person.name if person else f"user {user_id}"


def _names(people_by_id: dict[int, Person]) -> dict[int, str]:
    return {uid: p.name for uid, p in people_by_id.items()}


def _restrictions(layer: LayerView) -> str:
    return "; ".join(describe_window(w) for w in layer.restrictions) or "always"


def _waiting(view: ScheduleView, layer: LayerView) -> str:
    return ", ".join(f"{_name(view.people, p)} ({state.value})" for p, state in layer.waiting)


def _now_line(view: ScheduleView, now: datetime, reason: str) -> str:
    """Who is on call now and why (from the shifts shown, else from ``reason``)."""
    if not view.on_call_now:
        return "on call now: nobody"
    current = next((s for s in view.final if s.start <= now < s.end), None)
    if current is not None:
        reason = describe_source(current.source, _names(view.people))
    why = f" ({reason})" if reason else ""
    return f"on call now: {_person(view.people, view.on_call_now[0])}{why}"


def _next_line(view: ScheduleView) -> str:
    if view.next_change is None:
        return "next: no change ahead"
    who = _person(view.people, view.on_call_next[0]) if view.on_call_next else "nobody"
    return f"next: {who} from {describe(view.next_change, view.timezone)}"


def _timeline(view: ScheduleView) -> list[tuple[datetime, datetime, Shift | None]]:
    """The shifts of the window with the gaps between them (None: nobody on call)."""
    rows: list[tuple[datetime, datetime, Shift | None]] = []
    cursor = view.start
    for shift in view.final:
        if shift.start > cursor:
            rows.append((cursor, shift.start, None))
        rows.append((shift.start, shift.end, shift))
        cursor = shift.end
    if cursor < view.end:
        rows.append((cursor, view.end, None))
    return rows


def _count(findings: tuple[Finding, ...] | list[Finding]) -> str:
    warnings = sum(1 for f in findings if f.level is Level.WARNING)
    notes = len(findings) - warnings
    parts = [f"{warnings} warning{'s' if warnings != 1 else ''}"] if warnings else []
    parts += [f"{notes} info"] if notes else []
    return ", ".join(parts) or "no problems found"


def _print_view(view: ScheduleView, now: datetime, reason: str) -> None:
    say(f"{view.name} ({view.timezone})")
    say(_now_line(view, now, reason))
    say(_next_line(view))
    shifts = Table(
        "from",
        "to",
        "on call",
        "why",
        title=f"Shifts {describe_moment(view.timezone, view.start)} – "
        f"{describe(view.end, view.timezone)}",
    )
    for start, end, shift in _timeline(view):
        shifts.add_row(
            describe_moment(view.timezone, start),
            describe_moment(view.timezone, end),
            escape(_person(view.people, shift.user)) if shift else "[red]nobody[/red]",
            escape(describe_source(shift.source, _names(view.people))) if shift else "",
        )
    out.print(shifts)
    layers = Table(
        "layer",
        "rotation",
        f"first handoff ({view.timezone})",
        "restricted to",
        "in turn order",
        "not opted in",
        title="Layers (lowest first; a higher layer wins where it has someone)",
    )
    for layer in view.layers:
        layers.add_row(
            escape(layer.name),
            format_duration(layer.turn),
            describe_wall(layer.start),
            _restrictions(layer),
            escape(", ".join(_name(view.people, p) for p in layer.participants) or "nobody"),
            escape(_waiting(view, layer) or "-"),
        )
    out.print(layers)
    hint = f" (ondeck schedule check {view.name!r})" if view.findings else ""
    say(f"checks: {_count(view.findings)}{hint}")


def _person_json(view: ScheduleView, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    person = view.people.get(user_id)
    return {"email": person.email if person else None, "name": _name(view.people, user_id)}


def _view_json(view: ScheduleView, now: datetime, reason: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "timezone": view.timezone,
        "from": view.start.isoformat(),
        "to": view.end.isoformat(),
        "now": now.isoformat(),
        "on_call_now": [_person_json(view, p) for p in view.on_call_now],
        "on_call_now_why": reason or None,
        "next_change": view.next_change.isoformat() if view.next_change else None,
        "on_call_next": [_person_json(view, p) for p in view.on_call_next],
        "shifts": [
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "on_call": _person_json(view, shift.user) if shift else None,
                "why": describe_source(shift.source, _names(view.people)) if shift else None,
                "source": {
                    "kind": shift.source.kind.value,
                    "layer": shift.source.layer or None,
                    "override": shift.source.override,
                    "trade": shift.source.trade,
                    "standing_in_for": _person_json(view, shift.source.standing_in_for),
                }
                if shift
                else None,
            }
            for start, end, shift in _timeline(view)
        ],
        "layers": [
            {
                "name": layer.name,
                "rotation": format_duration(layer.turn),
                "start": layer.start.isoformat(timespec="minutes"),
                "restrictions": [describe_window(w) for w in layer.restrictions],
                "participants": [_person_json(view, p) for p in layer.participants],
                "not_opted_in": [
                    {"person": _person_json(view, p), "state": state.value}
                    for p, state in layer.waiting
                ],
            }
            for layer in view.layers
        ],
        "findings": [{"level": f.level.value, "message": f.message} for f in view.findings],
    }


@schedule_app.command("show")
def show(
    name: NameArgument,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Start of the shifts shown: ISO 8601 time or date; without an offset it is "
            "the schedule's wall-clock time (default: now)",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="End of the shifts shown (same forms as --from; default: 14 days after --from)",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """Who is on call now and next, every shift in a window with why, and the layers."""
    read_time("--from", start)
    read_time("--to", end)
    c = container()
    with refusals():
        record = get_schedule(uow=c.uow, ref=name)
    now = c.clock.now()
    first, last = window(
        start,
        end,
        record.timezone,
        default_start=now,
        default_length=SHOWN_BY_DEFAULT,
        longest=LONGEST_SHOWN,
    )
    with refusals():
        view = schedules.view_schedule(
            uow=c.uow,
            ref=record.id,
            now=now,
            start=first,
            end=last,
            viewer=CLI_ADMIN,
            deliverable=c.deliverable,
        )
        current = people.who_is_on_call(uow=c.uow, at=now, schedule_name=record.name)
    reason = current[0].reason if current else ""
    if as_json:
        sys.stdout.write(json.dumps(_view_json(view, now, reason), indent=2) + "\n")
    else:
        _print_view(view, now, reason)


@schedule_app.command("check")
def check(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]",
            help="The schedule's name (default: every schedule)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check schedules for problems in the next four weeks; exit status 1 on any warning.

    Warnings: gaps with nobody on call, layers of fewer than three people, someone on call
    more than the schedule allows, people no page would reach. Notes: people listed but not
    opted in, stand-ins for absences ahead, trades the rotation no longer matches. The exit
    status is 1 when there is any warning (so it can gate CI), 0 otherwise.
    """
    c = container()
    now = c.clock.now()
    with refusals():
        if name is None:
            results = schedules.check_all(uow=c.uow, now=now, deliverable=c.deliverable)
        else:
            results = [
                schedules.check_schedule(uow=c.uow, ref=name, now=now, deliverable=c.deliverable)
            ]
    if not results:
        say("no schedules to check")
    for record, findings in results:
        say(f"{record.name}: {_count(findings)}")
        for finding in findings:
            colour = "red" if finding.level is Level.WARNING else "blue"
            out.print(
                f"  [{colour}]{finding.level.value}:[/{colour}] {escape(finding.message)}",
                highlight=False,
                soft_wrap=True,
            )
    if any(f.level is Level.WARNING for _, found in results for f in found):
        raise typer.Exit(1)


def _feed_url(base_url: str, kind: str, owner_id: int, token: str) -> str:
    return f"{base_url.rstrip('/')}/calendars/{kind}s/{owner_id}.ics?token={token}"


@schedule_app.command("calendar")
def schedule_calendar(name: NameArgument) -> None:
    """Print the schedule's calendar feed URL (iCal).

    Anyone with the link can read the schedule's shifts: share it as you would a password.
    """
    c = container()
    with refusals():
        record = get_schedule(uow=c.uow, ref=name)
        token = calendars.link_token(
            uow=c.uow, signer=c.calendars, kind="schedule", owner_id=record.id
        )
    sys.stdout.write(_feed_url(c.settings.base_url, "schedule", record.id, token) + "\n")


def user_calendar(
    email: Annotated[
        str, typer.Argument(metavar="EMAIL", help="The user's email", show_default=False)
    ],
) -> None:
    """Print the calendar feed URL (iCal) of a user's shifts in every schedule.

    Anyone with the link can read the user's shifts: share it as you would a password.
    """
    c = container()
    with refusals():
        person = people.person_by_email(uow=c.uow, email=email)
        token = calendars.link_token(uow=c.uow, signer=c.calendars, kind="user", owner_id=person.id)
    sys.stdout.write(_feed_url(c.settings.base_url, "user", person.id, token) + "\n")


@schedule_app.command("invite")
def invite(
    name: NameArgument,
    layer: Annotated[str, typer.Option(help="The layer (rotation) to join", show_default=False)],
    user: Annotated[str, typer.Option(help="Email of the person invited", show_default=False)],
) -> None:
    """Invite someone to a layer of a schedule (they join once they opt in).

    They are listed in the layer at once but left out of its rotation until they opt in on
    the schedule's page, or an admin records their consent (`ondeck schedule consent`).
    """
    c = container()
    with refusals():
        change = schedule_changes.invite(
            uow=c.uow, clock=c.clock, ref=name, layer=layer, user_email=user, actor=CLI_ADMIN
        )
    if change.state is Consent.CONSENTED:
        say(f"{change.user} is in layer {layer!r} of {change.schedule!r} (already opted in)")
    else:
        say(
            f"invited {change.user} to layer {layer!r} of {change.schedule!r}; "
            "they join the rotation once they opt in"
        )


@schedule_app.command("consent")
def consent(
    name: NameArgument,
    user: Annotated[str, typer.Option(help="Email of the person who agreed", show_default=False)],
    note: Annotated[
        str,
        typer.Option(
            help="How they agreed, e.g. 'agreed in our 1:1 on 20 Nov'", show_default=False
        ),
    ],
) -> None:
    """Record that someone listed in the schedule agreed to be on call.

    They join the schedule's rotations at once; the note goes on the schedule's history.
    """
    c = container()
    with refusals():
        change = schedule_changes.record_consent(
            uow=c.uow, clock=c.clock, ref=name, user_email=user, actor=CLI_ADMIN, note=note
        )
    say(f"{change.user} is now in the rotations of {change.schedule!r} (consent recorded)")
