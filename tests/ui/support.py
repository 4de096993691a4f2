"""Helpers for the web UI tests: servers with signed-up users and a rotation to change,
signing in, triggering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.services import accounts
from tests.conftest import (
    ROUTING_KEY,
    SECRET,
    Server,
    free_port,
    ondeck_env,
    org_yaml,
    run_cli,
    start_process,
    stop_process,
    wait_healthy,
)

EMAIL = "ada@example.com"
PASSWORD = "s3cret-pass"

SCHEDULE = "Database on call"
GRACE = "grace@example.com"
LINUS = "linus@example.com"
OLGA = "olga@example.com"
MARGARET = "margaret@example.com"
BARBARA = "barbara@example.com"
OTHERS = "an0ther-pass-word"

# On top of the test organisation: a rotation of three, an observer, people to invite.
TEAM_ORG = f"""
users:
  - {{email: {OLGA}, name: Olga Observer, timezone: UTC, role: observer}}
  - {{email: {MARGARET}, name: Margaret Hamilton, timezone: America/Los_Angeles}}
  - {{email: {BARBARA}, name: Barbara Liskov, timezone: America/New_York}}
schedules:
  - name: {SCHEDULE}
    timezone: Europe/London
    layers:
      - name: Weekly
        start: 2020-01-06T09:00
        rotation: 1w
        participants: [ada@example.com, {GRACE}, {LINUS}]
      - name: Weekends from 2099
        start: 2099-01-05T09:00
        participants: [{GRACE}, {LINUS}]
        restrictions:
          - {{days: [sat, sun]}}
"""


def prepare(
    database_url: str, *, smtp_url: str = "", first: str = "1h", more: str = ""
) -> dict[str, str]:
    """The environment of a database holding the test organisation and Ada's password.

    The first escalation level waits ``first``: an hour unless a test wants to see the
    second level page someone. ``more`` is organisation YAML added in the same apply.
    """
    extra = {"ONDECK_SMTP_URL": smtp_url} if smtp_url else {}
    env = ondeck_env(database_url, **extra)
    org = org_yaml(first=first, second="1h")
    if more:
        merged: dict[str, list[Any]] = yaml.safe_load(org)
        for kind, items in yaml.safe_load(more).items():
            merged.setdefault(kind, []).extend(items)
        org = yaml.safe_dump(merged, sort_keys=False)
    run_cli(env, "apply", "-f", "-", input_text=org)
    run_cli(env, "user", "password", EMAIL, "--password", PASSWORD)
    return env


@contextmanager
def serving(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ondeck serve`` on ``env``'s database, for as long as the block runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env["ONDECK_BASE_URL"] = url
    log_path: Path = tmp_path_factory.mktemp("ui-server") / "server.log"
    process = start_process(env, ["serve", "--port", str(port)], log_path)
    try:
        wait_healthy(url, process)
        yield Server(url=url, env=env, process=process, log_path=log_path)
    finally:
        stop_process(process)


def set_passwords(database_url: str, password: str, *emails: str) -> None:
    """Passwords for more people, set in this process: quicker than one CLI run each."""
    container = bootstrap(Settings(database_url=database_url, secret_key=SECRET))
    try:
        for email in emails:
            accounts.set_password(uow=container.uow, email=email, password=password)
    finally:
        container.close()


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
