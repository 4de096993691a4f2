"""Two engine processes on one PostgreSQL database share the work and never double-page."""

from __future__ import annotations

import time
from collections import Counter

from tests.conftest import Mailbox
from tests.engine.conftest import (
    ADA,
    CTO,
    Deploy,
    Engines,
    incident_numbers,
    notified,
    org_document,
    wait_until,
)

INCIDENTS = 50


def test_two_engines_page_every_level_of_every_incident_exactly_once(
    postgres_url: str,
    mailbox: Mailbox,
    other_mailbox: Mailbox,
    deploy: Deploy,
    engines: Engines,
) -> None:
    # Each page on its own (no storm bundling): the test counts pages per incident.
    deployment = deploy(
        postgres_url, org_document(first="1s", second="1m"), ONDECK_NOTIFY_LIMIT="1000"
    )
    engines.start({**deployment.env, "ONDECK_SMTP_URL": mailbox.url})
    engines.start({**deployment.env, "ONDECK_SMTP_URL": other_mailbox.url})

    for n in range(INCIDENTS):
        deployment.trigger(f"burst-{n}", summary=f"Disk full on db-{n}")

    def delivered() -> int:
        return sum(len(box.to(who)) for box in (mailbox, other_mailbox) for who in (ADA, CTO))

    wait_until(lambda: delivered() >= 2 * INCIDENTS, timeout=60, what="every page delivered")
    time.sleep(1.5)  # room for a duplicate to show up

    numbers = {i["number"] for i in deployment.incidents()}
    assert len(numbers) == INCIDENTS
    for who in (ADA, CTO):
        pages = Counter(incident_numbers(mailbox, who) + incident_numbers(other_mailbox, who))
        assert set(pages) == numbers, f"{who} missed incidents {numbers - set(pages)}"
        assert {n: c for n, c in pages.items() if c != 1} == {}, f"{who} was paged twice"
    assert mailbox.messages and other_mailbox.messages, "both engines should have delivered"

    for incident in deployment.incidents():
        timeline = deployment.timeline(incident["id"])
        assert sorted(notified(timeline)) == [(ADA, 0), (CTO, 1)], incident["number"]
        assert [e["kind"] for e in timeline].count("escalated") == 2
