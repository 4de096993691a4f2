"""Which contact methods a person is notified on, and when, for each urgency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ondeck.domain.model import ContactMethod, NotificationRule, Urgency
from ondeck.domain.notifications import failover_order, plan

EMAIL = ContactMethod(id=1, kind="email", address="ada@example.com")
WEBHOOK = ContactMethod(id=2, kind="webhook", address="https://hooks.example/ada", label="phone")
BACKUP = ContactMethod(id=3, kind="email", address="ada@home.example", label="home")
CONTACTS = (EMAIL, WEBHOOK, BACKUP)


def rule(
    contact: ContactMethod | int, minutes: int, urgency: Urgency | None = None
) -> NotificationRule:
    contact_id = contact if isinstance(contact, int) else contact.id
    return NotificationRule(
        contact_method_id=contact_id, delay=timedelta(minutes=minutes), urgency=urgency
    )


def summary(rules: tuple[NotificationRule, ...], urgency: Urgency) -> list[tuple[int, int]]:
    return [
        (p.contact.id, int(p.delay.total_seconds() // 60)) for p in plan(CONTACTS, rules, urgency)
    ]


def test_without_rules_high_urgency_notifies_every_contact_method_at_once() -> None:
    assert summary((), Urgency.HIGH) == [(1, 0), (2, 0), (3, 0)]


def test_without_rules_low_urgency_notifies_the_email_methods_at_once() -> None:
    assert summary((), Urgency.LOW) == [(1, 0), (3, 0)]


def test_without_rules_or_email_low_urgency_notifies_every_contact_method() -> None:
    assert [(p.contact.id, p.delay) for p in plan((WEBHOOK,), (), Urgency.LOW)] == [
        (2, timedelta(0))
    ]


@pytest.mark.parametrize(
    ("rules", "urgency", "expected"),
    [
        ((rule(EMAIL, 0), rule(WEBHOOK, 5)), Urgency.HIGH, [(1, 0), (2, 5)]),
        ((rule(EMAIL, 0), rule(WEBHOOK, 5)), Urgency.LOW, [(1, 0), (2, 5)]),
        (
            (rule(WEBHOOK, 0, Urgency.HIGH), rule(EMAIL, 30, Urgency.LOW)),
            Urgency.HIGH,
            [(2, 0)],
        ),
        (
            (rule(WEBHOOK, 0, Urgency.HIGH), rule(EMAIL, 30, Urgency.LOW)),
            Urgency.LOW,
            [(1, 30)],
        ),
        (
            (rule(EMAIL, 10), rule(WEBHOOK, 0, Urgency.HIGH), rule(BACKUP, 5)),
            Urgency.HIGH,
            [(2, 0), (3, 5), (1, 10)],
        ),
        (
            (rule(EMAIL, 10), rule(WEBHOOK, 0, Urgency.HIGH), rule(BACKUP, 5)),
            Urgency.LOW,
            [(3, 5), (1, 10)],
        ),
        ((rule(WEBHOOK, 5), rule(EMAIL, 5)), Urgency.HIGH, [(2, 5), (1, 5)]),
    ],
)
def test_rules_for_the_urgency_decide_the_order_earliest_first(
    rules: tuple[NotificationRule, ...], urgency: Urgency, expected: list[tuple[int, int]]
) -> None:
    assert summary(rules, urgency) == expected


def test_rules_only_for_the_other_urgency_leave_the_person_reachable_by_default() -> None:
    assert summary((rule(WEBHOOK, 0, Urgency.HIGH),), Urgency.LOW) == [(1, 0), (3, 0)]
    assert summary((rule(EMAIL, 0, Urgency.LOW),), Urgency.HIGH) == [(1, 0), (2, 0), (3, 0)]


def test_a_rule_naming_a_deleted_contact_method_is_skipped() -> None:
    rules = (rule(99, 0), rule(WEBHOOK, 2))

    assert summary(rules, Urgency.HIGH) == [(2, 2)]


def test_when_every_rule_names_a_deleted_contact_method_every_contact_method_is_used() -> None:
    assert summary((rule(98, 0), rule(99, 1)), Urgency.HIGH) == [(1, 0), (2, 0), (3, 0)]


def test_a_person_without_contact_methods_is_planned_nothing() -> None:
    assert plan((), (rule(EMAIL, 0),), Urgency.HIGH) == ()


def test_the_rule_index_stays_the_position_of_the_rule_in_the_users_list() -> None:
    planned = plan(CONTACTS, (rule(EMAIL, 10), rule(99, 0), rule(BACKUP, 1)), Urgency.HIGH)

    assert [(p.contact.id, p.rule_index) for p in planned] == [(3, 2), (1, 0)]


def test_failover_tries_the_other_contact_methods_in_their_order() -> None:
    assert failover_order(CONTACTS, WEBHOOK) == (EMAIL, BACKUP)
    assert failover_order((EMAIL,), EMAIL) == ()
