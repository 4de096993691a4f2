"""Every channel renders a notice as a plain message: its subject and text, the incident's
link, and no action buttons or signed links (a notice asks nothing of its reader)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ondeck.adapters.channels import chat, email, push, slack, sms, voice, webhook
from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services.ports import Notice, Page

URL = "https://ondeck.example/incidents/7"
NOTICE = Page(
    message_id=1,
    idempotency_key="i7:can-report:3:u2",
    address="sam@example.com",
    recipient_name="Sam Rivers",
    incident_number=42,
    incident_title="Checkout failing",
    service_name="Checkout API",
    urgency=Urgency.HIGH,
    status=IncidentStatus.ACKNOWLEDGED,
    runbook_url="",
    incident_url=URL,
    acknowledge_url="",
    resolve_url="",
    created_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    details={},
    incident_id=7,
    notice=Notice(
        purpose="can_report",
        subject="CAN report: #42 Checkout failing",
        text="Conditions: 10% of payments fail\nActions: Rolling back\nNeeds: A DBA",
        url=URL,
    ),
)


def test_email_is_the_subject_and_text_with_the_link_and_no_reply_to() -> None:
    message = email.SmtpEmailChannel("smtp://127.0.0.1:2525", "ondeck@example.com").compose(NOTICE)
    assert message["Subject"] == "[ondeck] CAN report: #42 Checkout failing"
    assert message["Reply-To"] is None
    text = email.render_text(NOTICE)
    assert text == (
        "Conditions: 10% of payments fail\nActions: Rolling back\nNeeds: A DBA\n\n" + URL + "\n"
    )
    html = email.render_html(NOTICE)
    assert "Acknowledge" not in html and "Needs: A DBA" in html


def test_slack_is_text_without_buttons() -> None:
    message = slack.render(NOTICE, interactive=True)
    kinds = [block["type"] for block in message["blocks"]]
    assert kinds == ["section"]
    section = message["blocks"][0]["text"]["text"]
    assert section.startswith("*CAN report: #42 Checkout failing*\nConditions: 10% of payments")
    assert f"<{URL}|Open the incident>" in section


def test_teams_and_mattermost_are_text_without_actions() -> None:
    card = chat.teams_card(NOTICE)["attachments"][0]["content"]
    assert "actions" not in card
    assert card["body"][0]["text"] == "CAN report: #42 Checkout failing"
    posted = chat.mattermost_message(NOTICE, actions_url="https://ondeck.example/x")
    assert "attachments" not in posted
    assert posted["text"].startswith("**CAN report: #42 Checkout failing**\n\nConditions:")


def test_ntfy_has_the_subject_as_title_and_no_actions() -> None:
    found = push.headers(NOTICE)
    assert found["Title"] == "CAN report: #42 Checkout failing"
    assert found["Priority"] == "3"
    assert "Actions" not in found
    assert push.message(NOTICE).startswith("Conditions: 10% of payments fail")


def test_sms_is_one_trimmed_message() -> None:
    text = sms.sms_text(NOTICE)
    assert text.startswith("ondeck CAN report: #42 Checkout failing: Conditions: 10%")
    assert len(text) <= 160


def test_a_webhook_gets_the_notice_event_with_its_purpose_and_words() -> None:
    body = webhook.page_body(NOTICE)
    assert body == {
        "event": "notice",
        "purpose": "can_report",
        "idempotency_key": "i7:can-report:3:u2",
        "subject": "CAN report: #42 Checkout failing",
        "text": "Conditions: 10% of payments fail\nActions: Rolling back\nNeeds: A DBA",
        "url": URL,
        "incident": {"number": 42, "title": "Checkout failing"},
    }
    assert json.dumps(body)


def test_a_call_reads_the_notice_and_asks_for_no_key() -> None:
    twiml = voice.call_twiml(NOTICE, "https://ondeck.example/integrations/twilio/voice")
    assert "CAN report: #42 Checkout failing" in twiml
    assert "<Gather" not in twiml
