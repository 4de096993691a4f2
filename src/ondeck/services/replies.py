"""Acknowledge by email reply: a reply to a page email acts on its incident as its sender.

Page emails carry ``Reply-To: local+<token>@domain``; the token (signed, see ``ReplySigner``)
names the incident and the person paged. A reply acts only when its token is genuine, its
sender's address belongs to that very person, and its first line is a command (see
``domain.replies``). Everything else is refused and recorded (``actions.refuse``), on the
incident's timeline too when the token names a real incident, so a stranger's attempt is
seen rather than silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.replies import parse_reply
from ondeck.services import actions
from ondeck.services.errors import NotFound
from ondeck.services.ports import Clock, InvalidLink, ReplySigner, UnitOfWorkFactory

VIA = "email reply"
CHANNEL = "email"
NO_COMMAND = "no command found: reply with ack, resolve, escalate or snooze"
NO_TOKEN = "this address only takes replies to ondeck page emails"
FORGED = "this reply address is not valid (forged or mistyped)"
NOT_RECIPIENT = "{sender} is not the person this page was sent to"


@dataclass(frozen=True)
class ReplyResult:
    accepted: bool
    reason: str
    """One line for the sender: what was done ("Acknowledged #42 (db down)") or why not."""
    incident_id: int | None = None
    """The incident the reply was about, when its token was genuine."""


def reply_token(recipients: list[str]) -> str | None:
    """The token of the first recipient with a plus-address (``local+TOKEN@domain``)."""
    for recipient in recipients:
        local = parseaddr(recipient)[1].rpartition("@")[0]
        _, plus, token = local.partition("+")
        if plus and token:
            return token
    return None


def handle_email_reply(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    replies: ReplySigner,
    recipients: list[str],
    sender: str,
    body: str,
) -> ReplyResult:
    """Act on the incident a reply's token names, as the person who sent it.

    ``recipients`` are the envelope recipients, ``sender`` the address the reply is from and
    ``body`` its plain text. Accepted when the action was done, or had already been done
    (acknowledging twice); otherwise refused with the reason, which is recorded. Never
    raises for anything the sender got wrong.
    """
    address = parseaddr(sender)[1].strip() or sender.strip()

    def refused(reason: str, incident_id: int | None = None) -> ReplyResult:
        actions.refuse(
            uow=uow,
            clock=clock,
            channel=CHANNEL,
            sender=address or "(no sender)",
            reason=reason,
            incident_id=incident_id,
        )
        return ReplyResult(False, reason, incident_id)

    token = reply_token(recipients)
    if token is None:
        return refused(NO_TOKEN)
    try:
        incident_id, user_id = replies.read_reply_token(token)
    except InvalidLink:
        return refused(FORGED)
    person = actions.sender(uow=uow, kind="email", address=address) if address else None
    if person is None or person.id != user_id:
        return refused(NOT_RECIPIENT.format(sender=address or "the sender"), incident_id)
    command = parse_reply(body)
    if command is None:
        return refused(NO_COMMAND, incident_id)
    try:
        outcome = actions.act(
            uow=uow,
            clock=clock,
            incident_id=incident_id,
            person=person,
            action=actions.Action(command.action.value),
            via=VIA,
            snooze=command.snooze,
        )
    except (NotFound, InvalidTransition) as error:
        return refused(str(error), incident_id)
    return ReplyResult(True, outcome.summary, incident_id)
