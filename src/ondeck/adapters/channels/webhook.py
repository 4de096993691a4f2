"""Pages as JSON posted to a person's webhook URL, signed so the receiver can trust them.

Every request carries:

- ``Idempotency-Key``: the same for every attempt at one page (retries, a resend after a
  crash), so a receiver can drop the copies.
- ``X-Ondeck-Timestamp``: seconds since the Unix epoch when this attempt was made.
- ``X-Ondeck-Signature: v1=<hex>``: HMAC-SHA256, keyed with the signing secret, of the
  timestamp, a full stop and the raw request body (``f"{timestamp}.{body}"``).

The secret is ``ONDECK_WEBHOOK_SIGNING_SECRET``, or one derived from ``ONDECK_SECRET_KEY``
when that is not set; ``ondeck webhook-secret`` prints the one in use. To verify a request,
a receiver:

1. reads the body as raw bytes, before any JSON parsing (the signature is over the bytes);
2. refuses it when the timestamp is more than a few minutes from its own clock (replays);
3. computes ``hmac.new(secret, f"{timestamp}.".encode() + body, sha256).hexdigest()`` and
   compares it with the value after ``v1=`` in constant time (``hmac.compare_digest``);
4. drops a second request with an ``Idempotency-Key`` it has already handled.

In Python::

    def verify(secret: bytes, headers: Mapping[str, str], body: bytes) -> bool:
        timestamp = headers["X-Ondeck-Timestamp"]
        if abs(time.time() - int(timestamp)) > 300:
            return False
        expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
        scheme, _, given = headers["X-Ondeck-Signature"].partition("=")
        return scheme == "v1" and hmac.compare_digest(given, expected.hexdigest())

A 2xx answer is a delivery; 408, 429, 5xx and unreachable receivers are tried again (with
backoff, a bounded number of times); any other 4xx is permanent and the page falls over to
the person's next contact method.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from ondeck.services.ports import Delivery, Page

SIGNATURE_VERSION = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Ondeck-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


def notice_body(page: Page) -> dict[str, Any]:
    """A notice: ``{"event": "notice", "purpose", "subject", "text", "url", "incident"}``;
    a public one (a status update to a subscriber) has no ``incident``."""
    assert page.notice is not None
    body: dict[str, Any] = {
        "event": "notice",
        "purpose": page.notice.purpose,
        "idempotency_key": page.idempotency_key,
        "subject": page.notice.subject,
        "text": page.notice.text,
        "url": page.notice.url,
    }
    if not page.notice.public:  # a status subscriber never learns the internal incident
        body["incident"] = {"number": page.incident_number, "title": page.incident_title}
    return body


def page_body(page: Page) -> dict[str, Any]:
    """A page's JSON; a notice's is ``notice_body``."""
    if page.notice is not None:
        return notice_body(page)
    body: dict[str, Any] = {
        "event": "incident.page",
        "test": page.test,
        "idempotency_key": page.idempotency_key,
        "recipient": page.recipient_name,
        "role": page.role,
        "incident": {
            "number": page.incident_number,
            "title": page.incident_title,
            "service": page.service_name,
            "urgency": page.urgency.value,
            "status": page.status.value,
            "runbook_url": page.runbook_url,
            "url": page.incident_url,
            "created_at": page.created_at.isoformat(),
        },
        "actions": {
            name: url
            for name, url in (
                ("acknowledge", page.acknowledge_url),
                ("resolve", page.resolve_url),
                ("escalate", page.escalate_url),
                ("snooze", page.snooze_url),
            )
            if url and not page.test
        },
    }
    if page.bundled:
        body["bundle"] = [
            {
                "number": item.incident_number,
                "title": item.incident_title,
                "service": item.service_name,
                "urgency": item.urgency.value,
                "url": item.incident_url,
                "acknowledge": item.acknowledge_url,
            }
            for item in page.bundle
        ]
    return body


def http_delivery(
    response: httpx.Response,
    provider: str,
    *,
    detail: Callable[[httpx.Response], str] | None = None,
) -> Delivery:
    """The outcome of a provider's HTTP answer: 2xx delivered; 408, 429 and 5xx worth another
    try; any other status permanent. ``detail`` adds the provider's own words to a failure."""
    if response.is_success:
        return Delivery(ok=True, detail=f"{provider}: HTTP {response.status_code}")
    status = response.status_code
    permanent = 400 <= status < 500 and status not in (408, 429)
    said = detail(response) if detail is not None else ""
    text = f"{provider}: HTTP {status}" + (f": {said}" if said else "")
    return Delivery(ok=False, permanent=permanent, detail=text)


def said(response: httpx.Response, key: str) -> str:
    """What a provider said about a failure: the string at ``key`` of its JSON answer, else
    the start of its text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict) and isinstance(body.get(key), str):
        return str(body[key])[:200]
    return response.text.strip()[:200]


def unreachable(provider: str, error: httpx.HTTPError) -> Delivery:
    """A provider that could not be reached (refused, timed out): worth another try."""
    return Delivery(ok=False, detail=f"{provider} unreachable: {type(error).__name__}")


class WebhookChannel:
    kind = "webhook"

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        signing_secret: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, page: Page) -> Delivery:
        body = json.dumps(page_body(page), separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": page.idempotency_key,
            "User-Agent": "ondeck",
            "X-Ondeck-Timestamp": str(timestamp),
        }
        if self._secret:
            headers["X-Ondeck-Signature"] = sign(self._secret, timestamp, body)
        try:
            response = self._client.post(page.address, content=body, headers=headers)
        except httpx.HTTPError as error:
            return unreachable("webhook", error)
        return http_delivery(response, "webhook")
