"""Paging follows the schedule as it stands when a level fires: an override made over the API
pages its person instead of the rotation's, and a schedule with nobody on call right now
hands the page straight to the next level. Real server and engine, real SMTP, both
databases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.support import Site, fresh_database, iso, parse_time, running_site
from tests.conftest import Mailbox, smtp_server

PRIMARY_KEY = "a" * 32
BILLING_KEY = "b" * 32


def paging_org(now: datetime) -> str:
    """Checkout pages the Primary schedule (Ada's rotation); Billing pages the Quiet
    schedule, whose one layer (Grace) only covers one minute three days from now. Both
    escalate to the CTO after ten minutes: a CTO page within seconds means a level fell
    through at once."""
    quiet = now + timedelta(days=3)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[quiet.weekday()]
    opens = quiet.replace(second=0, microsecond=0)
    closes = opens + timedelta(minutes=1)
    return f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, timezone: UTC, role: admin,
     contact_methods: [{{type: email, address: ada@example.com}}]}}
  - {{email: grace@example.com, name: Grace Hopper, timezone: UTC,
     contact_methods: [{{type: email, address: grace@example.com}}]}}
  - {{email: cto@example.com, name: Cee Tee, timezone: UTC,
     contact_methods: [{{type: email, address: cto@example.com}}]}}
schedules:
  - name: Primary
    timezone: UTC
    layers:
      - {{name: Weekly, start: 2020-01-06T09:00, rotation: 1w,
         participants: [ada@example.com]}}
  - name: Quiet
    timezone: UTC
    layers:
      - name: One minute
        start: 2020-01-06T00:00
        rotation: 1w
        participants: [grace@example.com]
        restrictions: [{{days: [{day}], from: "{opens:%H:%M}", to: "{closes:%H:%M}"}}]
escalation_policies:
  - name: Checkout policy
    levels:
      - {{escalate_after: 10m, targets: [{{schedule: Primary}}]}}
      - {{escalate_after: 10m, targets: [{{user: cto@example.com}}]}}
  - name: Billing policy
    levels:
      - {{escalate_after: 10m, targets: [{{schedule: Quiet}}]}}
      - {{escalate_after: 10m, targets: [{{user: cto@example.com}}]}}
services:
  - name: Checkout
    escalation_policy: Checkout policy
    integrations: [{{type: events_v2, key: {PRIMARY_KEY}}}]
  - name: Billing
    escalation_policy: Billing policy
    integrations: [{{type: events_v2, key: {BILLING_KEY}}}]
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def paging(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, Mailbox]]:
    """The organisation served with its engine on one database, sending to a real SMTP
    server of its own."""
    directory = tmp_path_factory.mktemp(f"paging-{request.param}")
    with (
        smtp_server() as mailbox,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            paging_org(datetime.now(UTC)),
            ["ada@example.com"],
            directory,
            ONDECK_SMTP_URL=mailbox.url,
        ) as site,
    ):
        yield site, mailbox


def _trigger(site: Site, routing_key: str, summary: str) -> None:
    sent = httpx.post(
        f"{site.server.url}/v2/enqueue",
        json={
            "routing_key": routing_key,
            "event_action": "trigger",
            "payload": {"summary": summary, "source": "e2e", "severity": "critical"},
        },
        timeout=10,
    )
    assert sent.status_code == 202, sent.text


def _timeline(site: Site, summary: str) -> list[dict[str, Any]]:
    client = site.as_("ada")
    [incident] = [
        i for i in client.get("/api/v1/incidents").json()["data"] if i["title"] == summary
    ]
    entries: list[dict[str, Any]] = client.get(
        f"/api/v1/incidents/{incident['id']}/timeline"
    ).json()["data"]
    return entries


def test_an_override_made_over_the_api_pages_its_person_not_the_rotations(
    paging: tuple[Site, Mailbox],
) -> None:
    site, mailbox = paging
    now = datetime.now(UTC)
    made = site.as_("ada").post(
        f"/api/v1/schedules/{site.schedules['Primary']}/overrides",
        json={
            "user": "grace@example.com",
            "start": iso(now - timedelta(minutes=1)),
            "end": iso(now + timedelta(hours=1)),
            "note": "Ada is on a train",
        },
    )
    assert made.status_code == 201, made.text

    _trigger(site, PRIMARY_KEY, "Checkout latency")

    [page] = mailbox.wait_for("grace@example.com", timeout=10)
    assert "Checkout latency" in str(page["Subject"])
    time.sleep(0.5)  # a page to the rotation's person would have gone out with Grace's
    assert mailbox.to("ada@example.com") == []
    escalated = [e for e in _timeline(site, "Checkout latency") if e["kind"] == "escalated"]
    assert escalated[0]["data"]["users"] == ["grace@example.com"]


def test_a_schedule_with_nobody_on_call_now_falls_through_to_the_next_level_at_once(
    paging: tuple[Site, Mailbox],
) -> None:
    site, mailbox = paging
    now = datetime.now(UTC)
    quiet = site.as_("ada").get(f"/api/v1/schedules/{site.schedules['Quiet']}/shifts").json()
    assert quiet["count"] == 2  # one minute a week, the first three days from now
    assert all(parse_time(s["start"]) > now + timedelta(days=2) for s in quiet["data"])
    pages_to_grace = len(mailbox.to("grace@example.com"))

    _trigger(site, BILLING_KEY, "Billing export stuck")

    [page] = mailbox.wait_for("cto@example.com", timeout=8)
    assert "Billing export stuck" in str(page["Subject"])
    assert len(mailbox.to("grace@example.com")) == pages_to_grace
    messages = [e["message"] for e in _timeline(site, "Billing export stuck")]
    assert any(
        "nobody to page (schedule Quiet)" in m and "moving on to the next level now" in m
        for m in messages
    ), messages
    assert any("paging Cee Tee" in m for m in messages), messages
