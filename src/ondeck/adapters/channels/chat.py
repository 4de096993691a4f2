"""Microsoft Teams and Mattermost incoming webhooks.

(Stub: being written.)
"""

from __future__ import annotations

from ondeck.services.ports import Delivery, Page


class TeamsChannel:
    kind = "teams"

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="teams: not written yet")


class MattermostChannel:
    kind = "mattermost"

    def __init__(self, *, actions_url: str, timeout: float) -> None:
        self._actions_url = actions_url

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="mattermost: not written yet")
