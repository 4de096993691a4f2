"""Push through ntfy's publish API, driven against a local server that reads the request as
ntfy does (topic path, headers in its short formats, bearer tokens) and answers as it
does, failures included."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header, make_header
from typing import Any

import pytest

from ondeck.adapters.channels.push import NtfyChannel
from ondeck.domain.model import Urgency
from tests.channels.local_provider import (
    ONDECK,
    Provider,
    Reply,
    Request,
    bundle_page,
    link,
    local_provider,
    sample_page,
    trial_page,
)
from tests.conftest import free_port

TOKEN = "tk_ondeck0123456789abcdefghijkl"
PROTECTED = "ada-pager-protected"
FORBIDDEN = "someone-elses-topic"
TOPIC = re.compile(r"^/([-_A-Za-z0-9]{1,64})$")
PRIORITIES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "min": 1, "low": 2, "default": 3}
PRIORITIES |= {"high": 4, "max": 5, "urgent": 5}


def _error(status: int, code: int, error: str) -> Reply:
    return Reply.json(
        status,
        {"code": code, "http": status, "error": error, "link": "https://ntfy.sh/docs/publish/"},
    )


def parse_actions(header: str) -> list[dict[str, Any]]:
    """ntfy's short action format: ``action, label, url[, key=value…]`` separated by ``;``.

    Raises ValueError where ntfy answers ``invalid request: actions invalid``.
    """
    found: list[dict[str, Any]] = []
    for text in header.split(";"):
        parts = [part.strip() for part in text.split(",")]
        if len(parts) < 3 or parts[0] not in ("view", "http", "broadcast"):
            raise ValueError(text)
        action: dict[str, Any] = {"action": parts[0], "label": parts[1], "clear": False}
        if not action["label"]:
            raise ValueError(text)
        rest = parts[2:]
        if parts[0] in ("view", "http"):
            url, rest = rest[0], rest[1:]
            if not url.startswith(("http://", "https://")):
                raise ValueError(text)
            action["url"] = url
        for option in rest:
            key, equals, value = option.partition("=")
            if not equals or key not in ("method", "clear", "body") and "." not in key:
                raise ValueError(text)
            if key == "clear" and value not in ("true", "false"):
                raise ValueError(text)
            action[key] = value == "true" if key == "clear" else value
        if parts[0] == "http":
            action.setdefault("method", "POST")
        found.append(action)
    if len(found) > 3:
        raise ValueError("too many actions")
    return found


@dataclass(frozen=True)
class Published:
    topic: str
    title: str
    message: str
    priority: int
    tags: list[str]
    click: str
    actions: list[dict[str, Any]]


def read(request: Request) -> Published:
    """What ntfy makes of a publish request (the test's view of a message that went out)."""
    match = TOPIC.match(request.path)
    assert match is not None
    headers = request.headers
    tags = headers.get("tags", "")
    return Published(
        topic=match.group(1),
        title=str(make_header(decode_header(headers.get("title", "")))),
        message=request.body.decode(),
        priority=PRIORITIES[headers.get("priority", "default")],
        tags=[t.strip() for t in tags.split(",")] if tags else [],
        click=headers.get("click", ""),
        actions=parse_actions(headers["actions"]) if "actions" in headers else [],
    )


def ntfy_server(request: Request) -> Reply:
    match = TOPIC.match(request.path)
    if request.method not in ("POST", "PUT") or match is None:
        return _error(404, 40401, "page not found")
    topic = match.group(1)
    authorization = request.headers.get("authorization")
    if authorization is not None and authorization != f"Bearer {TOKEN}":
        return _error(401, 40101, "unauthorized")
    if topic == PROTECTED and authorization is None:
        return _error(403, 40301, "forbidden")
    if topic == FORBIDDEN:
        return _error(403, 40301, "forbidden")
    if len(request.body) > 4096:
        return _error(413, 41301, "message too large, attachments are not allowed")
    if request.headers.get("priority", "default") not in PRIORITIES:
        return _error(400, 40007, "invalid priority")
    try:
        published = read(request)
    except ValueError:
        return _error(400, 40018, "invalid request: actions invalid")
    return Reply.json(
        200,
        {
            "id": secrets.token_urlsafe(9)[:12],
            "time": 1793674800,
            "expires": 1793718000,
            "event": "message",
            "topic": topic,
            "title": published.title,
            "message": published.message,
            "priority": published.priority,
            "tags": published.tags,
            "click": published.click,
            "actions": published.actions,
        },
    )


@pytest.fixture
def ntfy() -> Iterator[Provider]:
    with local_provider(ntfy_server) as provider:
        yield provider


def _channel(ntfy: Provider, token: str = TOKEN) -> NtfyChannel:
    return NtfyChannel(server_url=ntfy.url + "/", token=token, timeout=5)


def test_a_page_is_published_to_the_topic_with_buttons_that_acknowledge_and_resolve(
    ntfy: Provider,
) -> None:
    delivery = _channel(ntfy).send(sample_page(PROTECTED))

    assert delivery.ok, delivery.detail
    request = ntfy.only_request()
    assert request.path == f"/{PROTECTED}"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    published = read(request)
    assert published.title == "#42 Checkout error rate 12%"
    assert published.priority == 5
    assert published.tags == ["rotating_light", "ondeck"]
    assert published.click == f"{ONDECK}/incidents/7"
    assert published.message.splitlines() == [
        "Checkout API · high urgency · triggered",
        "Opened 2026-11-03 04:05 UTC",
        "Runbook: https://runbooks.example/checkout",
    ]
    assert published.actions == [
        {
            "action": "http",
            "label": "Acknowledge",
            "url": link("acknowledge"),
            "method": "POST",
            "clear": True,
        },
        {
            "action": "http",
            "label": "Resolve",
            "url": link("resolve"),
            "method": "POST",
            "clear": True,
        },
        {"action": "view", "label": "Open", "url": f"{ONDECK}/incidents/7", "clear": False},
    ]
    answered = json.loads(ntfy.replies()[0].body)
    assert delivery.provider_ref == answered["id"] != ""


def test_a_low_urgency_page_has_default_priority(ntfy: Provider) -> None:
    delivery = _channel(ntfy).send(sample_page("ada-pager", urgency=Urgency.LOW))

    assert delivery.ok, delivery.detail
    published = read(ntfy.only_request())
    assert published.priority == 3
    assert published.tags == ["warning", "ondeck"]


def test_a_title_beyond_ascii_arrives_whole(ntfy: Provider) -> None:
    title = "Zahlungen fehlgeschlagen — Köln 🔥"

    delivery = _channel(ntfy).send(sample_page("ada-pager", incident_title=title))

    assert delivery.ok, delivery.detail
    assert read(ntfy.only_request()).title == f"#42 {title}"


def test_a_topic_url_on_another_server_is_published_there_without_our_token(
    ntfy: Provider,
) -> None:
    with local_provider(ntfy_server) as elsewhere:
        delivery = _channel(ntfy).send(sample_page(f"{elsewhere.url}/ada-elsewhere"))

        assert delivery.ok, delivery.detail
        request = elsewhere.only_request()
    assert request.path == "/ada-elsewhere"
    assert "authorization" not in request.headers
    assert ntfy.requests() == []


def test_a_topic_url_on_our_server_carries_the_token(ntfy: Provider) -> None:
    delivery = _channel(ntfy).send(sample_page(f"{ntfy.url}/{PROTECTED}"))

    assert delivery.ok, delivery.detail
    assert ntfy.only_request().headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("token", "topic", "status", "said"),
    [
        ("tk_wrong", "ada-pager", 401, "unauthorized"),
        ("", PROTECTED, 403, "forbidden"),
        (TOKEN, FORBIDDEN, 403, "forbidden"),
    ],
    ids=["wrong-token", "no-token", "not-allowed"],
)
def test_ntfy_refusing_access_is_permanent_and_says_why(
    ntfy: Provider, token: str, topic: str, status: int, said: str
) -> None:
    delivery = _channel(ntfy, token=token).send(sample_page(topic))

    assert not delivery.ok and delivery.permanent
    assert delivery.detail == f"ntfy: HTTP {status}: {said}"


@pytest.mark.parametrize(
    "reply",
    [
        _error(429, 42901, "limit reached: too many requests"),
        _error(500, 50001, "internal server error"),
        _error(507, 50701, "insufficient storage"),
    ],
    ids=["rate-limited", "error", "full"],
)
def test_ntfy_limiting_or_failing_is_worth_another_try(ntfy: Provider, reply: Reply) -> None:
    ntfy.fail_next(reply)

    delivery = _channel(ntfy).send(sample_page("ada-pager"))

    assert not delivery.ok and not delivery.permanent
    assert delivery.detail.startswith(f"ntfy: HTTP {reply.status}: ")


def test_ntfy_out_of_reach_is_worth_another_try() -> None:
    channel = NtfyChannel(server_url=f"http://127.0.0.1:{free_port()}", token="", timeout=2)

    delivery = channel.send(sample_page("ada-pager"))

    assert not delivery.ok and not delivery.permanent
    assert delivery.detail == "ntfy unreachable: ConnectError"


@pytest.mark.parametrize("address", ["ada pager", "ada/../admin", "x" * 65, "ftp://h/t", ""])
def test_an_address_that_is_not_a_topic_fails_at_once_without_a_request(
    ntfy: Provider, address: str
) -> None:
    delivery = _channel(ntfy).send(sample_page(address))

    assert not delivery.ok and delivery.permanent
    assert "is not a topic name" in delivery.detail
    assert ntfy.requests() == []


def test_a_bundle_lists_its_incidents_and_opens_the_incident_list(ntfy: Provider) -> None:
    delivery = _channel(ntfy).send(bundle_page("ada-pager", 20))

    assert delivery.ok, delivery.detail
    published = read(ntfy.only_request())
    assert published.title == "20 incidents for Ada Lovelace"
    assert published.priority == 5
    lines = published.message.splitlines()
    assert lines[0] == "20 incidents, bundled by storm control:"
    assert lines[1:] == [f"#{100 + n} Disk full on db-{n} (Storage)" for n in range(20)]
    assert published.actions == [
        {"action": "view", "label": "Open ondeck", "url": f"{ONDECK}/incidents", "clear": False}
    ]


def test_a_bundle_too_big_for_one_message_says_how_many_it_leaves_out(ntfy: Provider) -> None:
    delivery = _channel(ntfy).send(bundle_page("ada-pager", 1000))

    assert delivery.ok, delivery.detail
    lines = read(ntfy.only_request()).message.splitlines()
    listed = [line for line in lines if line.startswith("#")]
    assert 50 < len(listed) < 1000
    assert lines[-1] == f"…and {1000 - len(listed)} more in ondeck"


def test_a_test_notification_says_so_and_has_no_buttons(ntfy: Provider) -> None:
    delivery = _channel(ntfy).send(trial_page("ada-pager"))

    assert delivery.ok, delivery.detail
    published = read(ntfy.only_request())
    assert published.title == "ondeck test notification"
    assert "nothing to acknowledge" in published.message
    assert published.priority == 3
    assert published.actions == []
