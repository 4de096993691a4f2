"""Pages by email over SMTP.

The Message-ID is derived from the outbox idempotency key, so a message re-sent after a
crash mid-delivery carries the same Message-ID and mail clients can fold the copies.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from ondeck.services.ports import Delivery, Page


def _summary_lines(page: Page) -> list[str]:
    lines = [
        f"Incident #{page.incident_number}: {page.incident_title}",
        "",
        f"Service:  {page.service_name}",
        f"Urgency:  {page.urgency.value}",
        f"Status:   {page.status.value}",
        f"Opened:   {page.created_at:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if page.runbook_url:
        lines.append(f"Runbook:  {page.runbook_url}")
    return lines


def render_summary(page: Page) -> str:
    """The page without its signed action links."""
    return "\n".join([*_summary_lines(page), f"Incident: {page.incident_url}"]) + "\n"


def render_text(page: Page) -> str:
    lines = _summary_lines(page)
    lines += [
        "",
        f"Acknowledge: {page.acknowledge_url}",
        f"Resolve:     {page.resolve_url}",
        f"Incident:    {page.incident_url}",
        "",
        "The links open a page with a button; nothing happens until you press it.",
    ]
    return "\n".join(lines) + "\n"


def render_html(page: Page) -> str:
    from html import escape

    runbook = (
        f'<p>Runbook: <a href="{escape(page.runbook_url)}">{escape(page.runbook_url)}</a></p>'
        if page.runbook_url
        else ""
    )
    return (
        "<html><body style='font-family:sans-serif'>"
        f"<h2>Incident #{page.incident_number}: {escape(page.incident_title)}</h2>"
        f"<p>Service: <b>{escape(page.service_name)}</b> &middot; "
        f"Urgency: <b>{page.urgency.value}</b></p>{runbook}"
        f"<p><a href='{escape(page.acknowledge_url)}' style='padding:10px 16px;"
        "background:#b42318;color:#fff;text-decoration:none;border-radius:4px'>Acknowledge</a> "
        f"<a href='{escape(page.resolve_url)}' style='padding:10px 16px;background:#eee;"
        "color:#111;text-decoration:none;border-radius:4px'>Resolve</a></p>"
        f"<p><a href='{escape(page.incident_url)}'>Open the incident</a></p>"
        "</body></html>"
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
        prefix = "[ondeck]" if page.urgency.value == "high" else "[ondeck low]"
        message["Subject"] = (
            f"{prefix} #{page.incident_number} {page.incident_title} ({page.service_name})"
        )
        message["From"] = self._sender
        message["To"] = page.address
        domain = self._sender.rsplit("@", 1)[-1].strip(">") or "ondeck.local"
        message["Message-ID"] = f"<{page.idempotency_key.replace(':', '.')}@{domain}>"
        message["X-Ondeck-Incident"] = str(page.incident_number)
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
