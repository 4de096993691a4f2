"""The built-in inbound SMTP listener (aiosmtpd) that reads replies to page emails.

It takes mail only for addresses at the reply domain (others are refused at ``RCPT TO``),
at most ``max_bytes`` a message, reads the text the sender wrote (the text/plain part, or
the text of the HTML part when there is no plain one, without its quoted original) and the
From address (the envelope sender when there is no From header), and hands them to a
callback: the use case that acts on the reply. The SMTP answer is the callback's result:
``250 OK: <what was done>`` or ``550 5.7.1 <why not>``; a failure of the callback itself
(the database is down) is a temporary ``451`` so the sending server tries again later.

Anyone can connect to an SMTP port and claim any From address; what makes a reply act is
the signed token in the recipient address that only the paged person received.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

log = logging.getLogger("ondeck.inbound_mail")

MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class InboundReply:
    recipients: list[str]
    """Envelope recipients (RCPT TO), each at the reply domain."""
    sender: str
    """The From header's address, else the envelope sender."""
    body: str
    """The plain text of the reply."""


@dataclass(frozen=True)
class Answer:
    accepted: bool
    reason: str


ReplyCallback = Callable[[InboundReply], Answer]


def smtp_answer(answer: Answer) -> str:
    """The SMTP reply line for an answer: one ASCII line of bounded length."""
    text = unicodedata.normalize("NFKD", answer.reason).encode("ascii", "ignore").decode()
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:400]
    return f"250 OK: {text}" if answer.accepted else f"550 5.7.1 {text or 'refused'}"


class _HtmlText(HTMLParser):
    """Text of an HTML body with block elements on lines of their own; what sits inside
    ``<blockquote>`` (the quoted original), styles and scripts is left out."""

    _BLOCKS = frozenset(
        {"br", "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "hr"}
    )
    _HIDDEN = frozenset({"blockquote", "style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _content(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload()
    except (LookupError, ValueError):  # an unknown charset or broken encoding
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    return content if isinstance(content, str) else ""


def reply_text(message: Message) -> str:
    """The text/plain body, else the text of the text/html body, else ""; lines end in LF."""
    text = ""
    if isinstance(message, EmailMessage):
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        if plain is not None:
            text = _content(plain)
        elif html is not None:
            text = html_to_text(_content(html))
    return text.replace("\r\n", "\n")


def parse_reply(raw: bytes, envelope_sender: str, recipients: list[str]) -> InboundReply:
    """The reply in a raw message as received."""
    message = message_from_bytes(raw, policy=default)
    sender = ""
    try:
        found = getaddresses([str(v) for v in message.get_all("From", [])])
    except (ValueError, TypeError, IndexError):  # a From header the parser chokes on
        found = []
    for _name, address in found:
        if "@" in address:
            sender = address
            break
    return InboundReply(
        recipients=list(recipients), sender=sender or envelope_sender, body=reply_text(message)
    )


class _Handler:
    def __init__(self, domain: str, callback: ReplyCallback) -> None:
        self._domain = domain.lower()
        self._callback = callback

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.rpartition("@")[2].lower() != self._domain:
            return f"550 5.1.1 <{address}>: this server only takes replies to ondeck page emails"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            reply = parse_reply(bytes(raw), str(envelope.mail_from or ""), envelope.rcpt_tos)
            answer = await asyncio.to_thread(self._callback, reply)
        except Exception:
            log.exception("could not act on an email reply")
            return "451 4.3.0 could not act on the reply now; try again later"
        log.info("email reply from %s: %s", reply.sender, smtp_answer(answer))
        return smtp_answer(answer)


class InboundMailServer:
    """Listens on the host and port of an ``smtp://host:port`` URL while started."""

    def __init__(
        self, url: str, *, domain: str, callback: ReplyCallback, max_bytes: int = MAX_BYTES
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname or not parts.port:
            raise ValueError(f"not an smtp://host:port URL: {url!r}")
        self.url = url
        self._controller = Controller(
            _Handler(domain, callback),
            hostname=parts.hostname,
            port=parts.port,
            data_size_limit=max_bytes,
            server_hostname=domain,
        )

    def start(self) -> None:
        """Start listening; raises OSError when the port is taken."""
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
