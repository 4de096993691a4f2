"""Which contact methods a person is notified on, and when, for a page of a given urgency.

High urgency follows the person's rules to the minute, day or night. Low urgency waits for
their working hours (unless they take low-urgency pages at any time): a page that comes
outside them starts when they next begin, and any later step that would fall outside them
waits for the next start too, so nobody is woken for something that can wait.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ondeck.domain.model import ContactMethod, NotificationRule, Urgency
from ondeck.domain.rotation import Window
from ondeck.domain.working_hours import next_working_time


@dataclass(frozen=True)
class PlannedNotification:
    contact: ContactMethod
    delay: timedelta
    rule_index: int
    """Stable index of the rule (or of the contact method when the user has no rules)."""


@dataclass(frozen=True)
class WorkingHours:
    """When a person takes low-urgency pages: ``windows`` in ``timezone`` (empty: the
    default, Mon-Fri 09:00-17:00), or at any time when ``anytime``."""

    windows: tuple[Window, ...]
    timezone: str
    anytime: bool = False


def plan(
    contacts: tuple[ContactMethod, ...],
    rules: tuple[NotificationRule, ...],
    urgency: Urgency,
    *,
    hours: WorkingHours | None = None,
    now: datetime | None = None,
) -> tuple[PlannedNotification, ...]:
    """Notifications for one person, earliest first; delays count from ``now``.

    A person without rules for this urgency is still reachable: for high urgency on every
    contact method at once; for low urgency on their email methods at once (every method
    when they have no email). Rules pointing at a contact method that no longer exists are
    skipped. With ``hours`` (and ``now``), low urgency keeps to working hours.
    """
    planned = _by_rules(contacts, rules, urgency)
    if urgency is Urgency.LOW and hours is not None and now is not None and not hours.anytime:
        planned = _within(planned, hours, now)
    return tuple(sorted(planned, key=lambda p: (p.delay, p.rule_index)))


def _by_rules(
    contacts: tuple[ContactMethod, ...],
    rules: tuple[NotificationRule, ...],
    urgency: Urgency,
) -> list[PlannedNotification]:
    by_id = {contact.id: contact for contact in contacts}
    applicable = [
        (index, rule)
        for index, rule in enumerate(rules)
        if rule.urgency in (None, urgency) and rule.contact_method_id in by_id
    ]
    if applicable:
        return [
            PlannedNotification(by_id[rule.contact_method_id], rule.delay, index)
            for index, rule in applicable
        ]
    chosen = list(enumerate(contacts))
    if urgency is Urgency.LOW:
        chosen = [(i, c) for i, c in chosen if c.kind == "email"] or chosen
    return [PlannedNotification(contact, timedelta(0), index) for index, contact in chosen]


def _within(
    planned: list[PlannedNotification], hours: WorkingHours, now: datetime
) -> list[PlannedNotification]:
    """Start at the next working-hours start; move any step outside them to the next one."""
    begin = next_working_time(hours.windows, hours.timezone, now)
    out = []
    for item in planned:
        due = next_working_time(hours.windows, hours.timezone, begin + item.delay)
        out.append(replace(item, delay=due - now))
    return out


def failover_order(
    contacts: tuple[ContactMethod, ...], failed: ContactMethod
) -> tuple[ContactMethod, ...]:
    """Contact methods to try after ``failed`` fails for good: the others in their order."""
    return tuple(contact for contact in contacts if contact.id != failed.id)
