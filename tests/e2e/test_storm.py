"""Storm control at the user's boundary: 1,000 alerts over HTTP, real email out.

One responder, 1,000 distinct incidents in well under a minute: the mailbox must receive a
bounded number of messages, and together they must list every incident exactly once.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import ROUTING_KEY, Mailbox, ondeck_env, org_yaml, run_cli

INCIDENTS = 1000
LIMIT, WINDOW = 3, 10


def numbers_in(mailbox: Mailbox) -> list[int]:
    """Every incident number the messages to Ada carry (bundles list several)."""
    found: list[int] = []
    for message in mailbox.to("ada@example.com"):
        header = str(message["X-Ondeck-Incident"])
        found += [int(part) for part in header.replace(",", " ").split()]
    return found


def test_a_thousand_incidents_for_one_responder_become_a_few_bundled_emails(
    sqlite_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    env = ondeck_env(
        sqlite_url,
        ONDECK_SMTP_URL=mailbox.url,
        ONDECK_NOTIFY_LIMIT=str(LIMIT),
        ONDECK_NOTIFY_WINDOW_SECONDS=str(WINDOW),
    )
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first="1h", second="1h"))
    server = start_server(env)

    client = httpx.Client(base_url=server.url, timeout=30)
    """One client for the storm (thread-safe; connections are kept alive and reused): each
    request is still a request of its own to the server, without a new client's set-up."""

    def trigger(n: int) -> None:
        body = {
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": f"storm-{n}",
            "payload": {"summary": f"Disk full on db-{n}", "source": "db", "severity": "critical"},
        }
        response = client.post("/v2/enqueue", json=body)
        assert response.status_code == 202, response.text

    started = time.monotonic()
    with client, ThreadPoolExecutor(8) as pool:
        list(pool.map(trigger, range(INCIDENTS)))
    storm_seconds = time.monotonic() - started
    assert storm_seconds < 60, "the storm should arrive within a minute"

    deadline = time.monotonic() + 3 * WINDOW + 30
    while len(set(numbers_in(mailbox))) < INCIDENTS and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # room for a stray extra message to show up

    numbers = numbers_in(mailbox)
    assert sorted(numbers) == list(range(1, INCIDENTS + 1))  # every incident, exactly once
    messages = len(mailbox.to("ada@example.com"))
    windows = int(storm_seconds // WINDOW) + 2
    assert 2 <= messages <= LIMIT * windows + 1, (messages, storm_seconds)
    assert any("incidents for you" in str(m["Subject"]) for m in mailbox.to("ada@example.com"))
