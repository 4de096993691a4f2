"""`ondeck incidents`, `ack`, `resolve` and `token create` against a running server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import ROUTING_KEY, Server, ondeck_env, run_cli


@pytest.fixture
def served(database_url: str, start_server: Any) -> tuple[Server, str]:
    """A server with the example organisation, and an API token of Ada's."""
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=EXAMPLE_ORG)
    token = run_cli(env, "token", "create", "--user", "ada@example.com").stdout.splitlines()[-1]
    return start_server(env), token


def trigger(server: Server, summary: str) -> str:
    response = httpx.post(
        f"{server.url}/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "payload": {"summary": summary, "source": "web-1", "severity": "critical"},
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["dedup_key"])


def incident(server: Server, token: str, dedup_key: str) -> dict[str, Any]:
    with server.client(token) as client:
        found = client.get("/api/v1/incidents").json()["data"]
    matches = [i for i in found if i["dedup_key"] == dedup_key]
    assert len(matches) == 1, found
    return dict(matches[0])


def timeline_length(server: Server, token: str, number: int) -> int:
    with server.client(token) as client:
        return int(client.get(f"/api/v1/incidents/{number}/timeline").json()["count"])


def test_an_incident_is_listed_acknowledged_and_resolved_from_the_command_line(
    served: tuple[Server, str],
) -> None:
    server, token = served
    dedup_key = trigger(server, "[prod] Checkout error rate 12%")
    number = incident(server, token, dedup_key)["number"]

    listing = run_cli(server.env, "incidents").stdout
    acked = run_cli(server.env, "ack", str(number), "--as", "grace@example.com").stdout
    status_after_ack = incident(server, token, dedup_key)
    resolved = run_cli(server.env, "resolve", str(number)).stdout
    status_after_resolve = incident(server, token, dedup_key)

    row = next(line for line in listing.splitlines() if f" {number} " in line)
    assert "triggered" in row and "high" in row
    assert "Checkout API" in row and "[prod] Checkout error rate 12%" in row
    assert "1 of 1 incidents" in listing
    assert acked.strip() == f"incident #{number} is acknowledged"
    assert status_after_ack["status"] == "acknowledged"
    assert status_after_ack["acknowledged_by"] == "grace@example.com"
    assert resolved.strip() == f"incident #{number} is resolved"
    assert status_after_resolve["status"] == "resolved"
    assert status_after_resolve["resolved_by"] == "cli"


def test_the_listing_can_be_filtered_by_status(served: tuple[Server, str]) -> None:
    server, token = served
    first = incident(server, token, trigger(server, "Disk full on db-1"))["number"]
    second = incident(server, token, trigger(server, "Queue backlog"))["number"]
    run_cli(server.env, "resolve", str(first))

    resolved = run_cli(server.env, "incidents", "--status", "resolved").stdout
    triggered = run_cli(server.env, "incidents", "--status", "triggered").stdout

    assert "Disk full on db-1" in resolved and "Queue backlog" not in resolved
    assert "Queue backlog" in triggered and "Disk full on db-1" not in triggered
    assert second != first


@pytest.mark.parametrize(
    ("action", "message"),
    [("ack", "is resolved and cannot be acknowledged"), ("resolve", "is already resolved")],
)
def test_acting_on_a_resolved_incident_is_refused_and_changes_nothing(
    served: tuple[Server, str], action: str, message: str
) -> None:
    server, token = served
    dedup_key = trigger(server, "Checkout latency p99 4s")
    number = incident(server, token, dedup_key)["number"]
    run_cli(server.env, "resolve", str(number))
    before = incident(server, token, dedup_key)
    entries = timeline_length(server, token, number)

    result = run_cli(server.env, action, str(number), check=False)

    assert result.returncode == 1
    assert result.stderr.strip() == f"error: incident #{number} {message}"
    assert incident(server, token, dedup_key) == before
    assert timeline_length(server, token, number) == entries


def test_acting_on_an_unknown_incident_is_an_error(example_env: dict[str, str]) -> None:
    result = run_cli(example_env, "ack", "4242", check=False)

    assert result.returncode == 1
    assert result.stderr.strip() == "error: no incident #4242"


def test_a_created_token_works_and_a_missing_or_wrong_one_is_refused(
    served: tuple[Server, str],
) -> None:
    server, _ = served
    created = run_cli(server.env, "token", "create", "--user", "grace@example.com", "--name", "ci")
    token = created.stdout.splitlines()[-1]

    with server.client(token) as client:
        allowed = client.get("/api/v1/incidents")
    with server.client() as client:
        anonymous = client.get("/api/v1/incidents")
    with server.client(token[:-1] + ("A" if token[-1] != "A" else "B")) as client:
        forged = client.get("/api/v1/incidents")
    with server.client("not-a-token") as client:
        nonsense = client.get("/api/v1/incidents")
    health = httpx.get(f"{server.url}/healthz", timeout=10)

    assert "API token for grace@example.com" in created.stdout
    assert allowed.status_code == 200 and allowed.json()["count"] == 0
    assert anonymous.status_code == 401
    assert forged.status_code == 401
    assert nonsense.status_code == 401
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_a_token_for_an_unknown_user_is_refused(example_env: dict[str, str]) -> None:
    result = run_cli(example_env, "token", "create", "--user", "nobody@example.com", check=False)

    assert result.returncode == 1
    assert result.stderr.strip() == "error: no user with email 'nobody@example.com'"
    assert result.stdout == ""


def test_snooze_and_escalate_from_the_command_line_and_through_the_api(
    served: tuple[Server, str],
) -> None:
    server, token = served
    dedup_key = trigger(server, "[prod] Queue backlog")
    number = incident(server, token, dedup_key)["number"]

    snoozed = run_cli(server.env, "snooze", str(number), "--minutes", "30", "--as", "ops@x.io")
    after_snooze = incident(server, token, dedup_key)
    too_long = run_cli(server.env, "snooze", str(number), "--minutes", "2000", check=False)
    escalated = run_cli(server.env, "escalate", str(number)).stdout
    after_escalate = incident(server, token, dedup_key)
    with server.client(token) as client:
        bad = client.post(f"/api/v1/incidents/{number}/snooze", json={"minutes": 0})
        api = client.post(f"/api/v1/incidents/{number}/snooze", json={"minutes": 15})
        kinds = [
            entry["kind"]
            for entry in client.get(f"/api/v1/incidents/{number}/timeline").json()["data"]
        ]
        notifications = client.get(f"/api/v1/incidents/{number}/notifications").json()["data"]

    assert snoozed.stdout.startswith(f"Snoozed #{number}")
    assert after_snooze["status"] == "acknowledged"
    assert too_long.returncode == 1
    assert "between 1 minute and 24 hours" in too_long.stderr + too_long.stdout
    assert escalated.startswith(f"Escalated #{number}")
    assert after_escalate["status"] == "triggered"  # escalating wakes a snoozed incident
    assert bad.status_code == 422
    assert "minutes" in bad.text
    assert api.status_code == 200 and api.json()["status"] == "acknowledged"
    assert "acknowledged" in kinds and "escalated_manually" in kinds
    assert {n["state"] for n in notifications} <= {
        "queued",
        "sending",
        "sent",
        "cancelled",
        "failed",
    }
