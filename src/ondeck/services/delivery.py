"""The paging guarantee's second half: deliver the outbox, fail over, control storms.

Messages are claimed as ``sending`` with a deadline before the provider is called; the
outcome is recorded in a second transaction. Storm control decides at the claim which
messages go, which wait, and which ride in another message's bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ondeck.domain import storm
from ondeck.domain.model import IncidentStatus
from ondeck.services import timeline
from ondeck.services.notices import ANNOUNCEMENT, PAGE, is_notice
from ondeck.services.ports import (
    Channel,
    Clock,
    Delivery,
    IncidentRecord,
    LinkSigner,
    NewMessage,
    NewTimelineEntry,
    Notice,
    OutboxMessage,
    Page,
    PageItem,
    Person,
    ReplySigner,
    UnitOfWork,
    UnitOfWorkFactory,
)

MESSAGE_BATCH = 100
RETRY_BASE = timedelta(seconds=2)
RETRY_CAP = timedelta(minutes=2)


def claim_messages(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    sending_timeout: timedelta,
    limit: int = MESSAGE_BATCH,
    storm_limit: storm.Limit | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages; each stays claimed until ``sending_timeout`` passes.

    Claim only what can be handed to a provider now: a message still waiting when its
    deadline passes is claimed and sent again by another engine. With ``storm_limit``, the
    messages returned are the ones to send: a page over a person's limit on a channel is
    held, and the next message that goes to them carries every held page (a bundle).
    """
    with uow() as work:
        now = clock.now()
        claimed = work.paging.claim_due_messages(
            now, min(limit, MESSAGE_BATCH), deadline=now + sending_timeout
        )
        if storm_limit is not None and claimed:
            claimed = _control_storm(work, claimed, storm_limit, now)
        work.commit()
        return claimed


def _control_storm(
    work: UnitOfWork, claimed: list[OutboxMessage], limit: storm.Limit, now: datetime
) -> list[OutboxMessage]:
    """Send what fits each person's limit; hold the rest; fold held pages into the next
    message that goes to the same person and address (a bundle). Only pages are limited:
    announcements and notices always go."""
    groups: dict[tuple[int, str, str], list[OutboxMessage]] = {}
    carriers: list[OutboxMessage] = []
    for message in claimed:
        if message.purpose != PAGE or message.user_id is None:
            carriers.append(message)
            continue
        groups.setdefault((message.user_id, message.kind, message.address), []).append(message)
    sent_by_channel: dict[tuple[int, str], list[datetime]] = {}
    held_channels: set[tuple[int, str]] = set()
    batch = [message.id for message in claimed]
    entries: list[NewTimelineEntry] = []
    for (user_id, kind, _address), group in groups.items():
        sent = sent_by_channel.setdefault(
            (user_id, kind),
            work.paging.recent_sends(
                user_id, kind, now - limit.window, now, most=limit.count, excluding=batch
            ),
        )
        person = work.directory.person(user_id)
        who = person.name if person else f"user {user_id}"
        carrier: OutboxMessage | None = None
        carried: dict[int, list[OutboxMessage]] = {}  # each carrier here and what it bundles
        for message in group:
            if carrier is not None and (carrier.held or message.held):
                work.paging.bundle_into(carrier.id, [message.id])
                carried[carrier.id].append(message)
                continue
            release = storm.release_at(sent, limit, now)
            if release is None:
                sent.append(now)
                carrier = message
                carriers.append(message)
                carried[message.id] = work.paging.bundle_held(message)
            elif carrier is not None:
                work.paging.bundle_into(carrier.id, [message.id])
                carried[carrier.id].append(message)
            else:
                if work.paging.hold(message.id, until=release, now=now):
                    entries.append(_held_entry(message, who, len(sent), limit, release, now))
                if (user_id, kind) not in held_channels:
                    held_channels.add((user_id, kind))
                    waiting = work.paging.hold_queued(user_id, kind, until=release, now=now)
                    entries += [
                        _held_entry(queued, who, len(sent), limit, release, now)
                        for queued in waiting
                    ]
        for sending in group:
            if carried.get(sending.id):
                entries += _bundled_entries(sending, carried[sending.id], who, now)
    work.incidents.add_timeline_many(entries)
    return carriers


def _held_entry(
    message: OutboxMessage,
    who: str,
    recent: int,
    limit: storm.Limit,
    release: datetime,
    now: datetime,
) -> NewTimelineEntry:
    window = int(limit.window.total_seconds())
    return NewTimelineEntry(
        incident_id=message.incident_id,
        at=now,
        kind=timeline.HELD,
        actor="engine",
        message=f"Storm control: {who} had {recent} {message.kind} messages in the last "
        f"{window}s (limit {limit.count}); this page goes bundled at {release:%H:%M:%S} UTC",
        data={"message_id": message.id, "channel": message.kind, "release_at": release.isoformat()},
    )


def _bundled_entries(
    carrier: OutboxMessage, members: list[OutboxMessage], who: str, now: datetime
) -> list[NewTimelineEntry]:
    count = len(members) + 1
    return [
        NewTimelineEntry(
            incident_id=message.incident_id,
            at=now,
            kind=timeline.BUNDLED,
            actor="engine",
            message=f"Storm control: one {carrier.kind} message to {who} carries this and "
            f"{count - 1} other incidents",
            data={"message_id": message.id, "bundle": carrier.id, "incidents": count},
        )
        for message in [carrier, *members]
    ]


def reclaim_orphans(*, uow: UnitOfWorkFactory, clock: Clock) -> int:
    """Make messages claimed by engines that are known to be dead claimable again now.

    Only for an engine that knows it is the only one (SQLite's leader): every message
    still marked ``sending`` was left by a dead engine, and waiting out its deadline would
    only delay the page. Returns how many were released.
    """
    with uow() as work:
        released = work.paging.requeue_sending(clock.now())
        if released:
            work.signal_work()
        work.commit()
        return released


@dataclass(frozen=True)
class Links:
    """Where pages point: the incident, signed action links, and the Reply-To address."""

    signer: LinkSigner
    base_url: str
    replies: ReplySigner | None = None
    reply_to: str = ""
    """The inbound listener's address (``ondeck@host``); empty when replies are not read."""

    def page_url(self, incident_id: int) -> str:
        return f"{self.base_url}/incidents/{incident_id}"

    def action_url(self, *, incident_id: int, user_id: int, action: str) -> str:
        token = self.signer.sign(incident_id=incident_id, user_id=user_id, action=action)
        return f"{self.base_url}/l/{token}"

    def reply_address(self, *, incident_id: int, user_id: int) -> str:
        """``local+<token>@domain``: a reply to it acts on the incident as the sender."""
        if not self.reply_to or self.replies is None:
            return ""
        local, _, domain = self.reply_to.rpartition("@")
        token = self.replies.reply_token(incident_id=incident_id, user_id=user_id)
        return f"{local}+{token}@{domain}"


def prepare_page(*, uow: UnitOfWorkFactory, message: OutboxMessage, links: Links) -> Page | None:
    """The page to send, or None when the incident stopped paging since the claim.

    A message claimed just before an acknowledgement is dropped here rather than sent:
    nobody should be woken for an incident someone already owns. A bundle lists only the
    incidents still triggered; its page is the first of them. An announcement is the
    incident's chat-channel message in its current state; a notice carries its own words
    and goes whatever the incident's status.
    """
    if is_notice(message.purpose):
        return _notice(uow=uow, message=message, links=links)
    if message.purpose == ANNOUNCEMENT or message.user_id is None:
        return _announcement(uow=uow, message=message, links=links)
    with uow(read_only=True) as reading:
        members = reading.paging.bundle_members(message.id)
        carried = [message.incident_id, *(member.incident_id for member in members)]
        found = reading.incidents.get_many(carried)
        person = reading.directory.person(message.user_id)
    paging = [
        found[incident_id]
        for incident_id in dict.fromkeys(carried)
        if incident_id in found and found[incident_id].status is IncidentStatus.TRIGGERED
    ]
    if not paging or person is None:
        with uow() as work:
            reason = "cancelled: incident no longer triggered"
            work.paging.mark_cancelled(message.id, reason=reason)
            work.paging.finish_bundle(message.id, state="cancelled", at=message.deliver_at)
            work.commit()
        return None
    page = _page_for(paging[0], person, message, links)
    if not members:
        return page
    items = tuple(
        PageItem(
            incident_id=incident.id,
            incident_number=incident.number,
            incident_title=incident.title,
            service_name=incident.service_name,
            urgency=incident.urgency,
            incident_url=links.page_url(incident.id),
            acknowledge_url=links.action_url(
                incident_id=incident.id, user_id=person.id, action="acknowledge"
            ),
        )
        for incident in paging
    )
    return replace(page, bundle=items)


def _announcement(*, uow: UnitOfWorkFactory, message: OutboxMessage, links: Links) -> Page | None:
    """The page for a chat channel's message about an incident, in its current state."""
    with uow(read_only=True) as reading:
        incident = reading.incidents.get(message.incident_id)
        thread = reading.paging.chat_post(message.incident_id, message.kind, message.address)
    if incident is None:
        with uow() as work:
            work.paging.mark_cancelled(message.id, reason="cancelled: incident deleted")
            work.commit()
        return None
    url = links.page_url(incident.id)
    return Page(
        message_id=message.id,
        idempotency_key=message.idempotency_key,
        address=message.address,
        recipient_name="",
        incident_number=incident.number,
        incident_title=incident.title,
        service_name=incident.service_name,
        urgency=incident.urgency,
        status=incident.status,
        runbook_url=incident.runbook_url,
        incident_url=url,
        acknowledge_url="",  # no signed links: nobody in particular was paged
        resolve_url="",
        created_at=incident.created_at,
        details={
            "acknowledged_by": incident.acknowledged_by,
            "resolved_by": incident.resolved_by,
        },
        incident_id=incident.id,
        thread_ref=thread or "",
    )


def _notice(*, uow: UnitOfWorkFactory, message: OutboxMessage, links: Links) -> Page | None:
    """A notice's page: the incident's facts for context, the notice's own words to show,
    and no signed action links (a notice asks nothing of its reader)."""
    with uow(read_only=True) as reading:
        incident = reading.incidents.get(message.incident_id)
        person = reading.directory.person(message.user_id) if message.user_id else None
    if incident is None:
        with uow() as work:
            work.paging.mark_cancelled(message.id, reason="cancelled: incident deleted")
            work.commit()
        return None
    payload = message.payload or {}
    url = str(payload.get("url") or "") or links.page_url(incident.id)
    return Page(
        message_id=message.id,
        idempotency_key=message.idempotency_key,
        address=message.address,
        recipient_name=person.name if person is not None else "",
        incident_number=incident.number,
        incident_title=incident.title,
        service_name=incident.service_name,
        urgency=incident.urgency,
        status=incident.status,
        runbook_url="",
        incident_url=url,
        acknowledge_url="",
        resolve_url="",
        created_at=incident.created_at,
        details={},
        incident_id=incident.id,
        user_id=person.id if person is not None else 0,
        notice=Notice(
            purpose=message.purpose,
            subject=str(payload.get("subject") or f"#{incident.number} {incident.title}"),
            text=str(payload.get("text") or ""),
            url=url,
            unsubscribe_url=str(payload.get("unsubscribe_url") or ""),
        ),
    )


def _page_for(
    incident: IncidentRecord, person: Person, message: OutboxMessage, links: Links
) -> Page:
    return Page(
        message_id=message.id,
        idempotency_key=message.idempotency_key,
        address=message.address,
        recipient_name=person.name,
        incident_number=incident.number,
        incident_title=incident.title,
        service_name=incident.service_name,
        urgency=incident.urgency,
        status=incident.status,
        runbook_url=incident.runbook_url,
        incident_url=links.page_url(incident.id),
        acknowledge_url=links.action_url(
            incident_id=incident.id, user_id=person.id, action="acknowledge"
        ),
        resolve_url=links.action_url(incident_id=incident.id, user_id=person.id, action="resolve"),
        created_at=incident.created_at,
        details=incident.details,
        incident_id=incident.id,
        user_id=person.id,
        escalate_url=links.action_url(
            incident_id=incident.id, user_id=person.id, action="escalate"
        ),
        snooze_url=links.action_url(incident_id=incident.id, user_id=person.id, action="snooze"),
        reply_to=links.reply_address(incident_id=incident.id, user_id=person.id),
        role=message.role,
    )


def send(*, channels: dict[str, Channel], message: OutboxMessage, page: Page) -> Delivery:
    """Hand a prepared page to its channel once; a missing channel is a permanent failure."""
    channel = channels.get(message.kind)
    if channel is None:
        return Delivery(ok=False, permanent=True, detail=f"no {message.kind} channel configured")
    return channel.send(page)


def deliver(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    channels: dict[str, Channel],
    links: Links,
    message: OutboxMessage,
    max_attempts: int,
) -> tuple[Page, Delivery] | None:
    """Send one claimed message and record the outcome; None when it was not sent."""
    page = prepare_page(uow=uow, message=message, links=links)
    if page is None:
        return None
    result = send(channels=channels, message=message, page=page)
    record_deliveries(uow=uow, clock=clock, outcomes=[(message, result)], max_attempts=max_attempts)
    return page, result


def record_deliveries(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    outcomes: Sequence[tuple[OutboxMessage, Delivery]],
    max_attempts: int,
) -> None:
    """Write outcomes in one transaction; a failure that will not heal moves to the person's
    next method.

    Once the incident is acknowledged or resolved a failure is recorded but neither retried
    nor moved to another method: paging has stopped.
    """
    with uow() as work:
        now = clock.now()
        entries: list[NewTimelineEntry] = []
        for message, delivery in outcomes:
            _record(work, entries, now, message, delivery, max_attempts)
        work.incidents.add_timeline_many(entries)
        work.commit()


def _record(
    work: UnitOfWork,
    entries: list[NewTimelineEntry],
    now: datetime,
    message: OutboxMessage,
    delivery: Delivery,
    max_attempts: int,
) -> None:
    if is_notice(message.purpose):
        _record_notice(work, entries, now, message, delivery, max_attempts)
        return
    if message.purpose == ANNOUNCEMENT or message.user_id is None:
        _record_announcement(work, entries, now, message, delivery, max_attempts)
        return
    person = work.directory.person(message.user_id)
    who = person.name if person else f"user {message.user_id}"
    where = f"{message.kind} ({message.address})"
    members = work.paging.bundle_members(message.id)
    data = {
        "message_id": message.id,
        "user": person.email if person else None,
        "channel": message.kind,
        "attempt": message.attempts,
        "level": message.level,
        "loop": message.loop,
        "detail": delivery.detail,
        "attempts": list(delivery.attempts),
    }
    carried = [message, *members]
    bundle = f" (one message for {len(carried)} incidents)" if members else ""

    def note(kind: str, text: str) -> None:
        entries.extend(
            NewTimelineEntry(
                incident_id=incident_id,
                at=now,
                kind=kind,
                actor="engine",
                message=text,
                data=data,
            )
            for incident_id in dict.fromkeys(item.incident_id for item in carried)
        )

    if delivery.ok:
        work.paging.mark_sent(message.id, now, provider_ref=delivery.provider_ref)
        if members:
            work.paging.finish_bundle(message.id, state="sent", at=now)
        tried = f" (after {'; '.join(delivery.attempts)})" if delivery.attempts else ""
        note(timeline.NOTIFIED, f"Notified {who} by {where}{bundle}: {delivery.detail}{tried}")
        return
    incident = work.incidents.get(message.incident_id)
    paging_on = incident is not None and incident.status is IncidentStatus.TRIGGERED
    if (paging_on or members) and not delivery.permanent and message.attempts < max_attempts:
        backoff = _retry_later(work, message, delivery, now)
        note(
            timeline.DELIVERY_RETRY,
            f"Could not reach {who} by {where}{bundle}: {delivery.detail}; "
            f"retrying in {int(backoff.total_seconds())}s",
        )
        return
    work.paging.mark_failed(message.id, error=delivery.detail)
    if members:
        work.paging.finish_bundle(message.id, state="failed", at=now, error=delivery.detail)
    note(
        timeline.DELIVERY_FAILED, f"Delivery to {who} by {where}{bundle} failed: {delivery.detail}"
    )
    if person is None:
        return
    work.incidents.add_timeline_many(entries)
    entries.clear()
    still_paging = work.incidents.get_many([item.incident_id for item in carried])
    for item in carried:
        found = still_paging.get(item.incident_id)
        if found is not None and found.status is IncidentStatus.TRIGGERED:
            _fail_over(work, item, person, now)


def _retry_later(
    work: UnitOfWork, message: OutboxMessage, delivery: Delivery, now: datetime
) -> timedelta:
    """Queue the message again after an exponential backoff; returns the wait."""
    backoff: timedelta = min(RETRY_BASE * 2 ** (message.attempts - 1), RETRY_CAP)
    work.paging.mark_retry(message.id, deliver_at=now + backoff, error=delivery.detail)
    return backoff


def _record_announcement(
    work: UnitOfWork,
    entries: list[NewTimelineEntry],
    now: datetime,
    message: OutboxMessage,
    delivery: Delivery,
    max_attempts: int,
) -> None:
    """A chat channel's message about the incident: remember it, so changes update it."""
    where = f"{message.kind} channel {message.address}"
    data = {"message_id": message.id, "channel": message.kind, "detail": delivery.detail}
    if delivery.ok:
        work.paging.mark_sent(message.id, now, provider_ref=delivery.provider_ref)
        if work.paging.chat_post(message.incident_id, message.kind, message.address) is None:
            work.paging.save_chat_post(
                message.incident_id, message.kind, message.address, delivery.provider_ref
            )
            entries.append(
                NewTimelineEntry(
                    incident_id=message.incident_id,
                    at=now,
                    kind=timeline.NOTIFIED,
                    actor="engine",
                    message=f"Posted in the {where}; changes update that message",
                    data=data,
                )
            )
        return
    if not delivery.permanent and message.attempts < max_attempts:
        _retry_later(work, message, delivery, now)
        return
    work.paging.mark_failed(message.id, error=delivery.detail)
    entries.append(
        NewTimelineEntry(
            incident_id=message.incident_id,
            at=now,
            kind=timeline.DELIVERY_FAILED,
            actor="engine",
            message=f"Could not post in the {where}: {delivery.detail}",
            data=data,
        )
    )


def _record_notice(
    work: UnitOfWork,
    entries: list[NewTimelineEntry],
    now: datetime,
    message: OutboxMessage,
    delivery: Delivery,
    max_attempts: int,
) -> None:
    """A notice: retried whatever the incident's status, never moved to another method."""
    person = work.directory.person(message.user_id) if message.user_id is not None else None
    where = (
        f"{person.name} by {message.kind} ({message.address})"
        if person is not None
        else f"{message.kind} {message.address}"
    )
    what = message.purpose.replace("_", " ")
    data = {
        "message_id": message.id,
        "purpose": message.purpose,
        "user": person.email if person else None,
        "channel": message.kind,
        "detail": delivery.detail,
    }

    def note(kind: str, text: str) -> None:
        entries.append(
            NewTimelineEntry(
                incident_id=message.incident_id,
                at=now,
                kind=kind,
                actor="engine",
                message=text,
                data=data,
            )
        )

    if delivery.ok:
        work.paging.mark_sent(message.id, now, provider_ref=delivery.provider_ref)
        note(timeline.NOTIFIED, f"Sent the {what} notice to {where}: {delivery.detail}")
        return
    if not delivery.permanent and message.attempts < max_attempts:
        backoff = _retry_later(work, message, delivery, now)
        note(
            timeline.DELIVERY_RETRY,
            f"Could not send the {what} notice to {where}: {delivery.detail}; "
            f"retrying in {int(backoff.total_seconds())}s",
        )
        return
    work.paging.mark_failed(message.id, error=delivery.detail)
    note(timeline.DELIVERY_FAILED, f"The {what} notice to {where} failed: {delivery.detail}")


def _fail_over(work: UnitOfWork, message: OutboxMessage, person: Person, now: datetime) -> None:
    tried = work.paging.attempted_contacts(
        message.incident_id, person.id, message.level, message.loop
    )
    remaining = [contact for contact in person.contacts if contact.id not in tried]
    if not remaining:
        work.incidents.add_timeline(
            message.incident_id,
            at=now,
            kind=timeline.UNREACHABLE,
            actor="engine",
            message=f"{person.name} has no other working contact method for this page",
            data={"user": person.email},
        )
        return
    fallback = remaining[0]
    work.paging.enqueue(
        [
            NewMessage(
                idempotency_key=f"{message.idempotency_key}:f{fallback.id}",
                incident_id=message.incident_id,
                user_id=person.id,
                contact_method_id=fallback.id,
                kind=fallback.kind,
                address=fallback.address,
                level=message.level,
                loop=message.loop,
                deliver_at=now,
                schedule_id=message.schedule_id,
            )
        ],
        now=now,
    )
    work.incidents.add_timeline(
        message.incident_id,
        at=now,
        kind=timeline.FAILOVER,
        actor="engine",
        message=f"Falling over to {fallback.kind} ({fallback.address}) for {person.name}",
        data={"user": person.email, "channel": fallback.kind},
    )
    work.signal_work()


def record_receipt(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    kind: str,
    provider_ref: str,
    delivered: bool,
    detail: str,
) -> bool:
    """A provider's report on a message it accepted earlier (Twilio's status callback).

    Delivered: the message is marked delivered. Not delivered: it failed after all, and a
    page still paging moves to the person's next method, as for any permanent failure.
    Returns False when no message has that reference.
    """
    with uow() as work:
        message = work.paging.by_provider_ref(kind, provider_ref)
        if message is None:
            return False
        now = clock.now()
        person = None if message.user_id is None else work.directory.person(message.user_id)
        who = person.name if person else f"user {message.user_id}"
        where = f"{message.kind} ({message.address})"
        data = {"message_id": message.id, "channel": kind, "detail": detail}
        if delivered:
            work.paging.mark_delivered(message.id, now)
            work.incidents.add_timeline(
                message.incident_id,
                at=now,
                kind=timeline.DELIVERED,
                actor="engine",
                message=f"Delivered to {who} by {where}: {detail}",
                data=data,
            )
        else:
            work.paging.mark_failed(message.id, error=detail)
            work.incidents.add_timeline(
                message.incident_id,
                at=now,
                kind=timeline.DELIVERY_FAILED,
                actor="engine",
                message=f"Delivery to {who} by {where} failed: {detail}",
                data=data,
            )
            incident = work.incidents.get(message.incident_id)
            paging = incident is not None and incident.status is IncidentStatus.TRIGGERED
            if person is not None and paging and message.purpose == PAGE:
                _fail_over(work, message, person, now)
        work.commit()
        return True
