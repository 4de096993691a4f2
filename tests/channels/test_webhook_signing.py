"""Outbound webhooks are signed: a receiver that checks the signature the way the webhook
module's documentation says (written here afresh) accepts ondeck's requests and refuses
forged, tampered and replayed ones."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator

import pytest

from ondeck.adapters.channels.webhook import WebhookChannel
from tests.channels.local_provider import (
    Provider,
    Reply,
    Request,
    bundle_page,
    link,
    local_provider,
    sample_page,
    trial_page,
)
from tests.conftest import ondeck_env, run_cli

RECEIVER_SECRET = "whsec-" + "k" * 40
TOLERANCE = 300


def verified(secret: str, request: Request, now: float) -> str | None:
    """Why the receiver refuses ``request``, or None when it is ondeck's and fresh."""
    timestamp = request.headers.get("x-ondeck-timestamp", "")
    signature = request.headers.get("x-ondeck-signature", "")
    if not timestamp.isdigit() or not signature:
        return "unsigned"
    if abs(now - int(timestamp)) > TOLERANCE:
        return "too old"
    scheme, _, given = signature.partition("=")
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    if scheme != "v1" or not hmac.compare_digest(given, mac.hexdigest()):
        return "bad signature"
    return None


def receiver(request: Request) -> Reply:
    refused = verified(RECEIVER_SECRET, request, time.time())
    if refused is not None:
        return Reply.json(401, {"error": refused})
    return Reply.json(202, {"received": True})


@pytest.fixture
def hook() -> Iterator[Provider]:
    with local_provider(receiver) as provider:
        yield provider


def test_a_receiver_verifies_the_signature_and_reads_the_page(hook: Provider) -> None:
    channel = WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET)

    delivery = channel.send(sample_page(hook.url + "/ondeck"))

    assert delivery.ok, delivery.detail
    request = hook.only_request()
    assert request.headers["idempotency-key"] == "7:0:0:1:1"
    assert request.headers["content-type"] == "application/json"
    body = request.json()
    assert body["event"] == "incident.page" and body["test"] is False
    assert body["incident"]["number"] == 42
    assert body["actions"] == {
        "acknowledge": link("acknowledge"),
        "resolve": link("resolve"),
        "escalate": link("escalate"),
        "snooze": link("snooze"),
    }


def test_a_request_signed_with_another_secret_is_refused_for_good(hook: Provider) -> None:
    channel = WebhookChannel(timeout=5, signing_secret="someone-else-" + "z" * 30)

    delivery = channel.send(sample_page(hook.url + "/ondeck"))

    assert not delivery.ok and delivery.permanent
    assert hook.replies()[0].body == '{"error": "bad signature"}'


def test_a_body_changed_on_the_way_no_longer_matches_its_signature(hook: Provider) -> None:
    WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET).send(sample_page(hook.url + "/x"))
    original = hook.only_request()
    tampered = Request(
        original.method,
        original.path,
        original.headers,
        original.body.replace(b"Checkout error rate 12%", b"All clear, ignore this"),
    )

    assert verified(RECEIVER_SECRET, original, time.time()) is None
    assert verified(RECEIVER_SECRET, tampered, time.time()) == "bad signature"


def test_a_replayed_request_is_refused_by_its_timestamp(hook: Provider) -> None:
    an_hour_ago = time.time() - 3600
    channel = WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET, clock=lambda: an_hour_ago)

    delivery = channel.send(sample_page(hook.url + "/ondeck"))

    assert not delivery.ok
    assert hook.replies()[0].body == '{"error": "too old"}'
    assert hook.only_request().headers["x-ondeck-timestamp"] == str(int(an_hour_ago))


def test_every_attempt_is_signed_afresh_with_the_same_idempotency_key(hook: Provider) -> None:
    moments = iter([1_800_000_000.0, 1_800_000_030.0])
    channel = WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET, clock=lambda: next(moments))
    page = sample_page(hook.url + "/ondeck")

    channel.send(page)
    channel.send(page)

    first, second = hook.requests()
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.headers["x-ondeck-timestamp"] == "1800000000"
    assert second.headers["x-ondeck-timestamp"] == "1800000030"
    assert first.headers["x-ondeck-signature"] != second.headers["x-ondeck-signature"]
    assert first.body == second.body


def test_a_bundle_and_a_test_say_what_they_are(hook: Provider) -> None:
    channel = WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET)

    assert channel.send(bundle_page(hook.url + "/ondeck", 3)).ok
    assert channel.send(trial_page(hook.url + "/ondeck")).ok

    bundled, trial = (request.json() for request in hook.requests())
    assert [item["number"] for item in bundled["bundle"]] == [100, 101, 102]
    assert bundled["bundle"][1]["acknowledge"] == link("acknowledge", 101)
    assert trial["test"] is True and trial["actions"] == {}
    assert "bundle" not in trial


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (410, True), (408, False), (429, False), (502, False)]
)
def test_receiver_errors_are_permanent_or_worth_another_try(
    hook: Provider, status: int, permanent: bool
) -> None:
    hook.fail_next(Reply(status, "no"))

    delivery = WebhookChannel(timeout=5, signing_secret=RECEIVER_SECRET).send(
        sample_page(hook.url + "/ondeck")
    )

    assert not delivery.ok and delivery.permanent is permanent
    assert delivery.detail == f"webhook: HTTP {status}"


def test_the_cli_prints_the_configured_signing_secret(sqlite_url: str) -> None:
    env = ondeck_env(sqlite_url, ONDECK_WEBHOOK_SIGNING_SECRET=RECEIVER_SECRET)

    assert run_cli(env, "webhook-secret").stdout == RECEIVER_SECRET + "\n"
