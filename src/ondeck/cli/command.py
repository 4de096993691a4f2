"""Running a major incident from the command line: ``declare``, ``stage``, ``can``, ``loss``,
``bridge``, ``follow`` and ``unfollow``.

Each acts as ``--as EMAIL`` (default: the CLI's admin) and prints the outcome in one or a
few lines; a refusal is ``error: …`` with exit status 1 and nothing changed (bad input to
``declare --bridge``, ``bridge``, ``follow`` and ``unfollow``: exit status 2).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ondeck.cli.common import acting, container, fail, refusals, say
from ondeck.services import command, command_centre
from ondeck.services.command import CommandState

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email)")]


def register(app: typer.Typer) -> None:
    """Add the incident command commands to ``app``."""
    app.command()(declare)
    app.command()(stage)
    app.command("can")(can_report)
    app.command()(loss)
    app.command()(bridge)
    app.command()(follow)
    app.command()(unfollow)


def _show(state: CommandState) -> None:
    record = state.command
    severity = record.severity.value if record.severity else "not set"
    response = record.response.value if record.response else "not set"
    say(
        f"incident #{state.incident.number} is a major incident in {record.stage.value}; "
        f"manager {state.manager or 'none'}, engineer {state.engineer or 'none'}; "
        f"severity {severity} ({response})"
    )
    todo = [item.value for item, done in state.checklist if not done]
    if todo:
        say(f"to do before moving on: {', '.join(todo)}")
    late = " (overdue)" if state.can_overdue else ""
    say(f"next CAN report due {record.next_can_due:%Y-%m-%d %H:%M} UTC{late}")


def declare(
    number: int,
    as_user: AsUser = None,
    manager: Annotated[
        str | None, typer.Option(help="Incident manager's email (default: who declares)")
    ] = None,
    engineer: Annotated[str | None, typer.Option(help="Incident engineer's email")] = None,
    bridge: Annotated[
        str | None,
        typer.Option(help='Conference bridge URL (default: the organisation\'s; "" for none)'),
    ] = None,
) -> None:
    """Declare incident NUMBER a major incident (it starts in Detect).

    The declaration is announced on the organisation's announcement channel."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        try:
            state = command.declare(
                uow=c.uow,
                policy=c.command_policy,
                clock=c.clock,
                incident_id=number,
                actor=actor,
                manager=manager,
                engineer=engineer,
                bridge=bridge,
            )
        except command.BadInput as error:
            fail(str(error), 2)
    _show(state)
    if state.bridge_url:
        say(f"bridge: {state.bridge_url}")


def stage(
    number: int,
    to: Annotated[str, typer.Argument(metavar="STAGE", help="detect … action_items")],
    as_user: AsUser = None,
    reason: Annotated[
        str, typer.Option(help="Why, when skipping checklist items or going back")
    ] = "",
    expert: Annotated[
        list[str] | None, typer.Option(help="A subject-matter expert to page (repeat)")
    ] = None,
    rca_owner: Annotated[str | None, typer.Option(help="Who leads the RCA")] = None,
) -> None:
    """Move major incident NUMBER to STAGE."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        state = command.change_stage(
            uow=c.uow,
            clock=c.clock,
            incident_id=number,
            actor=actor,
            stage=to,
            reason=reason,
            experts=expert,
            rca_owner=rca_owner,
        )
    _show(state)


def can_report(
    number: int,
    conditions: Annotated[str, typer.Option(help="What is happening")],
    actions: Annotated[str, typer.Option(help="What is being done")],
    needs: Annotated[str, typer.Option(help="What is needed")],
    as_user: AsUser = None,
) -> None:
    """Post a CAN report (Conditions, Actions, Needs) on major incident NUMBER."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        report = command.post_can_report(
            uow=c.uow,
            policy=c.command_policy,
            clock=c.clock,
            incident_id=number,
            actor=actor,
            conditions=conditions,
            actions=actions,
            needs=needs,
        )
    say(f"CAN report {report.id} posted; the next is due {report.next_due:%Y-%m-%d %H:%M} UTC")


def loss(
    number: int,
    as_user: AsUser = None,
    cost: Annotated[float, typer.Option(help="Cost incurred per hour")] = 0.0,
    revenue: Annotated[float, typer.Option(help="Revenue lost per hour")] = 0.0,
    users: Annotated[int, typer.Option(help="Users affected")] = 0,
    security: Annotated[bool, typer.Option(help="Users affected by a security incident")] = False,
    journey: Annotated[
        str, typer.Option(help="The user journey: blocked, degraded or unaffected")
    ] = "unaffected",
    note: Annotated[str, typer.Option(help="Where the numbers come from")] = "",
) -> None:
    """Estimate the loss of major incident NUMBER: sets its severity and response method."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        estimate = command.add_loss_estimate(
            uow=c.uow,
            policy=c.command_policy,
            clock=c.clock,
            incident_id=number,
            actor=actor,
            cost_per_hour=cost,
            revenue_per_hour=revenue,
            users_affected=users,
            security_impact=security,
            journey=journey,
            note=note,
        )
    say(f"severity {estimate.severity.value}: {estimate.response.value.replace('_', ' ')}")


def bridge(
    number: int,
    url: Annotated[str, typer.Argument(help='The bridge URL; "" removes it')],
    as_user: AsUser = None,
) -> None:
    """Set the conference bridge of major incident NUMBER."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        try:
            state = command.set_bridge(
                uow=c.uow, clock=c.clock, incident_id=number, actor=actor, url=url
            )
        except command.BadInput as error:
            fail(str(error), 2)
    say(f"incident #{state.incident.number} bridge: {state.bridge_url or 'none'}")


FollowUser = Annotated[
    str | None, typer.Option("--user", help="Who follows (email; default: --as)")
]


def follow(number: int, user: FollowUser = None, as_user: AsUser = None) -> None:
    """Follow incident NUMBER: get its CAN reports by email (never its pages)."""
    _following(number, user, as_user, on=True)


def unfollow(number: int, user: FollowUser = None, as_user: AsUser = None) -> None:
    """Stop following incident NUMBER."""
    _following(number, user, as_user, on=False)


def _following(number: int, user: str | None, as_user: str | None, *, on: bool) -> None:
    if user is None and as_user is None:
        fail("name who follows: --user EMAIL (or act as them with --as EMAIL)", 2)
    c = container()
    actor = acting(c, as_user)
    change = command_centre.follow if on else command_centre.unfollow
    with refusals():
        found = change(uow=c.uow, clock=c.clock, incident_id=number, actor=actor, email=user or "")
    who = ", ".join(s.email for s in found) or "nobody"
    say(f"incident #{number} is followed by {who}")
