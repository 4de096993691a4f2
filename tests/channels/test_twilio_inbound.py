"""SMS and calls end to end: a real ``ondeck serve`` (web and engine in one process) pages
through a local Twilio and a local SMS gateway, and Twilio's signed callbacks act on the
incident: SMS replies, keypresses on the call and delivery reports. Callbacks that are
unsigned, wrongly signed or signed for something else are refused and change nothing.

One server per database serves every test in this module: each test pages with an
incident of its own, and markers in the incident's title (``[twilio-500]``) tell the fake
Twilio how to answer for that incident only.
"""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.web.app import create_app
from tests.api.support import Site, fresh_database, running_site
from tests.channels.local_provider import Provider
from tests.channels.local_provider import local_provider as serving
from tests.channels.twilio_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    GATEWAY_FROM,
    GATEWAY_TOKEN,
    gateway_answer,
    gateway_requests,
    post_signed,
    sign,
    twilio_answer,
    twilio_requests,
)
from tests.conftest import SECRET
from tests.ingest.harness import serve_in_thread

pytestmark = pytest.mark.slow

ADA_PHONE = "+441234567890"
GRACE_PHONE = "+15550001111"
SMS_KEY = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
CALL_KEY = "ca11ca11ca11ca11ca11ca11ca11ca11"

ORG = f"""
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    role: admin
    contact_methods:
      - {{type: sms, address: "{ADA_PHONE}"}}
    notification_rules:
      - {{contact: sms, after: 0m}}
  - email: grace@example.com
    name: Grace Hopper
    timezone: America/New_York
    contact_methods:
      - {{type: voice, address: "{GRACE_PHONE}"}}
    notification_rules:
      - {{contact: voice, after: 0m}}
escalation_policies:
  - name: Ada first
    levels:
      - {{escalate_after: 1h, targets: [{{user: ada@example.com}}]}}
  - name: Grace first
    levels:
      - {{escalate_after: 1h, targets: [{{user: grace@example.com}}]}}
services:
  - name: Checkout API
    escalation_policy: Ada first
    integrations: [{{type: events_v2, key: {SMS_KEY}}}]
  - name: Phones
    escalation_policy: Grace first
    integrations: [{{type: events_v2, key: {CALL_KEY}}}]
"""


@dataclass
class Phones:
    """The server, the fake providers it pages through and the incidents' API."""

    site: Site
    twilio: Provider
    gateway: Provider

    @property
    def url(self) -> str:
        return self.site.server.url

    def trigger(self, title: str, *, key: str = SMS_KEY) -> dict[str, Any]:
        dedup_key = uuid.uuid4().hex
        body = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {"summary": title, "source": "test", "severity": "critical"},
        }
        response = httpx.post(f"{self.url}/v2/enqueue", json=body, timeout=10)
        assert response.status_code == 202, response.text
        found = [
            incident
            for incident in self.site.as_("ada").get("/api/v1/incidents").json()["data"]
            if incident["dedup_key"] == dedup_key
        ]
        assert len(found) == 1
        return dict(found[0])

    def incident(self, incident_id: int) -> dict[str, Any]:
        response = self.site.as_("ada").get(f"/api/v1/incidents/{incident_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def timeline(self, incident_id: int) -> list[dict[str, Any]]:
        response = self.site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def entries(self, incident_id: int, kind: str) -> list[str]:
        return [e["message"] for e in self.timeline(incident_id) if e["kind"] == kind]

    def callback(self, path: str) -> str:
        return f"{self.url}/integrations/twilio/{path}"


def wait_for(found: Callable[[], list[Any]], *, what: str, timeout: float = 10) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout}s")


def sms_for(phones: Phones, number: int) -> list[dict[str, str]]:
    """Messages the fake Twilio was asked to send about incident ``number``."""
    return [m for m in twilio_requests(phones.twilio) if m["Body"].startswith(f"ondeck #{number} ")]


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def phones(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Phones]:
    directory = tmp_path_factory.mktemp(f"twilio-{request.param}")
    with serving(twilio_answer()) as twilio, serving(gateway_answer()) as gateway:
        yield from _served(request.param, directory, twilio, gateway)


def _served(kind: str, directory: Path, twilio: Provider, gateway: Provider) -> Iterator[Phones]:
    env = {
        "ONDECK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "ONDECK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "ONDECK_TWILIO_FROM_NUMBER": FROM_NUMBER,
        "ONDECK_TWILIO_API_URL": twilio.url,
        "ONDECK_SMS_GATEWAY_URL": f"{gateway.url}/v1/sms",
        "ONDECK_SMS_GATEWAY_TOKEN": GATEWAY_TOKEN,
        "ONDECK_SMS_GATEWAY_FROM": GATEWAY_FROM,
        "ONDECK_SMS_PROVIDERS": "twilio,gateway",
        "ONDECK_NOTIFY_LIMIT": "1000",  # every test pages Ada: no storm bundling here
    }
    people = ["ada@example.com", "grace@example.com"]
    with (
        fresh_database(kind, directory) as url,
        running_site(url, ORG, people, directory, **env) as site,
    ):
        yield Phones(site, twilio, gateway)


# --- failover ------------------------------------------------------------------------------


def test_twilio_answering_500_falls_over_to_the_gateway_one_sms_and_both_on_the_timeline(
    phones: Phones,
) -> None:
    incident = phones.trigger("Checkout down [twilio-500]")
    number = incident["number"]

    def through_gateway() -> list[dict[str, Any]]:
        return [r for r in gateway_requests(phones.gateway) if f"#{number} " in r["text"]]

    wait_for(through_gateway, what="SMS through the gateway")
    time.sleep(1.0)  # room for a duplicate or a retry to show up

    assert len(sms_for(phones, number)) == 1, "Twilio was asked once (and answered 500)"
    gateway_sms = through_gateway()
    assert len(gateway_sms) == 1, "one SMS accepted: one page, not two"
    assert gateway_sms[0]["to"] == ADA_PHONE
    assert gateway_sms[0]["text"].startswith(f"ondeck #{number} HIGH Checkout down")
    notified = phones.entries(incident["id"], "notified")
    assert len(notified) == 1
    assert notified[0].startswith(f"Notified Ada Lovelace by sms ({ADA_PHONE}): ")
    assert "accepted by gateway as gw-" in notified[0]
    assert (
        "(after twilio: HTTP 500 error 20500: An internal server error has occurred)"
        in (notified[0])
    )
    assert phones.entries(incident["id"], "delivery_retry") == []
    assert phones.entries(incident["id"], "delivery_failed") == []


# --- SMS replies -------------------------------------------------------------------------


def test_an_sms_reply_acknowledges_as_the_person_who_owns_the_number(phones: Phones) -> None:
    incident = phones.trigger("Disk full on db-1")
    number = incident["number"]
    wait_for(lambda: sms_for(phones, number), what="SMS through Twilio")

    answer = post_signed(
        phones.callback("sms"),
        {
            "From": "+44 1234 567890",
            "To": FROM_NUMBER,
            "Body": f" {number} A ",
            "MessageSid": "SMx",
        },
    )

    reply = twiml(answer)
    assert reply.findtext("Message") == f"Acknowledged #{number} (Disk full on db-1)"
    after = phones.incident(incident["id"])
    assert after["status"] == "acknowledged"
    assert after["acknowledged_by"] == "ada@example.com"
    assert phones.entries(incident["id"], "acknowledged") == [
        "Acknowledged by ada@example.com via sms"
    ]


def test_an_sms_reply_resolves_and_a_second_resolve_is_explained(phones: Phones) -> None:
    incident = phones.trigger("Queue backlog")
    number = incident["number"]
    params = {"From": ADA_PHONE, "Body": f"{number}r"}

    first = twiml(post_signed(phones.callback("sms"), params)).findtext("Message") or ""
    second = twiml(post_signed(phones.callback("sms"), params)).findtext("Message") or ""

    assert first == f"Resolved #{number} (Queue backlog)"
    assert second.startswith("Nothing done: ")
    assert phones.incident(incident["id"])["resolved_by"] == "ada@example.com"


def test_an_sms_from_an_unknown_number_is_refused_and_recorded(phones: Phones) -> None:
    incident = phones.trigger("Login errors")
    number = incident["number"]

    answer = post_signed(phones.callback("sms"), {"From": "+447700900999", "Body": f"{number}a"})

    assert twiml(answer).findtext("Message") == (
        "ondeck does not know this number; nothing was done."
    )
    assert phones.incident(incident["id"])["status"] == "triggered"
    refused = phones.entries(incident["id"], "inbound_refused")
    assert len(refused) == 1
    assert refused[0].startswith("Refused an action by sms from +447700900999: ")


def test_an_unreadable_reply_is_answered_with_the_codes(phones: Phones) -> None:
    answer = post_signed(phones.callback("sms"), {"From": ADA_PHONE, "Body": "ok, on it"})

    message = twiml(answer).findtext("Message") or ""
    assert message.startswith("ondeck did not understand that.")
    assert "42a acknowledges #42" in message


def test_a_reply_about_an_incident_that_does_not_exist_is_refused(phones: Phones) -> None:
    answer = post_signed(phones.callback("sms"), {"From": ADA_PHONE, "Body": "999999a"})

    assert twiml(answer).findtext("Message") == "There is no incident #999999; nothing was done."


@pytest.mark.parametrize(
    "forgery",
    [
        "unsigned",
        "signed with another token",
        "signed for another URL",
        "body changed after signing",
        "empty signature",
    ],
)
def test_forged_sms_callbacks_are_refused_and_change_nothing(phones: Phones, forgery: str) -> None:
    incident = phones.trigger(f"Forgery test: {forgery}")
    url = phones.callback("sms")
    params = {"From": ADA_PHONE, "Body": f"{incident['number']}a"}
    wait_for(lambda: phones.entries(incident["id"], "notified"), what="the page")
    before = phones.timeline(incident["id"])

    if forgery == "unsigned":
        answer = httpx.post(url, data=params, timeout=10)
    elif forgery == "signed with another token":
        answer = post_signed(url, params, token="someone-elses-token")
    elif forgery == "signed for another URL":
        answer = post_signed(url, params, signed_url="https://evil.example/integrations/twilio/sms")
    elif forgery == "body changed after signing":
        answer = post_signed(url, params, signed_params={**params, "Body": "something else"})
    else:
        answer = httpx.post(url, data=params, headers={"X-Twilio-Signature": ""}, timeout=10)

    assert answer.status_code == 403
    assert phones.incident(incident["id"])["status"] == "triggered"
    assert phones.timeline(incident["id"]) == before


@pytest.mark.parametrize("path", ["voice?incident=1&user=1", "status"])
def test_unsigned_voice_and_status_callbacks_are_refused(phones: Phones, path: str) -> None:
    response = httpx.post(
        phones.callback(path), data={"Digits": "2", "CallSid": "CAx", "CallStatus": "failed"}
    )

    assert response.status_code == 403


# --- calls -------------------------------------------------------------------------------


def test_pressing_1_on_the_call_acknowledges_and_the_call_asks_again_for_a_useless_key(
    phones: Phones,
) -> None:
    incident = phones.trigger("Payments latency", key=CALL_KEY)
    calls = wait_for(
        lambda: [
            c
            for c in twilio_requests(phones.twilio, "Calls")
            if f"incident {incident['number']}," in c["Twiml"]
        ],
        what="a call through Twilio",
    )
    assert calls[0]["To"] == GRACE_PHONE
    assert calls[0]["StatusCallback"] == phones.callback("status")
    action = ET.fromstring(calls[0]["Twiml"]).findall("Gather")[0].attrib["action"]
    assert action.startswith(phones.callback("voice?incident="))
    call = {"CallSid": "CA" + "1" * 32, "From": FROM_NUMBER, "To": GRACE_PHONE}

    silence = twiml(post_signed(action, call))
    useless = twiml(post_signed(action, {**call, "Digits": "9"}))
    pressed = twiml(post_signed(action, {**call, "Digits": "1"}))

    prompts = []
    for again in (silence, useless):
        gather = again.find("Gather")
        assert gather is not None and gather.attrib["action"] == action
        prompts.append(gather.findtext("Say") or "")
    assert prompts[0].startswith("Press 1 to acknowledge")
    assert prompts[1].startswith("That key does nothing. Press 1 to acknowledge")
    assert pressed.find("Gather") is None
    assert pressed.findtext("Say") == (
        f"Acknowledged #{incident['number']} (Payments latency) Goodbye."
    )
    after = phones.incident(incident["id"])
    assert (after["status"], after["acknowledged_by"]) == ("acknowledged", "grace@example.com")
    assert phones.entries(incident["id"], "acknowledged") == [
        "Acknowledged by grace@example.com via voice"
    ]


def test_a_keypress_callback_for_a_changed_incident_is_refused(phones: Phones) -> None:
    incident = phones.trigger("Signed URL test", key=CALL_KEY)
    signed_for = phones.callback(f"voice?incident={incident['id']}&user=2")
    tampered = phones.callback(f"voice?incident={incident['id'] + 1000}&user=2")

    answer = post_signed(tampered, {"Digits": "1"}, signed_url=signed_for)

    assert answer.status_code == 403
    assert phones.incident(incident["id"])["status"] == "triggered"


# --- delivery reports --------------------------------------------------------------------


def test_twilios_delivery_report_marks_the_sms_delivered_on_the_timeline(phones: Phones) -> None:
    incident = phones.trigger("Cache misses")
    sent = wait_for(lambda: phones.entries(incident["id"], "notified"), what="notified")
    sid = sent[0].split("accepted by twilio as ")[1].split()[0]
    status = phones.callback("status")

    queued = post_signed(status, {"MessageSid": sid, "MessageStatus": "sent"})
    delivered = post_signed(status, {"MessageSid": sid, "MessageStatus": "delivered"})

    assert (queued.status_code, delivered.status_code) == (204, 204)
    assert phones.entries(incident["id"], "delivered") == [
        f"Delivered to Ada Lovelace by sms ({ADA_PHONE}): twilio reports delivered"
    ]


def test_an_unanswered_call_is_reported_as_failed(phones: Phones) -> None:
    incident = phones.trigger("Nobody picks up", key=CALL_KEY)
    sent = wait_for(lambda: phones.entries(incident["id"], "notified"), what="notified")
    sid = sent[0].split("call placed by twilio as ")[1].split()[0]

    answer = post_signed(phones.callback("status"), {"CallSid": sid, "CallStatus": "no-answer"})

    assert answer.status_code == 204
    assert phones.entries(incident["id"], "delivery_failed") == [
        f"Delivery to Grace Hopper by voice ({GRACE_PHONE}) failed: twilio reports no-answer"
    ]


# --- without an auth token -----------------------------------------------------------------


def test_without_an_auth_token_every_callback_is_refused(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, secret_key=SECRET)
    container = bootstrap(settings)
    try:
        with serve_in_thread(create_app(container)) as served:
            for path in ("sms", "voice?incident=1&user=1", "status"):
                params = {"From": ADA_PHONE, "Body": "1a", "Digits": "1"}
                signature = sign(f"{settings.base_url}/integrations/twilio/{path}", params, "")
                answer = httpx.post(
                    f"{served}/integrations/twilio/{path}",
                    data=params,
                    headers={"X-Twilio-Signature": signature},
                    timeout=10,
                )
                assert answer.status_code == 403, path
    finally:
        container.close()
