"""Who hears about the public status page's published updates: subscribe, confirm,
unsubscribe (no sign-in; the links are signed).

An email address must confirm (double opt-in): subscribing stores it unconfirmed and sends
it a confirmation email with a signed link valid for ``CONFIRM_WITHIN``; only once the
link is followed does it get updates. Asking again while unconfirmed sends a new link (the
older ones stop working), so a lapsed request is simply made again. A webhook URL needs no
confirmation (nobody reads a mailbox there) but must not point into ondeck's own network.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from ondeck.domain.contacts import address_problem
from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.domain.status_updates import private_webhook
from ondeck.services.command import BadInput
from ondeck.services.errors import NotFound
from ondeck.services.ports import (
    CalendarSigner,
    Channel,
    Clock,
    Delivery,
    Notice,
    Page,
    StatusSubscriberRecord,
    UnitOfWorkFactory,
)
from ondeck.services.status_updates import SUBSCRIBER_LINK

CONFIRM_LINK = "status-confirm"
"""The signer's ``kind`` for an email subscription's confirmation link."""
CONFIRM_WITHIN = timedelta(days=7)
STATUS_CONFIRM = "status_confirm"
"""The notice purpose of the confirmation email (public: nothing about any incident)."""


class NotSent(Exception):
    """The confirmation email could not be sent now; the request may simply be made again."""


@dataclass(frozen=True)
class Subscription:
    subscriber: StatusSubscriberRecord
    created: bool
    """False for a repeat request of an address already there."""
    confirmation_sent: bool
    """True when a confirmation email went out (a new or still unconfirmed email address)."""


def subscribe(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    address: str,
    signer: CalendarSigner,
    channels: dict[str, Channel],
    base_url: str,
    allow_private_webhooks: bool = False,
) -> Subscription:
    """Subscribe an email address or a webhook URL (http:// or https://).

    A webhook is subscribed at once (a repeat changes nothing). An email address is stored
    unconfirmed and sent a confirmation email; asking again while it is unconfirmed sends a
    fresh link, and asking again once confirmed changes nothing and sends nothing.
    BadInput("address") for anything else, and for a webhook on localhost or a non-public IP
    address unless ``allow_private_webhooks``. NotSent when the email server refused or
    could not be reached (the subscription stays unconfirmed; ask again later).
    """
    address = address.strip()
    kind = "webhook" if address.lower().startswith(("http://", "https://")) else "email"
    problem = address_problem(kind, address) if address else "must not be empty"
    private = kind == "webhook" and not allow_private_webhooks and private_webhook(address)
    if not problem and private:
        problem = f"{address!r} is not a public address"
    if problem:
        raise BadInput("address", f"address: {problem} (give an email address or a webhook URL)")
    now = clock.now()
    with uow() as work:
        subscriber_id, created = work.status.add_subscriber(
            kind, address, now, confirmed=kind == "webhook"
        )
        if not created:
            work.status.request_again(subscriber_id, now)
        record = work.status.subscriber(subscriber_id)
        work.commit()
    assert record is not None
    if record.confirmed:
        return Subscription(record, created, confirmation_sent=False)
    delivery = _send_confirmation(record, signer=signer, channels=channels, base_url=base_url)
    if not delivery.ok:
        raise NotSent("the confirmation email could not be sent just now; please try again later")
    return Subscription(record, created, confirmation_sent=True)


def confirm_url(
    *, signer: CalendarSigner, base_url: str, subscriber: StatusSubscriberRecord
) -> str:
    """The signed link that confirms ``subscriber``'s latest request (it is dated by it)."""
    issued = int(subscriber.created_at.timestamp())
    token = signer.token(kind=CONFIRM_LINK, owner_id=subscriber.id, generation=issued)
    return f"{base_url}/status/confirm/{subscriber.id}/{issued}/{token}"


def confirm(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    signer: CalendarSigner,
    subscriber_id: int,
    issued: int,
    token: str,
) -> StatusSubscriberRecord:
    """Confirm the subscription a signed link names; confirming again is harmless (the same
    subscriber comes back, unchanged). NotFound for a forged link, one replaced by a newer
    request, one older than ``CONFIRM_WITHIN`` or a subscriber gone since."""
    expected = signer.token(kind=CONFIRM_LINK, owner_id=subscriber_id, generation=issued)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise NotFound("this confirmation link is not valid")
    now = clock.now()
    with uow() as work:
        record = work.status.subscriber(subscriber_id)
        if record is None:
            raise NotFound("this confirmation link is not valid (the subscription was removed)")
        if record.confirmed:
            return record
        if int(record.created_at.timestamp()) != issued:
            raise NotFound("this confirmation link was replaced by a newer one: use the latest")
        if now - record.created_at > CONFIRM_WITHIN:
            raise NotFound("this confirmation link has expired: subscribe again for a new one")
        work.status.confirm_subscriber(subscriber_id, now)
        confirmed = work.status.subscriber(subscriber_id)
        work.commit()
    assert confirmed is not None
    return confirmed


def unsubscribe(
    *, uow: UnitOfWorkFactory, signer: CalendarSigner, subscriber_id: int, token: str
) -> StatusSubscriberRecord:
    """Remove the subscriber a signed unsubscribe link names; NotFound for a forged link or
    one already used (the two look the same from outside)."""
    expected = signer.token(kind=SUBSCRIBER_LINK, owner_id=subscriber_id, generation=0)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise NotFound("this unsubscribe link is not valid")
    with uow() as work:
        record = work.status.subscriber(subscriber_id)
        if record is None or not work.status.remove_subscriber(subscriber_id):
            raise NotFound("this unsubscribe link is not valid (or was used already)")
        work.commit()
    return record


def _send_confirmation(
    subscriber: StatusSubscriberRecord,
    *,
    signer: CalendarSigner,
    channels: dict[str, Channel],
    base_url: str,
) -> Delivery:
    """Send the confirmation email now (the outbox carries only incidents' messages)."""
    channel = channels.get("email")
    if channel is None:
        return Delivery(ok=False, permanent=True, detail="this server has no email channel")
    link = confirm_url(signer=signer, base_url=base_url, subscriber=subscriber)
    issued = int(subscriber.created_at.timestamp())
    notice = Notice(
        purpose=STATUS_CONFIRM,
        subject="Confirm your subscription to status updates",
        text="Someone, hopefully you, asked for this address to get the status page's "
        "updates by email. Follow the confirmation link to start getting them; it works "
        f"for {CONFIRM_WITHIN.days} days. If it was not you, ignore this email and nothing "
        "more will be sent.",
        url=f"{base_url}/status",
        confirm_url=link,
    )
    return channel.send(
        Page(
            message_id=0,
            idempotency_key=f"status-confirm:{subscriber.id}:{issued}",
            address=subscriber.address,
            recipient_name="",
            incident_number=0,
            incident_title="",
            service_name="",
            urgency=Urgency.LOW,
            status=IncidentStatus.RESOLVED,
            runbook_url="",
            incident_url=f"{base_url}/status",
            acknowledge_url="",
            resolve_url="",
            created_at=subscriber.created_at,
            details={},
            notice=notice,
        )
    )
