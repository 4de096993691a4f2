"""Mattermost's interactive buttons, end to end: a real server pages Ada through a local
Mattermost incoming webhook, and the test presses the buttons of the post it received the
way Mattermost does (a JSON POST to the button's integration URL with its context).
A valid token acts as Ada, via Mattermost; a forged one is refused and recorded."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.api.support import Site, fresh_database, running_site
from tests.channels.local_provider import Provider, Reply, Request, local_provider
from tests.conftest import ROUTING_KEY

HOOK_PATH = "/hooks/ucw5qjw86jgeum77o1uw8197jr"


def org(hook_url: str) -> str:
    return f"""
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {{type: mattermost, address: "{hook_url}", label: chat}}
    notification_rules:
      - {{contact: chat, after: 0m}}
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


def mattermost_webhook(request: Request) -> Reply:
    if request.path != HOOK_PATH:
        return Reply.json(400, {"id": "web.incoming_webhook.invalid", "message": "Invalid webhook"})
    return Reply(200, "ok")


@dataclass
class Chat:
    site: Site
    mattermost: Provider
    database_url: str

    def trigger(self, title: str) -> dict[str, Any]:
        """Open an incident titled ``title``; the post Mattermost received for it."""
        response = httpx.post(
            f"{self.site.server.url}/v2/enqueue",
            json={
                "routing_key": ROUTING_KEY,
                "event_action": "trigger",
                "dedup_key": title,
                "payload": {"summary": title, "source": "web-1", "severity": "critical"},
            },
            timeout=10,
        )
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for request in self.mattermost.requests():
                post: dict[str, Any] = request.json()
                if post["attachments"][0]["title"].endswith(title):
                    return post
            time.sleep(0.05)
        raise AssertionError(f"Mattermost received no post for {title!r}")

    def incident(self, title: str) -> dict[str, Any]:
        listed = self.site.as_("ada").get("/api/v1/incidents").json()["data"]
        found: dict[str, Any] = next(i for i in listed if i["dedup_key"] == title)
        return found

    def timeline(self, incident_id: int) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = (
            self.site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
        )
        return entries

    def refusals(self) -> list[tuple[str, str, str]]:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT channel, sender, reason FROM inbound_refusals ORDER BY id")
                )
                return [(row[0], row[1], row[2]) for row in rows]
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def chat(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chat]:
    directory: Path = tmp_path_factory.mktemp(f"mattermost-{request.param}")
    with (
        local_provider(mattermost_webhook) as mattermost,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            org(mattermost.url + HOOK_PATH),
            ["ada@example.com"],
            directory,
            ONDECK_NOTIFY_LIMIT="1000",
        ) as site,
    ):
        yield Chat(site, mattermost, url)


def press(post: dict[str, Any], button: str, user_name: str = "ada") -> httpx.Response:
    """What Mattermost sends when ``user_name`` presses ``button`` on ``post``."""
    action = next(a for a in post["attachments"][0]["actions"] if a["name"] == button)
    return press_with(action["integration"]["url"], action["integration"]["context"], user_name)


def press_with(url: str, context: dict[str, Any], user_name: str = "ada") -> httpx.Response:
    return httpx.post(
        url,
        json={
            "user_id": "rrwz8bq7xtfijm5wbc1wbqu9pc",
            "user_name": user_name,
            "channel_id": "4xp9fdt77pncbef59f4k1qe83o",
            "channel_name": "incidents",
            "team_id": "ys6u5bt8xjbdmqx1uk6rmx8omo",
            "team_domain": "acme",
            "post_id": uuid.uuid4().hex[:26],
            "trigger_id": "",
            "type": "",
            "data_source": "",
            "context": context,
        },
        timeout=10,
    )


def _names(update: dict[str, Any]) -> list[str]:
    return [a["name"] for a in update["props"]["attachments"][0]["actions"]]


def test_pressing_acknowledge_acknowledges_as_the_paged_person_via_mattermost(
    chat: Chat,
) -> None:
    title = f"Checkout 5xx {uuid.uuid4().hex[:6]}"
    post = chat.trigger(title)
    number = chat.incident(title)["number"]

    answer = press(post, "Acknowledge")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ephemeral_text"] == f"Acknowledged #{number} ({title})"
    assert body["update"]["message"] == (
        f"Acknowledged #{number} ({title}), by Ada Lovelace via Mattermost (@ada)"
    )
    assert _names(body["update"]) == ["Resolve", "Escalate now", "Snooze 1 h"]
    incident = chat.incident(title)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_by"] == "ada@example.com"
    acknowledged = [e for e in chat.timeline(incident["id"]) if e["kind"] == "acknowledged"]
    assert len(acknowledged) == 1
    assert "via mattermost (@ada)" in acknowledged[0]["message"]


def test_the_updated_post_resolves_and_then_has_no_buttons(chat: Chat) -> None:
    title = f"Queue backlog {uuid.uuid4().hex[:6]}"
    post = chat.trigger(title)
    acknowledged = press(post, "Acknowledge").json()["update"]

    resolve = next(
        a for a in acknowledged["props"]["attachments"][0]["actions"] if a["name"] == "Resolve"
    )
    answer = press_with(resolve["integration"]["url"], resolve["integration"]["context"], "grace")

    assert answer.status_code == 200, answer.text
    update = answer.json()["update"]
    assert update["props"]["attachments"][0]["actions"] == []
    assert "via Mattermost (@grace)" in update["message"]
    incident = chat.incident(title)
    assert incident["status"] == "resolved"
    resolved = [e for e in chat.timeline(incident["id"]) if e["kind"] == "resolved"]
    assert "ada@example.com via mattermost (@grace)" in resolved[0]["message"]


def test_pressing_a_button_the_incident_has_outgrown_explains_and_changes_nothing(
    chat: Chat,
) -> None:
    title = f"Cache misses {uuid.uuid4().hex[:6]}"
    post = chat.trigger(title)
    press(post, "Resolve")

    answer = press(post, "Snooze 1 h")

    assert answer.status_code == 200
    body = answer.json()
    assert "resolved and cannot be snoozed" in body["ephemeral_text"]
    assert body["update"]["props"]["attachments"][0]["actions"] == []
    assert chat.incident(title)["status"] == "resolved"


def test_a_forged_token_is_refused_recorded_and_changes_nothing(chat: Chat) -> None:
    title = f"Disk full {uuid.uuid4().hex[:6]}"
    post = chat.trigger(title)
    action = next(a for a in post["attachments"][0]["actions"] if a["name"] == "Acknowledge")
    token: str = action["integration"]["context"]["token"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    answer = press_with(action["integration"]["url"], {"token": forged}, "mallory")
    unsigned = press_with(action["integration"]["url"], {}, "mallory")

    assert answer.status_code == 403
    assert answer.json() == {"ephemeral_text": "ondeck refused this button: this link is not valid"}
    assert unsigned.status_code == 403
    incident = chat.incident(title)
    assert incident["status"] == "triggered"
    kinds = [e["kind"] for e in chat.timeline(incident["id"])]
    assert "acknowledged" not in kinds
    refused = [r for r in chat.refusals() if r[1] == "@mallory"]
    assert refused[-2:] == [
        ("mattermost", "@mallory", "this link is not valid"),
        ("mattermost", "@mallory", "this link is not valid"),
    ]


def test_a_request_that_is_not_mattermost_json_is_refused(chat: Chat) -> None:
    answer = httpx.post(
        f"{chat.site.server.url}/integrations/mattermost/actions",
        content=b"token=abc",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )

    assert answer.status_code == 403
    assert ("mattermost", "@unknown", "not a Mattermost action request") in chat.refusals()
