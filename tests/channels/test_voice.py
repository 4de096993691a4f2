"""Calls through a local Twilio: the request, the TwiML read to the person and the keys it
asks for, and how Twilio's answers read as deliveries."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from ondeck.adapters.channels.voice import TwilioVoiceChannel
from ondeck.services.ports import Delivery
from tests.channels.local_provider import Provider, Reply
from tests.channels.local_provider import local_provider as serving
from tests.channels.twilio_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    bundle_page,
    form,
    sample_page,
    trial_page,
    twilio_answer,
)

UK = "+441234567890"
CALLBACK = "https://ondeck.example/integrations/twilio/voice"
STATUS_URL = "https://ondeck.example/integrations/twilio/status"


@pytest.fixture
def twilio() -> Iterator[Provider]:
    with serving(twilio_answer()) as provider:
        yield provider


def voice(provider: Provider) -> TwilioVoiceChannel:
    return TwilioVoiceChannel(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM_NUMBER,
        api_url=provider.url,
        callback_url=CALLBACK,
        status_callback=STATUS_URL,
        timeout=5,
    )


def test_a_call_reads_the_incident_and_asks_for_one_key_twice(twilio: Provider) -> None:
    delivery = voice(twilio).send(sample_page(UK))

    request = twilio.only_request()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    fields = form(request)
    assert (fields["To"], fields["From"], fields["StatusCallback"]) == (
        UK,
        FROM_NUMBER,
        STATUS_URL,
    )
    assert "Url" not in fields
    response = ET.fromstring(fields["Twiml"])
    assert response.tag == "Response"
    gathers = response.findall("Gather")
    assert len(gathers) == 2, "asked once, then once again"
    for gather in gathers:
        assert gather.attrib["numDigits"] == "1"
        assert gather.attrib["method"] == "POST"
        assert gather.attrib["action"] == f"{CALLBACK}?incident=7&user=1"
    said = [say.text or "" for say in response.iter("Say")]
    assert said[0] == (
        "This is ondeck. High urgency incident 42, on Checkout API: Checkout error rate 12%. "
        "Press 1 to acknowledge, 2 to resolve, 3 to escalate now, or 4 to snooze for an hour."
    )
    assert said[1].startswith("Again. This is ondeck.")
    assert said[-1] == "No key was pressed. Goodbye."
    assert delivery.ok and delivery.provider_ref.startswith("CA")
    assert delivery.detail == f"call placed by twilio as {delivery.provider_ref}"


def test_a_test_call_says_so_and_asks_nothing(twilio: Provider) -> None:
    assert voice(twilio).send(trial_page(UK)).ok

    response = ET.fromstring(form(twilio.only_request())["Twiml"])
    assert response.findall("Gather") == []
    said = response.findtext("Say") or ""
    assert said.startswith("This is a test call from ondeck for Ada Lovelace.")


def test_a_bundled_call_lists_the_first_incidents_and_counts_the_rest(twilio: Provider) -> None:
    assert voice(twilio).send(bundle_page(UK, 12)).ok

    response = ET.fromstring(form(twilio.only_request())["Twiml"])
    assert response.findall("Gather") == []
    said = response.findtext("Say") or ""
    assert said.startswith("This is ondeck. 12 incidents need you: incident 100, Disk full")
    assert "incident 104" in said and "incident 105" not in said
    assert "And 7 more." in said


@pytest.mark.parametrize(
    ("address", "reply", "expected"),
    [
        (
            "+44",
            None,
            Delivery(
                ok=False,
                permanent=True,
                detail="twilio: HTTP 400 error 21211: "
                "The 'To' number +44 is not a valid phone number.",
            ),
        ),
        (
            UK,
            Reply.json(500, {"code": 20500, "message": "Internal error", "status": 500}),
            Delivery(
                ok=False, permanent=False, detail="twilio: HTTP 500 error 20500: Internal error"
            ),
        ),
    ],
)
def test_twilio_errors_on_calls_read_as_twilio_meant_them(
    twilio: Provider, address: str, reply: Reply | None, expected: Delivery
) -> None:
    if reply is not None:
        twilio.fail_next(reply)

    assert voice(twilio).send(sample_page(address)) == expected
