"""Bodies over 512 KB (PagerDuty's limit) are refused before anything is stored, whether the
sender declares the length up front or streams the body in chunks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import AM_KEY
from tests.ingest.bodies import FIRING, SUCCESS, change, own_group, trigger
from tests.ingest.harness import Stack, unique_key

LIMIT = 512 * 1024
TOO_LARGE = {
    "status": "invalid event",
    "message": "Event object is invalid",
    "errors": ["request body is larger than 512 KB"],
}


def padded(body: dict[str, Any], size: int) -> bytes:
    """``body`` as JSON of exactly ``size`` bytes (trailing whitespace is still JSON)."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def in_chunks(raw: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body httpx can only send with ``Transfer-Encoding: chunked``."""
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


def endpoints(label: str) -> list[Any]:
    return [
        pytest.param("/v2/enqueue", {}, trigger(unique_key(label)), id="events v2"),
        pytest.param("/v2/change/enqueue", {}, change(unique_key(label)), id="change"),
        pytest.param(
            "/integrations/alertmanager",
            {"token": AM_KEY},
            own_group(FIRING, unique_key(label)),
            id="alertmanager",
        ),
    ]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("path", "params", "body"), endpoints("oversize"))
def test_body_over_512_kb_is_refused_and_nothing_is_stored(
    stack: Stack, path: str, params: dict[str, str], body: dict[str, Any], chunked: bool
) -> None:
    incidents = stack.incidents()
    changes = stack.change_count()
    raw = padded(body, LIMIT + 1)

    response = stack.client.post(
        path,
        params=params,
        content=in_chunks(raw) if chunked else raw,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert stack.incidents() == incidents
    assert stack.change_count() == changes


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_of_exactly_512_kb_is_accepted(stack: Stack, chunked: bool) -> None:
    key = unique_key("at-limit")
    raw = padded(trigger(key), LIMIT)

    response = stack.client.post(
        "/v2/enqueue",
        content=in_chunks(raw) if chunked else raw,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 202
    assert response.json() == SUCCESS | {"dedup_key": key}
    assert stack.incident(key)["status"] == "triggered"


def test_server_keeps_answering_after_refusing_a_large_body(stack: Stack) -> None:
    refused = stack.client.post(
        "/v2/enqueue",
        content=padded(trigger(), 4 * LIMIT),
        headers={"Content-Type": "application/json"},
    )
    key = unique_key("after-oversize")

    accepted = stack.client.post("/v2/enqueue", json=trigger(key))

    assert refused.status_code == 413
    assert accepted.status_code == 202
    assert stack.incident(key)["status"] == "triggered"
