"""Phone calls through Twilio: the page read aloud, keypresses act on it.

(Stub: being written.)
"""

from __future__ import annotations

from ondeck.services.ports import Delivery, Page


class TwilioVoiceChannel:
    kind = "voice"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str,
        callback_url: str,
        timeout: float,
    ) -> None:
        self._sid = account_sid

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="voice: not written yet")
