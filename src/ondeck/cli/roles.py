"""Incident roles from the command line: ``ondeck role INCIDENT ROLE EMAIL`` hands a role
over (``--remove`` takes a subject-matter expert off); ``ondeck roles INCIDENT`` lists them.

A bad role or email is ``error: …`` with exit status 2; any other refusal (not a
participant, a hand-off that changes nothing) exit status 1; nothing changes either way.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ondeck.cli.common import acting, container, fail, refusals, say
from ondeck.services import roles
from ondeck.services.command import BadInput
from ondeck.services.ports import RoleHolder

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email)")]


def register(app: typer.Typer) -> None:
    """Add the role commands to ``app``."""
    app.command("role")(hand_off)
    app.command("roles")(list_roles)


def _show(holders: list[RoleHolder]) -> None:
    if not holders:
        say("nobody holds a role")
    for holder in holders:
        say(
            f"{holder.role.label}: {holder.name} <{holder.email}> since "
            f"{holder.since:%Y-%m-%d %H:%M} UTC"
        )


def hand_off(
    incident: int,
    role: Annotated[
        str,
        typer.Argument(help="incident_manager, incident_engineer or subject_matter_expert"),
    ],
    email: Annotated[str, typer.Argument(help="Who gets the role (or loses it with --remove)")],
    remove: Annotated[
        bool, typer.Option("--remove", help="Take the subject-matter expert role from EMAIL")
    ] = False,
    as_user: AsUser = None,
) -> None:
    """Hand ROLE in INCIDENT to EMAIL (--remove: take an expert off).

    The incident manager's or engineer's role passes from its holder, who is told; experts
    are added. Only the incident's participants may."""
    c = container()
    actor = acting(c, as_user)
    with refusals():
        try:
            holders = roles.hand_off(
                uow=c.uow,
                clock=c.clock,
                incident_id=incident,
                actor=actor,
                role=role,
                user=email,
                remove=remove,
            )
        except BadInput as error:
            fail(str(error), code=2)
    _show(holders)


def list_roles(incident: int) -> None:
    """Who holds which role in INCIDENT."""
    c = container()
    with refusals():
        holders = roles.holders(uow=c.uow, incident_id=incident)
    _show(holders)
