"""The paging promise at the user's boundary: HTTP in, real email out, on both databases."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from tests.conftest import (
    ROUTING_KEY,
    Mailbox,
    Server,
    ondeck_env,
    org_yaml,
    run_cli,
    text_body,
)


def _trigger(server: Server, dedup_key: str | None = None, **payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": "Checkout error rate 12%", "source": "web-1", "severity": "critical"}
        | payload,
    }
    if dedup_key:
        body["dedup_key"] = dedup_key
    response = httpx.post(f"{server.url}/v2/enqueue", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return dict(response.json())


def _setup(
    database_url: str, mailbox: Mailbox, start_server: Any, **org: Any
) -> tuple[Server, str]:
    env = ondeck_env(database_url, ONDECK_SMTP_URL=mailbox.url)
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(**org))
    token = (
        run_cli(env, "token", "create", "--user", "ada@example.com").stdout.strip().splitlines()[-1]
    )
    return start_server(env), token


def _incident(server: Server, token: str, dedup_key: str) -> dict[str, Any]:
    with server.client(token) as client:
        found = [
            i for i in client.get("/api/v1/incidents").json()["data"] if i["dedup_key"] == dedup_key
        ]
    assert len(found) == 1
    return dict(found[0])


def _timeline_kinds(server: Server, token: str, incident_id: int) -> list[str]:
    with server.client(token) as client:
        return [
            e["kind"]
            for e in client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
        ]


def test_unacknowledged_page_escalates_and_acknowledging_stops_everything(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token = _setup(database_url, mailbox, start_server, first="2s", second="2s", repeat=1)

    dedup_key = _trigger(server)["dedup_key"]

    first = mailbox.wait_for("ada@example.com", timeout=5)[0]
    assert "Checkout error rate 12%" in str(first["Subject"])
    body = text_body(first)
    assert "Checkout API" in body and "high" in body
    assert "https://runbooks.example/checkout" in body
    assert "/l/" in body
    assert mailbox.to("cto@example.com") == []

    mailbox.wait_for("cto@example.com", timeout=6)
    incident = _incident(server, token, dedup_key)
    with server.client(token) as client:
        acked = client.post(f"/api/v1/incidents/{incident['id']}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "ada@example.com"

    time.sleep(5)  # the policy would have repeated level 1 after 2s
    assert len(mailbox.to("ada@example.com")) == 1
    assert len(mailbox.to("cto@example.com")) == 1

    with server.client(token) as client:
        resolved = client.post(f"/api/v1/incidents/{incident['id']}/resolve")
    assert resolved.json()["status"] == "resolved"
    kinds = _timeline_kinds(server, token, incident["id"])
    assert kinds[0] == "triggered"
    assert kinds.count("escalated") == 2
    assert kinds.count("notified") == 2
    assert kinds[-2:] == ["acknowledged", "resolved"]


def test_policy_repeats_when_nobody_acknowledges(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token = _setup(database_url, mailbox, start_server, first="1s", second="1s", repeat=1)

    dedup_key = _trigger(server)["dedup_key"]

    mailbox.wait_for("ada@example.com", count=2, timeout=10)
    mailbox.wait_for("cto@example.com", count=2, timeout=10)
    time.sleep(2.5)  # the policy is exhausted after its repeat: nothing more is sent
    assert len(mailbox.to("ada@example.com")) == 2
    assert len(mailbox.to("cto@example.com")) == 2
    incident = _incident(server, token, dedup_key)
    assert incident["status"] == "triggered"


def test_repeated_trigger_is_deduplicated_into_one_incident_and_one_page(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token = _setup(database_url, mailbox, start_server, first="30s", second="30s")

    first = _trigger(server, dedup_key="disk-full-db-1")
    second = _trigger(server, dedup_key="disk-full-db-1")

    assert first["dedup_key"] == second["dedup_key"] == "disk-full-db-1"
    mailbox.wait_for("ada@example.com")
    time.sleep(1)
    assert len(mailbox.to("ada@example.com")) == 1
    incident = _incident(server, token, "disk-full-db-1")
    assert incident["alert_count"] == 2
    assert "alert_repeated" in _timeline_kinds(server, token, incident["id"])


def test_email_link_shows_a_button_and_only_the_post_acknowledges(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token = _setup(database_url, mailbox, start_server, first="2s", second="30s")
    dedup_key = _trigger(server)["dedup_key"]
    body = text_body(mailbox.wait_for("ada@example.com")[0])
    link = re.search(r"Acknowledge: (\S+)", body)
    assert link is not None
    path = link.group(1).removeprefix(server.url)

    with server.client() as anonymous:
        shown = anonymous.get(path)
        assert shown.status_code == 200
        assert "<form" in shown.text and "Acknowledge" in shown.text
        assert _incident(server, token, dedup_key)["status"] == "triggered"

        done = anonymous.post(path)
        assert done.status_code == 200
    incident = _incident(server, token, dedup_key)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_by"] == "ada@example.com"

    time.sleep(3)  # level 2 would have paged the CTO after 2s
    assert mailbox.to("cto@example.com") == []

    with server.client() as anonymous:
        forged = anonymous.get(path[:-3] + "abc")
    assert forged.status_code == 404
