"""SMS through Twilio or a generic HTTP SMS gateway, with failover between providers.

``SmsChannel`` tries the providers that ``ONDECK_SMS_PROVIDERS`` routes the number to, in
order, within one send: the first that accepts the message ends the send, so a person gets
one SMS however many providers failed before. Providers that fail are listed in the
Delivery's ``attempts`` (the timeline shows them). When every provider fails the failure
is permanent only if every provider's failure was (an invalid number, say); otherwise the
engine retries later.

Twilio: ``POST {api}/2010-04-01/Accounts/{sid}/Messages.json`` through the ``twilio``
library, with a ``StatusCallback`` so Twilio reports delivery to
``/integrations/twilio/status``. The Delivery's ``provider_ref`` is the message SID.

The generic gateway speaks this, which most SMS gateways can be configured to accept (or a
few lines of glue can translate)::

    POST <ONDECK_SMS_GATEWAY_URL>
    Authorization: Bearer <ONDECK_SMS_GATEWAY_TOKEN>
    Content-Type: application/json

    {"to": "+441234567890", "from": "<ONDECK_SMS_GATEWAY_FROM>", "text": "ondeck #42 ...",
     "reference": "<idempotency key: the same for every retry of one page>"}

Any 2xx answer means accepted; a JSON body's ``"id"`` becomes the ``provider_ref`` (as
``gateway:<id>``). 429, 5xx, timeouts and connection failures are worth another provider or
a retry; other 4xx answers are permanent for that provider. The gateway reports no
delivery receipts to ondeck.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import httpx

from ondeck.adapters.channels import twilio_api
from ondeck.domain.phone import (
    SMS_LIMIT,
    bundle_text,
    page_text,
    parse_routes,
    shorten,
    trial_text,
)
from ondeck.services.ports import Delivery, Page


class SmsProvider(Protocol):
    name: str

    def send_text(self, *, to: str, text: str, reference: str) -> Delivery:
        """Hand one SMS to the provider; never raise for the provider's failures."""


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
        self._token = auth_token
        self._from = from_number
        self._api_url = api_url
        self._status_callback = status_callback
        self._timeout = timeout

    def send_text(self, *, to: str, text: str, reference: str) -> Delivery:
        """Twilio has no idempotency key for sending messages, so ``reference`` is unused."""
        del reference
        rest = twilio_api.client(
            account_sid=self._sid,
            auth_token=self._token,
            api_url=self._api_url,
            timeout=self._timeout,
        )
        try:
            message = rest.messages.create(
                to=to, from_=self._from, body=text, status_callback=self._status_callback
            )
        except twilio_api.PROVIDER_ERRORS as error:
            detail, permanent = twilio_api.failure(error)
            return Delivery(ok=False, permanent=permanent, detail=detail)
        sid = str(message.sid or "")
        return Delivery(ok=True, detail=f"accepted by twilio as {sid}", provider_ref=sid)


class HttpSmsGateway:
    name = "gateway"

    def __init__(self, *, url: str, token: str, sender: str, timeout: float) -> None:
        self._url = url
        self._token = token
        self._sender = sender
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send_text(self, *, to: str, text: str, reference: str) -> Delivery:
        body = {"to": to, "from": self._sender, "text": text, "reference": reference}
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            response = self._client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as error:
            return Delivery(ok=False, detail=f"{type(error).__name__}: {error}".rstrip(": "))
        if response.is_success:
            ref = _gateway_id(response)
            return Delivery(
                ok=True,
                detail="accepted by gateway" + (f" as {ref}" if ref else ""),
                provider_ref=f"gateway:{ref}" if ref else "",
            )
        status = response.status_code
        reason = shorten(response.text, 120)
        return Delivery(
            ok=False,
            permanent=400 <= status < 500 and status != 429,
            detail=f"HTTP {status}" + (f": {reason}" if reason else ""),
        )


def _gateway_id(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    ref = data.get("id") if isinstance(data, dict) else None
    return str(ref) if ref not in (None, "") else ""


class SmsChannel:
    kind = "sms"

    def __init__(self, providers: Mapping[str, SmsProvider], *, routes: str) -> None:
        """``routes`` is ``ONDECK_SMS_PROVIDERS`` (settings refuse a malformed one at start;
        here it raises ValueError)."""
        self._providers = dict(providers)
        self._routes = parse_routes(routes)

    def send(self, page: Page) -> Delivery:
        order = [
            name for name in self._routes.providers_for(page.address) if name in self._providers
        ]
        if not order:
            return Delivery(
                ok=False,
                permanent=True,
                detail=f"no configured SMS provider is routed to {page.address}",
            )
        text = sms_text(page)
        attempts: list[str] = []
        permanent = True
        for name in order:
            result = self._providers[name].send_text(
                to=page.address, text=text, reference=page.idempotency_key
            )
            if result.ok:
                return Delivery(
                    ok=True,
                    detail=result.detail,
                    provider_ref=result.provider_ref,
                    attempts=tuple(attempts),
                )
            attempts.append(f"{name}: {result.detail}")
            permanent = permanent and result.permanent
        return Delivery(
            ok=False, permanent=permanent, detail="; ".join(attempts), attempts=tuple(attempts)
        )


def sms_text(page: Page) -> str:
    """The SMS for a page: a test, a bundle of incidents, or one incident with its codes; a
    notice is its text, trimmed to one SMS."""
    if page.notice is not None:
        return shorten(f"ondeck {page.notice.subject}: {page.notice.text}", SMS_LIMIT)
    if page.test:
        return trial_text(page.recipient_name)
    if page.bundled:
        return bundle_text([(item.incident_number, item.incident_title) for item in page.bundle])
    return page_text(
        number=page.incident_number,
        urgency=page.urgency.value,
        title=f"{page.role_text} {page.incident_title}" if page.role else page.incident_title,
        service=page.service_name,
    )
