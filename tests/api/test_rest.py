"""The REST API as an integrator sees it: shapes, filters, lookups and authentication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import (
    ROUTING_KEY,
    Server,
    free_port,
    ondeck_env,
    org_yaml,
    run_cli,
    start_process,
    stop_process,
    wait_healthy,
)


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, httpx.Client]]:
    """One server on SQLite with three incidents: triggered (high), acknowledged, resolved."""
    path = tmp_path_factory.mktemp("api")
    env = ondeck_env(f"sqlite:///{path / 'ondeck.db'}")
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first="1h", second="1h"))
    token = run_cli(env, "token", "create", "--user", "ada@example.com").stdout.splitlines()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env["ONDECK_BASE_URL"] = url
    process = start_process(env, ["serve", "--port", str(port)], path / "server.log")
    try:
        wait_healthy(url, process)
        server = Server(url=url, env=env, process=process, log_path=path / "server.log")
        with server.client(token) as client:
            for key, severity in (("a", "critical"), ("b", "warning"), ("c", "error")):
                sent = client.post(
                    "/v2/enqueue",
                    json={
                        "routing_key": ROUTING_KEY,
                        "event_action": "trigger",
                        "dedup_key": key,
                        "payload": {"summary": f"alert {key}", "source": "t", "severity": severity},
                    },
                )
                assert sent.status_code == 202
            ids = {i["dedup_key"]: i["id"] for i in client.get("/api/v1/incidents").json()["data"]}
            assert client.post(f"/api/v1/incidents/{ids['b']}/acknowledge").status_code == 200
            assert client.post(f"/api/v1/incidents/{ids['c']}/resolve").status_code == 200
            yield server, client
    finally:
        stop_process(process)


def _keys(body: dict[str, Any]) -> list[str]:
    return sorted(item["dedup_key"] for item in body["data"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "b", "c"]),
        ("?status=triggered", ["a"]),
        ("?status=triggered&status=acknowledged", ["a", "b"]),
        ("?status=resolved", ["c"]),
        ("?urgency=low", ["b"]),
        ("?urgency=high&status=resolved", ["c"]),
    ],
)
def test_incidents_can_be_filtered_by_status_and_urgency(
    api: tuple[Server, httpx.Client], query: str, expected: list[str]
) -> None:
    _, client = api

    body = client.get(f"/api/v1/incidents{query}").json()

    assert _keys(body) == expected
    assert body["count"] == len(expected)


def test_paging_through_incidents_keeps_the_total_count(api: tuple[Server, httpx.Client]) -> None:
    _, client = api

    first = client.get("/api/v1/incidents?limit=2").json()
    rest = client.get("/api/v1/incidents?limit=2&offset=2").json()

    assert first["count"] == rest["count"] == 3
    assert len(first["data"]) == 2 and len(rest["data"]) == 1
    assert first["data"][0]["number"] > first["data"][1]["number"] > rest["data"][0]["number"]


def test_an_incident_carries_what_integrations_rely_on(api: tuple[Server, httpx.Client]) -> None:
    _, client = api
    listed = client.get("/api/v1/incidents?status=triggered").json()["data"][0]

    incident = client.get(f"/api/v1/incidents/{listed['id']}").json()

    assert incident == listed
    assert {"id", "number", "status", "title", "service", "urgency", "dedup_key"} <= set(incident)
    assert incident["service"]["name"] == "Checkout API"
    assert incident["title"] == "alert a"


@pytest.mark.parametrize(
    ("path", "name_field", "expected"),
    [
        ("users", "email", "ada@example.com"),
        ("teams", "name", "Payments"),
        ("schedules", "name", "Payments primary"),
        ("escalation-policies", "name", "Payments default"),
        ("services", "name", "Checkout API"),
    ],
)
def test_each_organisation_object_can_be_listed_and_fetched_by_id(
    api: tuple[Server, httpx.Client], path: str, name_field: str, expected: str
) -> None:
    _, client = api

    listed = client.get(f"/api/v1/{path}").json()
    [item] = [i for i in listed["data"] if i[name_field] == expected]
    fetched = client.get(f"/api/v1/{path}/{item['id']}")

    assert listed["count"] == len(listed["data"])
    assert fetched.status_code == 200
    assert fetched.json() == item
    assert client.get(f"/api/v1/{path}/999999").status_code == 404


def test_services_never_show_their_integration_keys(api: tuple[Server, httpx.Client]) -> None:
    _, client = api

    text = client.get("/api/v1/services").text

    assert ROUTING_KEY not in text and "am-checkout-secret" not in text


@pytest.mark.parametrize(
    "path",
    ["/api/v1/incidents", "/api/v1/users", "/api/v1/services/1", "/api/v1/oncall", "/metrics"],
)
def test_every_api_route_refuses_a_missing_or_wrong_token(
    api: tuple[Server, httpx.Client], path: str
) -> None:
    server, _ = api

    missing = httpx.get(f"{server.url}{path}")
    wrong = httpx.get(f"{server.url}{path}", headers={"Authorization": "Bearer odk_wrong"})

    assert missing.status_code == wrong.status_code == 401


def test_the_openapi_document_describes_the_incident_actions(
    api: tuple[Server, httpx.Client],
) -> None:
    server, _ = api

    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]

    assert "/api/v1/incidents/{incident_id}/acknowledge" in paths
    assert "/api/v1/incidents/{incident_id}/resolve" in paths
    assert "/v2/enqueue" in paths
