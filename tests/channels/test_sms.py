"""SMS through a local Twilio and a local gateway: the requests each provider gets, how
their answers read as deliveries, failover within one send and routing by country code."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pydantic import ValidationError

from ondeck.adapters.channels.sms import HttpSmsGateway, SmsChannel, TwilioSms
from ondeck.config import Settings
from ondeck.domain.phone import SMS_LIMIT
from ondeck.services.ports import Delivery
from tests.channels.local_provider import Provider, Reply, Request
from tests.channels.local_provider import local_provider as serving
from tests.channels.twilio_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    GATEWAY_FROM,
    GATEWAY_TOKEN,
    bundle_page,
    form,
    gateway_answer,
    gateway_requests,
    sample_page,
    trial_page,
    twilio_answer,
    twilio_requests,
)
from tests.conftest import SECRET, free_port

UK = "+441234567890"
US = "+15551234567"
STATUS_URL = "https://ondeck.example/integrations/twilio/status"


@pytest.fixture
def twilio() -> Iterator[Provider]:
    with serving(twilio_answer()) as provider:
        yield provider


@pytest.fixture
def gateway() -> Iterator[Provider]:
    with serving(gateway_answer()) as provider:
        yield provider


def twilio_sms(provider: Provider, *, token: str = AUTH_TOKEN, timeout: float = 5) -> TwilioSms:
    return TwilioSms(
        account_sid=ACCOUNT_SID,
        auth_token=token,
        from_number=FROM_NUMBER,
        api_url=provider.url,
        status_callback=STATUS_URL,
        timeout=timeout,
    )


def gateway_sms(provider: Provider, *, timeout: float = 5) -> HttpSmsGateway:
    return HttpSmsGateway(
        url=f"{provider.url}/v1/sms", token=GATEWAY_TOKEN, sender=GATEWAY_FROM, timeout=timeout
    )


def channel(
    twilio: Provider | None, gateway: Provider | None, routes: str = "twilio,gateway"
) -> SmsChannel:
    providers: dict[str, TwilioSms | HttpSmsGateway] = {}
    if twilio is not None:
        providers["twilio"] = twilio_sms(twilio)
    if gateway is not None:
        providers["gateway"] = gateway_sms(gateway)
    return SmsChannel(providers, routes=routes)


# --- Twilio ------------------------------------------------------------------------------


def test_twilio_gets_a_form_encoded_message_with_basic_auth_and_a_status_callback(
    twilio: Provider,
) -> None:
    delivery = channel(twilio, None).send(sample_page(UK))

    request = twilio.only_request()
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert form(request) == {
        "To": UK,
        "From": FROM_NUMBER,
        "Body": "ondeck #42 HIGH Checkout error rate 12% (Checkout API). "
        "Reply 42a ack, 42r resolve, 42e escalate, 42s snooze",
        "StatusCallback": STATUS_URL,
    }
    assert delivery.ok and not delivery.attempts
    assert delivery.provider_ref.startswith("SM") and len(delivery.provider_ref) == 34
    assert delivery.detail == f"accepted by twilio as {delivery.provider_ref}"


def test_an_invalid_number_is_a_permanent_failure_with_twilios_code(twilio: Provider) -> None:
    delivery = twilio_sms(twilio).send_text(to="+44", text="hello", reference="k")

    assert delivery == Delivery(
        ok=False,
        permanent=True,
        detail="HTTP 400 error 21211: The 'To' number +44 is not a valid phone number.",
    )


@pytest.mark.parametrize(
    ("reply", "permanent", "detail"),
    [
        (
            Reply.json(500, {"code": 20500, "message": "Internal error", "status": 500}),
            False,
            "HTTP 500 error 20500: Internal error",
        ),
        (Reply(502, "<html>Bad Gateway</html>", "text/html"), False, "HTTP 502"),
        (
            Reply.json(429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
            False,
            "HTTP 429 error 20429: Too Many Requests",
        ),
        (
            Reply.json(403, {"code": 21408, "message": "Permission to send", "status": 403}),
            True,
            "HTTP 403 error 21408: Permission to send",
        ),
    ],
)
def test_twilio_errors_read_as_twilio_meant_them(
    twilio: Provider, reply: Reply, permanent: bool, detail: str
) -> None:
    twilio.fail_next(reply)

    delivery = twilio_sms(twilio).send_text(to=UK, text="hello", reference="k")

    assert (delivery.ok, delivery.permanent) == (False, permanent)
    assert delivery.detail.startswith(detail)


def test_wrong_credentials_are_refused_by_twilio_and_reported(twilio: Provider) -> None:
    delivery = twilio_sms(twilio, token="not-the-token").send_text(to=UK, text="hi", reference="")

    assert not delivery.ok and delivery.permanent
    assert delivery.detail == "HTTP 401 error 20003: Authenticate"


def test_a_twilio_that_does_not_answer_in_time_is_a_transient_failure() -> None:
    def slow(request: Request) -> Reply:
        time.sleep(0.5)
        return twilio_answer()(request)

    with serving(slow) as provider:
        delivery = twilio_sms(provider, timeout=0.1).send_text(to=UK, text="hi", reference="")

    assert not delivery.ok and not delivery.permanent
    assert "timed out" in delivery.detail.lower()


def test_a_twilio_that_cannot_be_reached_is_a_transient_failure() -> None:
    unreachable = TwilioSms(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM_NUMBER,
        api_url=f"http://127.0.0.1:{free_port()}",
        status_callback=STATUS_URL,
        timeout=2,
    )

    delivery = unreachable.send_text(to=UK, text="hi", reference="")

    assert not delivery.ok and not delivery.permanent
    assert "ConnectionError" in delivery.detail


def test_a_bundle_is_one_sms_listing_its_incidents(twilio: Provider) -> None:
    channel(twilio, None).send(bundle_page(UK, 37))

    body = form(twilio.only_request())["Body"]
    assert body.startswith("ondeck: 37 incidents for you: #100 Disk full on db-0, #101 ")
    assert "more. Reply e.g. 100a to ack #100" in body
    assert len(body) <= 306


def test_a_test_message_says_it_is_a_test(twilio: Provider) -> None:
    delivery = channel(twilio, None).send(trial_page(UK))

    body = form(twilio.only_request())["Body"]
    assert delivery.ok
    assert "test" in body and "Ada Lovelace" in body and "#0" in body
    assert len(body) <= SMS_LIMIT


# --- the gateway -------------------------------------------------------------------------


def test_the_gateway_gets_json_with_a_bearer_token_and_the_idempotency_key(
    gateway: Provider,
) -> None:
    delivery = channel(None, gateway).send(sample_page(UK))

    request = gateway.only_request()
    assert request.path == "/v1/sms"
    assert request.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "to": UK,
        "from": GATEWAY_FROM,
        "text": "ondeck #42 HIGH Checkout error rate 12% (Checkout API). "
        "Reply 42a ack, 42r resolve, 42e escalate, 42s snooze",
        "reference": "7:0:0:1:1",
    }
    assert delivery == Delivery(
        ok=True, detail="accepted by gateway as gw-1", provider_ref="gateway:gw-1"
    )


@pytest.mark.parametrize(
    ("reply", "permanent", "detail"),
    [
        (
            Reply.json(400, {"error": "invalid number"}),
            True,
            'HTTP 400: {"error": "invalid number"}',
        ),
        (Reply(503, "try later"), False, "HTTP 503: try later"),
        (Reply(429, ""), False, "HTTP 429"),
    ],
)
def test_gateway_errors_are_permanent_only_for_4xx_other_than_429(
    gateway: Provider, reply: Reply, permanent: bool, detail: str
) -> None:
    gateway.fail_next(reply)

    delivery = gateway_sms(gateway).send_text(to=UK, text="hi", reference="k")

    assert delivery == Delivery(ok=False, permanent=permanent, detail=detail)


def test_a_gateway_accepting_without_an_id_is_still_accepted(gateway: Provider) -> None:
    gateway.fail_next(Reply(200, "OK"))

    delivery = gateway_sms(gateway).send_text(to=UK, text="hi", reference="k")

    assert delivery == Delivery(ok=True, detail="accepted by gateway")


def test_a_gateway_that_does_not_answer_in_time_is_a_transient_failure() -> None:
    def slow(_request: Request) -> Reply:
        time.sleep(0.5)
        return Reply(202, "")

    with serving(slow) as provider:
        delivery = gateway_sms(provider, timeout=0.1).send_text(to=UK, text="hi", reference="")

    assert not delivery.ok and not delivery.permanent
    assert delivery.detail.startswith("ReadTimeout")


# --- failover and routes -----------------------------------------------------------------


def test_twilio_answering_500_falls_over_to_the_gateway_within_one_send(
    twilio: Provider, gateway: Provider
) -> None:
    twilio.fail_next(Reply.json(500, {"code": 20500, "message": "Internal error", "status": 500}))

    delivery = channel(twilio, gateway).send(sample_page(UK))

    assert delivery.ok
    assert delivery.detail == "accepted by gateway as gw-1"
    assert delivery.provider_ref == "gateway:gw-1"
    assert delivery.attempts == ("twilio: HTTP 500 error 20500: Internal error",)
    assert len(twilio_requests(twilio)) == 1
    assert len(gateway_requests(gateway)) == 1, "one SMS accepted, not two"


def test_the_first_provider_that_accepts_ends_the_send(twilio: Provider, gateway: Provider) -> None:
    delivery = channel(twilio, gateway).send(sample_page(UK))

    assert delivery.ok and delivery.attempts == ()
    assert len(twilio_requests(twilio)) == 1
    assert gateway_requests(gateway) == []


def test_every_provider_refusing_the_number_is_a_permanent_failure(
    twilio: Provider, gateway: Provider
) -> None:
    delivery = channel(twilio, gateway).send(sample_page("+12"))

    assert not delivery.ok and delivery.permanent
    assert delivery.attempts == (
        "twilio: HTTP 400 error 21211: The 'To' number +12 is not a valid phone number.",
        'gateway: HTTP 400: {"error": "invalid number +12"}',
    )
    assert delivery.detail == "; ".join(delivery.attempts)


def test_one_transient_failure_among_them_makes_the_whole_failure_worth_a_retry(
    twilio: Provider, gateway: Provider
) -> None:
    twilio.fail_next(Reply(503, "busy"))
    gateway.fail_next(Reply.json(400, {"error": "no credit"}))

    delivery = channel(twilio, gateway).send(sample_page(UK))

    assert not delivery.ok and not delivery.permanent
    assert [attempt.split(":")[0] for attempt in delivery.attempts] == ["twilio", "gateway"]


def test_numbers_are_routed_by_country_code(twilio: Provider, gateway: Provider) -> None:
    sms = channel(twilio, gateway, routes="+44=gateway,twilio;*=twilio")

    uk = sms.send(sample_page(UK))
    us = sms.send(sample_page(US))

    assert uk.detail.startswith("accepted by gateway")
    assert us.detail.startswith("accepted by twilio")
    assert [r["to"] for r in gateway_requests(gateway)] == [UK]
    assert [r["To"] for r in twilio_requests(twilio)] == [US]


def test_a_country_route_falls_over_in_its_own_order(twilio: Provider, gateway: Provider) -> None:
    gateway.fail_next(Reply(500, "down"))
    sms = channel(twilio, gateway, routes="+44=gateway,twilio;*=twilio")

    delivery = sms.send(sample_page(UK))

    assert delivery.detail.startswith("accepted by twilio")
    assert delivery.attempts == ("gateway: HTTP 500: down",)


def test_a_route_to_providers_that_are_not_configured_fails_at_once(twilio: Provider) -> None:
    sms = channel(twilio, None, routes="+44=gateway;*=twilio")

    delivery = sms.send(sample_page(UK))

    assert delivery == Delivery(
        ok=False, permanent=True, detail=f"no configured SMS provider is routed to {UK}"
    )
    assert twilio.requests() == []


def test_providers_not_configured_are_skipped(gateway: Provider) -> None:
    delivery = channel(None, gateway).send(replace(sample_page(UK), idempotency_key="x"))

    assert delivery.ok and delivery.attempts == ()
    assert gateway_requests(gateway)[0]["reference"] == "x"


@pytest.mark.parametrize(
    ("routes", "fault"),
    [
        ("twilio,vonage", "names vonage; the SMS providers are twilio, gateway"),
        ("+44=", "not a provider"),
        ("", "empty"),
    ],
)
def test_unknown_providers_and_malformed_routes_are_refused_at_start(
    routes: str, fault: str
) -> None:
    with pytest.raises(ValueError, match=fault):
        SmsChannel({}, routes=routes)


def test_settings_refuse_unreadable_sms_routes_at_start() -> None:
    with pytest.raises(ValidationError, match="'\\+44=vonage' names vonage"):
        Settings(secret_key=SECRET, sms_providers="+44=vonage;*=twilio")
