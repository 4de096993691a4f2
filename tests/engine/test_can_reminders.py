"""Overdue CAN reports remind the incident manager once per due time, through the outbox.

A real database on both engines; the clock is the test's.
"""

from __future__ import annotations

from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.engine.worker import Engine
from ondeck.services import command, people
from ondeck.services.actions import Action, act
from ondeck.services.ports import Person
from ondeck.services.timeline import CAN_OVERDUE
from tests.engine.conftest import ADA, org_document
from tests.engine.harness import Harness, running_harness


def ada(harness: Harness) -> Person:
    return people.person_by_email(uow=harness.container.uow, email=ADA)


def declared(harness: Harness) -> int:
    """A triggered incident, acknowledged and declared by Ada (its incident manager)."""
    harness.apply(org_document(first="1h", second="1h"))
    incident_id = harness.trigger("can-reminders")
    harness.advance()
    me = ada(harness)
    act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=me,
        action=Action.ACKNOWLEDGE,
        via="test",
    )
    command.declare(
        uow=harness.container.uow, clock=harness.clock, incident_id=incident_id, actor=me
    )
    return incident_id


def remind(harness: Harness) -> int:
    return command.remind_overdue_can(uow=harness.container.uow, clock=harness.clock)


def reminder_keys(harness: Harness) -> list[str]:
    with harness.container.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.idempotency_key)
            .where(outbox.c.idempotency_key.like("%:can:%"))
            .order_by(outbox.c.id)
        )
        found = [str(row.idempotency_key) for row in rows]
        conn.rollback()
    return found


def test_an_overdue_can_report_reminds_the_manager_exactly_once_per_due_time(
    harness: Harness,
) -> None:
    incident_id = declared(harness)
    harness.clock.advance(minutes=29)
    assert remind(harness) == 0  # not due yet: the first report is due 30 minutes in

    harness.clock.advance(minutes=1)
    assert remind(harness) == 1
    assert remind(harness) == 0  # the same due time never reminds twice
    assert harness.kinds(incident_id).count(CAN_OVERDUE) == 1
    assert len(reminder_keys(harness)) == 1

    harness.clock.advance(minutes=30)  # still no report: the next due time reminds again
    assert remind(harness) == 1
    assert harness.kinds(incident_id).count(CAN_OVERDUE) == 2
    assert len(set(reminder_keys(harness))) == 2


def test_a_posted_report_moves_the_reminder_and_an_engine_pass_fires_it(
    harness: Harness,
) -> None:
    incident_id = declared(harness)
    harness.clock.advance(minutes=20)
    command.post_can_report(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        actor=ada(harness),
        conditions="Checkout failing for 10% of users",
        actions="Rolling back release 42",
        needs="A payments expert",
    )
    harness.clock.advance(minutes=29)
    assert remind(harness) == 0  # the report reset the clock: due 30 minutes after it

    harness.clock.advance(minutes=1)
    engine = Engine(harness.container)
    try:
        assert engine.run_once()
    finally:
        engine.stop()
        engine._pool.shutdown(wait=True)
    assert harness.kinds(incident_id).count(CAN_OVERDUE) == 1
    assert remind(harness) == 0


def test_reminders_stop_once_the_incident_reaches_review(harness: Harness) -> None:
    incident_id = declared(harness)
    command.change_stage(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        actor=ada(harness),
        stage="review",
        reason="fixed by the rollback before we got going",
    )
    harness.clock.advance(hours=2)
    assert remind(harness) == 0
    assert CAN_OVERDUE not in harness.kinds(incident_id)


def test_the_cadence_is_an_organisation_setting(database_url: str) -> None:
    with running_harness(database_url, can_high_minutes=10) as harness:
        policy = command.Policy(cadence=harness.container.settings.can_cadence)
        harness.apply(org_document(first="1h", second="1h"))
        incident_id = harness.trigger("cadence")
        command.declare(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            actor=ada(harness),
            policy=policy,
        )
        harness.clock.advance(minutes=10)
        engine = Engine(harness.container)
        try:
            assert engine.run_once()
        finally:
            engine.stop()
            engine._pool.shutdown(wait=True)
        assert harness.kinds(incident_id).count(CAN_OVERDUE) == 1


def test_the_reminder_reaches_the_manager_although_the_incident_is_acknowledged(
    harness: Harness,
) -> None:
    incident_id = declared(harness)
    harness.clock.advance(minutes=30)
    assert remind(harness) == 1
    for message in harness.claim():
        assert harness.deliver(message)
    reminders = [p for p in harness.email.pages if p.notice is not None]
    assert [(p.address, p.incident_id) for p in reminders] == [(ADA, incident_id)]
    notice = reminders[0].notice
    assert notice is not None and notice.purpose == "can_reminder"
    assert notice.subject == f"CAN report overdue: #{reminders[0].incident_number} Down"
    assert reminders[0].acknowledge_url == ""  # a notice offers no actions
