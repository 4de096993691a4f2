"""Which contact methods a person is notified on, and when, for a page of a given urgency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ondeck.domain.model import ContactMethod, NotificationRule, Urgency


@dataclass(frozen=True)
class PlannedNotification:
    contact: ContactMethod
    delay: timedelta
    rule_index: int
    """Stable index of the rule (or of the contact method when the user has no rules)."""


def plan(
    contacts: tuple[ContactMethod, ...],
    rules: tuple[NotificationRule, ...],
    urgency: Urgency,
) -> tuple[PlannedNotification, ...]:
    """Notifications for one person, earliest first.

    A person without rules for this urgency is notified on every contact method at once, so
    nobody is silently unreachable because they never configured rules. Rules pointing at
    a contact method that no longer exists are skipped.
    """
    by_id = {contact.id: contact for contact in contacts}
    applicable = [
        (index, rule)
        for index, rule in enumerate(rules)
        if rule.urgency in (None, urgency) and rule.contact_method_id in by_id
    ]
    if not applicable:
        return tuple(
            PlannedNotification(contact, timedelta(0), index)
            for index, contact in enumerate(contacts)
        )
    planned = [
        PlannedNotification(by_id[rule.contact_method_id], rule.delay, index)
        for index, rule in applicable
    ]
    return tuple(sorted(planned, key=lambda p: (p.delay, p.rule_index)))


def failover_order(
    contacts: tuple[ContactMethod, ...], failed: ContactMethod
) -> tuple[ContactMethod, ...]:
    """Contact methods to try after ``failed`` fails for good: the others in their order."""
    return tuple(contact for contact in contacts if contact.id != failed.id)
