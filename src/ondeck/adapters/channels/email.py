"""Pages by email over SMTP.

The Message-ID is derived from the outbox idempotency key, so a message re-sent after a
crash mid-delivery carries the same Message-ID and mail clients can fold the copies.

When the inbound listener runs, a page about one incident carries ``Reply-To`` with the
signed reply address and says that replying "ack", "resolve", "escalate" or "snooze 30"
acts. A bundle (storm control: several incidents in one message) lists every incident with
its own links and has no Reply-To, since a reply could not say which incident it means. A
test notification says so and acts on nothing; so does a notice (a CAN report, a reminder, a
broadcast), which is its subject and text with the incident's link.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import replace
from email.message import EmailMessage
from html import escape
from urllib.parse import urlsplit

from ondeck.services.ports import Delivery, Page, PageItem

REPLY_HELP = "Reply to this email with ack, resolve, escalate or snooze 30 (minutes)."
TEST_NOTE = (
    "This is a test notification: it shows that ondeck can reach you here. "
    "It acts on nothing and there is nothing to acknowledge."
)


def replies_read(page: Page) -> bool:
    """Whether a reply to this email acts: a Reply-To routes back and it is about one
    incident (a reply to a bundle could not say which incident it means)."""
    return bool(page.reply_to) and not page.bundled and not page.test and page.notice is None


def subject(page: Page) -> str:
    if page.notice is not None:
        return f"[ondeck] {page.notice.subject}"
    if page.test:
        return "[ondeck] Test notification"
    if page.bundled:
        high = any(item.urgency.value == "high" for item in page.bundle)
        prefix = "[ondeck]" if high else "[ondeck low]"
        return f"{prefix} {len(page.bundle)} incidents for you"
    prefix = "[ondeck]" if page.urgency.value == "high" else "[ondeck low]"
    return f"{prefix} #{page.incident_number} {page.incident_title} ({page.service_name})"


def _summary_lines(page: Page) -> list[str]:
    lines = [
        f"Incident #{page.incident_number}: {page.incident_title}",
        *([page.role_text] if page.role else []),
        "",
        f"Service:  {page.service_name}",
        f"Urgency:  {page.urgency.value}",
        f"Status:   {page.status.value}",
        f"Opened:   {page.created_at:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if page.runbook_url:
        lines.append(f"Runbook:  {page.runbook_url}")
    return lines


def _bundle_heading(page: Page) -> list[str]:
    return [
        f"{len(page.bundle)} incidents need you; they come in one message so that a storm "
        "of alerts does not bury your inbox.",
        "",
    ]


def _item_line(item: PageItem) -> str:
    return (
        f"#{item.incident_number} [{item.urgency.value}] {item.incident_title} "
        f"({item.service_name})"
    )


def render_summary(page: Page) -> str:
    """The page without its signed action links."""
    if page.notice is not None:  # without signed links: they act without a sign-in
        return render_text(
            replace(page, notice=replace(page.notice, unsubscribe_url="", confirm_url=""))
        )
    if page.test:
        return f"Test notification for {page.recipient_name} <{page.address}>\n{TEST_NOTE}\n"
    if page.bundled:
        lines = _bundle_heading(page)
        for item in page.bundle:
            lines += [_item_line(item), f"    Incident: {item.incident_url}"]
        return "\n".join(lines) + "\n"
    return "\n".join([*_summary_lines(page), f"Incident: {page.incident_url}"]) + "\n"


def render_text(page: Page) -> str:
    if page.notice is not None:
        link = f"\n\n{page.notice.url}" if page.notice.url else ""
        if page.notice.confirm_url:
            link += f"\n\nConfirm: {page.notice.confirm_url}"
        if page.notice.unsubscribe_url:
            link += f"\n\nUnsubscribe: {page.notice.unsubscribe_url}"
        return f"{page.notice.text}{link}\n"
    if page.test:
        return f"Hello {page.recipient_name},\n\n{TEST_NOTE}\n\nSent to {page.address}.\n"
    if page.bundled:
        lines = _bundle_heading(page)
        for item in page.bundle:
            lines += [
                _item_line(item),
                f"    Acknowledge: {item.acknowledge_url}",
                f"    Incident:    {item.incident_url}",
                "",
            ]
        lines.append("The links open a page with a button; nothing happens until you press it.")
        return "\n".join(lines) + "\n"
    lines = _summary_lines(page)
    lines += [
        "",
        f"Acknowledge: {page.acknowledge_url}",
        f"Resolve:     {page.resolve_url}",
    ]
    if page.escalate_url:
        lines.append(f"Escalate:    {page.escalate_url}")
    if page.snooze_url:
        lines.append(f"Snooze:      {page.snooze_url}")
    lines += [
        f"Incident:    {page.incident_url}",
        "",
        "The links open a page with a button; nothing happens until you press it.",
    ]
    if replies_read(page):
        lines.append(REPLY_HELP)
    return "\n".join(lines) + "\n"


_BUTTON = "padding:10px 16px;text-decoration:none;border-radius:4px;display:inline-block"
_PRIMARY = f"{_BUTTON};background:#b42318;color:#fff"
_SECONDARY = f"{_BUTTON};background:#eee;color:#111"


def _button(url: str, label: str, style: str) -> str:
    return f"<a href='{escape(url)}' style='{style}'>{escape(label)}</a>"


def _html(content: str) -> str:
    return f"<html><body style='font-family:sans-serif'>{content}</body></html>"


def render_html(page: Page) -> str:
    if page.notice is not None:
        paragraphs = "".join(
            f"<p>{escape(part).replace(chr(10), '<br>')}</p>"
            for part in page.notice.text.split("\n\n")
        )
        link = (
            f"<p><a href='{escape(page.notice.url)}'>"
            f"{'Open the status page' if page.notice.public else 'Open the incident'}</a></p>"
            if page.notice.url
            else ""
        )
        if page.notice.confirm_url:
            link += _button(page.notice.confirm_url, "Confirm your subscription", _PRIMARY)
        if page.notice.unsubscribe_url:
            link += f"<p><a href='{escape(page.notice.unsubscribe_url)}'>Unsubscribe</a></p>"
        return _html(f"<h2>{escape(page.notice.subject)}</h2>{paragraphs}{link}")
    if page.test:
        return _html(
            "<h2>Test notification</h2>"
            f"<p>Hello {escape(page.recipient_name)},</p><p>{escape(TEST_NOTE)}</p>"
            f"<p>Sent to {escape(page.address)}.</p>"
        )
    if page.bundled:
        rows = "".join(
            f"<li><b>#{item.incident_number}</b> [{item.urgency.value}] "
            f"{escape(item.incident_title)} ({escape(item.service_name)}) &middot; "
            f"<a href='{escape(item.acknowledge_url)}'>Acknowledge</a> &middot; "
            f"<a href='{escape(item.incident_url)}'>Open</a></li>"
            for item in page.bundle
        )
        return _html(
            f"<h2>{len(page.bundle)} incidents for you</h2>"
            f"<p>{escape(' '.join(_bundle_heading(page)).strip())}</p><ul>{rows}</ul>"
        )
    runbook = (
        f'<p>Runbook: <a href="{escape(page.runbook_url)}">{escape(page.runbook_url)}</a></p>'
        if page.runbook_url
        else ""
    )
    buttons = [
        _button(page.acknowledge_url, "Acknowledge", _PRIMARY),
        _button(page.resolve_url, "Resolve", _SECONDARY),
    ]
    if page.escalate_url:
        buttons.append(_button(page.escalate_url, "Escalate", _SECONDARY))
    if page.snooze_url:
        buttons.append(_button(page.snooze_url, "Snooze", _SECONDARY))
    reply = f"<p>{escape(REPLY_HELP)}</p>" if replies_read(page) else ""
    return _html(
        f"<h2>Incident #{page.incident_number}: {escape(page.incident_title)}</h2>"
        + (f"<p><b>{escape(page.role_text)}</b></p>" if page.role else "")
        + f"<p>Service: <b>{escape(page.service_name)}</b> &middot; "
        f"Urgency: <b>{page.urgency.value}</b></p>{runbook}"
        f"<p>{' '.join(buttons)}</p>"
        f"<p><a href='{escape(page.incident_url)}'>Open the incident</a></p>{reply}"
    )


class SmtpEmailChannel:
    kind = "email"

    def __init__(self, smtp_url: str, sender: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(smtp_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self._tls = parts.scheme == "smtps"
        self._username = parts.username
        self._password = parts.password
        self._sender = sender
        self._timeout = timeout

    def compose(self, page: Page) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject(page)
        message["From"] = self._sender
        message["To"] = page.address
        if replies_read(page):
            message["Reply-To"] = page.reply_to
        domain = self._sender.rsplit("@", 1)[-1].strip(">") or "ondeck.local"
        message["Message-ID"] = f"<{page.idempotency_key.replace(':', '.')}@{domain}>"
        if not page.test and not (page.notice is not None and page.notice.public):
            message["X-Ondeck-Incident"] = (
                ", ".join(str(item.incident_number) for item in page.bundle)
                if page.bundled
                else str(page.incident_number)
            )
        message.set_content(render_text(page))
        message.add_alternative(render_html(page), subtype="html")
        return message

    def send(self, page: Page) -> Delivery:
        message = self.compose(page)
        smtp_class = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        try:
            with smtp_class(self._host, self._port, timeout=self._timeout) as smtp:
                if self._username and self._password:
                    smtp.login(self._username, self._password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            return Delivery(ok=False, permanent=True, detail=f"recipient refused: {error}")
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            return Delivery(
                ok=False,
                permanent=permanent,
                detail=f"SMTP {error.smtp_code}: {error.smtp_error!r}",
            )
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            return Delivery(ok=False, permanent=False, detail=f"SMTP unavailable: {error}")
        if refused:
            return Delivery(ok=False, permanent=True, detail=f"recipient refused: {refused}")
        return Delivery(ok=True, detail="accepted by SMTP server")


class LogEmailChannel:
    """Stands in for SMTP when ``ONDECK_SMTP_URL`` is not set: the page goes to the log.

    This keeps the demo usable and says so on the incident's timeline instead of
    pretending an email was sent. The signed acknowledge and resolve links are left out:
    they act without a sign-in, so they must not sit in a log file; the incident's own
    link (which needs a sign-in) is printed instead.
    """

    kind = "email"

    def __init__(self) -> None:
        self._log = logging.getLogger("ondeck.email")

    def send(self, page: Page) -> Delivery:
        self._log.warning(
            "ONDECK_SMTP_URL is not set; page for %s <%s> written here instead "
            "(sign in to act on it):\n%s",
            page.recipient_name,
            page.address,
            render_summary(page),
        )
        return Delivery(ok=True, detail="no SMTP server configured: written to the server log")
