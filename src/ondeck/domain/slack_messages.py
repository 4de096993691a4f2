"""Slack messages for incidents, in Block Kit: what a page, an announcement, a bundle and a
test look like, as plain dicts ready to send.

Two kinds of buttons: with a Slack app they are interactive (``action_id`` names the
action, ``value`` the incident id, and Slack posts the press to ondeck); through an
incoming webhook alone Slack cannot tell ondeck anything, so the buttons open ondeck's
signed links instead, whose page asks for a confirming press.

Whatever came from outside (titles, service names) is escaped, so an alert called
``<!channel>`` cannot notify a whole channel. Slack's limits are kept: 50 blocks, 3,000
characters a section, 75 a button label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ondeck.domain.model import IncidentStatus, Urgency

Block = dict[str, Any]

ACTIONS = ("acknowledge", "resolve", "escalate", "snooze")
ACTION_PREFIX = "ondeck_"
"""Interactive buttons' ``action_id`` is this followed by the action."""
LINK_PREFIX = "ondeck_link_"
"""Link buttons' ``action_id``: Slack may report presses on them; they need no answer."""

LABELS = {
    "acknowledge": "Acknowledge",
    "resolve": "Resolve",
    "escalate": "Escalate",
    "snooze": "Snooze 1h",
}
STATUS = {
    IncidentStatus.TRIGGERED: (":rotating_light:", "Triggered"),
    IncidentStatus.ACKNOWLEDGED: (":eyes:", "Acknowledged"),
    IncidentStatus.RESOLVED: (":white_check_mark:", "Resolved"),
}

MAX_BLOCKS = 50
SECTION_CHARS = 3000
TITLE_CHARS = 200
BUTTONS_UP_TO = 8
"""A bundle of at most this many incidents gets buttons for each; a larger one a list."""


@dataclass(frozen=True)
class ActionLinks:
    """Signed links that act (after a confirming press) without a Slack app."""

    acknowledge: str = ""
    resolve: str = ""
    escalate: str = ""
    snooze: str = ""

    def get(self, action: str) -> str:
        return str(getattr(self, action))


@dataclass(frozen=True)
class Card:
    """One incident as a Slack message shows it."""

    incident_id: int
    number: int
    title: str
    service: str
    urgency: Urgency
    status: IncidentStatus
    incident_url: str
    runbook_url: str = ""
    created_at: datetime | None = None
    note: str = ""
    """A line under the incident, e.g. who acted on it and how."""
    links: ActionLinks | None = None
    """None: interactive buttons (a Slack app); otherwise link buttons to these (an action
    without a link gets no button) and one that opens the incident."""


def escape(text: str) -> str:
    """``text`` as Slack shows it literally: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    clean = " ".join(text.split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link; just the label when the URL could break Slack's markup."""
    if not url.startswith(("http://", "https://")) or any(c in url for c in "|<> "):
        return escape(label)
    return f"<{url.replace('&', '&amp;')}|{escape(label)}>"


def _date(moment: datetime) -> str:
    """A time Slack shows in each reader's own zone (UTC in the fallback text)."""
    fallback = f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text[:SECTION_CHARS])}


def _button(card_id: int, action: str, links: ActionLinks | None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": LABELS[action]}}
    if links is None:
        button["action_id"] = f"{ACTION_PREFIX}{action}"
        button["value"] = str(card_id)
    else:
        button["action_id"] = f"{LINK_PREFIX}{action}"
        button["url"] = links.get(action)
    if action == "acknowledge":
        button["style"] = "primary"
    return button


def buttons(card: Card) -> Block | None:
    """The actions block for what can still be done to the incident (None: nothing)."""
    if card.status is IncidentStatus.RESOLVED:
        return None
    wanted = [a for a in ACTIONS if a != "acknowledge" or card.status is IncidentStatus.TRIGGERED]
    if card.links is not None:
        wanted = [a for a in wanted if card.links.get(a)]
    elements = [_button(card.incident_id, a, card.links) for a in wanted]
    if card.links is not None and card.incident_url:
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in ondeck"},
                "action_id": f"{LINK_PREFIX}open",
                "url": card.incident_url,
            }
        )
    if not elements:
        return None
    return {
        "type": "actions",
        "block_id": f"ondeck_incident_{card.incident_id}",
        "elements": elements,
    }


def headline(card: Card) -> str:
    """One line of plain text: the message's notification and fallback text."""
    _, status = STATUS[card.status]
    title = shorten(card.title, TITLE_CHARS)
    service = shorten(card.service, 60)
    return f"{status}: #{card.number} {title} ({service}, {card.urgency.value} urgency)"


def incident_message(card: Card, *, recipient: str = "") -> Block:
    """A page to ``recipient`` (a direct message), or, without one, the incident's message
    in a channel: its status first, updated in place as it changes."""
    emoji, status = STATUS[card.status]
    title = f"#{card.number} {shorten(card.title, TITLE_CHARS)}"
    fields = [
        _mrkdwn(f"*Service*\n{escape(shorten(card.service, 200))}"),
        _mrkdwn(f"*Urgency*\n{card.urgency.value.capitalize()}"),
    ]
    if card.created_at is not None:
        fields.append(_mrkdwn(f"*Opened*\n{_date(card.created_at)}"))
    if card.runbook_url:
        fields.append(_mrkdwn(f"*Runbook*\n{link(card.runbook_url, 'Open the runbook')}"))
    blocks: list[Block] = [
        _section(f"{emoji} *{status}*  {link(card.incident_url, title)}"),
        {"type": "section", "fields": fields},
    ]
    context = []
    if recipient and card.status is IncidentStatus.TRIGGERED:
        context.append(f"Paging {escape(recipient)}: you are on call.")
    if card.note:
        context.append(escape(shorten(card.note, 500)))
    if context:
        blocks.append({"type": "context", "elements": [_mrkdwn(" ".join(context))]})
    actions = buttons(card)
    if actions is not None:
        blocks.append(actions)
    text = headline(card) + (f". {card.note}" if card.note else "")
    return {"text": escape(text), "blocks": blocks}


def bundle_message(cards: Sequence[Card], *, recipient: str = "") -> Block:
    """Several incidents in one message (storm control): each with its buttons when there
    are few, otherwise a list of links, as many as Slack's limits let one message carry."""
    count = len(cards)
    who = f"{escape(recipient)}, " if recipient else ""
    intro = f":rotating_light: {who}*{count} incidents* need you."
    blocks: list[Block] = [_section(intro)]
    if count <= BUTTONS_UP_TO:
        for card in cards:
            blocks.append(_section(_list_line(card, TITLE_CHARS)))
            actions = buttons(card)
            if actions is not None:
                blocks.append(actions)
    else:
        lines = [_list_line(card, 80) for card in cards]
        blocks.extend(_listed(lines, room=MAX_BLOCKS - len(blocks) - 1))
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn("Open an incident to acknowledge or resolve it.")],
            }
        )
    numbers = ", ".join(f"#{card.number}" for card in cards[:20])
    more = f" and {count - 20} more" if count > 20 else ""
    return {"text": f"{count} incidents need you: {numbers}{more}", "blocks": blocks}


def _list_line(card: Card, title_chars: int) -> str:
    title = f"#{card.number} {shorten(card.title, title_chars)}"
    service = escape(shorten(card.service, 60))
    return f"• {link(card.incident_url, title)} · {service} · {card.urgency.value}"


def _listed(lines: list[str], *, room: int) -> list[Block]:
    """``lines`` packed into at most ``room`` sections; what does not fit is counted."""
    sections: list[list[str]] = [[]]
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > SECTION_CHARS - 40:
            if len(sections) == room:
                sections[-1].append(f"…and {len(lines) - index} more in ondeck.")
                break
            sections.append([])
            size = 0
        sections[-1].append(line)
        size += len(line) + 1
    return [_section("\n".join(chunk)) for chunk in sections]


def check_message(*, recipient: str) -> Block:
    """A test notification: it says so and offers nothing to press."""
    text = (
        f":white_check_mark: Test notification from ondeck for {escape(recipient or 'you')}: "
        "pages will reach you here. Nothing to do."
    )
    return {"text": text, "blocks": [_section(text)]}


def notice_message(*, subject: str, text: str, url: str = "") -> Block:
    """A notice (a CAN report, a reminder, a broadcast): its subject in bold, its text, and
    a link to the incident; no buttons, since it asks nothing of its readers."""
    lines = [f"*{escape(subject)}*", escape(text)]
    if url:
        lines.append(link(url, "Open the incident"))
    body = "\n".join(line for line in lines if line)
    return {"text": shorten(f"{subject}: {text}", 300), "blocks": [_section(body)]}


def reply_text(text: str) -> Block:
    """An answer only the person who pressed or typed sees; the message stays as it was."""
    return {"response_type": "ephemeral", "replace_original": False, "text": text}
