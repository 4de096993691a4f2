"""Push to phones through ntfy's HTTP publish API, with action buttons.

A person's address is an ntfy topic: a name (published on ``ONDECK_NTFY_URL``, ntfy.sh by
default, or a self-hosted server) or the full ``https://…/topic`` URL of a topic on any
server. Anyone who knows a topic's name can read it on a server without access control,
so choose long, unguessable names or protect the topics and give ondeck a token
(``ONDECK_NTFY_TOKEN``, sent only to ``ONDECK_NTFY_URL``'s server).

Each page is one ``POST {server}/{topic}`` whose body is the message and whose headers
carry the title, the priority (5 for high urgency, 3 for low), tags, the link a tap opens,
and up to three action buttons. "Acknowledge" and "Resolve" are ntfy ``http`` actions:
the phone itself POSTs to the page's signed link, without cookies, and the link's
endpoint acts on a POST and answers 2xx, so pressing the button is enough (the phone must
be able to reach ``ONDECK_BASE_URL``). Non-ASCII titles are sent as RFC 2047 encoded
words, which ntfy decodes.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import httpx

from ondeck.adapters.channels.webhook import http_delivery, said, unreachable
from ondeck.services.ports import Delivery, Page

TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
"""ntfy's own rule for topic names."""
MESSAGE_BUDGET = 3_500
"""Bytes of message; ntfy turns a body above 4 096 bytes into an attachment, or refuses it."""


def _header(text: str) -> str:
    """``text`` as a header value: ASCII as it is, anything else as an RFC 2047 word."""
    text = " ".join(text.split())
    if text.isascii():
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def shorten_bytes(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` bytes of UTF-8, with "…" when cut."""
    if len(text.encode()) <= budget:
        return text
    return text.encode()[: budget - 3].decode(errors="ignore") + "…"


def _said(response: httpx.Response) -> str:
    """ntfy's error text (``{"code":40101,"http":401,"error":"unauthorized",…}``)."""
    return said(response, "error")


def message(page: Page) -> str:
    """The notification's body (a notice's: its text)."""
    if page.notice is not None:
        return shorten_bytes(page.notice.text, MESSAGE_BUDGET)
    if page.test:
        return (
            f"This is a test for {page.recipient_name}: pages for you will arrive here. "
            "There is no incident and nothing to acknowledge."
        )
    if page.bundled:
        lines = [f"{len(page.bundle)} incidents, bundled by storm control:"]
        used = len(lines[0].encode())
        for index, item in enumerate(page.bundle):
            line = f"#{item.incident_number} {item.incident_title} ({item.service_name})"
            if used + len(line.encode()) + 1 > MESSAGE_BUDGET:
                lines.append(f"…and {len(page.bundle) - index} more in ondeck")
                break
            lines.append(line)
            used += len(line.encode()) + 1
        return "\n".join(lines)
    lines = [
        *([page.role_text] if page.role else []),
        f"{page.service_name} · {page.urgency.value} urgency · {page.status.value}",
        f"Opened {page.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    if page.runbook_url:
        lines.append(f"Runbook: {page.runbook_url}")
    return "\n".join(lines)


def actions(page: Page) -> str:
    """The ``Actions`` header in ntfy's short format (three actions at most); none for a
    test or a notice."""
    if page.test or page.notice is not None:
        return ""
    if page.bundled:
        return f"view, Open ondeck, {page.incident_url.rsplit('/', 1)[0]}"
    buttons = []
    for label, url in (("Acknowledge", page.acknowledge_url), ("Resolve", page.resolve_url)):
        if url:
            buttons.append(f"http, {label}, {url}, method=POST, clear=true")
    buttons.append(f"view, Open, {page.incident_url}")
    return "; ".join(buttons)


def headers(page: Page) -> dict[str, str]:
    if page.notice is not None:
        title, priority, tags = page.notice.subject, "3", "information_source,ondeck"
    elif page.test:
        title, priority, tags = "ondeck test notification", "3", "white_check_mark,ondeck"
    elif page.bundled:
        high = any(item.urgency.value == "high" for item in page.bundle)
        title = f"{len(page.bundle)} incidents for {page.recipient_name}"
        priority, tags = ("5", "rotating_light,ondeck") if high else ("3", "warning,ondeck")
    else:
        title = f"#{page.incident_number} {page.incident_title}"
        high = page.urgency.value == "high"
        priority, tags = ("5", "rotating_light,ondeck") if high else ("3", "warning,ondeck")
    found = {
        "Title": _header(title),
        "Priority": priority,
        "Tags": tags,
        "Actions": actions(page),
    }
    if not page.test and page.incident_url:
        found["Click"] = page.incident_url
    return {name: value for name, value in found.items() if value}


class NtfyChannel:
    kind = "ntfy"

    def __init__(self, *, server_url: str, token: str, timeout: float) -> None:
        self._server = server_url.rstrip("/")
        self._token = token
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def topic_url(self, address: str) -> str | None:
        """Where to publish for ``address`` (a topic name or a topic URL); None if invalid."""
        address = address.strip()
        if address.startswith(("https://", "http://")):
            parts = urlsplit(address)
            return address if parts.hostname and TOPIC.match(parts.path.strip("/")) else None
        return f"{self._server}/{address}" if TOPIC.match(address) else None

    def _ours(self, url: str) -> bool:
        """Whether ``url`` is on the configured server (the only one given the token)."""
        mine, theirs = urlsplit(self._server), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def send(self, page: Page) -> Delivery:
        url = self.topic_url(page.address)
        if url is None:
            return Delivery(
                ok=False,
                permanent=True,
                detail=f"ntfy: {page.address!r} is not a topic name (letters, digits, - and _) "
                "or a topic URL",
            )
        sent = {"User-Agent": "ondeck", **headers(page)}
        if self._token and self._ours(url):
            sent["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._client.post(url, content=message(page).encode(), headers=sent)
        except httpx.HTTPError as error:
            return unreachable("ntfy", error)
        outcome = http_delivery(response, "ntfy", detail=_said)
        if not outcome.ok:
            return outcome
        try:
            reference = str(response.json().get("id", ""))
        except (ValueError, AttributeError):
            reference = ""
        return Delivery(ok=True, detail=outcome.detail, provider_ref=reference)
