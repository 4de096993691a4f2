"""The real Prometheus Alertmanager pages through ondeck and resolves what it opened.

Alertmanager runs as its own process with a config pointing at a real ``ondeck serve``:
its PagerDuty notifier at ``/v2/enqueue`` (with ``url:``, never ``service_key``) and its
webhook notifier at ``/integrations/alertmanager``. Alerts go in through Alertmanager's
own API, pages come out as real email, and the incident is read back through the REST API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    AM_KEY,
    ROUTING_KEY,
    Mailbox,
    Server,
    ondeck_env,
    org_yaml,
    run_cli,
)
from tests.e2e import alertmanager_harness as harness

pytestmark = pytest.mark.slow

StartAlertmanager = Callable[[dict[str, Any]], harness.Alertmanager]

WAIT = 25.0
"""Generous: notifications come about a second after a post, but CI machines are busy."""

LABELS = {
    "alertname": "CheckoutErrorRate",
    "service": "checkout",
    "severity": "critical",
    "instance": "web-1:9100",
}
ANNOTATIONS = {
    "summary": "Checkout 5xx ratio above 5%",
    "runbook_url": "https://runbooks.example/checkout-errors",
}
PAGERDUTY_TITLE = "[FIRING:1] CheckoutErrorRate checkout"
"""The start of the PagerDuty notifier's default summary: status, then the group's labels."""
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def start_alertmanager(tmp_path: Path) -> Iterator[StartAlertmanager]:
    """Start real Alertmanager processes; each is stopped when the test ends."""
    started: list[harness.Alertmanager] = []

    def start(receivers: dict[str, Any]) -> harness.Alertmanager:
        manager = harness.start(tmp_path / f"alertmanager-{len(started)}", receivers)
        started.append(manager)
        return manager

    yield start
    for manager in started:
        manager.stop()


def _setup(database_url: str, mailbox: Mailbox, start_server: Any) -> tuple[Server, str]:
    harness.find_binary()  # skip or fail before anything is started
    env = ondeck_env(database_url, ONDECK_SMTP_URL=mailbox.url)
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first="5m", second="5m"))
    token = (
        run_cli(env, "token", "create", "--user", "ada@example.com").stdout.strip().splitlines()[-1]
    )
    return start_server(env), token


def _now() -> str:
    return harness.rfc3339(datetime.now(UTC))


def _incidents(server: Server, token: str) -> list[dict[str, Any]]:
    with server.client(token) as client:
        response = client.get("/api/v1/incidents")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def _timeline(server: Server, token: str, incident_id: int) -> list[dict[str, Any]]:
    with server.client(token) as client:
        response = client.get(f"/api/v1/incidents/{incident_id}/timeline")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def _wait_for_incident(
    server: Server,
    token: str,
    manager: harness.Alertmanager,
    done: Callable[[dict[str, Any]], bool],
    what: str,
) -> dict[str, Any]:
    """Poll the API until the only incident satisfies ``done``; explain with both logs if not."""
    deadline = time.monotonic() + WAIT
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = _incidents(server, token)
        if len(seen) == 1 and done(seen[0]):
            return seen[0]
        assert len(seen) <= 1, f"expected one incident, got {len(seen)}: {seen}"
        time.sleep(0.2)
    raise AssertionError(
        f"no incident {what} within {WAIT}s; incidents: {seen}\n"
        f"--- alertmanager log ---\n{manager.log()}\n--- ondeck log ---\n{server.log()}"
    )


def _notifications(manager: harness.Alertmanager, integration: str) -> tuple[float, float]:
    """Alertmanager's own count of (sent, failed) notifications for one integration."""
    text = httpx.get(f"{manager.url}/metrics", timeout=10).text
    totals = {
        "alertmanager_notifications_total": 0.0,
        "alertmanager_notifications_failed_total": 0.0,
    }
    for line in text.splitlines():
        name, _, rest = line.partition("{")
        if name in totals and f'integration="{integration}"' in rest:
            totals[name] += float(rest.rsplit(" ", 1)[1])
    return (
        totals["alertmanager_notifications_total"],
        totals["alertmanager_notifications_failed_total"],
    )


def _wait_for_notifications(manager: harness.Alertmanager, integration: str, sent: int) -> None:
    """Wait until Alertmanager has sent ``sent`` notifications and assert none failed."""
    deadline = time.monotonic() + WAIT
    counts = (0.0, 0.0)
    while time.monotonic() < deadline:
        counts = _notifications(manager, integration)
        if counts[0] >= sent:
            break
        time.sleep(0.2)
    assert counts == (sent, 0), f"{integration} (sent, failed) = {counts}\n{manager.log()}"


def _fire_and_resolve(
    server: Server,
    token: str,
    mailbox: Mailbox,
    manager: harness.Alertmanager,
    titles: tuple[str, ...],
    alerts_per_notification: int = 1,
) -> dict[str, Any]:
    """Fire the alert, check the incident and its one page, resolve it; return the incident."""
    started = _now()
    manager.post(LABELS, ANNOTATIONS, startsAt=started)

    triggered = _wait_for_incident(
        server,
        token,
        manager,
        lambda i: i["alert_count"] >= alerts_per_notification,
        f"triggered by {alerts_per_notification} notification(s)",
    )
    assert triggered["status"] == "triggered"
    assert triggered["service"]["name"] == "Checkout API"
    assert triggered["title"].startswith(titles), triggered["title"]
    assert HEX64.fullmatch(triggered["dedup_key"]), triggered["dedup_key"]
    assert triggered["dedup_key"] == harness.dedup_key_for(LABELS)

    page = mailbox.wait_for("ada@example.com", timeout=WAIT)[0]
    assert any(title in str(page["Subject"]) for title in titles), page["Subject"]
    time.sleep(1.5)  # group_interval ticks pass; nothing resolves until the alert ends
    assert _incidents(server, token)[0]["status"] == "triggered"

    manager.post(LABELS, ANNOTATIONS, startsAt=started, endsAt=_now())

    resolved = _wait_for_incident(
        server, token, manager, lambda i: i["status"] == "resolved", "resolved"
    )
    assert resolved["id"] == triggered["id"]
    assert resolved["resolved_at"] is not None
    assert resolved["acknowledged_by"] is None
    kinds = [entry["kind"] for entry in _timeline(server, token, resolved["id"])]
    assert kinds[0] == "triggered"
    assert kinds[-1] == "resolved"
    assert kinds.count("resolved") == 1
    assert len(mailbox.to("ada@example.com")) == 1
    return resolved


def test_pagerduty_notifier_pages_on_firing_and_resolves_on_resolved(
    database_url: str, mailbox: Mailbox, start_server: Any, start_alertmanager: StartAlertmanager
) -> None:
    server, token = _setup(database_url, mailbox, start_server)
    manager = start_alertmanager(
        {
            "pagerduty_configs": [
                {
                    "routing_key": ROUTING_KEY,
                    "url": f"{server.url}/v2/enqueue",
                    "send_resolved": True,
                }
            ]
        }
    )

    incident = _fire_and_resolve(server, token, mailbox, manager, (PAGERDUTY_TITLE,))

    assert incident["source"] == "Alertmanager"
    assert incident["severity"] == "error"  # the notifier's default, not the alert's label
    _wait_for_notifications(manager, "pagerduty", sent=2)


@pytest.mark.parametrize("key_in", ["query token", "bearer header"])
def test_webhook_notifier_pages_on_firing_and_resolves_on_resolved(
    key_in: str,
    sqlite_url: str,
    mailbox: Mailbox,
    start_server: Any,
    start_alertmanager: StartAlertmanager,
) -> None:
    server, token = _setup(sqlite_url, mailbox, start_server)
    webhook: dict[str, Any] = {
        "url": f"{server.url}/integrations/alertmanager",
        "send_resolved": True,
    }
    if key_in == "query token":
        webhook["url"] += f"?token={AM_KEY}"
    else:
        webhook["http_config"] = {"authorization": {"type": "Bearer", "credentials": AM_KEY}}
    manager = start_alertmanager({"webhook_configs": [webhook]})

    incident = _fire_and_resolve(server, token, mailbox, manager, (ANNOTATIONS["summary"],))

    assert incident["source"] == harness.EXTERNAL_URL
    assert incident["severity"] == "critical"  # the alert's own severity label
    _wait_for_notifications(manager, "webhook", sent=2)


def test_webhook_with_a_wrong_key_is_refused_and_opens_nothing(
    sqlite_url: str, mailbox: Mailbox, start_server: Any, start_alertmanager: StartAlertmanager
) -> None:
    server, token = _setup(sqlite_url, mailbox, start_server)
    url = f"{server.url}/integrations/alertmanager?token=not-{AM_KEY}"
    manager = start_alertmanager({"webhook_configs": [{"url": url, "send_resolved": True}]})

    manager.post(LABELS, ANNOTATIONS, startsAt=_now())

    refusal = "unrecoverable error after 1 attempts: unexpected status code 401"
    deadline = time.monotonic() + WAIT
    while refusal not in manager.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert refusal in manager.log(), manager.log()  # a 4xx: Alertmanager does not retry
    assert _notifications(manager, "webhook") == (1, 1)
    assert _incidents(server, token) == []
    assert mailbox.to("ada@example.com") == []


def test_pagerduty_and_webhook_notifiers_of_one_group_share_one_incident(
    sqlite_url: str, mailbox: Mailbox, start_server: Any, start_alertmanager: StartAlertmanager
) -> None:
    server, token = _setup(sqlite_url, mailbox, start_server)
    manager = start_alertmanager(
        {
            "pagerduty_configs": [
                {
                    "routing_key": ROUTING_KEY,
                    "url": f"{server.url}/v2/enqueue",
                    "send_resolved": True,
                }
            ],
            "webhook_configs": [
                {
                    "url": f"{server.url}/integrations/alertmanager?token={AM_KEY}",
                    "send_resolved": True,
                }
            ],
        }
    )

    incident = _fire_and_resolve(
        server,
        token,
        mailbox,
        manager,
        (PAGERDUTY_TITLE, ANNOTATIONS["summary"]),
        alerts_per_notification=2,
    )

    assert incident["alert_count"] == 2
    kinds = [entry["kind"] for entry in _timeline(server, token, incident["id"])]
    assert kinds.count("triggered") == 1
    assert kinds.count("alert_repeated") == 1
    _wait_for_notifications(manager, "pagerduty", sent=2)
    _wait_for_notifications(manager, "webhook", sent=2)
    assert len(_incidents(server, token)) == 1
