"""Acting from Slack: a button press or a ``/ondeck`` command (including ``declare``), as
the person whose Slack member ID it came from.

A member ID nobody (or more than one person) has as a Slack contact method acts for no
one: the attempt is recorded as refused, on the incident's timeline when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ondeck.services import actions, command
from ondeck.services.actions import Action, Outcome
from ondeck.services.errors import Refused
from ondeck.services.ports import Clock, Person, UnitOfWorkFactory

CHANNEL = "slack"


class UnknownSlackUser(Refused):
    """The Slack member is not (or not unambiguously) anyone in ondeck."""


@dataclass(frozen=True)
class Acted:
    person: Person
    outcome: Outcome


def member(
    *, uow: UnitOfWorkFactory, clock: Clock, member_id: str, shown_as: str, incident_id: int | None
) -> Person:
    """The person with Slack member ID ``member_id``; UnknownSlackUser (recorded as a
    refusal) when there is no such one person."""
    person = actions.sender(uow=uow, kind=CHANNEL, address=member_id)
    if person is not None:
        return person
    label = f"{shown_as} ({member_id})" if shown_as and shown_as != member_id else member_id
    reason = f"no ondeck user has Slack member ID {member_id} as a Slack contact method"
    actions.refuse(
        uow=uow,
        clock=clock,
        channel=CHANNEL,
        sender=label,
        reason=reason,
        incident_id=incident_id,
    )
    raise UnknownSlackUser(
        f"Slack user {member_id} is not known to ondeck: add {member_id} as a Slack contact "
        "method on your ondeck profile, then try again."
    )


def act(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    member_id: str,
    shown_as: str,
    incident_id: int,
    action: Action,
    snooze: timedelta | None = None,
) -> Acted:
    """Do ``action`` as the Slack member's person, recorded as via slack.

    Raises UnknownSlackUser (refusal recorded), NotFound, or InvalidTransition (nothing
    changed) like ``actions.act``.
    """
    person = member(
        uow=uow, clock=clock, member_id=member_id, shown_as=shown_as, incident_id=incident_id
    )
    outcome = actions.act(
        uow=uow,
        clock=clock,
        incident_id=incident_id,
        person=person,
        action=action,
        via=CHANNEL,
        snooze=snooze,
    )
    return Acted(person, outcome)


def declare(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    member_id: str,
    shown_as: str,
    incident_id: int,
    policy: command.Policy | None = None,
) -> command.CommandState:
    """Declare a major incident as the Slack member's person (``command.declare``: they
    become its incident manager unless someone already holds the role; the command centre
    opens and the declaration is announced). Raises UnknownSlackUser (refusal recorded),
    NotFound, Forbidden or InvalidTransition (nothing changed)."""
    person = member(
        uow=uow, clock=clock, member_id=member_id, shown_as=shown_as, incident_id=incident_id
    )
    return command.declare(
        uow=uow, clock=clock, incident_id=incident_id, actor=person, policy=policy
    )
