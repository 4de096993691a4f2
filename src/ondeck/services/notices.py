"""Notices: plain informative messages about an incident, sent through the outbox.

A notice is not a page. It tells someone something (a CAN report, an overdue-report
reminder, a declaration broadcast, a status-page update, a role hand-off) and asks for no
action: channels render it as its subject and text with at most a link, storm control never
holds it, and it goes out whatever the incident's status (a page stops once the incident is
acknowledged). Delivery retries it like any message; a notice never falls over to another
contact method.
"""

from __future__ import annotations

from datetime import datetime

from ondeck.domain.model import ContactMethod
from ondeck.services.ports import NewMessage, Person, UnitOfWork

PAGE = "page"
"""A page: wakes someone, stops when the incident is acknowledged, storm-controlled."""
ANNOUNCEMENT = "announcement"
"""The incident's message in its service's chat channel, kept up to date."""

CAN_REMINDER = "can_reminder"
CAN_REPORT = "can_report"
BROADCAST = "broadcast"
STATUS_UPDATE = "status_update"
ROLE_HANDOFF = "role_handoff"
SUMMONS = "summons"
"""A subject-matter expert asked to join (``services.summons``): on every method their
high-urgency rules name, unlike the other notices."""
PURPOSES = frozenset({CAN_REMINDER, CAN_REPORT, BROADCAST, STATUS_UPDATE, ROLE_HANDOFF, SUMMONS})
"""Every notice purpose; any other purpose is a page or an announcement."""


def is_notice(purpose: str) -> bool:
    return purpose in PURPOSES


def notice_method(person: Person) -> ContactMethod | None:
    """Where a person gets notices: their first email method, else their first method."""
    for method in person.contacts:
        if method.kind == "email":
            return method
    return person.contacts[0] if person.contacts else None


def queue_notice(
    work: UnitOfWork,
    *,
    incident_id: int,
    purpose: str,
    subject: str,
    text: str,
    url: str = "",
    now: datetime,
    key: str,
    user_id: int | None = None,
    kind: str | None = None,
    address: str | None = None,
    unsubscribe_url: str = "",
) -> bool:
    """Queue one notice about the incident, due now, in the caller's unit of work.

    Give either ``user_id`` (the person's email method if they have one, else their first
    contact method) or ``kind`` and ``address`` (an explicit destination such as
    ``("email", "all@example.com")``, ``("slack", "C0ANNOUNCE")`` or ``("webhook", url)``).
    ``key`` is the outbox idempotency key: queueing the same key twice sends once.
    ``unsubscribe_url`` (status subscribers) is sent with the notice but never logged.

    Returns False, queueing nothing, when there is nowhere to send it (an unknown person,
    a person without contact methods, an empty address). ValueError for a purpose that is
    not a notice's or when neither or both destinations are given.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"not a notice purpose: {purpose!r}; one of {sorted(PURPOSES)}")
    if (user_id is None) == (kind is None and address is None):
        raise ValueError("give either user_id or kind and address")
    contact_method_id: int | None = None
    if user_id is not None:
        person = work.directory.person(user_id)
        method = notice_method(person) if person is not None else None
        if method is None:
            return False
        kind, address, contact_method_id = method.kind, method.address, method.id
    if not kind or not address or not address.strip():
        return False
    work.paging.enqueue(
        [
            NewMessage(
                idempotency_key=key,
                incident_id=incident_id,
                user_id=user_id,
                contact_method_id=contact_method_id,
                kind=kind,
                address=address.strip(),
                level=0,
                loop=0,
                deliver_at=now,
                purpose=purpose,
                payload={"subject": subject, "text": text, "url": url}
                | ({"unsubscribe_url": unsubscribe_url} if unsubscribe_url else {}),
            )
        ],
        now=now,
    )
    work.signal_work()
    return True
