"""A status update to a subscriber by email: the unsubscribe link is in the message sent
(text and HTML) but not in what is written to the log when no SMTP server is set."""

from __future__ import annotations

import logging

import pytest

from ondeck.adapters.channels.email import LogEmailChannel, render_html, render_text
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
