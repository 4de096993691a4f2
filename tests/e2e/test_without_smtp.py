"""A fresh install without SMTP: pages are logged, said so on the timeline, and no signed
link (a credential) is written to the log."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import ROUTING_KEY, ondeck_env, org_yaml, run_cli


def test_without_smtp_the_page_is_logged_without_its_signed_links(
    sqlite_url: str, start_server: Any
) -> None:
    env = ondeck_env(sqlite_url)
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first="1h", second="1h"))
    token = run_cli(env, "token", "create", "--user", "ada@example.com").stdout.splitlines()[-1]
    server = start_server(env)

    sent = httpx.post(
        f"{server.url}/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "payload": {"summary": "Checkout down", "source": "t", "severity": "critical"},
        },
    )
    assert sent.status_code == 202
    with server.client(token) as client:
        incident = client.get("/api/v1/incidents").json()["data"][0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            entries = client.get(f"/api/v1/incidents/{incident['id']}/timeline").json()["data"]
            notified = [e for e in entries if e["kind"] == "notified"]
            if notified:
                break
            time.sleep(0.1)

    assert notified, "the page was not recorded"
    assert notified[0]["data"]["detail"] == "no SMTP server configured: written to the server log"
    log = server.log()
    assert "Checkout down" in log
    assert f"{server.url}/incidents/{incident['id']}" in log
    assert "/l/" not in log
