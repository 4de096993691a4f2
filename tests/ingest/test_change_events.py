"""PagerDuty change events at /v2/change/enqueue: stored on the service, nobody paged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROUTING_KEY
from tests.ingest.bodies import (
    MISSING,
    UNKNOWN_KEY,
    UNRECOGNIZED,
    change,
    changed,
    invalid,
    trigger,
)
from tests.ingest.harness import Served, Stack, pages_about, unique_key, wait_for_page

PROCESSED = {"status": "success", "message": "Change event processed"}


BASE = change()

INVALID_CHANGES = [
    pytest.param(
        changed(BASE, routing_key=MISSING), ["'routing_key' is missing or blank"], id="no key"
    ),
    pytest.param(
        changed(BASE, routing_key="R0UTINGKEY"),
        ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        id="short key",
    ),
    pytest.param(
        changed(BASE, payload=MISSING), ["'payload' is missing or blank"], id="no payload"
    ),
    pytest.param(
        changed(BASE, payload=["deploy"]), ["'payload' must be an object"], id="payload is a list"
    ),
    pytest.param(
        changed(BASE, payload__summary=MISSING),
        ["'payload.summary' is missing or blank"],
        id="no summary",
    ),
    pytest.param(
        changed(BASE, payload__summary=1.5),
        ["'payload.summary' must be a string"],
        id="summary is a number",
    ),
    pytest.param(
        changed(BASE, payload__summary="d" * 1025),
        ["'payload.summary' is too long (maximum 1024 characters)"],
        id="summary of 1025",
    ),
    pytest.param(
        changed(BASE, payload__timestamp="last tuesday"),
        ["'payload.timestamp' is not a valid ISO 8601 timestamp"],
        id="timestamp not ISO 8601",
    ),
    pytest.param(
        changed(BASE, payload__timestamp=1_700_000_000),
        ["'payload.timestamp' is not a valid ISO 8601 timestamp"],
        id="timestamp is a number",
    ),
    pytest.param(
        changed(BASE, links=[{"text": "Build"}]),
        ["'links[0].href' is missing or blank"],
        id="link without href",
    ),
]


@pytest.mark.parametrize("path", ["/v2/change/enqueue", "/v2/change/enqueue/"])
def test_change_event_is_stored_and_answered_with_202(stack: Stack, path: str) -> None:
    incidents = stack.incidents()
    changes = stack.change_count()

    response = stack.client.post(path, json=change())

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"status", "message", "id"}
    assert {k: body[k] for k in ("status", "message")} == PROCESSED
    assert isinstance(body["id"], str) and body["id"]
    assert stack.change_count() == changes + 1
    assert stack.incidents() == incidents


def test_change_event_needs_only_routing_key_and_summary(stack: Stack) -> None:
    changes = stack.change_count()

    response = stack.client.post(
        "/v2/change/enqueue", json={"routing_key": ROUTING_KEY, "payload": {"summary": "Flag on"}}
    )

    assert response.status_code == 202
    assert response.json()["status"] == "success"
    assert stack.change_count() == changes + 1


def test_trigger_fields_sent_to_the_change_endpoint_open_no_incident(stack: Stack) -> None:
    key = unique_key("change-not-alert")
    incidents = stack.incidents()

    response = stack.client.post("/v2/change/enqueue", json=trigger(key))

    assert response.status_code == 202
    assert stack.incidents() == incidents
    assert stack.incidents_for(key) == []


@pytest.mark.parametrize(("body", "errors"), INVALID_CHANGES)
def test_invalid_change_event_is_refused_and_stores_nothing(
    stack: Stack, body: dict[str, Any], errors: list[str]
) -> None:
    changes = stack.change_count()

    response = stack.client.post("/v2/change/enqueue", json=body)

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    assert stack.change_count() == changes


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{", id="truncated"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b"[" * 50_000, id="nested too deep"),
    ],
)
def test_change_event_that_is_not_a_json_object_is_an_unrecognized_object(
    stack: Stack, raw: bytes
) -> None:
    changes = stack.change_count()

    response = stack.client.post(
        "/v2/change/enqueue", content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == UNRECOGNIZED
    assert stack.change_count() == changes


def test_change_event_with_unknown_routing_key_is_refused_and_stores_nothing(
    stack: Stack,
) -> None:
    changes = stack.change_count()

    response = stack.client.post("/v2/change/enqueue", json=changed(BASE, routing_key=UNKNOWN_KEY))

    assert response.status_code == 400
    assert response.json() == invalid("Invalid routing key: no service has this integration key")
    assert stack.change_count() == changes


def test_change_event_pages_nobody(served: Served) -> None:
    deploy = unique_key("Deployed checkout")
    barrier = unique_key("Checkout latency p99 above 2s")
    incidents = served.incidents()

    response = served.client.post("/v2/change/enqueue", json=change(deploy))
    assert response.status_code == 202
    # An alert sent afterwards is paged; by the time its page arrives, the engine has
    # long passed anything the change event could have scheduled.
    accepted = served.client.post("/v2/enqueue", json=trigger(summary=barrier))
    assert accepted.status_code == 202
    wait_for_page(served.mailbox, barrier)

    assert pages_about(served.mailbox, deploy) == []
    assert [i["title"] for i in served.incidents() if i not in incidents] == [barrier]
