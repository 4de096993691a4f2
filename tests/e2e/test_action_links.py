"""The signed links of a page do all four actions, from wherever the page went: a real
server pages Ada by ntfy push and by a signed webhook; the test presses the ntfy button as
the phone does (a bare POST, no cookies) and uses the links in the webhook's body the way
a browser or a script would."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.support import Site, fresh_database, running_site
from tests.channels.local_provider import Provider, Reply, Request, local_provider
from tests.channels.test_push import Published, ntfy_server, read
from tests.conftest import ROUTING_KEY, run_cli

TOPIC = "ada-pager-7bq2x"


def org(hook_url: str) -> str:
    return f"""
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {{type: ntfy, address: {TOPIC}, label: phone}}
      - {{type: webhook, address: "{hook_url}", label: bridge}}
    notification_rules:
      - {{contact: phone, after: 0m}}
      - {{contact: bridge, after: 0m}}
  - {{email: cto@example.com, name: Cee Tee, timezone: UTC}}
schedules:
  - name: Primary
    timezone: UTC
    layers:
      - {{name: Weekly, start: 2020-01-06T09:00, rotation: 1w, participants: [ada@example.com]}}
escalation_policies:
  - name: Checkout default
    levels:
      - {{escalate_after: 30m, targets: [{{schedule: Primary}}]}}
      - {{escalate_after: 30m, targets: [{{user: cto@example.com}}]}}
services:
  - name: Checkout API
    escalation_policy: Checkout default
    integrations:
      - {{type: events_v2, key: {ROUTING_KEY}}}
"""


def receiver(request: Request) -> Reply:
    """A receiver that takes JSON (the signature is checked by the test that reads it)."""
    if request.headers.get("content-type") != "application/json":
        return Reply.json(415, {"error": "JSON only"})
    return Reply.json(200, {"received": True})


@dataclass
class Deployment:
    site: Site
    ntfy: Provider
    hook: Provider

    @property
    def url(self) -> str:
        return self.site.server.url

    def trigger(self) -> str:
        title = f"Checkout 5xx {uuid.uuid4().hex[:8]}"
        response = httpx.post(
            f"{self.url}/v2/enqueue",
            json={
                "routing_key": ROUTING_KEY,
                "event_action": "trigger",
                "dedup_key": title,
                "payload": {"summary": title, "source": "web-1", "severity": "critical"},
            },
            timeout=10,
        )
        assert response.status_code == 202, response.text
        return title

    def push(self, title: str) -> Published:
        """The ntfy message published for the incident titled ``title``."""
        request = _wait(self.ntfy, lambda r: read(r).title.endswith(title))
        return read(request)

    def webhook(self, title: str) -> Request:
        return _wait(self.hook, lambda r: r.json()["incident"]["title"] == title)

    def incident(self, title: str) -> dict[str, Any]:
        listed = self.site.as_("ada").get("/api/v1/incidents").json()["data"]
        found: dict[str, Any] = next(i for i in listed if i["dedup_key"] == title)
        return found

    def timeline(self, title: str) -> list[dict[str, Any]]:
        incident_id = self.incident(title)["id"]
        path = f"/api/v1/incidents/{incident_id}/timeline"
        entries: list[dict[str, Any]] = self.site.as_("ada").get(path).json()["data"]
        return entries


def _wait(provider: Provider, wanted: Any) -> Request:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for request in provider.requests():
            if wanted(request):
                return request
        time.sleep(0.05)
    raise AssertionError("the page did not arrive")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    directory: Path = tmp_path_factory.mktemp(f"links-{request.param}")
    with (
        local_provider(ntfy_server) as ntfy,
        local_provider(receiver) as hook,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            org(f"{hook.url}/ondeck"),
            ["ada@example.com"],
            directory,
            ONDECK_NTFY_URL=ntfy.url,
            ONDECK_NOTIFY_LIMIT="1000",
        ) as site,
    ):
        yield Deployment(site, ntfy, hook)


def _ntfy_press(published: Published, label: str) -> httpx.Response:
    """What the ntfy app does for an ``http`` action: its method to its URL, nothing else."""
    action = next(a for a in published.actions if a["label"] == label)
    assert action["action"] == "http"
    with httpx.Client(timeout=10, headers={"User-Agent": "ntfy/1.16.0"}) as phone:
        phone.headers.pop("Accept", None)
        return phone.request(action["method"], action["url"])


def test_the_ntfy_acknowledge_button_acknowledges_from_the_phone(
    deployment: Deployment,
) -> None:
    title = deployment.trigger()
    published = deployment.push(title)
    number = deployment.incident(title)["number"]

    pressed = _ntfy_press(published, "Acknowledge")
    again = _ntfy_press(published, "Acknowledge")

    assert pressed.status_code == 200
    assert pressed.text == f"Acknowledged #{number} ({title})\n"
    assert again.status_code == 200
    assert again.text.startswith("Already acknowledged")
    incident = deployment.incident(title)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_by"] == "ada@example.com"
    acknowledged = [e for e in deployment.timeline(title) if e["kind"] == "acknowledged"]
    assert [e["message"] for e in acknowledged] == ["Acknowledged by ada@example.com via link"]


def test_the_ntfy_resolve_button_resolves(deployment: Deployment) -> None:
    title = deployment.trigger()

    pressed = _ntfy_press(deployment.push(title), "Resolve")

    assert pressed.status_code == 200, pressed.text
    assert deployment.incident(title)["status"] == "resolved"


def test_the_webhook_page_verifies_with_the_secret_the_cli_prints(
    deployment: Deployment,
) -> None:
    title = deployment.trigger()
    request = deployment.webhook(title)

    secret = run_cli(deployment.site.server.env, "webhook-secret").stdout.strip()

    timestamp = request.headers["x-ondeck-timestamp"]
    assert abs(time.time() - int(timestamp)) < 60
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["x-ondeck-signature"] == f"v1={expected.hexdigest()}"


def test_the_escalate_link_pages_the_next_level_now(deployment: Deployment) -> None:
    title = deployment.trigger()
    link = deployment.webhook(title).json()["actions"]["escalate"]

    with httpx.Client(timeout=10) as browser:
        shown = browser.get(link, headers={"Accept": "text/html"})
        assert deployment.incident(title)["status"] == "triggered"
        done = browser.post(link, headers={"Accept": "text/html"})

    assert "Page the next level of the escalation policy now." in shown.text
    assert ">Escalate now</button>" in shown.text
    assert done.status_code == 200
    assert f"Escalated #{deployment.incident(title)['number']}" in done.text
    escalated = [e for e in deployment.timeline(title) if e["kind"] == "escalated_manually"]
    assert [e["message"] for e in escalated] == [
        "Escalated to level 2 now by ada@example.com via link"
    ]


def test_the_snooze_link_acknowledges_for_the_minutes_chosen(deployment: Deployment) -> None:
    title = deployment.trigger()
    link = deployment.webhook(title).json()["actions"]["snooze"]

    with httpx.Client(timeout=10) as browser:
        shown = browser.get(link, headers={"Accept": "text/html"})
        done = browser.post(link, data={"minutes": "15"}, headers={"Accept": "text/html"})

    assert '<select name="minutes">' in shown.text
    assert re.search(r'<option value="60"\s+selected>', shown.text)
    assert done.status_code == 200
    assert "Snoozed #" in done.text
    assert deployment.incident(title)["status"] == "acknowledged"
    messages = [e["message"] for e in deployment.timeline(title) if e["kind"] == "acknowledged"]
    assert len(messages) == 1
    assert messages[0].startswith("Snoozed by ada@example.com via link for 15 min")


def test_a_script_gets_json_and_a_snooze_from_the_query(deployment: Deployment) -> None:
    title = deployment.trigger()
    actions = deployment.webhook(title).json()["actions"]

    snoozed = httpx.post(
        actions["snooze"], params={"minutes": "90"}, headers={"Accept": "application/json"}
    )
    too_long = httpx.post(
        actions["snooze"], params={"minutes": "2000"}, headers={"Accept": "application/json"}
    )
    nonsense = httpx.post(actions["snooze"], params={"minutes": "soon"})

    assert snoozed.status_code == 200
    assert snoozed.json()["ok"] is True
    assert snoozed.json()["incident"]["status"] == "acknowledged"
    assert too_long.status_code == 409
    assert too_long.json()["ok"] is False
    assert "between 1 minute and 24 hours" in too_long.json()["summary"]
    assert nonsense.status_code == 400
    messages = [e["message"] for e in deployment.timeline(title) if e["kind"] == "acknowledged"]
    assert messages[0].startswith("Snoozed by ada@example.com via link for 90 min")


def test_a_forged_link_acts_on_nothing(deployment: Deployment) -> None:
    title = deployment.trigger()
    link: str = deployment.webhook(title).json()["actions"]["acknowledge"]

    forged = httpx.post(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))

    assert forged.status_code == 404
    assert forged.text == "Link not valid: this link is not valid\n"
    assert deployment.incident(title)["status"] == "triggered"
