"""Helpers for the web UI tests: a server with a signed-up user, signing in, triggering."""

from __future__ import annotations

import re

import httpx

from tests.conftest import ROUTING_KEY, Server, ondeck_env, org_yaml, run_cli

EMAIL = "ada@example.com"
PASSWORD = "s3cret-pass"


def prepare(database_url: str, *, smtp_url: str = "", first: str = "1h") -> dict[str, str]:
    """The environment of a database holding the test organisation and Ada's password.

    The first escalation level waits ``first``: an hour unless a test wants to see the
    second level page someone.
    """
    extra = {"ONDECK_SMTP_URL": smtp_url} if smtp_url else {}
    env = ondeck_env(database_url, **extra)
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first=first, second="1h"))
    run_cli(env, "user", "password", EMAIL, "--password", PASSWORD)
    return env


def trigger(
    server: Server,
    dedup_key: str,
    summary: str = "Checkout error rate 12%",
    *,
    routing_key: str = ROUTING_KEY,
    **payload: str,
) -> None:
    body = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": summary, "source": "web-1", "severity": "critical"} | payload,
    }
    response = httpx.post(f"{server.url}/v2/enqueue", json=body, timeout=10)
    assert response.status_code == 202, response.text


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


def sign_in(
    client: httpx.Client, email: str = EMAIL, password: str = PASSWORD, next_path: str = ""
) -> httpx.Response:
    """Submit the sign-in form as a browser would; returns the POST's response."""
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "next": next_path,
            "csrf_token": csrf_from(form.text),
        },
    )


def incident_id(client: httpx.Client, title: str) -> int:
    """The id of the incident titled ``title``, read from the incident list page."""
    page = client.get("/incidents", params={"status": "all"})
    found = re.search(r'<a href="/incidents/(\d+)">' + re.escape(title) + "</a>", page.text)
    assert found is not None, f"no incident titled {title!r} on the list"
    return int(found.group(1))
