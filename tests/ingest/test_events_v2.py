"""PagerDuty Events API v2 at /v2/enqueue: PagerDuty's validation, bodies and dedup rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.ingest.bodies import (
    MISSING,
    SUCCESS,
    UNKNOWN_KEY,
    UNRECOGNIZED,
    changed,
    follow_up,
    invalid,
    trigger,
)
from tests.ingest.harness import Stack, unique_key

ENQUEUE_PATHS = ["/v2/enqueue", "/v2/enqueue/"]
BASE = trigger()

INVALID_EVENTS = [
    pytest.param(
        changed(BASE, routing_key=MISSING), ["'routing_key' is missing or blank"], id="no key"
    ),
    pytest.param(
        changed(BASE, routing_key=""), ["'routing_key' is missing or blank"], id="blank key"
    ),
    pytest.param(
        changed(BASE, routing_key="0123456789abcdef"),
        ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        id="short key",
    ),
    pytest.param(
        changed(BASE, routing_key="0123456789abcdef0123456789abcdef0"),
        ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        id="long key",
    ),
    pytest.param(
        changed(BASE, routing_key=12345678901234567890123456789012),
        ["'routing_key' must be a string"],
        id="numeric key",
    ),
    pytest.param(
        changed(BASE, event_action=MISSING), ["'event_action' is missing or blank"], id="no action"
    ),
    pytest.param(
        changed(BASE, event_action="explode"),
        ["'event_action' must be one of trigger, acknowledge, resolve"],
        id="unknown action",
    ),
    pytest.param(
        changed(BASE, event_action=["trigger"]),
        ["'event_action' must be one of trigger, acknowledge, resolve"],
        id="action is a list",
    ),
    pytest.param(
        changed(BASE, payload=MISSING), ["'payload' is missing or blank"], id="no payload"
    ),
    pytest.param(
        changed(BASE, payload="disk full"), ["'payload' must be an object"], id="payload is text"
    ),
    pytest.param(
        changed(BASE, payload__summary=MISSING),
        ["'payload.summary' is missing or blank"],
        id="no summary",
    ),
    pytest.param(
        changed(BASE, payload__summary="   "),
        ["'payload.summary' is missing or blank"],
        id="blank summary",
    ),
    pytest.param(
        changed(BASE, payload__summary=42),
        ["'payload.summary' must be a string"],
        id="summary is a number",
    ),
    pytest.param(
        changed(BASE, payload__summary="x" * 1025),
        ["'payload.summary' is too long (maximum 1024 characters)"],
        id="summary of 1025",
    ),
    pytest.param(
        changed(BASE, payload__source=MISSING),
        ["'payload.source' is missing or blank"],
        id="no source",
    ),
    pytest.param(
        changed(BASE, payload__source={"host": "web-1"}),
        ["'payload.source' must be a string"],
        id="source is an object",
    ),
    pytest.param(
        changed(BASE, payload__severity=MISSING),
        ["'payload.severity' is missing or blank"],
        id="no severity",
    ),
    pytest.param(
        changed(BASE, payload__severity="fatal"),
        ["'payload.severity' must be one of critical, error, warning, info"],
        id="unknown severity",
    ),
    pytest.param(
        changed(BASE, payload__severity=3),
        ["'payload.severity' must be one of critical, error, warning, info"],
        id="severity is a number",
    ),
    pytest.param(
        changed(BASE, payload__timestamp="yesterday"),
        ["'payload.timestamp' is not a valid ISO 8601 timestamp"],
        id="timestamp not ISO 8601",
    ),
    pytest.param(
        changed(BASE, payload__timestamp=1437122578),
        ["'payload.timestamp' is not a valid ISO 8601 timestamp"],
        id="timestamp is a number",
    ),
    pytest.param(
        changed(BASE, payload__timestamp="0001-01-01T00:30:00+01:00"),
        ["'payload.timestamp' is not a valid ISO 8601 timestamp"],
        id="timestamp before year 1 in UTC",
    ),
    pytest.param(
        changed(BASE, payload__component=7),
        ["'payload.component' must be a string"],
        id="component is a number",
    ),
    pytest.param(
        changed(BASE, dedup_key="k" * 256),
        ["'dedup_key' is too long (maximum 255 characters)"],
        id="dedup key of 256",
    ),
    pytest.param(
        changed(BASE, dedup_key=12), ["'dedup_key' must be a string"], id="dedup key is a number"
    ),
    pytest.param(
        changed(follow_up("acknowledge", "x"), dedup_key=MISSING),
        ["'dedup_key' is missing or blank"],
        id="acknowledge without dedup key",
    ),
    pytest.param(
        changed(follow_up("resolve", "x"), dedup_key=MISSING),
        ["'dedup_key' is missing or blank"],
        id="resolve without dedup key",
    ),
    pytest.param(
        follow_up("resolve", ""), ["'dedup_key' is missing or blank"], id="resolve with blank key"
    ),
    pytest.param(
        changed(BASE, images=[{"src": "http://grafana.example/panel.png"}]),
        ["'images[0].src' must be an HTTPS URL"],
        id="image over http",
    ),
    pytest.param(
        changed(BASE, images=[{"href": "https://grafana.example/"}]),
        ["'images[0].src' is missing or blank"],
        id="image without src",
    ),
    pytest.param(
        changed(BASE, images={"src": "https://grafana.example/panel.png"}),
        ["'images' must be an array"],
        id="images is an object",
    ),
    pytest.param(
        changed(BASE, links=[{"text": "Dashboard"}]),
        ["'links[0].href' is missing or blank"],
        id="link without href",
    ),
    pytest.param(
        changed(BASE, links="https://grafana.example/"),
        ["'links' must be an array"],
        id="links is text",
    ),
    pytest.param(
        changed(BASE, client=["Grafana"]), ["'client' must be a string"], id="client is a list"
    ),
    pytest.param(
        changed(BASE, routing_key=MISSING, event_action="explode"),
        [
            "'routing_key' is missing or blank",
            "'event_action' must be one of trigger, acknowledge, resolve",
        ],
        id="every problem is listed",
    ),
]

MALFORMED_BODIES = [
    pytest.param(b'{"routing_key": ', id="truncated"),
    pytest.param(b"", id="empty"),
    pytest.param(b"routing_key=abc&event_action=trigger", id="form encoded"),
    pytest.param(b'\xff\xfe{"a": 1}', id="not UTF-8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested too deep"),
]

NOT_OBJECTS = [
    pytest.param(b"[]", id="array"),
    pytest.param(b'"trigger"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
]


def post(stack: Stack, body: dict[str, Any], path: str = "/v2/enqueue") -> dict[str, Any]:
    """Post an event that must be accepted; return the 202 body."""
    response = stack.client.post(path, json=body)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize(("body", "errors"), INVALID_EVENTS)
def test_invalid_event_is_refused_with_pagerduty_errors_and_changes_nothing(
    stack: Stack, body: dict[str, Any], errors: list[str]
) -> None:
    before = stack.incidents()

    response = stack.client.post("/v2/enqueue", json=body)

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    assert stack.incidents() == before


@pytest.mark.parametrize("path", ENQUEUE_PATHS)
def test_invalid_event_is_refused_on_both_paths(stack: Stack, path: str) -> None:
    before = stack.incidents()

    response = stack.client.post(path, json=changed(BASE, payload__severity="fatal"))

    assert response.status_code == 400
    assert response.json() == invalid(
        "'payload.severity' must be one of critical, error, warning, info"
    )
    assert stack.incidents() == before


@pytest.mark.parametrize("raw", MALFORMED_BODIES)
def test_malformed_json_is_an_unrecognized_object(stack: Stack, raw: bytes) -> None:
    before = stack.incidents()

    response = stack.client.post(
        "/v2/enqueue", content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == UNRECOGNIZED
    assert stack.incidents() == before


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_json_that_is_not_an_object_is_an_unrecognized_object(stack: Stack, raw: bytes) -> None:
    before = stack.incidents()

    response = stack.client.post(
        "/v2/enqueue", content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == UNRECOGNIZED
    assert stack.incidents() == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(changed(BASE, routing_key=UNKNOWN_KEY), id="trigger"),
        pytest.param(follow_up("acknowledge", "k", routing_key=UNKNOWN_KEY), id="acknowledge"),
        pytest.param(follow_up("resolve", "k", routing_key=UNKNOWN_KEY), id="resolve"),
    ],
)
def test_unknown_routing_key_is_refused_and_nothing_is_stored(
    stack: Stack, body: dict[str, Any]
) -> None:
    before = stack.incidents()

    response = stack.client.post("/v2/enqueue", json=body)

    assert response.status_code == 400
    assert response.json() == invalid("Invalid routing key: no service has this integration key")
    assert stack.incidents() == before


@pytest.mark.parametrize("path", ENQUEUE_PATHS)
def test_trigger_without_dedup_key_gets_a_generated_one_in_the_202_body(
    stack: Stack, path: str
) -> None:
    response = stack.client.post(path, json=trigger(summary="Queue depth above 10k"))

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"status", "message", "dedup_key"}
    assert {k: body[k] for k in ("status", "message")} == SUCCESS
    assert isinstance(body["dedup_key"], str) and body["dedup_key"].strip()
    incident = stack.incident(body["dedup_key"])
    assert incident["title"] == "Queue depth above 10k"
    assert incident["status"] == "triggered"
    assert incident["service"]["name"] == "Checkout API"


def test_generated_dedup_keys_differ_so_each_keyless_trigger_opens_its_own_incident(
    stack: Stack,
) -> None:
    first = post(stack, trigger())["dedup_key"]
    second = post(stack, trigger())["dedup_key"]

    assert first != second
    assert stack.incident(first)["id"] != stack.incident(second)["id"]


@pytest.mark.parametrize("path", ENQUEUE_PATHS)
def test_trigger_with_dedup_key_answers_with_that_key(stack: Stack, path: str) -> None:
    key = unique_key("disk-full")

    response = stack.client.post(path, json=trigger(key))

    assert response.status_code == 202
    assert response.json() == SUCCESS | {"dedup_key": key}
    assert stack.incident(key)["status"] == "triggered"


def test_unknown_fields_at_any_level_are_ignored(stack: Stack) -> None:
    key = unique_key("unknown-fields")
    body = trigger(key, runbook="https://runbooks.example/x") | {
        "event_version": "2.1",
        "labels": {"team": "payments"},
    }

    assert post(stack, body) == SUCCESS | {"dedup_key": key}
    assert stack.incident(key)["status"] == "triggered"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("CRITICAL", "critical"), ("Warning", "warning"), (" error ", "error"), ("INFO", "info")],
)
def test_severity_is_accepted_in_any_case_and_stored_lower_case(
    stack: Stack, sent: str, stored: str
) -> None:
    key = unique_key("severity-case")

    post(stack, trigger(key, severity=sent))

    assert stack.incident(key)["severity"] == stored


@pytest.mark.parametrize(
    ("severity", "urgency"),
    [("critical", "high"), ("error", "high"), ("warning", "low"), ("info", "low")],
)
def test_severity_decides_urgency(stack: Stack, severity: str, urgency: str) -> None:
    key = unique_key(f"urgency-{severity}")

    post(stack, trigger(key, severity=severity))

    incident = stack.incident(key)
    assert (incident["severity"], incident["urgency"]) == (severity, urgency)


@pytest.mark.parametrize(
    "timestamp",
    [
        "2015-07-17T08:42:58.315+0000",
        "2015-07-17T08:42:58.315+00:00",
        "2015-07-17T08:42:58Z",
        "2015-07-17T10:42:58+0200",
        "2015-07-17T08:42:58",
    ],
)
def test_timestamps_are_read_leniently(stack: Stack, timestamp: str) -> None:
    key = unique_key("timestamp")

    assert post(stack, trigger(key, timestamp=timestamp)) == SUCCESS | {"dedup_key": key}
    assert stack.incident(key)["status"] == "triggered"


def test_optional_fields_are_accepted(stack: Stack) -> None:
    key = unique_key("all-fields")
    body = trigger(
        key,
        component="postgres",
        group="prod-datapipe",
        custom_details={"free space": "1%", "ping time": "1500ms"},
        **{"class": "disk"},
    ) | {
        "images": [{"src": "https://chart.example/disk.png", "href": "https://x", "alt": "disk"}],
        "links": [{"href": "https://grafana.example/d/1", "text": "Dashboard"}],
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example",
    }

    assert post(stack, body) == SUCCESS | {"dedup_key": key}
    assert stack.incident(key)["title"] == "Checkout error rate 12%"


def test_repeated_trigger_is_logged_on_the_open_incident(stack: Stack) -> None:
    key = unique_key("repeat")

    post(stack, trigger(key))
    post(stack, trigger(key, summary="Checkout error rate 15%"))

    incident = stack.incident(key)
    assert incident["alert_count"] == 2
    assert incident["title"] == "Checkout error rate 12%"


def test_acknowledge_acknowledges_the_open_incident(stack: Stack) -> None:
    key = unique_key("ack")
    post(stack, trigger(key))

    assert post(stack, follow_up("acknowledge", key)) == SUCCESS | {"dedup_key": key}

    incident = stack.incident(key)
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_at"] is not None


def test_resolve_resolves_the_open_incident(stack: Stack) -> None:
    key = unique_key("resolve")
    post(stack, trigger(key))

    assert post(stack, follow_up("resolve", key)) == SUCCESS | {"dedup_key": key}

    incident = stack.incident(key)
    assert incident["status"] == "resolved"
    assert incident["resolved_at"] is not None


def test_trigger_on_an_acknowledged_incident_keeps_it_acknowledged(stack: Stack) -> None:
    key = unique_key("ack-then-trigger")
    post(stack, trigger(key))
    post(stack, follow_up("acknowledge", key))

    post(stack, trigger(key))

    incident = stack.incident(key)
    assert (incident["status"], incident["alert_count"]) == ("acknowledged", 2)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"summary": "[RESOLVED] HighErrorRate", "source": "Alertmanager"}, id="full"),
        pytest.param({"severity": "not-a-severity"}, id="unvalidated"),
    ],
)
@pytest.mark.parametrize("event_action", ["acknowledge", "resolve"])
def test_payload_on_acknowledge_and_resolve_is_accepted(
    stack: Stack, event_action: str, payload: dict[str, Any]
) -> None:
    key = unique_key(f"{event_action}-with-payload")
    post(stack, trigger(key))

    answer = post(stack, follow_up(event_action, key, payload=payload))

    assert answer == SUCCESS | {"dedup_key": key}
    expected = "acknowledged" if event_action == "acknowledge" else "resolved"
    assert stack.incident(key)["status"] == expected


@pytest.mark.parametrize("event_action", ["acknowledge", "resolve"])
def test_acknowledge_or_resolve_of_unknown_key_is_accepted_and_dropped(
    stack: Stack, event_action: str
) -> None:
    key = unique_key("never-triggered")
    before = stack.incidents()

    assert post(stack, follow_up(event_action, key)) == SUCCESS | {"dedup_key": key}

    assert stack.incidents() == before


def test_resolve_of_already_resolved_key_is_accepted_and_dropped(stack: Stack) -> None:
    key = unique_key("resolved-twice")
    post(stack, trigger(key))
    post(stack, follow_up("resolve", key))
    before = stack.incidents()

    assert post(stack, follow_up("resolve", key)) == SUCCESS | {"dedup_key": key}

    assert stack.incidents() == before


def test_trigger_after_resolve_opens_a_new_incident_with_the_same_key(stack: Stack) -> None:
    key = unique_key("flapping")
    post(stack, trigger(key))
    post(stack, follow_up("resolve", key))

    post(stack, trigger(key, summary="Checkout error rate 20%"))

    old, new = stack.incidents_for(key)
    assert (old["status"], new["status"]) == ("resolved", "triggered")
    assert new["number"] > old["number"]
    assert new["title"] == "Checkout error rate 20%"


def test_nul_characters_do_not_break_storage(stack: Stack) -> None:
    key = unique_key("nul")

    body = trigger(
        key, summary="disk \x00full", source="web\x00-1", custom_details={"note": "a\x00b"}
    )

    answer = post(stack, body)

    assert answer == SUCCESS | {"dedup_key": key}
    incident = stack.incident(key)
    assert (incident["title"], incident["source"]) == ("disk full", "web-1")


def test_overlong_source_is_kept_truncated_rather_than_lost(stack: Stack) -> None:
    key = unique_key("long-source")

    post(stack, trigger(key, source="s" * 5000))

    assert stack.incident(key)["source"] == "s" * 1024


def test_concurrent_triggers_with_one_dedup_key_open_one_incident(stack: Stack) -> None:
    key = unique_key("thundering-herd")
    senders = 8

    def send(_: int) -> int:
        with httpx.Client(base_url=str(stack.client.base_url), timeout=30) as client:
            return client.post("/v2/enqueue", json=trigger(key)).status_code

    with ThreadPoolExecutor(max_workers=senders) as pool:
        statuses = list(pool.map(send, range(senders)))

    assert statuses == [202] * senders
    assert stack.incident(key)["alert_count"] == senders
