"""pdpyras, a PagerDuty client library people already use, pointed at ondeck unchanged."""

from __future__ import annotations

from typing import Any

import pdpyras
import pytest

from tests.conftest import ROUTING_KEY
from tests.ingest.bodies import invalid
from tests.ingest.harness import Served, unique_key, wait_for_page


def bounded(session: Any, served: Served) -> Any:
    """Point ``session`` at ondeck and bound its retries: by default pdpyras retries 429
    without limit and 5xx up to six times with growing sleeps, which would hang a test."""
    session.url = served.url
    session.retry = {429: 1, 500: 1, 502: 1, 503: 1, 504: 1}
    session.sleep_timer = 0.05
    session.sleep_timer_base = 1
    session.max_network_attempts = 1
    session.timeout = 10
    return session


def events(served: Served) -> Any:
    return bounded(pdpyras.EventsAPISession(ROUTING_KEY), served)


def changes(served: Served) -> Any:
    return bounded(pdpyras.ChangeEventsAPISession(ROUTING_KEY), served)


def test_pdpyras_triggers_pages_acknowledges_and_resolves(served: Served) -> None:
    session = events(served)
    summary = unique_key("Payment provider timeouts")

    key = session.trigger(
        summary,
        "payments-gw-2",
        severity="error",
        custom_details={"timeouts per minute": 42},
        links=[{"href": "https://grafana.example/d/payments", "text": "Dashboard"}],
        images=[{"src": "https://grafana.example/render/payments.png", "alt": "timeouts"}],
    )

    assert isinstance(key, str) and key
    incident = served.incident(key)
    assert (incident["title"], incident["source"]) == (summary, "payments-gw-2")
    assert (incident["severity"], incident["urgency"]) == ("error", "high")
    wait_for_page(served.mailbox, summary)

    assert session.acknowledge(key) == key
    assert served.incident(key)["status"] == "acknowledged"

    assert session.resolve(key) == key
    assert served.incident(key)["status"] == "resolved"


def test_pdpyras_trigger_with_dedup_key_gets_that_key_back(served: Served) -> None:
    key = unique_key("pdpyras")

    assert events(served).trigger("Cache hit ratio 40%", "cache-1", dedup_key=key) == key

    assert served.incident(key)["status"] == "triggered"


def test_pdpyras_surfaces_a_refused_event_with_its_errors(served: Served) -> None:
    before = served.incidents()

    with pytest.raises(pdpyras.PDHTTPError) as raised:
        events(served).trigger("Disk full", "db-1", severity="fatal")

    assert raised.value.response.status_code == 400
    assert raised.value.response.json() == invalid(
        "'payload.severity' must be one of critical, error, warning, info"
    )
    assert served.incidents() == before


def test_pdpyras_submits_a_change_event_that_opens_no_incident(served: Served) -> None:
    before = served.incidents()
    stored = served.change_count()

    change_id = changes(served).submit(
        unique_key("Deployed payments"),
        source="ci.example",
        custom_details={"build": 77},
        links=[{"href": "https://ci.example/77", "text": "Build 77"}],
    )

    assert isinstance(change_id, str) and change_id
    assert served.change_count() == stored + 1
    assert served.incidents() == before
