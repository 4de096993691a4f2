"""A public webhook subscription must not point ondeck at its own network: loopback and
private addresses are refused unless ONDECK_STATUS_PRIVATE_WEBHOOKS allows them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import ondeck_env, run_cli


def test_a_webhook_on_a_private_address_is_refused_and_a_public_one_accepted(
    database_url: str, start_server: Any
) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "db", "upgrade")
    server = start_server(env)
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://localhost/"):
        refused = httpx.post(f"{server.url}/status/subscribe", json={"address": url})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == (
            f"address: {url!r} is not a public address (give an email address or a webhook URL)"
        )
    public = httpx.post(
        f"{server.url}/status/subscribe", json={"address": "https://hooks.example.com/status"}
    )
    assert public.status_code == 201, public.text
    again = httpx.post(
        f"{server.url}/status/subscribe", json={"address": "http://127.0.0.1:9/hook"}
    )
    assert again.status_code == 422
