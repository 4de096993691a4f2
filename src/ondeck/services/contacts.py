"""A person's contact methods, notification rules and working hours, and test notifications.

People manage their own; admins anyone's; nobody else may read or change them. Every
change is one unit of work that checks everything first and changes nothing when any of it
is refused; a refusal names the field it is about (``address: ...``, ``rules[1].after: ...``).

A test notification goes through the method's channel at once, while the caller waits, so
the person sees whether it arrived; its outcome is kept with the method and counts, like the
last page's, towards whether the person can be reached.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ondeck.domain.contacts import (
    CONTACT_KINDS,
    address_problem,
    label_problem,
    why_unreachable,
)
from ondeck.domain.durations import format_duration
from ondeck.domain.model import IncidentStatus, NotificationRule, Urgency
from ondeck.domain.org import LOW_URGENCY, MAX_RULE_DELAY
from ondeck.domain.rotation import Window
from ondeck.domain.working_hours import DEFAULT_WORKING_HOURS, InvalidHours, parse_hours
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import (
    Channel,
    Clock,
    ContactRecord,
    Delivery,
    HoursRecord,
    Page,
    Person,
    UnitOfWork,
    UnitOfWorkFactory,
)

MOST_METHODS = 20
MOST_RULES = 30
TEST_COOLDOWN = timedelta(seconds=10)
"""A method is tested at most this often: a test can cost money (SMS) or wake someone."""
TEST_TITLE = "Test notification"


@dataclass(frozen=True)
class Hours:
    """The working hours low-urgency pages wait for, and where they come from."""

    windows: tuple[Window, ...]
    source: Literal["own", "team", "default"]
    team: str
    stored: HoursRecord
    timezone: str
    """The person's: the windows are wall-clock times there."""

    @property
    def anytime(self) -> bool:
        return self.stored.low_urgency == "anytime"


@dataclass(frozen=True)
class ContactsView:
    person: Person
    methods: tuple[ContactRecord, ...]
    rules: tuple[NotificationRule, ...]
    hours: Hours
    unreachable: str | None
    """Why no page would reach them; None when one might."""


@dataclass(frozen=True)
class RuleChange:
    contact_method_id: int
    after: timedelta
    urgency: Urgency | None = None


@dataclass(frozen=True)
class Removed:
    method: ContactRecord
    rules_removed: int


@dataclass(frozen=True)
class TestOutcome:
    method: ContactRecord
    delivery: Delivery


def _person(work: UnitOfWork, user_id: int) -> Person:
    person = work.directory.person(user_id)
    if person is None:
        raise NotFound(f"no user {user_id}")
    return person


def _may_manage(actor: Person, person: Person) -> None:
    if actor.id != person.id and actor.role != "admin":
        raise Forbidden(
            f"only {person.name} or an admin may see or change their contact methods, "
            "notification rules and working hours"
        )


def _method(work: UnitOfWork, actor: Person, contact_id: int) -> ContactRecord:
    """The method, when ``actor`` may manage it."""
    record = work.contacts.get(contact_id)
    if record is None:
        raise NotFound(f"no contact method {contact_id}")
    _may_manage(actor, _person(work, record.user_id))
    return record


def hours_of(stored: HoursRecord, timezone: str) -> Hours:
    if stored.own:
        return Hours(stored.own, "own", "", stored, timezone)
    if stored.team_hours:
        return Hours(stored.team_hours, "team", stored.team, stored, timezone)
    return Hours(DEFAULT_WORKING_HOURS, "default", "", stored, timezone)


def view(
    *, uow: UnitOfWorkFactory, actor: Person, user_id: int, deliverable: Collection[str]
) -> ContactsView:
    """Everything the person's page shows about how they are reached."""
    with uow(read_only=True) as work:
        person = _person(work, user_id)
        _may_manage(actor, person)
        methods = tuple(work.contacts.methods([user_id])[user_id])
        rules = work.contacts.rules(user_id)
        hours = hours_of(work.contacts.hours(user_id), person.timezone)
    return ContactsView(
        person=person,
        methods=methods,
        rules=rules,
        hours=hours,
        unreachable=why_unreachable([m.state() for m in methods], deliverable),
    )


def _check_method(others: Sequence[ContactRecord], kind: str, address: str, label: str) -> None:
    if kind not in CONTACT_KINDS:
        raise Refused(f"type: {address_problem(kind, address)}")
    wrong = address_problem(kind, address)
    if wrong is not None:
        raise Refused(f"address: {wrong}")
    wrong = label_problem(label)
    if wrong is not None:
        raise Refused(f"label: {wrong}")
    for other in others:
        if (other.kind, other.address) == (kind, address):
            raise Refused(f"address: their {kind} method #{other.id} already has this address")
        if label and other.label == label:
            raise Refused(f"label: {label!r} already names their method #{other.id}")


def owner_of(*, uow: UnitOfWorkFactory, actor: Person, contact_id: int) -> int:
    """The id of the person a method belongs to (when ``actor`` may manage it)."""
    with uow(read_only=True) as work:
        record = _method(work, actor, contact_id)
    return record.user_id


def add_method(
    *,
    uow: UnitOfWorkFactory,
    actor: Person,
    user_id: int,
    kind: str,
    address: str,
    label: str = "",
) -> ContactRecord:
    """Add a contact method after the person's others. Rules use it once they name it; an
    urgency without rules uses the defaults (high: every method; low: email methods)."""
    with uow() as work:
        person = _person(work, user_id)
        _may_manage(actor, person)
        others = work.contacts.methods([user_id])[user_id]
        if len(others) >= MOST_METHODS:
            raise Refused(
                f"{person.name} has {len(others)} contact methods; at most {MOST_METHODS} are kept"
            )
        _check_method(others, kind, address, label)
        contact_id = work.contacts.add(user_id=user_id, kind=kind, address=address, label=label)
        record = work.contacts.get(contact_id)
        work.commit()
    assert record is not None
    return record


def update_method(
    *,
    uow: UnitOfWorkFactory,
    actor: Person,
    contact_id: int,
    address: str | None = None,
    label: str | None = None,
    position: int | None = None,
) -> ContactRecord:
    """Change a method's address or label (None: unchanged), or move it to ``position``
    (0: first) among the person's methods. A new address forgets the last test's outcome."""
    with uow() as work:
        record = _method(work, actor, contact_id)
        siblings = work.contacts.methods([record.user_id])[record.user_id]
        others = [m for m in siblings if m.id != record.id]
        new_address = record.address if address is None else address
        new_label = record.label if label is None else label
        _check_method(others, record.kind, new_address, new_label)
        if position is not None and not 0 <= position < len(siblings):
            raise Refused(f"position: must be between 0 and {len(siblings) - 1}")
        work.contacts.update(contact_id, address=new_address, label=new_label)
        if position is not None:
            order = [m.id for m in others]
            order.insert(position, record.id)
            work.contacts.reorder(record.user_id, order)
        changed = work.contacts.get(contact_id)
        work.commit()
    assert changed is not None
    return changed


def remove_method(*, uow: UnitOfWorkFactory, actor: Person, contact_id: int) -> Removed:
    """Delete a method, and the notification rules that use it (``rules_removed`` says how
    many, so the person is told)."""
    with uow() as work:
        record = _method(work, actor, contact_id)
        removed = work.contacts.remove(contact_id)
        work.commit()
    return Removed(record, removed)


def removal_text(removed: Removed) -> str:
    """``Removed sms +44…; the 2 notification rules that used it were removed too.``"""
    method = removed.method
    text = f"Removed {method.kind} {method.address}"
    if removed.rules_removed == 1:
        return f"{text}; the notification rule that used it was removed too."
    if removed.rules_removed:
        return (
            f"{text}; the {removed.rules_removed} notification rules that used it were removed too."
        )
    return f"{text}."


def set_rules(
    *, uow: UnitOfWorkFactory, actor: Person, user_id: int, rules: Sequence[RuleChange]
) -> tuple[NotificationRule, ...]:
    """Replace the person's notification rules. Each names one of their methods and waits
    ``after`` (0 to 1 day) from the page; ``urgency`` None applies to both urgencies. An
    urgency without rules falls back to the default (high: every method at once; low: email
    at once, in working hours)."""
    if len(rules) > MOST_RULES:
        raise Refused(f"rules: {len(rules)} given; at most {MOST_RULES} are kept")
    with uow() as work:
        person = _person(work, user_id)
        _may_manage(actor, person)
        mine = {m.id for m in work.contacts.methods([user_id])[user_id]}
        for index, rule in enumerate(rules):
            if rule.contact_method_id not in mine:
                raise Refused(
                    f"rules[{index}].contact_method_id: {rule.contact_method_id} is not one of "
                    f"{person.name}'s contact methods"
                )
            if not timedelta(0) <= rule.after <= MAX_RULE_DELAY:
                raise Refused(f"rules[{index}].after: must be between 0 and 1 day (1440 minutes)")
        stored = tuple(NotificationRule(r.contact_method_id, r.after, r.urgency) for r in rules)
        work.contacts.set_rules(user_id, stored)
        work.commit()
    return stored


def set_hours(
    *,
    uow: UnitOfWorkFactory,
    actor: Person,
    user_id: int,
    working_hours: Sequence[str],
    low_urgency: str,
) -> Hours:
    """Set the person's working hours (text, one window each, like ``Mon-Fri 09:00-17:00``;
    none: their team's, or the default) and whether low urgency waits for them
    (``working_hours``) or not (``anytime``)."""
    if low_urgency not in LOW_URGENCY:
        raise Refused(
            f"low_urgency: {low_urgency!r} is not one of {', '.join(sorted(LOW_URGENCY))}"
        )
    try:
        windows = parse_hours(line for line in working_hours if line.strip())
    except InvalidHours as error:
        where = "" if str(error).startswith("[") else ": "
        raise Refused(f"working_hours{where}{error}") from error
    with uow() as work:
        person = _person(work, user_id)
        _may_manage(actor, person)
        work.contacts.set_hours(user_id, windows=windows, low_urgency=low_urgency)
        stored = work.contacts.hours(user_id)
        work.commit()
    return hours_of(stored, person.timezone)


def trial_page(person: Person, method: ContactRecord, *, at: datetime, base_url: str) -> Page:
    """A page that says it is a test and acts on nothing: its links open the person's page."""
    here = f"{base_url.rstrip('/')}/users/{person.id}"
    return Page(
        message_id=0,
        idempotency_key=f"test:{method.id}:{int(at.timestamp() * 1000)}",
        address=method.address,
        recipient_name=person.name,
        incident_number=0,
        incident_title=TEST_TITLE,
        service_name="ondeck",
        urgency=Urgency.HIGH,
        status=IncidentStatus.TRIGGERED,
        runbook_url="",
        incident_url=here,
        acknowledge_url=here,
        resolve_url=here,
        created_at=at,
        details={"test": True},
        user_id=person.id,
        test=True,
    )


def send_test(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    channels: dict[str, Channel],
    base_url: str,
    actor: Person,
    contact_id: int,
) -> TestOutcome:
    """Send a test notification on one method now and keep its outcome with the method."""
    with uow(read_only=True) as work:
        record = _method(work, actor, contact_id)
        person = _person(work, record.user_id)
    now = clock.now()
    if record.tested_at is not None and now - record.tested_at < TEST_COOLDOWN:
        wait = int((TEST_COOLDOWN - (now - record.tested_at)).total_seconds()) + 1
        raise Refused(f"this method was tested moments ago; try again in {wait}s")
    page = trial_page(person, record, at=now, base_url=base_url)
    channel = channels.get(record.kind)
    if channel is None:
        delivery = Delivery(
            ok=False, permanent=True, detail=f"this server has no {record.kind} channel set up"
        )
    else:
        delivery = channel.send(page)
    with uow() as work:
        if work.contacts.get(contact_id) is not None:
            work.contacts.record_test(
                contact_id, at=clock.now(), ok=delivery.ok, detail=delivery.detail
            )
        tested = work.contacts.get(contact_id)
        work.commit()
    return TestOutcome(tested or record, delivery)


def method_name(method: ContactRecord) -> str:
    """``mobile (sms +447700900123)``, or ``email ada@example.com`` without a label."""
    plain = f"{method.kind} {method.address}"
    return f"{method.label} ({plain})" if method.label else plain


def rule_text(rule: NotificationRule, methods: Sequence[ContactRecord]) -> str:
    """``mobile (sms +447700900123) after 5m``, ``email ada@example.com at once``."""
    method = next((m for m in methods if m.id == rule.contact_method_id), None)
    name = method_name(method) if method else f"method #{rule.contact_method_id}"
    when = f"after {format_duration(rule.delay)}" if rule.delay else "at once"
    return f"{name} {when}"


def rules_for(rules: Sequence[NotificationRule], urgency: Urgency) -> tuple[NotificationRule, ...]:
    """The rules that apply to ``urgency``, in their order."""
    return tuple(rule for rule in rules if rule.urgency in (None, urgency))


def default_text(urgency: Urgency) -> str:
    """What happens to an urgency without rules."""
    if urgency is Urgency.HIGH:
        return "every method at once (no rules of their own)"
    return "email at once, within working hours (no rules of their own)"


def find_method(methods: Sequence[ContactRecord], reference: str) -> ContactRecord:
    """The one method ``reference`` names: ``#3`` or ``3``, a label, a type or an address.
    Refused when it names none or several."""
    wanted = reference.strip()
    number = wanted.removeprefix("#")
    found = [m for m in methods if number.isdigit() and m.id == int(number)]
    found = found or [m for m in methods if wanted in (m.label, m.address)]
    found = found or [m for m in methods if m.kind == wanted]
    if not found:
        raise Refused(f"{reference!r} names none of their contact methods")
    if len(found) > 1:
        numbers = ", ".join(f"#{m.id}" for m in found)
        raise Refused(f"{reference!r} names {len(found)} methods ({numbers}); use the number")
    return found[0]
