"""SMS through Twilio or a generic HTTP gateway, with failover between providers.

(Stub: being written.)
"""

from __future__ import annotations

from ondeck.services.ports import Delivery, Page


class TwilioSms:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str,
        status_callback: str,
        timeout: float,
    ) -> None:
        self._sid = account_sid


class HttpSmsGateway:
    name = "gateway"

    def __init__(self, *, url: str, token: str, sender: str, timeout: float) -> None:
        self._url = url


class SmsChannel:
    kind = "sms"

    def __init__(self, providers: dict[str, TwilioSms | HttpSmsGateway], *, routes: str) -> None:
        self._providers = providers

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="sms: not written yet")
