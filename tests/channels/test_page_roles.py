"""A page that asks its person to take an incident role says so on every channel, briefly;
a page without a role says nothing about roles."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from ondeck.adapters.channels.chat import mattermost_message, teams_card
from ondeck.adapters.channels.email import render_html, render_summary, render_text
from ondeck.adapters.channels.push import message
from ondeck.adapters.channels.slack import render
from ondeck.adapters.channels.sms import sms_text
from ondeck.adapters.channels.webhook import page_body
from ondeck.services.ports import Page
from tests.channels.local_provider import sample_page

RENDERERS: dict[str, Callable[[Page], str]] = {
    "email text": render_text,
    "email summary": render_summary,
    "email html": render_html,
    "sms": sms_text,
    "teams": lambda page: json.dumps(teams_card(page)),
    "mattermost": lambda page: json.dumps(mattermost_message(page, actions_url="https://x/a")),
    "slack": lambda page: json.dumps(render(page, interactive=True)),
    "ntfy": message,
}


@pytest.mark.parametrize("channel", sorted(RENDERERS))
def test_a_page_for_a_role_tells_its_person_the_role(channel: str) -> None:
    page = sample_page("ada@example.com", role="incident_manager")

    assert "You are paged as incident manager." in RENDERERS[channel](page)


@pytest.mark.parametrize("channel", sorted(RENDERERS))
def test_a_page_without_a_role_mentions_none(channel: str) -> None:
    page = sample_page("ada@example.com")

    assert "You are paged as" not in RENDERERS[channel](page)


def test_a_webhook_page_carries_the_role_as_a_field() -> None:
    body = page_body(sample_page("https://hooks.example/a", role="incident_engineer"))
    assert body["role"] == "incident_engineer"
    assert page_body(sample_page("https://hooks.example/a"))["role"] is None
