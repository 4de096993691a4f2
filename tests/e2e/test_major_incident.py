"""The seeds' story of a major incident, end to end through a real server, real email and
the anonymous public status page, on both databases.

An alert pages the incident manager and the incident engineer together (level 1 of the
seeds' one-schedule model); each acknowledges and so takes the role their page named. The
manager declares a major incident (the announcement names them), sets the severity from a
loss estimate and revises it, posts CAN reports (a stakeholder gets them, never a page; an
outsider may not post one), lets one fall overdue (the reminder reaches them), and moves
the incident through every stage to Action items, publishing some of the proposed
customer updates. The public page shows those updates and none of the internal words.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import Mailbox, Server, ondeck_env, run_cli, text_body

EXAMPLE = Path(__file__).parents[2] / "examples" / "major-incidents.yaml"
CHECKOUT_KEY = "5eed0000000000000000000000000001"
MANAGERS = {"ada@example.com", "margaret@example.com"}
ENGINEERS = {"grace@example.com", "linus@example.com"}
EVERYONE = MANAGERS | ENGINEERS | {"vp@example.com", "cto@example.com"}
ANNOUNCEMENTS = "all-hands@example.com"
SUBSCRIBER = "customer@example.net"

# Words that exist only inside the company: none may reach the public page.
INTERNAL_TITLE = "payments-db-primary replication lag 97s"
INTERNAL_CAN = "Failover to replica-b blocked by stale DNS TTL"
INTERNAL_DRAFT = "Draft that nobody published: ledger rebuild"
ATOM = "{http://www.w3.org/2005/Atom}"


def _org() -> str:
    """The example org file (Checkout and Search on the status page) with its announcements
    going to a mailbox of ours and CAN reports due every few seconds."""
    org: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    org["major_incidents"] |= {
        "announcement_channel": {"email": ANNOUNCEMENTS},
        "can_every": {"high": "4s", "medium": "4s", "low": "1h"},
    }
    return yaml.safe_dump(org, sort_keys=False)


def _tokens(env: dict[str, str]) -> dict[str, str]:
    return {
        email: run_cli(env, "token", "create", "--user", email).stdout.strip().splitlines()[-1]
        for email in EVERYONE
    }


def _page_recipients(mailbox: Mailbox, role_words: str, candidates: set[str]) -> str:
    """Whichever candidate got a page naming ``role_words`` (one of them is on call)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for email in candidates:
            for message in mailbox.to(email):
                if role_words in text_body(message):
                    return email
        time.sleep(0.05)
    raise AssertionError(f"nobody among {sorted(candidates)} was paged as {role_words}")


def test_the_seeds_major_incident_story_end_to_end(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    env = ondeck_env(database_url, ONDECK_SMTP_URL=mailbox.url)
    run_cli(env, "apply", "-f", "-", input_text=_org())
    tokens = _tokens(env)
    server: Server = start_server(env)

    # A customer subscribes to the status page before anything happens, and confirms.
    subscribed = httpx.post(f"{server.url}/status/subscribe", json={"address": SUBSCRIBER})
    assert subscribed.status_code == 201, subscribed.text
    [confirmation] = mailbox.wait_for(SUBSCRIBER)
    [link] = re.findall(r"\S+/status/confirm/\S+", text_body(confirmation))
    assert httpx.post(link).status_code == 200

    # 1. An alert pages the manager and the engineer together, each told their role.
    alert = {
        "routing_key": CHECKOUT_KEY,
        "event_action": "trigger",
        "payload": {"summary": INTERNAL_TITLE, "source": "db-1", "severity": "critical"},
    }
    accepted = httpx.post(f"{server.url}/v2/enqueue", json=alert, timeout=10)
    assert accepted.status_code == 202, accepted.text
    manager = _page_recipients(mailbox, "incident manager", MANAGERS)
    engineer = _page_recipients(mailbox, "incident engineer", ENGINEERS)
    outsider = "cto@example.com"
    stakeholder = "vp@example.com"
    assert mailbox.to(stakeholder) == [] and mailbox.to(outsider) == []

    def client(email: str) -> httpx.Client:
        return server.client(tokens[email])

    with client(manager) as api:
        [incident] = [
            i for i in api.get("/api/v1/incidents").json()["data"] if i["title"] == INTERNAL_TITLE
        ]
    base = f"/api/v1/incidents/{incident['id']}"

    # 2. Each acknowledges and so takes the role their page named.
    for email in (engineer, manager):
        with client(email) as api:
            assert api.post(f"{base}/acknowledge").status_code == 200
    with client(manager) as api:
        holders = {(h["role"], h["user"]) for h in api.get(f"{base}/roles").json()["data"]}
    assert holders == {("incident_manager", manager), ("incident_engineer", engineer)}

    # 3. The manager declares; the announcement channel hears who commands and where.
    with client(manager) as api:
        declared = api.post(f"{base}/declare", json={})
        assert declared.status_code == 200, server.log()[-3000:]
        command = declared.json()
    assert command["bridge_url"] == f"https://meet.example.com/incident-{incident['number']}"
    manager_name = next(h["name"] for h in command_roles(server, tokens[manager], base))
    announcement = text_body(mailbox.wait_for(ANNOUNCEMENTS)[0])
    assert manager_name in announcement
    assert command["bridge_url"] in announcement

    # 4. Severity from the estimated loss, then revised: both changes on the timeline.
    with client(manager) as api:
        high = api.post(
            f"{base}/loss-estimates",
            json={"revenue_per_hour": 50_000, "users_affected": 20_000, "journey": "blocked"},
        )
        assert high.status_code == 201, high.text
        assert (high.json()["severity"], high.json()["response"]) == ("high", "restore_immediately")
        medium = api.post(
            f"{base}/loss-estimates", json={"revenue_per_hour": 2_000, "journey": "degraded"}
        )
        assert (medium.json()["severity"], medium.json()["response"]) == (
            "medium",
            "next_working_day",
        )
        timeline = [e["message"] for e in api.get(f"{base}/timeline").json()["data"]]
    for change in (
        "Severity none → high",
        "Response method none → restore_immediately",
        "Severity high → medium",
        "Response method restore_immediately → next_working_day",
    ):
        assert any(change in message for message in timeline), (change, timeline)

    # 5. A stakeholder follows; an outsider may not report; the manager's CAN report goes to
    #    the stakeholder as a CAN report, never as a page.
    with client(stakeholder) as api:
        assert api.post(f"{base}/stakeholders", json={}).status_code in (200, 201)
    can = {"conditions": INTERNAL_CAN, "actions": "Pinning DNS", "needs": "A DBA"}
    with client(outsider) as api:
        refused = api.post(f"{base}/can-reports", json=can)
        assert refused.status_code == 403, refused.text
    with client(manager) as api:
        assert api.get(f"{base}/can-reports").json()["data"] == []
        assert api.post(f"{base}/can-reports", json=can).status_code == 201
    report = mailbox.wait_for(stakeholder)[0]
    assert "CAN report" in str(report["Subject"]) and INTERNAL_CAN in text_body(report)
    assert "/l/" not in text_body(report)  # informs; no action links

    # 6. No report for longer than the cadence: the manager is reminded.
    deadline = time.monotonic() + 20
    while not any("overdue" in str(m["Subject"]).lower() for m in mailbox.to(manager)):
        assert time.monotonic() < deadline, "no overdue CAN reminder reached the manager"
        time.sleep(0.1)

    # 7. Stages to Action items; the customer updates proposed on the way are edited and
    #    published by the manager, except one left as a draft.
    published: list[str] = []
    moves: list[dict[str, Any]] = [
        {"stage": "assemble"},
        {"stage": "verify"},
        {"stage": "dispatch"},
        {"stage": "mitigate", "experts": ["Dana the DBA"]},
        {"stage": "repair"},
        {"stage": "review"},
        {"stage": "action_items", "rca_owner": manager},
    ]
    with client(manager) as api:
        for move in moves:
            moved = api.post(f"{base}/stage", json={"reason": "scenario pace"} | move)
            assert moved.status_code == 200, (move, moved.text)
            updates = api.get(f"{base}/status-updates").json()["data"]
            [draft] = [u for u in updates if u["stage"] == move["stage"] and not u["published"]]
            assert INTERNAL_TITLE not in draft["title"] and INTERNAL_TITLE not in draft["body"]
            if move["stage"] in ("verify", "mitigate", "review"):
                words = f"Customer words at {move['stage']}: payments are slow"
                edited = api.patch(f"{base}/status-updates/{draft['id']}", json={"body": words})
                assert edited.status_code == 200, edited.text
                done = api.post(f"{base}/status-updates/{draft['id']}/publish")
                assert done.status_code == 200, done.text
                published.append(words)
            elif move["stage"] == "repair":
                edited = api.patch(
                    f"{base}/status-updates/{draft['id']}", json={"body": INTERNAL_DRAFT}
                )
                assert edited.status_code == 200, edited.text
        state = api.get(f"{base}/command").json()
        stages = [t["target"] for t in api.get(f"{base}/stages").json()["data"]]
    assert state["stage"] == "action_items"
    assert stages[-7:] == [m["stage"] for m in moves]

    # 8. The public page, fetched anonymously: the published words, none of the internal.
    anonymous = httpx.Client(base_url=server.url, timeout=10)
    page = anonymous.get("/status")
    as_json = anonymous.get("/status.json")
    feed = anonymous.get("/status/feed.atom")
    for response in (page, as_json, feed):
        assert response.status_code == 200
        for words in published:
            assert words in response.text
        for secret in (INTERNAL_TITLE, INTERNAL_CAN, INTERNAL_DRAFT, manager, engineer):
            assert secret not in response.text, (response.url, secret)
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    assert len(entries) == len(published)

    # The subscriber heard each published update by email, and nothing else.
    updates = mailbox.wait_for(SUBSCRIBER, count=1 + len(published))[1:]
    assert {w for w in published for m in updates if w in text_body(m)} == set(published)
    assert not any(INTERNAL_DRAFT in text_body(m) for m in updates)
    # The stakeholder got CAN reports and never a page.
    assert all("CAN report" in str(m["Subject"]) for m in mailbox.to(stakeholder))


def command_roles(server: Server, token: str, base: str) -> list[dict[str, Any]]:
    with server.client(token) as api:
        holders: list[dict[str, Any]] = api.get(f"{base}/roles").json()["data"]
    return [h for h in holders if h["role"] == "incident_manager"]
