"""Request bodies the ingest tests send: built, or captured from real senders."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Final

from tests.conftest import ROUTING_KEY

MISSING: Final = object()
"""Marks a field that ``changed`` removes."""

UNKNOWN_KEY = "f" * 32
"""Well formed (32 characters) but no service has it."""

SUCCESS = {"status": "success", "message": "Event processed"}
UNRECOGNIZED = {
    "status": "Unrecognized object",
    "message": "Event object format is unrecognized",
    "errors": ["JSON parse error"],
}


def invalid(*errors: str) -> dict[str, Any]:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}


def trigger(dedup_key: str | None = None, **payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": "Checkout error rate 12%", "source": "web-1", "severity": "critical"}
        | payload,
    }
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    return body


def follow_up(event_action: str, dedup_key: str, **extra: Any) -> dict[str, Any]:
    """An acknowledge or resolve event for ``dedup_key``."""
    return {
        "routing_key": ROUTING_KEY,
        "event_action": event_action,
        "dedup_key": dedup_key,
    } | extra


def changed(body: dict[str, Any], **changes: object) -> dict[str, Any]:
    """A copy of ``body`` with fields set or removed; ``payload__summary`` reaches inside."""
    result = copy.deepcopy(body)
    for name, value in changes.items():
        *parents, leaf = name.split("__")
        target = result
        for parent in parents:
            target = target[parent]
        if value is MISSING:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return result


def change(summary: str = "Deployed checkout v1.4.2", **payload: Any) -> dict[str, Any]:
    """A change event with every field PagerDuty documents."""
    return {
        "routing_key": ROUTING_KEY,
        "payload": {
            "summary": summary,
            "source": "ci.example",
            "timestamp": "2026-11-22T09:00:00.000+0000",
            "custom_details": {"build": "1234", "commit": "9f3c2a1"},
        }
        | payload,
        "links": [{"href": "https://ci.example/builds/1234", "text": "Build 1234"}],
    }


FIXTURES = Path("/work/shared/research/fixtures")


def captured(name: str) -> dict[str, Any]:
    """A body Alertmanager 0.25 really sent (see research/protocols.md section 2)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


FIRING = captured("alertmanager-webhook-firing.json")
RESOLVED = captured("alertmanager-webhook-resolved.json")
PD_TRIGGER = captured("alertmanager-pagerduty-trigger.json") | {"routing_key": ROUTING_KEY}
PD_RESOLVE = captured("alertmanager-pagerduty-resolve.json") | {"routing_key": ROUTING_KEY}


def group_dedup_key(body: dict[str, Any]) -> str:
    """The dedup key of a webhook's alert group: SHA-256 of ``groupKey``, as Alertmanager's
    PagerDuty notifier computes it."""
    return hashlib.sha256(body["groupKey"].encode()).hexdigest()


GROUP_DEDUP_KEY = group_dedup_key(FIRING)


def own_group(body: dict[str, Any], group: str) -> dict[str, Any]:
    """``body`` for an alert group of its own, so tests sharing a database do not meet."""
    result = copy.deepcopy(body)
    result["groupKey"] = '{}:{alertname="' + group + '"}'
    result["groupLabels"] = {"alertname": group}
    return result
