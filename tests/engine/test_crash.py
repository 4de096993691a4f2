"""An engine killed with SIGKILL loses nothing and repeats nothing once another starts."""

from __future__ import annotations

import time

from tests.conftest import Mailbox
from tests.engine.conftest import (
    ADA,
    CTO,
    Deploy,
    Engines,
    StallingMailbox,
    notified,
    org_document,
    wait_until,
)

ESCALATE_AFTER = 3.0


def test_a_killed_engine_is_replaced_and_every_page_arrives_exactly_once(
    database_url: str, mailbox: Mailbox, deploy: Deploy, engines: Engines
) -> None:
    deployment = deploy(
        database_url,
        org_document(first=f"{ESCALATE_AFTER:.0f}s", second="1m"),
        ONDECK_SMTP_URL=mailbox.url,
    )
    first_engine = engines.start(deployment.env)

    deployment.trigger("db-primary-down")
    mailbox.wait_for(ADA, timeout=10)
    incident = deployment.incident("db-primary-down")
    wait_until(
        lambda: notified(deployment.timeline(incident["id"])) == [(ADA, 0)],
        timeout=5,
        what="Ada's page is recorded as sent",
    )
    paged_at = time.monotonic()
    first_engine.kill()

    time.sleep(max(paged_at + ESCALATE_AFTER + 1.0 - time.monotonic(), 0.0))
    assert mailbox.to(CTO) == [], "nobody may be paged while no engine runs"
    assert len(mailbox.to(ADA)) == 1

    engines.start(deployment.env, working=False)
    running_at = time.monotonic()
    mailbox.wait_for(CTO, timeout=20)
    # On SQLite a stale leader lock would hold the new engine back until it expired.
    assert time.monotonic() - running_at < 4.0, "the new engine took over too slowly"

    time.sleep(1.0)  # room for a duplicate to show up
    assert len(mailbox.to(ADA)) == 1
    assert len(mailbox.to(CTO)) == 1
    timeline = deployment.timeline(incident["id"])
    assert notified(timeline) == [(ADA, 0), (CTO, 1)]
    assert [entry["data"]["level"] for entry in timeline if entry["kind"] == "escalated"] == [0, 1]


def test_a_page_a_killed_engine_was_sending_is_sent_again_by_the_next_engine_at_once(
    sqlite_url: str, stalling_mailbox: StallingMailbox, deploy: Deploy, engines: Engines
) -> None:
    box = stalling_mailbox.box
    deployment = deploy(sqlite_url, org_document(first="1h", second="1h"), ONDECK_SMTP_URL=box.url)
    first_engine = engines.start(deployment.env)
    deployment.trigger("cache-evictions")
    assert stalling_mailbox.stalled.wait(10), "the engine started sending"

    first_engine.kill()
    engines.start(deployment.env, working=False)
    running_at = time.monotonic()

    box.wait_for(ADA, timeout=20)
    # On SQLite the new engine knows the old one is dead, so it need not wait out the
    # page's sending deadline (30 s) before sending it again.
    assert time.monotonic() - running_at < 4.0
    time.sleep(1.0)  # room for a duplicate to show up
    assert len(box.to(ADA)) == 1
    incident = deployment.incident("cache-evictions")
    assert notified(deployment.timeline(incident["id"])) == [(ADA, 0)]
