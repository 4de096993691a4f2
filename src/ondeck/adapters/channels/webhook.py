"""Pages as JSON posted to a person's webhook URL, with an Idempotency-Key header."""

from __future__ import annotations

from typing import Any

import httpx

from ondeck.services.ports import Delivery, Page


def page_body(page: Page) -> dict[str, Any]:
    return {
        "event": "incident.page",
        "idempotency_key": page.idempotency_key,
        "recipient": page.recipient_name,
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
        "actions": {"acknowledge": page.acknowledge_url, "resolve": page.resolve_url},
    }


class WebhookChannel:
    kind = "webhook"

    def __init__(self, *, timeout: float = 10.0, signing_secret: str = "") -> None:
        self._secret = signing_secret
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, page: Page) -> Delivery:
        try:
            response = self._client.post(
                page.address,
                json=page_body(page),
                headers={"Idempotency-Key": page.idempotency_key, "User-Agent": "ondeck"},
            )
        except httpx.HTTPError as error:
            return Delivery(ok=False, detail=f"webhook unreachable: {type(error).__name__}")
        if response.is_success:
            return Delivery(ok=True, detail=f"HTTP {response.status_code}")
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        return Delivery(ok=False, permanent=permanent, detail=f"HTTP {response.status_code}")
