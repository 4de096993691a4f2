"""Storm control, escalate-now, snooze and chat-channel announcements, driven by hand.

A real database on both engines; the clock and the channels are the test's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ondeck.adapters.db.tables import services
from ondeck.domain import storm
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.model import IncidentStatus
from ondeck.services import incidents, people
from ondeck.services.actions import Action, act
from ondeck.services.ports import Delivery, Page, Person
from ondeck.services.timeline import BUNDLED, ESCALATED_MANUALLY, HELD, NOTIFIED, SNOOZE_ENDED
from tests.engine.conftest import ADA, CTO, org_document
from tests.engine.harness import Harness

LIMIT = storm.Limit(3, timedelta(seconds=60))


def person(harness: Harness, email: str) -> Person:
    return people.person_by_email(uow=harness.container.uow, email=email)


def drain(harness: Harness, limit: storm.Limit | None = LIMIT) -> int:
    """Fire what is due and deliver every message the storm limit lets through now."""
    sent = 0
    harness.advance()
    while claimed := harness.claim(limit):
        for message in claimed:
            sent += harness.deliver(message)
    return sent


def carried(page: Page) -> list[int]:
    return [item.incident_id for item in page.bundle] if page.bundled else [page.incident_id]


def test_a_storm_of_a_thousand_incidents_becomes_a_few_bundled_messages_listing_all(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="1h", second="1h"))
    opened: list[int] = []
    for n in range(1000):
        opened.append(harness.trigger(f"storm-{n}"))
        if n % 25 == 24:  # 1,000 incidents over one minute, the engine keeping up
            harness.clock.advance(seconds=1.5)
            drain(harness)
    harness.clock.advance(seconds=61)
    drain(harness)

    pages = harness.email.pages
    assert 2 <= len(pages) <= 6, [len(carried(page)) for page in pages]
    listed = [incident_id for page in pages for incident_id in carried(page)]
    assert sorted(listed) == sorted(opened)  # every incident listed, none twice
    assert any(page.bundled for page in pages)
    kinds = harness.kinds(opened[-1])
    assert HELD in kinds and BUNDLED in kinds and NOTIFIED in kinds
    notified = [
        entry.message
        for entry in incidents.incident_timeline(uow=harness.container.uow, incident_id=opened[-1])
        if entry.kind == NOTIFIED
    ]
    assert notified and "one message for" in notified[0]


def test_pages_go_on_their_own_up_to_the_limit_and_the_rest_wait_for_one_bundle(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="1h", second="1h"))
    opened = [harness.trigger(f"at-once-{n}") for n in range(3)]
    drain(harness)
    harness.clock.advance(seconds=1)
    later = [harness.trigger(f"later-{n}") for n in range(2)]
    drain(harness)
    assert [carried(page) for page in harness.email.pages] == [[n] for n in opened]
    harness.clock.advance(seconds=58)
    drain(harness)
    assert len(harness.email.pages) == 3  # the window is not over yet
    harness.clock.advance(seconds=1)
    drain(harness)
    assert carried(harness.email.pages[-1]) == later


def test_escalate_now_pages_the_next_level_at_once_and_stops_after_the_last(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    incident_id = harness.trigger("db-down")
    drain(harness, None)
    assert [page.address for page in harness.email.pages] == [ADA]

    outcome = act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=person(harness, ADA),
        action=Action.ESCALATE,
        via="test",
    )
    drain(harness, None)

    assert outcome.summary.startswith(f"Escalated #{incident_id}")
    assert [page.address for page in harness.email.pages] == [ADA, CTO]
    assert ESCALATED_MANUALLY in harness.kinds(incident_id)
    with pytest.raises(InvalidTransition, match="no level after the last one that paged"):
        act(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            person=person(harness, ADA),
            action=Action.ESCALATE,
            via="test",
        )


def test_escalating_an_acknowledged_incident_triggers_it_and_pages_the_next_level(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    incident_id = harness.trigger("db-down")
    drain(harness, None)
    ada = person(harness, ADA)
    act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=ada,
        action=Action.ACKNOWLEDGE,
        via="test",
    )
    act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=ada,
        action=Action.ESCALATE,
        via="test",
    )
    drain(harness, None)
    record = incidents.get_incident(uow=harness.container.uow, incident_id=incident_id)
    assert record.status is IncidentStatus.TRIGGERED
    assert [page.address for page in harness.email.pages] == [ADA, CTO]


def test_a_snooze_acknowledges_and_pages_again_from_the_first_level_when_it_runs_out(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    incident_id = harness.trigger("db-down")
    drain(harness, None)
    outcome = act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=person(harness, ADA),
        action=Action.SNOOZE,
        via="test",
        snooze=timedelta(minutes=10),
    )
    assert outcome.incident.status is IncidentStatus.ACKNOWLEDGED
    harness.clock.advance(minutes=9, seconds=59)
    assert drain(harness, None) == 0

    harness.clock.advance(seconds=1)
    drain(harness, None)

    record = incidents.get_incident(uow=harness.container.uow, incident_id=incident_id)
    assert record.status is IncidentStatus.TRIGGERED
    assert [page.address for page in harness.email.pages] == [ADA, ADA]
    assert SNOOZE_ENDED in harness.kinds(incident_id)


def test_a_snoozed_incident_resolved_meanwhile_stays_resolved(harness: Harness) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    incident_id = harness.trigger("db-down")
    drain(harness, None)
    ada = person(harness, ADA)
    for action in (Action.SNOOZE, Action.RESOLVE):
        act(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            person=ada,
            action=action,
            via="test",
        )
    harness.clock.advance(hours=2)
    drain(harness, None)
    record = incidents.get_incident(uow=harness.container.uow, incident_id=incident_id)
    assert record.status is IncidentStatus.RESOLVED
    assert len(harness.email.pages) == 1


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_a_snooze_outside_a_minute_to_a_day_is_refused(harness: Harness, minutes: int) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    incident_id = harness.trigger("db-down")
    with pytest.raises(InvalidTransition, match="between 1 minute and 24 hours"):
        act(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            person=person(harness, ADA),
            action=Action.SNOOZE,
            via="test",
            snooze=timedelta(minutes=minutes),
        )
    record = incidents.get_incident(uow=harness.container.uow, incident_id=incident_id)
    assert record.status is IncidentStatus.TRIGGERED


def test_the_services_chat_channel_gets_one_message_per_incident_updated_in_place(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="30m", second="30m"))
    with harness.container.engine.begin() as conn:
        conn.execute(update(services).values(chat_channel="C0PAYMENTS"))
    harness.slack.outcomes = [Delivery(ok=True, detail="posted", provider_ref="C0PAYMENTS:17.1")]
    incident_id = harness.trigger("db-down")
    drain(harness, None)
    act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=person(harness, ADA),
        action=Action.ACKNOWLEDGE,
        via="test",
    )
    drain(harness, None)

    first, update_ = harness.slack.pages
    assert (first.address, first.thread_ref, first.status) == (
        "C0PAYMENTS",
        "",
        IncidentStatus.TRIGGERED,
    )
    assert (update_.thread_ref, update_.status) == ("C0PAYMENTS:17.1", IncidentStatus.ACKNOWLEDGED)
    assert update_.recipient_name == ""
    assert [page.address for page in harness.email.pages] == [ADA]  # people still paged
