"""Slack pages as Slack receives them: the adapter against a stand-in that checks the Web
API's and incoming webhooks' request shapes and answers as Slack does, errors included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ondeck.adapters.channels.slack import NO_TOKEN, SlackChannel, render
from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services.ports import Delivery, Page, PageItem
from tests.channels.fake_slack import TOKEN, FakeSlack, block_problems, running_fake_slack
from tests.conftest import free_port

BASE = "https://ondeck.example"
POST = "/api/chat.postMessage"
UPDATE = "/api/chat.update"
HOOK = "/services/T000/B000/goodhook"


def page(**changes: Any) -> Page:
    """Ada's page for incident #42, or whatever ``changes`` make of it."""
    made = Page(
        message_id=7,
        idempotency_key="i42:l0:r0:u1:c1",
        address="U0ADA",
        recipient_name="Ada Lovelace",
        incident_number=42,
        incident_title="Checkout error rate 12%",
        service_name="Checkout API",
        urgency=Urgency.HIGH,
        status=IncidentStatus.TRIGGERED,
        runbook_url="https://runbooks.example/checkout?a=1&b=2",
        incident_url=f"{BASE}/incidents/42",
        acknowledge_url=f"{BASE}/l/ack-token",
        resolve_url=f"{BASE}/l/resolve-token",
        escalate_url=f"{BASE}/l/escalate-token",
        snooze_url=f"{BASE}/l/snooze-token",
        created_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
        details={},
        incident_id=42,
        user_id=1,
    )
    return replace(made, **changes)


def announcement(**changes: Any) -> Page:
    """The incident's message in #ops, as the engine asks for it (links: the incident)."""
    url = f"{BASE}/incidents/42"
    fields: dict[str, Any] = {
        "address": "C0OPS",
        "recipient_name": "",
        "user_id": 0,
        "acknowledge_url": url,
        "resolve_url": url,
        "escalate_url": url,
        "snooze_url": url,
    }
    return page(**(fields | changes))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as running:
        yield running


@pytest.fixture
def slack(fake: FakeSlack) -> SlackChannel:
    return SlackChannel(bot_token=TOKEN, api_url=fake.api_url, timeout=5)


def _buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _everything(body: dict[str, Any]) -> str:
    return json.dumps(body)


def test_a_page_to_a_member_id_is_a_direct_message_with_four_buttons(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    before = len(fake.to(POST))

    delivery = slack.send(page())

    assert delivery.ok, delivery.detail
    sent = fake.to(POST)[before:]
    assert len(sent) == 1
    request = sent[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.body["channel"] == "U0ADA"
    assert "Checkout error rate 12%" in request.body["text"]
    assert block_problems(request.body["blocks"]) == []
    buttons = _buttons(request.body)
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("ondeck_acknowledge", "42"),
        ("ondeck_resolve", "42"),
        ("ondeck_escalate", "42"),
        ("ondeck_snooze", "42"),
    ]
    assert all("url" not in b for b in buttons)
    shown = _everything(request.body)
    assert "Checkout API" in shown and "Paging Ada Lovelace" in shown
    assert "https://runbooks.example/checkout?a=1&amp;b=2" in shown
    channel, _, ts = delivery.provider_ref.partition(":")
    assert channel == "D0ADA" and ts.startswith("1700000000.")
    assert fake.messages[(channel, ts)]["text"] == request.body["text"]


def test_the_channel_message_is_posted_once_then_updated_in_place(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    posted = slack.send(announcement())
    assert posted.ok, posted.detail
    first = fake.to(POST)[-1].body
    assert first["channel"] == "C0OPS"
    assert first["blocks"][0]["text"]["text"].startswith(":rotating_light: *Triggered*")
    assert len(_buttons(first)) == 4
    updates = len(fake.to(UPDATE))

    acked = slack.send(
        announcement(
            status=IncidentStatus.ACKNOWLEDGED,
            details={"acknowledged_by": "grace@example.com"},
            thread_ref=posted.provider_ref,
        )
    )

    assert acked.ok, acked.detail
    assert acked.provider_ref == posted.provider_ref
    update = fake.to(UPDATE)[updates:]
    assert len(update) == 1
    channel, _, ts = posted.provider_ref.partition(":")
    assert (update[0].body["channel"], update[0].body["ts"]) == (channel, ts)
    assert update[0].body["blocks"][0]["text"]["text"].startswith(":eyes: *Acknowledged*")
    assert "Acknowledged by grace@example.com" in _everything(update[0].body)
    assert [b["action_id"] for b in _buttons(update[0].body)] == [
        "ondeck_resolve",
        "ondeck_escalate",
        "ondeck_snooze",
    ]

    resolved = slack.send(
        announcement(
            status=IncidentStatus.RESOLVED,
            details={"acknowledged_by": "grace@example.com", "resolved_by": "ada@example.com"},
            thread_ref=posted.provider_ref,
        )
    )

    assert resolved.ok
    final = fake.to(UPDATE)[-1].body
    assert final["blocks"][0]["text"]["text"].startswith(":white_check_mark: *Resolved*")
    assert "Resolved by ada@example.com" in _everything(final)
    assert _buttons(final) == []
    assert fake.messages[(channel, ts)] == final


def test_a_channel_message_that_was_deleted_is_posted_anew(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    delivery = slack.send(announcement(thread_ref="C0OPS:1600000000.000001"))

    assert delivery.ok, delivery.detail
    assert fake.to(UPDATE)[-1].body["ts"] == "1600000000.000001"
    assert fake.to(POST)[-1].body["channel"] == "C0OPS"
    assert delivery.provider_ref.startswith("C0OPS:1700000000.")


@pytest.mark.parametrize(
    ("status", "body", "headers", "permanent", "words"),
    [
        (200, {"ok": False, "error": "channel_not_found"}, {}, True, "channel_not_found"),
        (200, {"ok": False, "error": "not_in_channel"}, {}, True, "not_in_channel"),
        (200, {"ok": False, "error": "invalid_auth"}, {}, True, "invalid_auth"),
        (200, {"ok": False, "error": "user_not_found"}, {}, True, "user_not_found"),
        (200, {"ok": False, "error": "internal_error"}, {}, False, "internal_error"),
        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}, False, "30s"),
        (500, "<html>Internal Server Error</html>", {}, False, "HTTP 500"),
        (503, {"ok": False, "error": "service_unavailable"}, {}, False, "HTTP 503"),
    ],
)
def test_slack_error_answers_are_permanent_or_worth_a_retry(
    fake: FakeSlack,
    slack: SlackChannel,
    status: int,
    body: Any,
    headers: dict[str, str],
    permanent: bool,
    words: str,
) -> None:
    fake.answer_next(POST, status, body, headers)

    delivery = slack.send(page())

    assert not delivery.ok
    assert delivery.permanent is permanent
    assert words in delivery.detail


def test_slack_itself_refuses_a_wrong_token_and_an_unknown_channel(fake: FakeSlack) -> None:
    wrong = SlackChannel(bot_token="xoxb-revoked", api_url=fake.api_url, timeout=5)
    right = SlackChannel(bot_token=TOKEN, api_url=fake.api_url, timeout=5)

    assert wrong.send(page()) == Delivery(
        ok=False, permanent=True, detail="slack chat.postMessage: invalid_auth"
    )
    assert right.send(page(address="C0NOWHERE")) == Delivery(
        ok=False, permanent=True, detail="slack chat.postMessage: channel_not_found"
    )


def test_without_a_bot_token_a_member_id_cannot_be_reached(fake: FakeSlack) -> None:
    before = len(fake.seen)
    channel = SlackChannel(bot_token="", api_url=fake.api_url, timeout=5)

    delivery = channel.send(page())

    assert delivery == Delivery(ok=False, permanent=True, detail=NO_TOKEN)
    assert len(fake.seen) == before


def test_an_unreachable_or_slow_slack_is_worth_a_retry(fake: FakeSlack) -> None:
    closed = SlackChannel(
        bot_token=TOKEN, api_url=f"http://127.0.0.1:{free_port()}/api/", timeout=5
    )
    slow = SlackChannel(bot_token=TOKEN, api_url=fake.api_url, timeout=1)
    fake.delay_next(POST, 2.5)

    for delivery in (closed.send(page()), slow.send(page())):
        assert not delivery.ok
        assert not delivery.permanent
        assert "unreachable" in delivery.detail


def test_an_incoming_webhook_gets_link_buttons_and_no_token(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    delivery = slack.send(page(address=fake.hook_url))

    assert delivery.ok, delivery.detail
    request = fake.to(HOOK)[-1]
    assert "authorization" not in request.headers
    assert request.headers["content-type"].startswith("application/json")
    assert block_problems(request.body["blocks"]) == []
    links = {b["text"]["text"]: b["url"] for b in _buttons(request.body)}
    assert links == {
        "Acknowledge": f"{BASE}/l/ack-token",
        "Resolve": f"{BASE}/l/resolve-token",
        "Escalate": f"{BASE}/l/escalate-token",
        "Snooze 1h": f"{BASE}/l/snooze-token",
        "Open in ondeck": f"{BASE}/incidents/42",
    }
    assert all("value" not in b for b in _buttons(request.body))


def test_webhook_only_mode_needs_no_bot_token_and_announces_with_the_incident_link(
    fake: FakeSlack,
) -> None:
    hooks_only = SlackChannel(bot_token="", api_url=fake.api_url, timeout=5)

    delivery = hooks_only.send(announcement(address=fake.hook_url, thread_ref=""))

    assert delivery.ok, delivery.detail
    buttons = _buttons(fake.to(HOOK)[-1].body)
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Open in ondeck", f"{BASE}/incidents/42")
    ]


@pytest.mark.parametrize(
    ("status", "body", "headers", "permanent"),
    [
        (400, "invalid_payload", {}, True),
        (403, "action_prohibited", {}, True),
        (404, "no_service", {}, True),
        (410, "channel_is_archived", {}, True),
        (429, "rate_limited", {"Retry-After": "5"}, False),
        (500, "rollup_error", {}, False),
    ],
)
def test_webhook_error_answers_are_permanent_or_worth_a_retry(
    fake: FakeSlack,
    slack: SlackChannel,
    status: int,
    body: str,
    headers: dict[str, str],
    permanent: bool,
) -> None:
    fake.answer_next(HOOK, status, body, headers)

    delivery = slack.send(page(address=fake.hook_url))

    assert not delivery.ok
    assert delivery.permanent is permanent
    assert f"HTTP {status} {body}" in delivery.detail


def test_an_unknown_webhook_is_a_permanent_failure(fake: FakeSlack, slack: SlackChannel) -> None:
    delivery = slack.send(page(address=f"{fake.url}/services/T000/B000/gone"))

    assert delivery == Delivery(
        ok=False, permanent=True, detail="slack webhook: HTTP 404 no_service"
    )


def _items(count: int) -> tuple[PageItem, ...]:
    return tuple(
        PageItem(
            incident_id=100 + n,
            incident_number=100 + n,
            incident_title=f"Disk full on db-{n}",
            service_name="Storage",
            urgency=Urgency.HIGH,
            incident_url=f"{BASE}/incidents/{100 + n}",
            acknowledge_url=f"{BASE}/l/ack-{100 + n}",
        )
        for n in range(count)
    )


def test_a_small_bundle_has_buttons_for_every_incident(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    delivery = slack.send(page(bundle=_items(3), incident_id=100, incident_number=100))

    assert delivery.ok, delivery.detail
    body = fake.to(POST)[-1].body
    assert "3 incidents need you: #100, #101, #102" in body["text"]
    values = {b["value"] for b in _buttons(body) if b["action_id"] == "ondeck_acknowledge"}
    assert values == {"100", "101", "102"}


def test_a_storm_sized_bundle_lists_every_incident_within_slacks_limits(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    delivery = slack.send(page(bundle=_items(300), incident_id=100, incident_number=100))

    assert delivery.ok, delivery.detail
    body = fake.to(POST)[-1].body
    assert block_problems(body["blocks"]) == []
    shown = _everything(body)
    assert all(f"#{n} Disk full" in shown for n in range(100, 400))
    assert "300 incidents need you" in body["text"]


def test_a_huge_bundle_counts_what_one_message_cannot_carry() -> None:
    message = render(page(bundle=_items(2000)), interactive=True)

    assert block_problems(message["blocks"]) == []
    shown = _everything(message)
    listed = sum(f"#{n} Disk full" in shown for n in range(100, 2100))
    assert 500 < listed < 2000
    assert f"and {2000 - listed} more in ondeck" in shown


def test_a_test_notification_says_so_and_offers_nothing_to_press(
    fake: FakeSlack, slack: SlackChannel
) -> None:
    delivery = slack.send(page(test=True, incident_number=0, incident_id=0))

    assert delivery.ok, delivery.detail
    body = fake.to(POST)[-1].body
    assert "Test notification" in body["text"] and "Ada Lovelace" in body["text"]
    assert _buttons(body) == []


def test_what_an_alert_says_cannot_ping_a_channel_or_break_the_markup() -> None:
    message = render(
        page(incident_title="<!channel> disk > 90% & <https://evil.example|click>"),
        interactive=True,
    )

    shown = _everything(message)
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert "&lt;!channel&gt; disk &gt; 90% &amp; &lt;https://evil.example|click&gt;" in shown


def test_a_long_title_is_shortened_to_fit_slacks_limits() -> None:
    message = render(page(incident_title="x" * 5000, service_name="s" * 3000), interactive=True)

    assert block_problems(message["blocks"]) == []
    assert len(message["text"]) < 400


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (IncidentStatus.TRIGGERED, ["acknowledge", "resolve", "escalate", "snooze"]),
        (IncidentStatus.ACKNOWLEDGED, ["resolve", "escalate", "snooze"]),
        (IncidentStatus.RESOLVED, []),
    ],
)
def test_buttons_offer_what_can_still_be_done(status: IncidentStatus, actions: list[str]) -> None:
    message = render(page(status=status), interactive=True)

    assert [b["action_id"] for b in _buttons(message)] == [f"ondeck_{a}" for a in actions]
