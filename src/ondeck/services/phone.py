"""Acting from a phone: SMS replies (``42a``), keypresses on a page's call and the delivery
reports a phone provider sends back. The provider's own wire format (signatures, TwiML)
stays behind ``PhoneWebhooks``; these use cases see plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.phone import (
    REPLY_HELP,
    keypress,
    parse_reply,
    receipt_outcome,
    shorten,
)
from ondeck.services import actions, delivery
from ondeck.services.actions import Action
from ondeck.services.errors import NotFound
from ondeck.services.ports import Clock, UnitOfWorkFactory


class PhoneWebhooks(Protocol):
    """A phone provider's side of its callbacks (Twilio's: signatures and TwiML)."""

    def verify(self, *, url: str, params: Mapping[str, str], signature: str) -> bool:
        """True when ``signature`` proves the provider sent ``params`` to the public
        ``url``; False when it is missing or wrong, or no secret is configured."""

    def message(self, text: str) -> str:
        """The answer to an inbound SMS that replies ``text``."""

    def speech(self, text: str, *, ask_again: str = "") -> str:
        """The answer to a keypress: say ``text``; with ``ask_again`` (the URL keys go to),
        prompt for a key once more."""


@dataclass(frozen=True)
class Answer:
    text: str
    """What to tell the person."""
    ask_again: bool = False
    """A call: the key meant nothing, prompt again."""


def sms_reply(*, uow: UnitOfWorkFactory, clock: Clock, sender: str, text: str) -> Answer:
    """Act on an SMS reply as the person whose phone number sent it.

    An unknown (or shared) number and an unreadable code are refused and recorded; an
    action that is not possible (resolving twice) is explained and changes nothing.
    """
    reply = parse_reply(text)
    person = actions.sender(uow=uow, kind="sms", address=sender) or actions.sender(
        uow=uow, kind="voice", address=sender
    )
    if person is None:
        actions.refuse(
            uow=uow,
            clock=clock,
            channel="sms",
            sender=sender,
            reason="the number belongs to nobody (or to several people)",
            incident_id=reply.incident_number if reply else None,
        )
        return Answer("ondeck does not know this number; nothing was done.")
    if reply is None:
        actions.refuse(
            uow=uow,
            clock=clock,
            channel="sms",
            sender=sender,
            reason=f"unreadable reply {shorten(text, 40)!r} from {person.email}",
        )
        return Answer(f"ondeck did not understand that. {REPLY_HELP}")
    return _act(
        uow=uow,
        clock=clock,
        incident_id=reply.incident_number,
        person_id=person.id,
        action=Action(reply.action.value),
        via="sms",
        sender=sender,
    )


def call_keypress(
    *, uow: UnitOfWorkFactory, clock: Clock, incident_id: int, user_id: int, digits: str
) -> Answer:
    """Act on a key pressed during a page's call; the provider vouches for the incident and
    person (they are in the signed callback URL). A key that means nothing asks again."""
    wanted = keypress(digits)
    if wanted is None:
        return Answer("That key does nothing.", ask_again=True)
    return _act(
        uow=uow,
        clock=clock,
        incident_id=incident_id,
        person_id=user_id,
        action=Action(wanted.value),
        via="voice",
        sender=f"user {user_id}",
    )


def _act(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    person_id: int,
    action: Action,
    via: str,
    sender: str,
) -> Answer:
    with uow(read_only=True) as work:
        person = work.directory.person(person_id)
    if person is None:
        actions.refuse(
            uow=uow,
            clock=clock,
            channel=via,
            sender=sender,
            reason=f"user {person_id} no longer exists",
            incident_id=incident_id,
        )
        return Answer("ondeck does not know you any more; nothing was done.")
    try:
        outcome = actions.act(
            uow=uow,
            clock=clock,
            incident_id=incident_id,
            person=person,
            action=action,
            via=via,
        )
    except NotFound:
        actions.refuse(
            uow=uow,
            clock=clock,
            channel=via,
            sender=sender,
            reason=f"{person.email} asked to {action.value} incident #{incident_id}, "
            "which does not exist",
        )
        return Answer(f"There is no incident #{incident_id}; nothing was done.")
    except InvalidTransition as error:
        return Answer(f"Nothing done: {error}")
    return Answer(outcome.summary)


def delivery_report(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    provider: str,
    kind: str,
    provider_ref: str,
    status: str,
    error_code: str = "",
) -> bool:
    """A provider's report on a message or call it accepted: delivered (or answered)
    marks it delivered; undelivered, failed, busy or unanswered fails it, and a page still
    paging moves to the person's next method. Interim states change nothing.

    Returns False when nothing was recorded (an interim state or an unknown reference).
    """
    outcome = receipt_outcome(status)
    if outcome is None or not provider_ref:
        return False
    detail = f"{provider} reports {status.strip().lower()}"
    if error_code:
        detail += f" (error {error_code})"
    return delivery.record_receipt(
        uow=uow,
        clock=clock,
        kind=kind,
        provider_ref=provider_ref,
        delivered=outcome,
        detail=detail,
    )
