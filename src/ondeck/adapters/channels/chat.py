"""Microsoft Teams and Mattermost incoming webhooks.

A person's contact address is the incoming webhook URL of a channel (or of a direct
conversation) they watch. Both messages carry action links: the signed ``/l/…`` links of
the page, which open a confirmation page in the browser, so they work without any app
installed and whether or not the chat server can reach ondeck.

Mattermost messages also carry interactive buttons. Pressing one makes the Mattermost
server POST to ``{ONDECK_BASE_URL}/integrations/mattermost/actions`` with the button's
``context``, which holds the same signed token as the link: the token is the credential,
so the Mattermost server must be able to reach ondeck (and, on a private network, be
allowed to: ``AllowedUntrustedInternalConnections``).

Neither webhook accepts an idempotency key, so a page retried after a lost answer may be
posted twice. Large bundles (storm control) are cut to what the provider accepts, with
the count of those left out and a link to the incident list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from ondeck.adapters.channels.webhook import http_delivery, said, unreachable
from ondeck.services.ports import Delivery, Page, PageItem

TEAMS_BUDGET = 20_000
"""Bytes of incident list in one Teams card (Teams refuses messages above about 28 KB)."""
TEXT_BLOCK_OVERHEAD = len('{"type":"TextBlock","text":"","wrap":true},')
MATTERMOST_BUDGET = 12_000
"""Bytes of incident list in one Mattermost post (16 383 characters at most by default)."""
MATTERMOST_BUTTONS = 5
"""Acknowledge buttons in a bundled Mattermost message, one per incident, the first ones."""

COLOURS = {"high": "#b42318", "low": "#f79009", "test": "#1570ef"}


def _said(response: httpx.Response) -> str:
    """What a provider said about a failure: its JSON ``message`` or the start of its text."""
    return said(response, "message")


def link_token(url: str) -> str:
    """The signed token of a ``{base}/l/{token}`` link ("" when there is none)."""
    _, found, token = url.rpartition("/l/")
    return token if found else ""


def incidents_url(page: Page) -> str:
    """The incident list next to the page's incident (``{base}/incidents``)."""
    return page.incident_url.rsplit("/", 1)[0]


def headline(page: Page) -> str:
    if page.test:
        return "Test notification from ondeck"
    if page.bundled:
        return f"{len(page.bundle)} incidents for {page.recipient_name}"
    return f"#{page.incident_number} {page.incident_title}"


def notice_for_test(page: Page) -> str:
    return (
        f"This is a test for {page.recipient_name}: pages for you will arrive here. "
        "There is no incident and nothing to acknowledge."
    )


def item_line(item: PageItem) -> str:
    """One bundled incident as a Markdown line (both Teams and Mattermost read it)."""
    return (
        f"[#{item.incident_number} {item.incident_title}]({item.incident_url}) · "
        f"{item.service_name} · {item.urgency.value} · [Acknowledge]({item.acknowledge_url})"
    )


def within(lines: Iterable[str], budget: int, more_url: str, *, overhead: int = 1) -> list[str]:
    """The lines that fit in ``budget`` bytes (each costing ``overhead`` more in the message
    around it), then one saying how many were left out."""
    kept: list[str] = []
    used = 0
    remaining = list(lines)
    for index, line in enumerate(remaining):
        cost = len(line.encode()) + overhead
        if used + cost > budget:
            kept.append(f"…and {len(remaining) - index} more: [open ondeck]({more_url})")
            break
        kept.append(line)
        used += cost
    return kept


def action_links(page: Page) -> list[tuple[str, str]]:
    """(label, signed link) for each action the page offers."""
    return [
        (label, url)
        for label, url in (
            ("Acknowledge", page.acknowledge_url),
            ("Resolve", page.resolve_url),
            ("Escalate now", page.escalate_url),
            ("Snooze", page.snooze_url),
        )
        if url and not page.test
    ]


# --- Microsoft Teams -------------------------------------------------------------------


def notice_markdown(page: Page) -> str:
    """A notice as Markdown: its subject in bold, its text, and the incident's link."""
    assert page.notice is not None
    link = f"\n\n[Open the incident]({page.notice.url})" if page.notice.url else ""
    return f"**{page.notice.subject}**\n\n{page.notice.text}{link}"


def teams_card(page: Page) -> dict[str, Any]:
    """An Adaptive Card (1.4) with the page's facts and its action links as buttons; a
    notice is its subject and text with no buttons."""
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if page.notice is not None:
        body += [
            {
                "type": "TextBlock",
                "text": page.notice.subject,
                "weight": "Bolder",
                "size": "Large",
                "wrap": True,
            },
            {"type": "TextBlock", "text": page.notice.text, "wrap": True},
        ]
        if page.notice.url:
            body.append({"type": "TextBlock", "text": f"[Open the incident]({page.notice.url})"})
    elif page.test:
        body += [
            {"type": "TextBlock", "text": headline(page), "weight": "Bolder", "size": "Large"},
            {"type": "TextBlock", "text": notice_for_test(page), "wrap": True},
        ]
    elif page.bundled:
        body.append(
            {
                "type": "TextBlock",
                "text": headline(page),
                "weight": "Bolder",
                "size": "Large",
                "color": "Attention",
                "wrap": True,
            }
        )
        body.append(
            {
                "type": "TextBlock",
                "text": "Bundled by ondeck's storm control: each incident links to its page.",
                "isSubtle": True,
                "wrap": True,
            }
        )
        lines = within(
            (item_line(item) for item in page.bundle),
            TEAMS_BUDGET,
            incidents_url(page),
            overhead=TEXT_BLOCK_OVERHEAD,
        )
        body += [{"type": "TextBlock", "text": line, "wrap": True} for line in lines]
        actions.append(
            {"type": "Action.OpenUrl", "title": "Open ondeck", "url": incidents_url(page)}
        )
    else:
        body.append(
            {
                "type": "TextBlock",
                "text": f"{page.urgency.value.capitalize()} urgency incident",
                "weight": "Bolder",
                "color": "Attention" if page.urgency.value == "high" else "Warning",
            }
        )
        body.append(
            {
                "type": "TextBlock",
                "text": headline(page),
                "weight": "Bolder",
                "size": "Large",
                "wrap": True,
            }
        )
        facts = [
            {"title": "Service", "value": page.service_name},
            {"title": "Status", "value": page.status.value},
            {"title": "Opened", "value": f"{page.created_at:%Y-%m-%d %H:%M} UTC"},
            {"title": "Paged", "value": page.recipient_name},
        ]
        if page.role:
            facts.append({"title": "Role", "value": page.role_text})
        body.append({"type": "FactSet", "facts": facts})
        if page.runbook_url:
            body.append(
                {"type": "TextBlock", "text": f"[Runbook]({page.runbook_url})", "wrap": True}
            )
        actions += [
            {"type": "Action.OpenUrl", "title": label, "url": url}
            for label, url in action_links(page)
        ]
        actions.append({"type": "Action.OpenUrl", "title": "Open", "url": page.incident_url})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class TeamsChannel:
    """Posts an Adaptive Card to a Teams incoming webhook (a connector's or a Workflows one).

    The connector answers 200 ``1``; Workflows answers 202. The connector is also known to
    answer 200 with ``Webhook message delivery failed with error: …`` when Teams itself
    throttled it: that is a failure worth another try, not a delivery.
    """

    kind = "teams"

    def __init__(self, *, timeout: float) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, page: Page) -> Delivery:
        try:
            response = self._client.post(
                page.address, json=teams_card(page), headers={"User-Agent": "ondeck"}
            )
        except httpx.HTTPError as error:
            return unreachable("teams", error)
        if response.is_success and "delivery failed" in response.text[:200].lower():
            return Delivery(ok=False, detail=f"teams: {response.text.strip()[:200]}")
        return http_delivery(response, "teams", detail=_said)


# --- Mattermost -----------------------------------------------------------------------


def mattermost_button(
    action_id: str,
    name: str,
    token: str,
    actions_url: str,
    style: str = "default",
    *,
    bundled: bool = False,
) -> dict[str, Any]:
    """An interactive button whose press Mattermost POSTs to ``actions_url`` with the token.

    Action ids are letters and digits only: Mattermost mishandles ids with other characters.
    ``bundled`` asks ondeck to answer without rewriting the post (it lists other incidents).
    """
    context: dict[str, Any] = {"token": token}
    if bundled:
        context["bundled"] = True
    return {
        "id": action_id,
        "name": name,
        "type": "button",
        "style": style,
        "integration": {"url": actions_url, "context": context},
    }


BUTTONS = (
    ("ack", "Acknowledge", "acknowledge_url", "danger"),
    ("resolve", "Resolve", "resolve_url", "primary"),
    ("escalate", "Escalate now", "escalate_url", "default"),
    ("snooze", "Snooze 1 h", "snooze_url", "default"),
)


def mattermost_message(page: Page, *, actions_url: str) -> dict[str, Any]:
    """The incoming webhook body: text, and one attachment with fields, links and buttons;
    a notice is text alone."""
    if page.notice is not None:
        return {"username": "ondeck", "text": notice_markdown(page)}
    if page.test:
        return {
            "username": "ondeck",
            "text": f"**{headline(page)}**\n{notice_for_test(page)}",
            "attachments": [
                {
                    "fallback": headline(page),
                    "color": COLOURS["test"],
                    "title": headline(page),
                    "text": notice_for_test(page),
                }
            ],
        }
    if page.bundled:
        lines = within(
            (f"- {item_line(item)}" for item in page.bundle),
            MATTERMOST_BUDGET,
            incidents_url(page),
        )
        buttons = [
            mattermost_button(
                f"ack{index}",
                f"Acknowledge #{item.incident_number}",
                link_token(item.acknowledge_url),
                actions_url,
                "danger",
                bundled=True,
            )
            for index, item in enumerate(page.bundle[:MATTERMOST_BUTTONS])
            if link_token(item.acknowledge_url)
        ]
        high = any(item.urgency.value == "high" for item in page.bundle)
        return {
            "username": "ondeck",
            "text": f"**{headline(page)}** (bundled by storm control)\n" + "\n".join(lines),
            "attachments": [
                {
                    "fallback": headline(page),
                    "color": COLOURS["high" if high else "low"],
                    "title": "Open ondeck",
                    "title_link": incidents_url(page),
                    "actions": buttons,
                }
            ],
        }
    links = " · ".join(f"[{label}]({url})" for label, url in action_links(page))
    fields = [
        {"short": True, "title": "Service", "value": page.service_name},
        {"short": True, "title": "Urgency", "value": page.urgency.value},
        {"short": True, "title": "Status", "value": page.status.value},
        {"short": True, "title": "Paged", "value": page.recipient_name},
    ]
    if page.role:
        fields.append({"short": False, "title": "Role", "value": page.role_text})
    if page.runbook_url:
        fields.append({"short": False, "title": "Runbook", "value": page.runbook_url})
    buttons = [
        mattermost_button(action_id, name, link_token(getattr(page, attribute)), actions_url, style)
        for action_id, name, attribute, style in BUTTONS
        if link_token(getattr(page, attribute))
    ]
    return {
        "username": "ondeck",
        "text": f"**Incident #{page.incident_number}** for {page.recipient_name}: "
        f"{page.incident_title}",
        "attachments": [
            {
                "fallback": f"#{page.incident_number} {page.incident_title} "
                f"({page.service_name}, {page.urgency.value} urgency)",
                "color": COLOURS[page.urgency.value],
                "title": headline(page),
                "title_link": page.incident_url,
                "text": links,
                "fields": fields,
                "actions": buttons,
            }
        ],
    }


class MattermostChannel:
    """Posts to a Mattermost incoming webhook; Mattermost answers 200 ``ok``."""

    kind = "mattermost"

    def __init__(self, *, actions_url: str, timeout: float) -> None:
        self._actions_url = actions_url
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, page: Page) -> Delivery:
        try:
            response = self._client.post(
                page.address,
                json=mattermost_message(page, actions_url=self._actions_url),
                headers={"User-Agent": "ondeck"},
            )
        except httpx.HTTPError as error:
            return unreachable("mattermost", error)
        return http_delivery(response, "mattermost", detail=_said)
