"""Teams and Mattermost incoming webhooks, driven against local servers that check each
provider's request shape and answer as it does, failures included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ondeck.adapters.channels.chat import (
    MATTERMOST_BUDGET,
    TEAMS_BUDGET,
    MattermostChannel,
    TeamsChannel,
)
from ondeck.services.ports import Delivery, Page
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

TEAMS_PATH = "/webhookb2/1f2e@77aa/IncomingWebhook/9a8b/c7d6"
MATTERMOST_PATH = "/hooks/ucw5qjw86jgeum77o1uw8197jr"
ACTIONS_URL = f"{ONDECK}/integrations/mattermost/actions"


# --- Teams, as its incoming webhook connector behaves -----------------------------------


def _teams_problem(body: Any) -> str | None:
    """Why Teams would refuse ``body``, or None for a message with a valid Adaptive Card."""
    if not isinstance(body, dict) or body.get("type") != "message":
        return "Summary or Text is required."
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "Summary or Text is required."
    for attachment in attachments:
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            return "Summary or Text is required."
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            return "Type must be AdaptiveCard."
        if card.get("version") != "1.4" or not isinstance(card.get("body"), list):
            return "Bad payload received by generic incoming webhook."
        for element in card["body"]:
            if element.get("type") not in ("TextBlock", "FactSet"):
                return "Bad payload received by generic incoming webhook."
        for action in card.get("actions", []):
            url = action.get("url", "")
            if action.get("type") != "Action.OpenUrl" or not url.startswith("https://"):
                return "Bad payload received by generic incoming webhook."
            if not action.get("title"):
                return "Bad payload received by generic incoming webhook."
    return None


def teams_webhook(request: Request) -> Reply:
    if len(request.body) > 28 * 1024:
        return Reply(413, "Payload is too large.")
    if request.method != "POST" or request.path != TEAMS_PATH:
        return Reply(404, "Not Found")
    if not request.headers.get("content-type", "").startswith("application/json"):
        return Reply(400, "Bad payload received by generic incoming webhook.")
    try:
        body = request.json()
    except ValueError:
        return Reply(400, "Bad payload received by generic incoming webhook.")
    problem = _teams_problem(body)
    if problem is not None:
        return Reply(400, problem)
    return Reply(200, "1")


@pytest.fixture
def teams() -> Iterator[Provider]:
    with local_provider(teams_webhook) as provider:
        yield provider


def _card(request: Request) -> dict[str, Any]:
    card: dict[str, Any] = request.json()["attachments"][0]["content"]
    return card


def _texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in card["body"] if element["type"] == "TextBlock"]


def test_a_page_reaches_teams_as_an_adaptive_card_with_its_action_links(
    teams: Provider,
) -> None:
    delivery = TeamsChannel(timeout=5).send(sample_page(teams.url + TEAMS_PATH))

    assert delivery.ok, delivery.detail
    assert delivery.detail == "teams: HTTP 200"
    card = _card(teams.only_request())
    assert "#42 Checkout error rate 12%" in _texts(card)
    assert "High urgency incident" in _texts(card)
    facts = next(e["facts"] for e in card["body"] if e["type"] == "FactSet")
    assert {"title": "Service", "value": "Checkout API"} in facts
    assert {"title": "Paged", "value": "Ada Lovelace"} in facts
    assert "[Runbook](https://runbooks.example/checkout)" in _texts(card)
    assert [(a["title"], a["url"]) for a in card["actions"]] == [
        ("Acknowledge", link("acknowledge")),
        ("Resolve", link("resolve")),
        ("Escalate now", link("escalate")),
        ("Snooze", link("snooze")),
        ("Open", f"{ONDECK}/incidents/7"),
    ]


def test_teams_refusing_the_message_is_permanent_and_says_why(teams: Provider) -> None:
    teams.fail_next(Reply(400, "Summary or Text is required."))

    delivery = TeamsChannel(timeout=5).send(sample_page(teams.url + TEAMS_PATH))

    assert not delivery.ok and delivery.permanent
    assert delivery.detail == "teams: HTTP 400: Summary or Text is required."


def test_a_wrong_teams_webhook_url_is_permanent(teams: Provider) -> None:
    delivery = TeamsChannel(timeout=5).send(sample_page(teams.url + "/webhookb2/gone"))

    assert not delivery.ok and delivery.permanent
    assert "HTTP 404" in delivery.detail


@pytest.mark.parametrize(
    "reply",
    [
        Reply(429, "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"),
        Reply(500, "Internal Server Error"),
        Reply(503, "Service Unavailable"),
    ],
    ids=["throttled", "error", "unavailable"],
)
def test_teams_throttling_or_failing_is_worth_another_try(teams: Provider, reply: Reply) -> None:
    teams.fail_next(reply)

    delivery = TeamsChannel(timeout=5).send(sample_page(teams.url + TEAMS_PATH))

    assert not delivery.ok and not delivery.permanent
    assert f"HTTP {reply.status}" in delivery.detail


def test_a_200_that_reports_a_failed_delivery_is_not_taken_for_a_delivery(
    teams: Provider,
) -> None:
    teams.fail_next(
        Reply(
            200,
            "Webhook message delivery failed with error: Microsoft Teams endpoint returned "
            "HTTP error 429 with ContextId tcid=0,server=msgapi-production",
        )
    )

    delivery = TeamsChannel(timeout=5).send(sample_page(teams.url + TEAMS_PATH))

    assert not delivery.ok and not delivery.permanent
    assert "delivery failed" in delivery.detail


def test_teams_out_of_reach_is_worth_another_try() -> None:
    delivery = TeamsChannel(timeout=2).send(
        sample_page(f"http://127.0.0.1:{free_port()}{TEAMS_PATH}")
    )

    assert not delivery.ok and not delivery.permanent
    assert delivery.detail == "teams unreachable: ConnectError"


def test_a_bundle_reaches_teams_listing_every_incident_with_its_own_acknowledge_link(
    teams: Provider,
) -> None:
    delivery = TeamsChannel(timeout=5).send(bundle_page(teams.url + TEAMS_PATH, 12))

    assert delivery.ok, delivery.detail
    texts = _texts(_card(teams.only_request()))
    assert texts[0] == "12 incidents for Ada Lovelace"
    for n in range(12):
        line = next(t for t in texts if f"#{100 + n} Disk full on db-{n}" in t)
        assert f"[Acknowledge]({link('acknowledge', 100 + n)})" in line
    assert [a["url"] for a in _card(teams.only_request())["actions"]] == [f"{ONDECK}/incidents"]


def test_a_bundle_too_big_for_one_card_says_how_many_it_leaves_out(teams: Provider) -> None:
    delivery = TeamsChannel(timeout=5).send(bundle_page(teams.url + TEAMS_PATH, 1000))

    assert delivery.ok, delivery.detail
    request = teams.only_request()
    texts = _texts(_card(request))
    listed = [t for t in texts if t.startswith("[#")]
    assert 50 < len(listed) < 1000
    assert texts[-1] == f"…and {1000 - len(listed)} more: [open ondeck]({ONDECK}/incidents)"
    assert len(request.body) < TEAMS_BUDGET + 4096


def test_a_test_notification_reaches_teams_saying_so_without_action_buttons(
    teams: Provider,
) -> None:
    delivery = TeamsChannel(timeout=5).send(trial_page(teams.url + TEAMS_PATH))

    assert delivery.ok, delivery.detail
    card = _card(teams.only_request())
    assert _texts(card)[0] == "Test notification from ondeck"
    assert "nothing to acknowledge" in _texts(card)[1]
    assert "actions" not in card


# --- Mattermost, as its incoming webhook endpoint behaves -------------------------------


def _mattermost_error(status: int, message: str, error_id: str) -> Reply:
    return Reply.json(
        status,
        {
            "id": error_id,
            "message": message,
            "detailed_error": "",
            "request_id": "k8xqz1",
            "status_code": status,
        },
    )


def _mattermost_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "body"
    if not isinstance(body.get("text", ""), str) or not isinstance(body.get("username", ""), str):
        return "text"
    if not body.get("text") and not body.get("attachments"):
        return "text"
    for attachment in body.get("attachments", []):
        for name in ("fallback", "color", "title", "title_link", "text"):
            if not isinstance(attachment.get(name, ""), str):
                return name
        for item in attachment.get("fields", []):
            if set(item) - {"short", "title", "value"} or not isinstance(item["title"], str):
                return "fields"
        for action in attachment.get("actions", []):
            if not action.get("id", "").isalnum() or not action.get("name"):
                return "actions"
            integration = action.get("integration", {})
            if not integration.get("url", "").startswith(("http://", "https://")):
                return "actions"
            if not isinstance(integration.get("context", {}), dict):
                return "actions"
    return None


def mattermost_webhook(request: Request) -> Reply:
    if request.method != "POST" or request.path != MATTERMOST_PATH:
        return _mattermost_error(400, "Invalid webhook", "web.incoming_webhook.invalid.app_error")
    try:
        body = request.json()
    except ValueError:
        body = None
    if _mattermost_problem(body) is not None:
        return _mattermost_error(
            400,
            "Unable to parse incoming data",
            "web.incoming_webhook.parse.app_error",
        )
    return Reply(200, "ok")


@pytest.fixture
def mattermost() -> Iterator[Provider]:
    with local_provider(mattermost_webhook) as provider:
        yield provider


def _mattermost_send(page: Page) -> Delivery:
    return MattermostChannel(actions_url=ACTIONS_URL, timeout=5).send(page)


def test_a_page_reaches_mattermost_with_fields_action_links_and_buttons(
    mattermost: Provider,
) -> None:
    delivery = _mattermost_send(sample_page(mattermost.url + MATTERMOST_PATH))

    assert delivery.ok, delivery.detail
    body = mattermost.only_request().json()
    assert body["username"] == "ondeck"
    assert body["text"] == "**Incident #42** for Ada Lovelace: Checkout error rate 12%"
    attachment = body["attachments"][0]
    assert attachment["title"] == "#42 Checkout error rate 12%"
    assert attachment["title_link"] == f"{ONDECK}/incidents/7"
    assert attachment["fallback"] == "#42 Checkout error rate 12% (Checkout API, high urgency)"
    assert {"short": True, "title": "Service", "value": "Checkout API"} in attachment["fields"]
    assert f"[Acknowledge]({link('acknowledge')})" in attachment["text"]
    assert f"[Snooze]({link('snooze')})" in attachment["text"]
    buttons = [
        (a["id"], a["name"], a["integration"]["url"], a["integration"]["context"])
        for a in attachment["actions"]
    ]
    assert buttons == [
        ("ack", "Acknowledge", ACTIONS_URL, {"token": "token-acknowledge-7"}),
        ("resolve", "Resolve", ACTIONS_URL, {"token": "token-resolve-7"}),
        ("escalate", "Escalate now", ACTIONS_URL, {"token": "token-escalate-7"}),
        ("snooze", "Snooze 1 h", ACTIONS_URL, {"token": "token-snooze-7"}),
    ]


def test_mattermost_refusing_the_message_is_permanent_and_says_why(
    mattermost: Provider,
) -> None:
    mattermost.fail_next(
        _mattermost_error(400, "Unable to parse incoming data", "web.incoming_webhook.parse")
    )

    delivery = _mattermost_send(sample_page(mattermost.url + MATTERMOST_PATH))

    assert not delivery.ok and delivery.permanent
    assert delivery.detail == "mattermost: HTTP 400: Unable to parse incoming data"


def test_an_unknown_mattermost_webhook_is_permanent(mattermost: Provider) -> None:
    delivery = _mattermost_send(sample_page(mattermost.url + "/hooks/nothere"))

    assert not delivery.ok and delivery.permanent
    assert delivery.detail == "mattermost: HTTP 400: Invalid webhook"


def test_mattermost_failing_is_worth_another_try(mattermost: Provider) -> None:
    mattermost.fail_next(_mattermost_error(500, "We encountered an error", "app.post.save"))

    delivery = _mattermost_send(sample_page(mattermost.url + MATTERMOST_PATH))

    assert not delivery.ok and not delivery.permanent
    assert delivery.detail == "mattermost: HTTP 500: We encountered an error"


def test_a_bundle_reaches_mattermost_listing_every_incident_with_buttons_for_the_first(
    mattermost: Provider,
) -> None:
    delivery = _mattermost_send(bundle_page(mattermost.url + MATTERMOST_PATH, 8))

    assert delivery.ok, delivery.detail
    body = mattermost.only_request().json()
    lines = body["text"].splitlines()
    assert lines[0] == "**8 incidents for Ada Lovelace** (bundled by storm control)"
    for n in range(8):
        assert any(
            f"#{100 + n} Disk full on db-{n}" in line
            and f"[Acknowledge]({link('acknowledge', 100 + n)})" in line
            for line in lines
        )
    buttons = body["attachments"][0]["actions"]
    assert [b["name"] for b in buttons] == [f"Acknowledge #{100 + n}" for n in range(5)]
    assert buttons[0]["integration"]["context"] == {
        "token": "token-acknowledge-100",
        "bundled": True,
    }


def test_a_bundle_too_big_for_one_post_says_how_many_it_leaves_out(
    mattermost: Provider,
) -> None:
    delivery = _mattermost_send(bundle_page(mattermost.url + MATTERMOST_PATH, 1000))

    assert delivery.ok, delivery.detail
    text = mattermost.only_request().json()["text"]
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert 50 < len(listed) < 1000
    assert text.splitlines()[-1] == (
        f"…and {1000 - len(listed)} more: [open ondeck]({ONDECK}/incidents)"
    )
    assert len(text) < MATTERMOST_BUDGET + 200


def test_a_test_notification_reaches_mattermost_saying_so_without_buttons(
    mattermost: Provider,
) -> None:
    delivery = _mattermost_send(trial_page(mattermost.url + MATTERMOST_PATH))

    assert delivery.ok, delivery.detail
    body = mattermost.only_request().json()
    assert body["text"].startswith("**Test notification from ondeck**")
    assert "nothing to acknowledge" in body["text"]
    assert all("actions" not in a for a in body["attachments"])
