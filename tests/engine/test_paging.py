"""The paging use cases on a real database with a hand-written clock and channels.

No processes and no sleeping: time moves when the test says so.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from ondeck.services import incidents, paging
from ondeck.services.ports import Delivery, Page
from tests.engine.conftest import ADA, CTO, org_document
from tests.engine.harness import SENDING_TIMEOUT, T0, FakeChannel, Harness


def test_the_next_level_is_due_exactly_escalate_after_the_level_fired(harness: Harness) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    incident_id = harness.trigger("disk-full")
    harness.clock.advance(seconds=7)  # the engine fires late: the wait counts from firing

    fired = harness.advance()

    assert [(d.incident_id, d.level, d.due_at) for d in fired] == [(incident_id, 0, T0)]
    assert harness.outbox() == [(ADA, "email", "queued", 0)]
    fired_at = T0 + timedelta(seconds=7)
    assert paging.next_due_at(uow=harness.container.uow) == fired_at
    harness.claim()
    assert paging.next_due_at(uow=harness.container.uow) == fired_at + SENDING_TIMEOUT
    harness.clock.at = fired_at + timedelta(minutes=5) - timedelta(microseconds=1)
    assert harness.advance() == []
    harness.clock.at = fired_at + timedelta(minutes=5)
    assert [(d.level, d.loop) for d in harness.advance()] == [(1, 0)]
    assert [m[0] for m in harness.outbox()] == [ADA, CTO]
    harness.clock.advance(hours=1)
    assert harness.advance() == [], "the last level of a policy without repeats ends it"
    assert harness.kinds(incident_id) == ["triggered", "escalated", "escalated"]


def test_a_level_with_nobody_on_call_falls_through_to_the_next_level_at_once(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="5m", second="10m", first_schedule="Next century"))
    incident_id = harness.trigger("disk-full")

    harness.advance()

    assert harness.kinds(incident_id) == ["triggered", "nobody_on_call", "escalated"]
    assert [(m[0], m[2]) for m in harness.outbox()] == [(CTO, "queued")]
    harness.clock.advance(hours=1)
    assert harness.advance() == [], "the CTO's level was the last"


def test_acknowledging_drops_a_claimed_page_and_cancels_the_queued_ones(
    harness: Harness,
) -> None:
    harness.apply(
        org_document(
            first="5m",
            second="10m",
            ada_contacts=[
                {"type": "email", "address": ADA},
                {"type": "webhook", "address": "https://hooks.example/ada"},
            ],
            ada_rules=[{"contact": "email", "after": "0m"}, {"contact": "webhook", "after": "3s"}],
        )
    )
    incident_id = harness.trigger("disk-full")
    harness.advance()
    [message] = harness.claim()  # the email; the webhook is not due for 3 s

    incidents.acknowledge(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        actor=ADA,
        via="api",
    )
    sent = harness.deliver(message)
    harness.clock.advance(seconds=10)

    assert sent is False
    assert harness.claim() == []
    assert harness.email.pages == [] and harness.webhook.pages == []
    assert [(m[1], m[2]) for m in harness.outbox()] == [
        ("email", "cancelled"),
        ("webhook", "cancelled"),
    ]
    health = paging.backlog(uow=harness.container.uow, clock=harness.clock)
    assert health["messages_failed"] == 0, "a cancelled page is not a failed delivery"
    assert "notified" not in harness.kinds(incident_id)


def test_a_message_whose_sender_died_is_claimed_again_after_its_deadline_with_the_same_key(
    harness: Harness,
) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    harness.trigger("disk-full")
    harness.advance()
    [first] = harness.claim()  # ...and the engine dies before recording an outcome

    harness.clock.advance(seconds=29)
    assert harness.claim() == [], "a live sender keeps its claim until the deadline"
    harness.clock.advance(seconds=2)
    [again] = harness.claim()

    assert (again.id, again.idempotency_key) == (first.id, first.idempotency_key)
    assert (first.attempts, again.attempts) == (1, 2)
    assert harness.deliver(again)
    assert harness.outbox() == [(ADA, "email", "sent", 2)]
    assert harness.claim() == []


def _webhook_then_email() -> str:
    return org_document(
        first="5m",
        second="10m",
        ada_contacts=[
            {"type": "webhook", "address": "https://hooks.example/ada"},
            {"type": "email", "address": ADA},
        ],
        ada_rules=[{"contact": "webhook", "after": "0m"}],
    )


def test_transient_failures_back_off_doubling_then_fail_over_to_the_next_contact(
    harness: Harness,
) -> None:
    harness.apply(_webhook_then_email())
    incident_id = harness.trigger("disk-full")
    harness.webhook.outcomes = [Delivery(ok=False, detail="HTTP 503")] * 3
    harness.advance()

    waits = []
    for _ in range(3):
        [message] = harness.claim()
        harness.deliver(message, max_attempts=3)
        due = paging.next_due_at(uow=harness.container.uow)
        assert due is not None
        waits.append(due - harness.clock.now())
        harness.clock.at = due

    assert waits[:2] == [timedelta(seconds=2), timedelta(seconds=4)]
    assert waits[2] == timedelta(0), "the fallback is due at once"
    [fallback] = harness.claim()
    assert (fallback.kind, fallback.address) == ("email", ADA)
    assert harness.deliver(fallback)
    keys = {page.idempotency_key for page in harness.webhook.pages}
    assert len(keys) == 1 and len(harness.webhook.pages) == 3
    assert harness.kinds(incident_id)[2:] == [
        "delivery_retry",
        "delivery_retry",
        "delivery_failed",
        "failover",
        "notified",
    ]


def test_a_failure_recorded_after_an_acknowledgement_pages_nobody_else(
    harness: Harness,
) -> None:
    harness.apply(_webhook_then_email())
    incident_id = harness.trigger("disk-full")
    harness.webhook.outcomes = [Delivery(ok=False, permanent=True, detail="HTTP 410")]
    harness.advance()
    [message] = harness.claim()

    def acknowledge_while_sending(page: Page) -> Delivery:
        incidents.acknowledge(
            uow=harness.container.uow,
            clock=harness.clock,
            incident_id=incident_id,
            actor=ADA,
            via="api",
        )
        return FakeChannel.send(harness.webhook, page)

    harness.webhook.send = acknowledge_while_sending  # type: ignore[method-assign]
    harness.deliver(message)

    assert [(m[1], m[2]) for m in harness.outbox()] == [("webhook", "failed")]
    assert harness.claim() == []
    assert "failover" not in harness.kinds(incident_id)


def test_concurrent_engines_fire_each_due_level_once(harness: Harness) -> None:
    harness.apply(org_document(first="5m", second="10m"))
    created = [harness.trigger(f"burst-{n}") for n in range(40)]
    start = threading.Barrier(4)
    fired: list[int] = []
    lock = threading.Lock()

    def engine() -> None:
        start.wait()
        for _ in range(5):
            due = harness.advance()
            with lock:
                fired.extend(item.incident_id for item in due)

    threads = [threading.Thread(target=engine) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(fired) == sorted(created)
    for incident_id in created:
        assert harness.kinds(incident_id) == ["triggered", "escalated"]
    assert len(harness.outbox()) == len(created)
