"""What a page email says: one incident (with reply instructions when replies are read), a
bundle of many (storm control), or a test notification."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from ondeck.adapters.channels.email import SmtpEmailChannel, render_summary
from ondeck.domain.model import IncidentStatus, Urgency
from ondeck.services.ports import Page, PageItem

BASE = "https://ondeck.example"
REPLY_HELP = "Reply to this email with ack, resolve, escalate or snooze 30 (minutes)"

PAGE = Page(
    message_id=7,
    idempotency_key="page:42:0:0:3:1",
    address="ada@example.com",
    recipient_name="Ada Lovelace",
    incident_number=42,
    incident_title="Checkout <error> rate 12%",
    service_name="Checkout API",
    urgency=Urgency.HIGH,
    status=IncidentStatus.TRIGGERED,
    runbook_url="https://runbooks.example/checkout",
    incident_url=f"{BASE}/incidents/42",
    acknowledge_url=f"{BASE}/l/ack-42",
    resolve_url=f"{BASE}/l/resolve-42",
    created_at=datetime(2026, 11, 30, 3, 4, 5, tzinfo=UTC),
    details={},
    incident_id=42,
    user_id=3,
    escalate_url=f"{BASE}/l/escalate-42",
    snooze_url=f"{BASE}/l/snooze-42",
    reply_to="ondeck+42-3-abcdefghijklmnop@ondeck.example",
)


def _compose(page: Page) -> EmailMessage:
    """Composed, sent through the wire format and read back as a mail program would."""
    channel = SmtpEmailChannel("smtp://127.0.0.1:2525", "ondeck <ondeck@ondeck.example>")
    parsed = message_from_bytes(channel.compose(page).as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _bodies(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def _bundle(count: int, urgency: Urgency = Urgency.HIGH) -> tuple[PageItem, ...]:
    return tuple(
        PageItem(
            incident_id=100 + n,
            incident_number=500 + n,
            incident_title=f"Disk {n} full",
            service_name="Storage",
            urgency=urgency,
            incident_url=f"{BASE}/incidents/{100 + n}",
            acknowledge_url=f"{BASE}/l/ack-{100 + n}",
        )
        for n in range(count)
    )


def test_a_page_asks_for_replies_and_carries_every_action_link() -> None:
    message = _compose(PAGE)
    text, html = _bodies(message)

    assert message["Subject"] == "[ondeck] #42 Checkout <error> rate 12% (Checkout API)"
    assert message["Reply-To"] == PAGE.reply_to
    assert message["Message-ID"] == "<page.42.0.0.3.1@ondeck.example>"
    assert message["X-Ondeck-Incident"] == "42"
    for label, url in [
        ("Acknowledge", PAGE.acknowledge_url),
        ("Resolve", PAGE.resolve_url),
        ("Escalate", PAGE.escalate_url),
        ("Snooze", PAGE.snooze_url),
        ("Incident", PAGE.incident_url),
    ]:
        assert any(line.startswith(f"{label}:") and line.endswith(url) for line in text.split("\n"))
        assert f"href='{url}'" in html
    assert REPLY_HELP in text and REPLY_HELP in html
    assert "Checkout &lt;error&gt; rate 12%" in html and "<error>" not in html


def test_the_message_id_is_the_same_when_the_page_is_sent_again() -> None:
    assert _compose(PAGE)["Message-ID"] == _compose(replace(PAGE, message_id=8))["Message-ID"]
    other = replace(PAGE, idempotency_key="page:42:1:0:3:1")
    assert _compose(other)["Message-ID"] != _compose(PAGE)["Message-ID"]


def test_without_an_inbound_listener_there_is_no_reply_to_and_no_reply_instructions() -> None:
    message = _compose(replace(PAGE, reply_to=""))
    text, html = _bodies(message)

    assert message["Reply-To"] is None
    assert "Reply to this email" not in text and "Reply to this email" not in html
    assert "Acknowledge: https://ondeck.example/l/ack-42" in text


def test_a_bundle_lists_every_incident_with_its_links_and_takes_no_replies() -> None:
    items = _bundle(37)
    message = _compose(replace(PAGE, bundle=items))
    text, html = _bodies(message)

    assert message["Subject"] == "[ondeck] 37 incidents for you"
    assert message["Reply-To"] is None  # a reply could not say which of the 37 it means
    assert "Reply to this email" not in text and "Reply to this email" not in html
    assert message["X-Ondeck-Incident"] == ", ".join(str(500 + n) for n in range(37))
    for item in items:
        line = f"#{item.incident_number} [high] {item.incident_title} ({item.service_name})"
        assert line in text
        assert f"Acknowledge: {item.acknowledge_url}" in text
        assert f"Incident:    {item.incident_url}" in text
        assert f"href='{item.acknowledge_url}'" in html
        assert f"href='{item.incident_url}'" in html
    assert text.count("Acknowledge: ") == 37


def test_a_bundle_of_low_urgency_incidents_says_so_in_its_subject() -> None:
    message = _compose(replace(PAGE, urgency=Urgency.LOW, bundle=_bundle(3, Urgency.LOW)))
    assert message["Subject"] == "[ondeck low] 3 incidents for you"


def test_a_bundle_in_the_log_leaves_out_the_signed_links() -> None:
    items = _bundle(5)
    summary = render_summary(replace(PAGE, bundle=items))
    for item in items:
        assert item.incident_title in summary and item.incident_url in summary
        assert item.acknowledge_url not in summary


def test_a_test_notification_says_it_acts_on_nothing() -> None:
    test = replace(
        PAGE,
        incident_number=0,
        incident_id=0,
        incident_title="Test notification",
        test=True,
    )
    message = _compose(test)
    text, html = _bodies(message)

    assert message["Subject"] == "[ondeck] Test notification"
    assert message["Reply-To"] is None
    assert message["X-Ondeck-Incident"] is None
    for body in (text, html):
        assert "acts on nothing" in body
        assert "Ada Lovelace" in body and "ada@example.com" in body
        assert PAGE.acknowledge_url not in body and "Reply to this email" not in body
