"""A status update to a subscriber: by email the unsubscribe link (and a confirmation
email's confirmation link) is in the message sent (text and HTML) but not in what is
written to the log when no SMTP server is set; neither an email nor a webhook says anything
about the internal incident."""

from __future__ import annotations

import logging

import pytest

from ondeck.adapters.channels.email import (
    LogEmailChannel,
    SmtpEmailChannel,
    render_html,
    render_text,
)
from ondeck.adapters.channels.webhook import notice_body
from ondeck.services.ports import Notice
from tests.channels.local_provider import sample_page

UNSUBSCRIBE = "https://ondeck.example/status/unsubscribe/3/secret-token"
NOTICE = Notice(
    purpose="status_update",
    subject="[Investigating] Degraded service: Checkout",
    text="Some card payments fail.",
    url="https://ondeck.example/status",
    unsubscribe_url=UNSUBSCRIBE,
)


def test_the_email_sent_carries_the_unsubscribe_link() -> None:
    page = sample_page("customer@example.org", notice=NOTICE)
    assert f"Unsubscribe: {UNSUBSCRIBE}" in render_text(page)
    assert f"href='{UNSUBSCRIBE}'" in render_html(page)


def test_the_log_without_smtp_never_holds_the_unsubscribe_link(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = sample_page("customer@example.org", notice=NOTICE)
    with caplog.at_level(logging.WARNING, logger="ondeck.email"):
        assert LogEmailChannel().send(page).ok
    assert "Some card payments fail." in caplog.text
    assert "secret-token" not in caplog.text


def test_neither_email_nor_webhook_names_the_internal_incident() -> None:
    page = sample_page("customer@example.org", notice=NOTICE)
    internal = (page.incident_title, page.service_name, f"#{page.incident_number}")
    body = notice_body(page)
    assert "incident" not in body
    message = SmtpEmailChannel("smtp://127.0.0.1:1", sender="ondeck <o@x.example>").compose(page)
    assert message["X-Ondeck-Incident"] is None
    assert "Open the status page" in render_html(page)
    for text in (str(body), message.as_string()):
        assert all(part not in text for part in internal), text


CONFIRM = "https://ondeck.example/status/confirm/4/1764460800/confirm-token"
CONFIRMATION = Notice(
    purpose="status_confirm",
    subject="Confirm your subscription to status updates",
    text="Follow the confirmation link to start getting updates.",
    url="https://ondeck.example/status",
    confirm_url=CONFIRM,
)


def test_a_confirmation_email_carries_its_link_but_the_log_never_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = sample_page("customer@example.org", notice=CONFIRMATION)
    assert f"Confirm: {CONFIRM}" in render_text(page)
    assert f"href='{CONFIRM}'" in render_html(page)
    message = SmtpEmailChannel("smtp://127.0.0.1:1", sender="ondeck <o@x.example>").compose(page)
    assert message["X-Ondeck-Incident"] is None and page.incident_title not in message.as_string()
    with caplog.at_level(logging.WARNING, logger="ondeck.email"):
        assert LogEmailChannel().send(page).ok
    assert "Follow the confirmation link" in caplog.text
    assert "confirm-token" not in caplog.text
