"""Alertmanager's webhook (version 4) and Grafana's (version 1) at /integrations/alertmanager.

The bodies are the ones Alertmanager 0.25 actually sent (research/fixtures). One alert group
is one incident, keyed by the SHA-256 of ``groupKey``: the same key Alertmanager's own
PagerDuty notifier sends, so both integrations agree on which incident is which.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import AM_KEY
from tests.ingest.bodies import (
    FIRING,
    GROUP_DEDUP_KEY,
    PD_RESOLVE,
    PD_TRIGGER,
    RESOLVED,
    SUCCESS,
    group_dedup_key,
    own_group,
)
from tests.ingest.harness import Stack, unique_key

WEBHOOK = "/integrations/alertmanager"


def unauthorized(message: str, error: str) -> dict[str, Any]:
    return {"status": "unauthorized", "message": message, "errors": [error]}


def invalid_webhook(*errors: str) -> dict[str, Any]:
    return {"status": "invalid payload", "message": "Webhook is invalid", "errors": list(errors)}


def deliver(stack: Stack, body: dict[str, Any], **request: Any) -> dict[str, Any]:
    """Post a webhook that must be accepted (key in the query unless told); the 202 body."""
    request.setdefault("params", {"token": AM_KEY})
    response = stack.client.post(WEBHOOK, json=body, **request)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


def opened_by(stack: Stack, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {i["id"] for i in before}
    return [i for i in stack.incidents() if i["id"] not in ids]


def test_captured_group_key_hashes_to_the_dedup_key_alertmanager_sends_pagerduty() -> None:
    assert GROUP_DEDUP_KEY == PD_TRIGGER["dedup_key"] == PD_RESOLVE["dedup_key"]


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param({"params": {"token": AM_KEY}}, id="token in query"),
        pytest.param({"params": {}, "headers": {"Authorization": f"Bearer {AM_KEY}"}}, id="bearer"),
    ],
)
def test_captured_firing_then_resolved_opens_and_resolves_one_incident(
    stack: Stack, auth: dict[str, Any]
) -> None:
    before = stack.incidents()

    fired = deliver(stack, FIRING, **auth)

    assert fired == {
        "status": "success",
        "message": "Webhook processed",
        "dedup_key": GROUP_DEDUP_KEY,
        "incident": fired["incident"],
    }
    (incident,) = opened_by(stack, before)
    assert incident["id"] == fired["incident"]
    assert incident["dedup_key"] == GROUP_DEDUP_KEY
    assert incident["status"] == "triggered"
    assert incident["title"] == "Error rate above 5% on checkout"
    assert (incident["severity"], incident["urgency"]) == ("critical", "high")

    resolved = deliver(stack, RESOLVED, **auth)

    assert resolved["dedup_key"] == GROUP_DEDUP_KEY
    assert resolved["incident"] == incident["id"]
    (after,) = opened_by(stack, before)
    assert (after["id"], after["status"]) == (incident["id"], "resolved")


def test_repeated_firing_notification_is_one_incident(stack: Stack) -> None:
    body = own_group(FIRING, unique_key("Repeat"))
    before = stack.incidents()

    first = deliver(stack, body)
    second = deliver(stack, body)

    assert first["incident"] == second["incident"]
    (incident,) = opened_by(stack, before)
    assert incident["alert_count"] == 2


def test_newer_alertmanager_fields_are_ignored(stack: Stack) -> None:
    body = own_group(FIRING, unique_key("Newer")) | {
        "notification_reason": "new_alerts",
        "routeLabels": {"team": "payments"},
        "version": "5",
    }
    body["alerts"][0]["silencedBy"] = []
    before = stack.incidents()

    answer = deliver(stack, body)

    (incident,) = opened_by(stack, before)
    assert incident["id"] == answer["incident"]
    assert incident["dedup_key"] == group_dedup_key(body)


def test_grafana_webhook_with_title_and_state_opens_and_resolves(stack: Stack) -> None:
    group = unique_key("DiskFull")
    firing = own_group(FIRING, group) | {
        "version": "1",
        "orgId": 1,
        "title": f"[FIRING:1] {group} (db-1)",
        "state": "alerting",
        "message": "Disk 97% full on db-1",
        "receiver": "ondeck",
        "externalURL": "https://grafana.example/",
    }
    resolved = firing | {"status": "resolved", "state": "ok", "title": f"[RESOLVED] {group}"}
    before = stack.incidents()

    opened = deliver(stack, firing)
    (incident,) = opened_by(stack, before)
    assert incident["id"] == opened["incident"]
    assert incident["title"] == f"[FIRING:1] {group} (db-1)"
    assert incident["status"] == "triggered"

    closed = deliver(stack, resolved, headers={"Authorization": f"Bearer {AM_KEY}"})

    assert closed["incident"] == incident["id"]
    (after,) = opened_by(stack, before)
    assert after["status"] == "resolved"


def test_webhook_without_severity_label_pages_at_high_urgency(stack: Stack) -> None:
    body = own_group(FIRING, unique_key("NoSeverity"))
    del body["commonLabels"]["severity"]
    before = stack.incidents()

    deliver(stack, body)

    (incident,) = opened_by(stack, before)
    assert (incident["severity"], incident["urgency"]) == (None, "high")


@pytest.mark.parametrize(
    ("request_args", "expected"),
    [
        pytest.param(
            {},
            unauthorized(
                "Missing integration key",
                "pass the key as ?token=KEY or 'Authorization: Bearer KEY'",
            ),
            id="no key",
        ),
        pytest.param(
            {"headers": {"Authorization": f"Basic {AM_KEY}"}},
            unauthorized(
                "Missing integration key",
                "pass the key as ?token=KEY or 'Authorization: Bearer KEY'",
            ),
            id="not a bearer credential",
        ),
        pytest.param(
            {"params": {"token": "no-such-key"}},
            unauthorized("Unknown integration key", "no service has this integration key"),
            id="unknown key in query",
        ),
        pytest.param(
            {"headers": {"Authorization": "Bearer no-such-key"}},
            unauthorized("Unknown integration key", "no service has this integration key"),
            id="unknown bearer key",
        ),
    ],
)
def test_webhook_without_a_known_key_is_unauthorized_and_changes_nothing(
    stack: Stack, request_args: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = stack.incidents()

    response = stack.client.post(WEBHOOK, json=FIRING, **request_args)

    assert response.status_code == 401
    assert response.json() == expected
    assert stack.incidents() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            FIRING | {"status": "pending"},
            ["'status' must be 'firing' or 'resolved'"],
            id="status pending",
        ),
        pytest.param(
            {k: v for k, v in FIRING.items() if k != "status"},
            ["'status' must be 'firing' or 'resolved'"],
            id="no status",
        ),
        pytest.param(
            FIRING | {"alerts": {"0": FIRING["alerts"][0]}},
            ["'alerts' must be an array"],
            id="alerts is an object",
        ),
        pytest.param(
            {k: v for k, v in FIRING.items() if k != "alerts"},
            ["'alerts' must be an array"],
            id="no alerts",
        ),
        pytest.param(
            FIRING | {"alerts": ["HighErrorRate"]},
            ["'alerts[0]' must be an object"],
            id="alert is text",
        ),
        pytest.param(
            FIRING | {"status": "ok", "alerts": None},
            ["'status' must be 'firing' or 'resolved'", "'alerts' must be an array"],
            id="every problem is listed",
        ),
    ],
)
def test_invalid_webhook_is_refused_and_changes_nothing(
    stack: Stack, body: dict[str, Any], errors: list[str]
) -> None:
    before = stack.incidents()

    response = stack.client.post(WEBHOOK, json=body, params={"token": AM_KEY})

    assert response.status_code == 400
    assert response.json() == invalid_webhook(*errors)
    assert stack.incidents() == before


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        pytest.param(b'{"status": "firing", ', "body is not JSON", id="truncated"),
        pytest.param(b"[" * 100_000, "body is not JSON", id="nested too deep"),
        pytest.param(b"[]", "body must be a JSON object", id="array"),
    ],
)
def test_webhook_that_is_not_a_json_object_is_refused(stack: Stack, raw: bytes, error: str) -> None:
    before = stack.incidents()

    response = stack.client.post(
        WEBHOOK,
        content=raw,
        params={"token": AM_KEY},
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json() == invalid_webhook(error)
    assert stack.incidents() == before


def test_captured_pagerduty_notifier_events_trigger_then_resolve(stack: Stack) -> None:
    before = stack.incidents()

    triggered = stack.client.post("/v2/enqueue", json=PD_TRIGGER)

    assert triggered.status_code == 202
    assert triggered.json() == SUCCESS | {"dedup_key": PD_TRIGGER["dedup_key"]}
    (incident,) = opened_by(stack, before)
    assert incident["title"] == "[FIRING:1] HighErrorRate checkout (web-1:9100 node critical)"
    assert (incident["source"], incident["severity"]) == ("Alertmanager", "error")

    resolved = stack.client.post("/v2/enqueue", json=PD_RESOLVE)

    assert resolved.status_code == 202
    assert resolved.json() == SUCCESS | {"dedup_key": PD_TRIGGER["dedup_key"]}
    (after,) = opened_by(stack, before)
    assert (after["id"], after["status"]) == (incident["id"], "resolved")


def test_webhook_and_pagerduty_notifier_of_one_group_share_an_incident(stack: Stack) -> None:
    before = stack.incidents()

    fired = deliver(stack, FIRING)
    resolved = stack.client.post("/v2/enqueue", json=PD_RESOLVE)

    assert resolved.status_code == 202
    (incident,) = opened_by(stack, before)
    assert (incident["id"], incident["status"]) == (fired["incident"], "resolved")
