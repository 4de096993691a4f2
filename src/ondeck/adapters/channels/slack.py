"""Slack: direct messages and channel messages with buttons, or incoming webhooks.

A contact method's address says which:

- a member ID (``U0123ABCD``) or a channel ID: the Slack app (``ONDECK_SLACK_BOT_TOKEN``)
  posts with ``chat.postMessage``, with interactive buttons; a page that carries a
  ``thread_ref`` (``channel:ts``, the incident's channel message) updates that message in
  place with ``chat.update`` instead;
- a URL (``https://hooks.slack.com/services/...``): an incoming webhook, for teams without
  an app. Slack cannot report presses back then, so the buttons open ondeck's signed links.

Errors are answers, never exceptions: rate limits, Slack's own failures and the network
are worth another try; a wrong channel, a revoked token or a refused payload are not.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from ondeck.domain import slack_messages
from ondeck.domain.model import IncidentStatus
from ondeck.domain.slack_messages import ActionLinks, Card
from ondeck.services.ports import Delivery, Page

log = logging.getLogger("ondeck.slack")

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
"""Slack's error codes that say "not now" rather than "never"; every other one is final
(``channel_not_found``, ``not_in_channel``, ``invalid_auth``, ``user_not_found``, ...)."""

NO_TOKEN = "ONDECK_SLACK_BOT_TOKEN is not set"
NETWORK_ERRORS = (OSError, HTTPException, SlackClientError)


def is_webhook(address: str) -> bool:
    return address.startswith(("https://", "http://"))


def card(page: Page, *, interactive: bool) -> Card:
    """The incident ``page`` is about, with interactive buttons or signed-link buttons (a
    channel's message carries the incident's own link in place of signed ones)."""
    links = None
    if not interactive:
        signed = [page.acknowledge_url, page.resolve_url, page.escalate_url, page.snooze_url]
        links = ActionLinks(*("" if url == page.incident_url else url for url in signed))
    return Card(
        incident_id=page.incident_id,
        number=page.incident_number,
        title=page.incident_title,
        service=page.service_name,
        urgency=page.urgency,
        status=page.status,
        incident_url=page.incident_url,
        runbook_url=page.runbook_url,
        created_at=page.created_at,
        note=page.role_text if page.recipient_name else _who_changed(page),
        links=links,
    )


def _who_changed(page: Page) -> str:
    """For a channel's message: who acknowledged or resolved the incident, when known."""
    if page.status is IncidentStatus.RESOLVED and page.details.get("resolved_by"):
        return f"Resolved by {page.details['resolved_by']}"
    if page.status is not IncidentStatus.TRIGGERED and page.details.get("acknowledged_by"):
        return f"Acknowledged by {page.details['acknowledged_by']}"
    return ""


def render(page: Page, *, interactive: bool) -> dict[str, Any]:
    """``{"text": ..., "blocks": [...]}`` for ``page``: a test, a bundle of incidents, a
    page to one person, (no recipient) an incident's channel message, or a notice (its
    words, no buttons)."""
    if page.notice is not None:
        return slack_messages.notice_message(
            subject=page.notice.subject, text=page.notice.text, url=page.notice.url
        )
    if page.test:
        return slack_messages.check_message(recipient=page.recipient_name)
    if page.bundled:
        cards = [
            Card(
                incident_id=item.incident_id,
                number=item.incident_number,
                title=item.incident_title,
                service=item.service_name,
                urgency=item.urgency,
                status=page.status,
                incident_url=item.incident_url,
                links=None if interactive else ActionLinks(acknowledge=item.acknowledge_url),
            )
            for item in page.bundle
        ]
        return slack_messages.bundle_message(cards, recipient=page.recipient_name)
    return slack_messages.incident_message(
        card(page, interactive=interactive), recipient=page.recipient_name
    )


class SlackChannel:
    kind = "slack"

    def __init__(self, *, bot_token: str, api_url: str, timeout: float) -> None:
        self._token = bot_token
        self._timeout = max(1, math.ceil(timeout))
        self._client = WebClient(
            token=bot_token or None,
            base_url=api_url,
            timeout=self._timeout,
            retry_handlers=[],
        )

    def send(self, page: Page) -> Delivery:
        if is_webhook(page.address):
            return self._send_webhook(page)
        if not self._token:
            return Delivery(ok=False, permanent=True, detail=NO_TOKEN)
        message = render(page, interactive=True)
        channel, _, ts = page.thread_ref.partition(":")
        if channel and ts:
            updated = self._call(
                "chat.update",
                lambda: self._client.chat_update(channel=channel, ts=ts, **message),
            )
            if updated.ok or "message_not_found" not in updated.detail:
                return updated
            log.info("Slack message %s is gone; posting the incident anew", page.thread_ref)
        return self._call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=page.address, unfurl_links=False, unfurl_media=False, **message
            ),
        )

    def _call(self, method: str, call: Callable[[], SlackResponse]) -> Delivery:
        try:
            response = call()
        except SlackApiError as error:
            return _refusal(method, error.response)
        except NETWORK_ERRORS as error:
            return Delivery(ok=False, detail=f"slack {method}: unreachable ({error})")
        ref = f"{response.get('channel', '')}:{response.get('ts', '')}"
        return Delivery(ok=True, detail=f"slack {method}: ok", provider_ref=ref)

    def _send_webhook(self, page: Page) -> Delivery:
        message = render(page, interactive=False)
        hook = WebhookClient(page.address, timeout=self._timeout, retry_handlers=[])
        try:
            response = hook.send_dict({**message, "unfurl_links": False})
        except NETWORK_ERRORS as error:
            return Delivery(ok=False, detail=f"slack webhook: unreachable ({error})")
        status = response.status_code
        said = " ".join(str(response.body).split())[:200]
        if 200 <= status < 300:
            return Delivery(ok=True, detail=f"slack webhook: HTTP {status}")
        transient = status in (408, 429) or status >= 500
        detail = f"slack webhook: HTTP {status} {said}".rstrip()
        if status == 429:
            detail += _retry_after(response.headers)
        return Delivery(ok=False, permanent=not transient, detail=detail)


def _refusal(method: str, response: SlackResponse) -> Delivery:
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = " ".join(str(data.get("error", "")).split())[:200] or f"HTTP {status}"
    if status == 429 or code == "ratelimited":
        return Delivery(
            ok=False, detail=f"slack {method}: rate limited{_retry_after(response.headers)}"
        )
    transient = status >= 500 or code in TRANSIENT_ERRORS
    detail = f"slack {method}: {code}" if status == 200 else f"slack {method}: HTTP {status} {code}"
    return Delivery(ok=False, permanent=not transient, detail=detail)


def _retry_after(headers: dict[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            seconds = value[0] if isinstance(value, list) else value
            return f" (retry after {seconds}s)"
    return ""
