"""Slack: direct messages and channel messages with buttons, or incoming webhooks.

(Stub: being written.)
"""

from __future__ import annotations

from ondeck.services.ports import Delivery, Page


class SlackChannel:
    kind = "slack"

    def __init__(self, *, bot_token: str, api_url: str, timeout: float) -> None:
        self._token = bot_token

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="slack: not written yet")
