"""Slack at the user's boundary: a running server pages through a stand-in Slack, and
button presses and ``/ondeck`` commands come back signed the way Slack signs them.

Each test works on incidents of its own, so the tests share one server per database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.web.app import create_app
from tests.api.support import Site, fresh_database, running_site
from tests.channels.fake_slack import TOKEN, FakeSlack, Seen, running_fake_slack
from tests.conftest import ROUTING_KEY, SECRET
from tests.ingest.harness import serve_in_thread

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
INTERACTIONS = "/integrations/slack/interactions"
COMMANDS = "/integrations/slack/commands"
STOREFRONT_KEY = "fedcba9876543210fedcba9876543210"

ORG = f"""
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods: [{{type: slack, address: U0ADA}}]
    notification_rules: [{{contact: slack, after: 0m}}]
  - email: grace@example.com
    name: Grace Hopper
    timezone: America/New_York
    contact_methods: [{{type: slack, address: U0GRACE}}]
  - {{email: cto@example.com, name: Cee Tee, timezone: UTC}}
schedules:
  - name: Payments primary
    timezone: Europe/London
    layers:
      - name: Weekly
        start: 2020-01-06T09:00
        rotation: 1w
        participants: [ada@example.com]
escalation_policies:
  - name: Payments default
    levels:
      - {{escalate_after: 1h, targets: [{{schedule: Payments primary}}]}}
      - {{escalate_after: 1h, targets: [{{user: cto@example.com}}]}}
services:
  - name: Checkout API
    escalation_policy: Payments default
    runbook_url: https://runbooks.example/checkout
    integrations:
      - {{type: events_v2, key: {ROUTING_KEY}}}
  - name: Storefront
    escalation_policy: Payments default
    chat_channel: C0OPS
    integrations:
      - {{type: events_v2, key: {STOREFRONT_KEY}}}
"""


@dataclass
class SlackSite:
    site: Site
    slack: FakeSlack

    @property
    def ada(self) -> httpx.Client:
        return self.site.as_("ada")

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.site.anonymous.post(path, content=body, headers=headers)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def slack_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackSite]:
    directory = tmp_path_factory.mktemp(f"slack-{request.param}")
    with (
        running_fake_slack() as slack,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            ORG,
            ["ada@example.com"],
            directory,
            ONDECK_SLACK_BOT_TOKEN=TOKEN,
            ONDECK_SLACK_SIGNING_SECRET=SIGNING_SECRET,
            ONDECK_SLACK_API_URL=slack.api_url,
            ONDECK_NOTIFY_LIMIT="1000",
        ) as site,
    ):
        yield SlackSite(site, slack)


def sign(body: bytes, *, secret: str = SIGNING_SECRET, at: int | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body``, signed at ``at`` (default: now)."""
    timestamp = str(int(time.time()) if at is None else at)
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def trigger(
    s: SlackSite, summary: str = "Checkout error rate 12%", *, key: str = ROUTING_KEY
) -> dict[str, Any]:
    """A new high-urgency incident of its own, once the engine has paged Ada about it (so
    the engine is done with it for the next hour); its API representation."""
    dedup_key = uuid.uuid4().hex
    sent = s.site.anonymous.post(
        "/v2/enqueue",
        json={
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "web-1", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    listed = s.ada.get("/api/v1/incidents").json()["data"]
    found = [i for i in listed if i["dedup_key"] == dedup_key]
    assert len(found) == 1
    deadline = time.monotonic() + 15
    while not any(e["kind"] == "notified" for e in timeline(s, found[0]["id"])):
        assert time.monotonic() < deadline, "Ada was not paged"
        time.sleep(0.05)
    return dict(found[0])


def incident(s: SlackSite, incident_id: int) -> dict[str, Any]:
    return dict(s.ada.get(f"/api/v1/incidents/{incident_id}").json())


def timeline(s: SlackSite, incident_id: int) -> list[dict[str, Any]]:
    return list(s.ada.get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"])


def actions_on(s: SlackSite, incident_id: int) -> list[dict[str, Any]]:
    """The timeline without the engine's own entries (which come as pages go out)."""
    return [e for e in timeline(s, incident_id) if e["actor"] != "engine"]


def press_body(
    s: SlackSite,
    incident_id: int,
    action: str,
    *,
    member: str = "U0ADA",
    response_path: str = "",
    action_id: str = "",
) -> bytes:
    """The form Slack posts when someone presses one of ondeck's buttons in a DM."""
    payload = {
        "type": "block_actions",
        "user": {"id": member, "username": member.lower(), "name": member.lower(), "team_id": "T0"},
        "api_app_id": "A0ONDECK",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000001",
            "channel_id": "D0ADA",
            "is_ephemeral": False,
        },
        "trigger_id": "1700000001.1.abc",
        "team": {"id": "T0", "domain": "example"},
        "channel": {"id": "D0ADA", "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": "Triggered"},
        "response_url": f"{s.slack.url}{response_path or '/actions/T0/1/' + uuid.uuid4().hex}",
        "actions": [
            {
                "action_id": action_id or f"ondeck_{action}",
                "block_id": f"ondeck_incident_{incident_id}",
                "text": {"type": "plain_text", "text": action.capitalize(), "emoji": True},
                "value": str(incident_id),
                "type": "button",
                "action_ts": "1700000002.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def command_body(text: str, *, member: str = "U0ADA") -> bytes:
    """The form Slack posts for ``/ondeck <text>``."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0",
            "team_domain": "example",
            "channel_id": "C0OPS",
            "channel_name": "ops",
            "user_id": member,
            "user_name": member.lower(),
            "command": "/ondeck",
            "text": text,
            "api_app_id": "A0ONDECK",
            "response_url": "https://hooks.slack.com/commands/T0/1/abc",
            "trigger_id": "1700000001.1.def",
        }
    ).encode()


def command(s: SlackSite, text: str, *, member: str = "U0ADA") -> str:
    body = command_body(text, member=member)
    answer = s.post(COMMANDS, body, sign(body))
    assert answer.status_code == 200, answer.text
    assert answer.json()["response_type"] == "ephemeral"
    return str(answer.json()["text"])


def _posted(slack: FakeSlack, incident_id: int, channel: str) -> Seen:
    """The first message posted to ``channel`` with buttons for the incident."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for seen in slack.to("/api/chat.postMessage"):
            if seen.body.get("channel") != channel:
                continue
            values = {
                e.get("value")
                for b in seen.body.get("blocks", [])
                if b["type"] == "actions"
                for e in b["elements"]
            }
            if str(incident_id) in values:
                return seen
        time.sleep(0.05)
    raise AssertionError(f"no Slack message for incident {incident_id}")


def test_a_page_arrives_as_a_direct_message_and_its_button_acknowledges_as_that_person(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "Checkout error rate 12%")

    dm = _posted(s.slack, opened["id"], "U0ADA")
    assert dm.headers["authorization"] == f"Bearer {TOKEN}"
    assert dm.body["channel"] == "U0ADA"
    assert "Checkout error rate 12%" in dm.body["text"]
    button = next(
        e
        for b in dm.body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "ondeck_acknowledge"
    )
    body = press_body(s, int(button["value"]), "acknowledge", response_path="/actions/T0/1/ack")
    answer = s.post(INTERACTIONS, body, sign(body))

    assert answer.status_code == 200, answer.text
    reply = answer.json()
    assert reply["replace_original"] is True
    assert reply["text"].startswith(f"Acknowledged: #{opened['number']} Checkout error rate 12%")
    shown = json.dumps(reply["blocks"])
    assert ":eyes: *Acknowledged*" in shown and "Ada Lovelace via Slack" in shown
    assert "ondeck_acknowledge" not in shown and "ondeck_resolve" in shown
    now = incident(s, opened["id"])
    assert now["status"] == "acknowledged"
    assert now["acknowledged_by"] == "ada@example.com"
    acked = [e for e in timeline(s, opened["id"]) if e["kind"] == "acknowledged"]
    assert len(acked) == 1 and "via slack" in acked[0]["message"]
    posted_back = s.slack.wait_for("/actions/T0/1/ack")
    assert posted_back[0].body == reply


@pytest.mark.parametrize(
    ("action", "status", "kind", "words"),
    [
        ("resolve", "resolved", "resolved", "Resolved by ada@example.com via slack"),
        ("escalate", "triggered", "escalated_manually", "Escalated to level 2 now by ada"),
        ("snooze", "acknowledged", "acknowledged", "Snoozed by ada@example.com via slack for 60"),
    ],
)
def test_every_button_acts_as_the_person_who_pressed_it(
    slack_site: SlackSite, action: str, status: str, kind: str, words: str
) -> None:
    s = slack_site
    opened = trigger(s, f"{action} me")
    body = press_body(s, opened["id"], action)

    answer = s.post(INTERACTIONS, body, sign(body))

    assert answer.status_code == 200, answer.text
    assert answer.json()["replace_original"] is True
    assert incident(s, opened["id"])["status"] == status
    entries = [e for e in timeline(s, opened["id"]) if e["kind"] == kind]
    assert any(words in e["message"] for e in entries), entries


def test_a_press_from_someone_ondeck_does_not_know_is_refused_and_recorded(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "stranger danger")
    body = press_body(s, opened["id"], "resolve", member="U0NOBODY")

    answer = s.post(INTERACTIONS, body, sign(body))

    assert answer.status_code == 200
    reply = answer.json()
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "add U0NOBODY as a Slack contact method" in reply["text"]
    assert incident(s, opened["id"])["status"] == "triggered"
    refused = [e for e in timeline(s, opened["id"]) if e["kind"] == "inbound_refused"]
    assert len(refused) == 1 and "u0nobody (U0NOBODY)" in refused[0]["message"]


def test_a_press_that_is_no_longer_possible_says_why_and_changes_nothing(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "already over")
    first = press_body(s, opened["id"], "resolve")
    assert s.post(INTERACTIONS, first, sign(first)).status_code == 200
    before = actions_on(s, opened["id"])

    again = press_body(s, opened["id"], "acknowledge")
    answer = s.post(INTERACTIONS, again, sign(again))

    assert answer.status_code == 200
    reply = answer.json()
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "resolved" in reply["text"]
    assert actions_on(s, opened["id"]) == before


def _forged(body: bytes) -> dict[str, dict[str, str]]:
    stale = int(time.time()) - 6 * 60
    return {
        "unsigned": {"Content-Type": "application/x-www-form-urlencoded"},
        "signed with another secret": sign(body, secret="not-the-signing-secret"),
        "signed six minutes ago": sign(body, at=stale),
        "signed for another body": sign(body + b"&x=1"),
        "with a timestamp that is not a number": {
            **sign(body),
            "X-Slack-Request-Timestamp": "soon",
        },
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "unsigned",
        "signed with another secret",
        "signed six minutes ago",
        "signed for another body",
        "with a timestamp that is not a number",
    ],
)
def test_a_press_or_command_not_signed_by_slack_is_refused_and_changes_nothing(
    slack_site: SlackSite, forgery: str
) -> None:
    s = slack_site
    opened = trigger(s, f"forged: {forgery}")
    before = actions_on(s, opened["id"])
    press = press_body(s, opened["id"], "resolve")
    typed = command_body(f"resolve {opened['id']}")

    pressed = s.post(INTERACTIONS, press, _forged(press)[forgery])
    commanded = s.post(COMMANDS, typed, _forged(typed)[forgery])

    assert pressed.status_code == 401
    assert commanded.status_code == 401
    assert incident(s, opened["id"])["status"] == "triggered"
    assert actions_on(s, opened["id"]) == before


def test_presses_on_link_buttons_and_other_interactions_need_no_answer(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "just looking")
    link = press_body(s, opened["id"], "acknowledge", action_id="ondeck_link_acknowledge")
    shortcut = urlencode({"payload": json.dumps({"type": "shortcut", "callback_id": "x"})})

    for body in (link, shortcut.encode(), b"payload=not-json"):
        answer = s.post(INTERACTIONS, body, sign(body))
        assert answer.status_code == 200 and answer.content == b""
    assert incident(s, opened["id"])["status"] == "triggered"


def test_slash_commands_act_as_the_person_who_typed_them(slack_site: SlackSite) -> None:
    s = slack_site
    acked, snoozed, resolved = (trigger(s, f"command {n}") for n in range(3))

    assert command(s, f"ack {acked['id']}") == f"Acknowledged #{acked['id']} (command 0)"
    assert command(s, f"snooze #{snoozed['id']} 30m").startswith(
        f"Snoozed #{snoozed['id']} (command 1) until "
    )
    assert command(s, f"resolve {resolved['id']}") == f"Resolved #{resolved['id']} (command 2)"

    assert incident(s, acked["id"])["status"] == "acknowledged"
    assert incident(s, snoozed["id"])["status"] == "acknowledged"
    assert incident(s, resolved["id"])["status"] == "resolved"
    messages = [e["message"] for e in timeline(s, snoozed["id"])]
    assert any("via slack for 30 min" in m for m in messages), messages


def test_a_slash_command_from_a_stranger_or_about_nothing_changes_nothing(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "typed at")

    stranger = command(s, f"ack {opened['id']}", member="U0NOBODY")
    missing = command(s, "resolve 999999")
    too_long = command(s, f"snooze {opened['id']} 2d")

    assert "add U0NOBODY as a Slack contact method" in stranger
    assert missing == "no incident #999999"
    assert "24 hours" in too_long or "24h" in too_long
    assert incident(s, opened["id"])["status"] == "triggered"
    kinds = [e["kind"] for e in timeline(s, opened["id"])]
    assert kinds.count("inbound_refused") == 1
    assert "acknowledged" not in kinds


def test_oncall_says_who_is_on_call_now(slack_site: SlackSite) -> None:
    every = command(slack_site, "oncall")
    named = command(slack_site, "oncall Payments primary")
    unknown = command(slack_site, "oncall <Nope>")

    assert every == "*Payments primary*: Ada Lovelace"
    assert named == every
    assert unknown == "no schedule named '&lt;Nope&gt;'"


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("", "`/ondeck ack 42`: acknowledge incident #42"),
        ("help", "`/ondeck ack 42`: acknowledge incident #42"),
        ("frobnicate", "I don't know `frobnicate`."),
        ("ack", "Say which incident: `/ondeck ack 42`."),
    ],
)
def test_help_and_mistakes_are_answered_with_the_usage(
    slack_site: SlackSite, text: str, first_line: str
) -> None:
    answer = command(slack_site, text)

    assert answer.splitlines()[0] == first_line
    assert "`/ondeck oncall [schedule]`" in answer


def test_without_a_signing_secret_nothing_from_slack_is_believed(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'ondeck.db'}",
        secret_key=SECRET,
        slack_signing_secret="",
    )
    container = bootstrap(settings)
    body = command_body("ack 1")
    try:
        with serve_in_thread(create_app(container)) as url:
            answer = httpx.post(f"{url}{COMMANDS}", content=body, headers=sign(body))
    finally:
        container.close()

    assert answer.status_code == 503
    assert "ONDECK_SLACK_SIGNING_SECRET is not set" in answer.json()["detail"]


def test_the_services_channel_gets_one_message_per_incident_kept_up_to_date(
    slack_site: SlackSite,
) -> None:
    s = slack_site
    opened = trigger(s, "Storefront is slow", key=STOREFRONT_KEY)
    posted = _posted(s.slack, opened["id"], "C0OPS")
    assert posted.body["blocks"][0]["text"]["text"].startswith(":rotating_light: *Triggered*")
    ts = s.slack.ts_of(posted)

    body = press_body(s, opened["id"], "acknowledge")
    assert s.post(INTERACTIONS, body, sign(body)).status_code == 200
    acked = _wait_for_update(s.slack, ts, ":eyes: *Acknowledged*")
    assert "Acknowledged by ada@example.com" in json.dumps(acked.body)
    assert command(s, f"resolve {opened['id']}").startswith("Resolved")
    resolved = _wait_for_update(s.slack, ts, ":white_check_mark: *Resolved*")

    assert resolved.body["channel"] == "C0OPS"
    assert not [b for b in resolved.body["blocks"] if b["type"] == "actions"]
    posts = [p for p in s.slack.to("/api/chat.postMessage") if p.body["channel"] == "C0OPS"]
    assert sum("Storefront is slow" in p.body["text"] for p in posts) == 1


def _wait_for_update(slack: FakeSlack, ts: str, status: str) -> Seen:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for seen in slack.to("/api/chat.update"):
            first = seen.body["blocks"][0]["text"]["text"]
            if seen.body.get("ts") == ts and first.startswith(status):
                return seen
        time.sleep(0.05)
    raise AssertionError(f"message {ts} was not updated to {status}")
