"""`ondeck contact …`: how people are reached: contact methods, test notifications,
notification rules per urgency and working hours.

Commands act as an admin, or as the person ``--as`` names (who may change only their own).
A refusal is ``error: …`` and exit 1; an option that cannot be read, exit 2.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ondeck.cli.common import acting, container, fail, out, refusals, say
from ondeck.domain.durations import parse_duration
from ondeck.domain.errors import InvalidDuration
from ondeck.domain.model import Urgency
from ondeck.domain.working_hours import window_text
from ondeck.services import contacts, people
from ondeck.services.contacts import ContactsView, RuleChange
from ondeck.services.ports import ContactRecord
from ondeck.services.schedules import describe_moment

contact_app = typer.Typer(
    help="Contact methods, test notifications, notification rules and working hours.",
    no_args_is_help=True,
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Act as the user with this email (default: as an admin)", show_default=False
    ),
]
EmailArgument = Annotated[str, typer.Argument(metavar="EMAIL", help="The person's email")]
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The contact method's number")]


def _view(email: str, as_user: str | None) -> ContactsView:
    c = container()
    actor = acting(c, as_user)
    with refusals():
        person = people.person_by_email(uow=c.uow, email=email)
        return contacts.view(uow=c.uow, actor=actor, user_id=person.id, deliverable=c.deliverable)


def _outcome(ok: bool | None, detail: str, at: str) -> str:
    if ok is None:
        return "-"
    return f"{'ok' if ok else 'FAILED'} {at}: {detail}"


def _row(method: ContactRecord, timezone: str) -> list[str]:
    test = page = "-"
    if method.tested_at is not None:
        test = _outcome(
            method.test_ok, method.test_detail, describe_moment(timezone, method.tested_at)
        )
    if method.delivered_at is not None:
        page = _outcome(
            method.delivered_ok,
            method.delivery_detail,
            describe_moment(timezone, method.delivered_at),
        )
    return [str(method.id), method.kind, method.address, method.label, test, page]


@contact_app.command("list")
def list_(email: EmailArgument, as_user: AsOption = None) -> None:
    """A person's contact methods in their order, with their last test and last page."""
    found = _view(email, as_user)
    zone = found.person.timezone
    if found.methods:
        table = Table(
            "#",
            "type",
            "address",
            "label",
            f"last test ({zone})",
            f"last page ({zone})",
            title=f"Contact methods of {escape(found.person.name)}",
        )
        for method in found.methods:
            table.add_row(*(escape(cell) for cell in _row(method, zone)))
        out.print(table)
    else:
        say(f"{found.person.name} has no contact methods")
    if found.unreachable:
        say(f"warning: no working contact method: {found.unreachable}")


@contact_app.command("add")
def add(
    email: EmailArgument,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="TYPE", help="email, sms, voice, slack, teams, mattermost, ntfy or webhook"
        ),
    ],
    address: Annotated[str, typer.Argument(help="Where: +447700900123, a URL, a Slack ID...")],
    label: Annotated[str, typer.Option(help="A name to tell methods apart")] = "",
    as_user: AsOption = None,
) -> None:
    """Add a contact method after the person's others (then try it with `contact test`)."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        person = people.person_by_email(uow=c.uow, email=email)
        added = contacts.add_method(
            uow=c.uow, actor=actor, user_id=person.id, kind=kind, address=address, label=label
        )
    say(f"contact method #{added.id} added for {person.name}: {contacts.method_name(added)}")


@contact_app.command("remove")
def remove(contact_id: IdArgument, as_user: AsOption = None) -> None:
    """Remove a contact method, and the notification rules that use it."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        removed = contacts.remove_method(uow=c.uow, actor=actor, contact_id=contact_id)
    say(contacts.removal_text(removed))


@contact_app.command("test")
def test(contact_id: IdArgument, as_user: AsOption = None) -> None:
    """Send a test notification now; exit 1 when the provider did not take it."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        outcome = contacts.send_test(
            uow=c.uow,
            clock=c.clock,
            channels=c.channels,
            base_url=c.settings.base_url,
            actor=actor,
            contact_id=contact_id,
        )
    name = contacts.method_name(outcome.method)
    if not outcome.delivery.ok:
        fail(f"test notification to {name} failed: {outcome.delivery.detail}")
    say(f"test notification sent to {name}: {outcome.delivery.detail}")


def _rule(text: str, urgency: Urgency, methods: list[ContactRecord]) -> RuleChange:
    """``REF`` or ``REF:DELAY`` (``mobile:2m``, ``#3:30s``); a URL keeps its own colons."""
    reference, _, after = text.rpartition(":")
    try:
        delay = parse_duration(after) if reference else timedelta(0)
    except InvalidDuration:
        reference, delay = text, timedelta(0)
    with refusals(f"--{urgency.value} {text!r}: "):
        method = contacts.find_method(methods, reference or text)
    return RuleChange(method.id, delay, urgency)


def _show_rules(found: ContactsView) -> None:
    say(f"Notification rules of {found.person.name}:")
    for urgency in Urgency:
        say(f"  {urgency.value} urgency:")
        listed = contacts.rules_for(found.rules, urgency)
        for rule in listed:
            say(f"    {contacts.rule_text(rule, found.methods)}")
        if not listed:
            say(f"    {contacts.default_text(urgency)}")


@contact_app.command("rules")
def rules(
    email: EmailArgument,
    high: Annotated[
        list[str] | None,
        typer.Option(
            help="A high-urgency rule, METHOD[:DELAY] (repeat, in order): `mobile:2m`; METHOD "
            "is a number, label, type or address",
            show_default=False,
        ),
    ] = None,
    low: Annotated[
        list[str] | None,
        typer.Option(help="A low-urgency rule, the same way", show_default=False),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove every rule (the defaults apply)")
    ] = False,
    as_user: AsOption = None,
) -> None:
    """Show a person's notification rules, or replace them with --high and --low ones."""
    found = _view(email, as_user)
    if not (high or low or clear):
        _show_rules(found)
        return
    if clear and (high or low):
        fail("--clear removes every rule; give it alone, or give --high and --low", 2)
    methods = list(found.methods)
    changes = [_rule(text, Urgency.HIGH, methods) for text in high or ()]
    changes += [_rule(text, Urgency.LOW, methods) for text in low or ()]
    c = container()
    actor = acting(c, as_user)
    with refusals():
        contacts.set_rules(uow=c.uow, actor=actor, user_id=found.person.id, rules=changes)
    _show_rules(_view(email, as_user))


@contact_app.command("hours")
def hours(
    email: EmailArgument,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A working-hours window in the person's zone (repeat): 'Mon-Fri 09:00-17:00'",
            show_default=False,
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove their own hours (their team's apply)")
    ] = False,
    low_urgency: Annotated[
        str | None,
        typer.Option(
            help="working_hours (low urgency waits for them) or anytime", show_default=False
        ),
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Show a person's working hours, or change them (--set, --clear, --low-urgency)."""
    found = _view(email, as_user)
    current = found.hours
    if set_ or clear or low_urgency is not None:
        if clear and set_:
            fail("--clear removes their hours; give it or --set, not both", 2)
        windows = [window_text(w) for w in current.stored.own]
        if set_ is not None or clear:
            windows = list(set_ or ())
        c = container()
        actor = acting(c, as_user)
        with refusals():
            current = contacts.set_hours(
                uow=c.uow,
                actor=actor,
                user_id=found.person.id,
                working_hours=windows,
                low_urgency=low_urgency or current.stored.low_urgency,
            )
    source = {"own": "their own", "team": f"from team {current.team}", "default": "the default"}
    shown = "; ".join(window_text(w) for w in current.windows)
    whose = source[current.source]
    say(f"Working hours of {found.person.name} ({current.timezone}): {shown} ({whose})")
    if current.anytime:
        say("Low-urgency pages come at any time.")
    else:
        say("Low-urgency pages wait for working hours.")
