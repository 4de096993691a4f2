"""Notices through the real outbox and a real SMTP server (aiosmtpd), on SQLite and
PostgreSQL: the incident manager's overdue CAN reminder and a stakeholder's CAN report
arrive by email, to the person's email method although another method comes first; an
acknowledgement does not cancel them and storm control does not hold them; they never make
anyone a participant. The clock is the test's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain import storm
from ondeck.domain.model import AlertAction, AlertSignal
from ondeck.services import command, command_centre, delivery, people
from ondeck.services.actions import Action, act
from ondeck.services.errors import Forbidden
from ondeck.services.ingest import ingest_signal
from ondeck.services.ports import Person
from tests.conftest import ROUTING_KEY, SECRET, Mailbox, text_body
from tests.engine.conftest import apply_org
from tests.engine.harness import FakeClock

ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
  - email: grace@example.com
    name: Grace Hopper
    contact_methods:
      - {{type: ntfy, address: grace-pager-topic}}
      - {{type: email, address: grace@example.com}}
  - {{email: sam@example.com, name: Sam Rivers}}
escalation_policies:
  - name: Heads
    levels: [{{escalate_after: 1h, targets: [{{user: ada@example.com}}]}}]
services:
  - name: Checkout API
    escalation_policy: Heads
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
"""


@dataclass
class World:
    container: Container
    clock: FakeClock
    mail: Mailbox

    def person(self, email: str) -> Person:
        return people.person_by_email(uow=self.container.uow, email=email)

    def send_due(self, storm_limit: storm.Limit | None = None) -> int:
        """Claim what is due and deliver it through the real channels; how many went."""
        claimed = delivery.claim_messages(
            uow=self.container.uow,
            clock=self.clock,
            sending_timeout=timedelta(seconds=30),
            storm_limit=storm_limit,
        )
        for message in claimed:
            delivery.deliver(
                uow=self.container.uow,
                clock=self.clock,
                channels=self.container.channels,
                links=self.container.links,
                message=message,
                max_attempts=3,
            )
        return len(claimed)


@pytest.fixture
def world(database_url: str, mailbox: Mailbox) -> Iterator[World]:
    clock = FakeClock()
    container = bootstrap(
        Settings(database_url=database_url, secret_key=SECRET, smtp_url=mailbox.url),
        clock=clock,
    )
    container.migrate()
    apply_org(container, ORG)
    try:
        yield World(container, clock, mailbox)
    finally:
        container.close()


def declared(w: World) -> int:
    """An incident with Grace as its incident manager and Sam following it."""
    outcome = ingest_signal(
        uow=w.container.uow,
        clock=w.clock,
        integration_key=ROUTING_KEY,
        signal=AlertSignal(action=AlertAction.TRIGGER, dedup_key="notices", summary="Down"),
    )
    assert outcome.incident_id is not None
    command.declare(
        uow=w.container.uow,
        clock=w.clock,
        incident_id=outcome.incident_id,
        actor=w.person("ada@example.com"),
        manager="grace@example.com",
    )
    command_centre.follow(
        uow=w.container.uow,
        clock=w.clock,
        incident_id=outcome.incident_id,
        actor=w.person("sam@example.com"),
    )
    return outcome.incident_id


def number(w: World, incident_id: int) -> int:
    state = command.command_state(uow=w.container.uow, clock=w.clock, incident_id=incident_id)
    return state.incident.number


def test_the_overdue_reminder_reaches_the_managers_email_though_the_incident_is_acknowledged(
    world: World,
) -> None:
    incident_id = declared(world)
    world.send_due()  # Ada's page
    world.clock.advance(minutes=30)
    assert command.remind_overdue_can(uow=world.container.uow, clock=world.clock) == 1
    act(
        uow=world.container.uow,
        clock=world.clock,
        incident_id=incident_id,
        person=world.person("ada@example.com"),
        action=Action.ACKNOWLEDGE,
        via="test",
    )  # stops paging: queued pages are cancelled, the queued reminder is not
    assert world.send_due() == 1
    [mail] = world.mail.wait_for("grace@example.com")
    assert mail["Subject"] == f"[ondeck] CAN report overdue: #{number(world, incident_id)} Down"
    text = text_body(mail)
    assert "was due at 10:30 UTC" in text
    assert f"/incidents/{incident_id}" in text
    assert "/l/" not in text  # no signed action links in a notice


def test_a_stakeholder_gets_the_report_by_email_and_storm_control_holds_no_notice(
    world: World,
) -> None:
    incident_id = declared(world)
    world.send_due()
    for needs in ("A DBA", "Still a DBA", "A second DBA"):
        command.post_can_report(
            uow=world.container.uow,
            clock=world.clock,
            incident_id=incident_id,
            actor=world.person("grace@example.com"),
            conditions="Checkout failing",
            actions="Rolling back",
            needs=needs,
        )
    # three notices to Sam at once, over a limit of one message a minute: all go
    assert world.send_due(storm.Limit(1, timedelta(minutes=1))) == 3
    reports = world.mail.wait_for("sam@example.com", count=3)
    subject = f"[ondeck] CAN report: #{number(world, incident_id)} Down"
    assert {m["Subject"] for m in reports} == {subject}
    assert {text_body(m).splitlines()[2] for m in reports} == {
        "Needs: A DBA",
        "Needs: Still a DBA",
        "Needs: A second DBA",
    }

    with pytest.raises(Forbidden):  # being sent reports makes nobody a participant
        command.post_can_report(
            uow=world.container.uow,
            clock=world.clock,
            incident_id=incident_id,
            actor=world.person("sam@example.com"),
            conditions="I heard",
            actions="None",
            needs="News",
        )
