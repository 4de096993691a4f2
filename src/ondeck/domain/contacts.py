"""Contact methods: which addresses each kind takes, and whether a person can be reached.

``address_problem`` says what is wrong with an address in words a person can act on (and
None when nothing is). ``why_unreachable`` says why no page would reach a person, from
what is known of each of their methods: whether this server delivers its kind, and the
outcome of its most recent delivery or test notification, whichever came last.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

CONTACT_KINDS = frozenset(
    {"email", "sms", "voice", "slack", "teams", "mattermost", "ntfy", "webhook"}
)
LONGEST_ADDRESS = 2000
LONGEST_LABEL = 100

_EMAIL = re.compile(
    r"[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_SLACK_MEMBER = re.compile(r"[UW][A-Z0-9]{2,20}")
_SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
_NTFY_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _web_address(address: str) -> tuple[str, str] | None:
    """(scheme, host) of an http(s) URL with a host; None for anything else."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in address):
        return None
    return parts.scheme, host


def _url_problem(address: str, what: str) -> str | None:
    if _web_address(address) is None:
        return f"{address!r} is not {what}: write an http:// or https:// URL"
    return None


def _slack_problem(address: str) -> str | None:
    if _SLACK_MEMBER.fullmatch(address):
        return None
    found = _web_address(address)
    if found is not None:
        scheme, host = found
        if (scheme == "https" and host in _SLACK_HOOK_HOSTS) or _loopback(host):
            return None
    return (
        f"{address!r} is neither a Slack member ID (U or W then capital letters and digits, "
        "like U024BE7LH) nor a Slack incoming-webhook URL (https://hooks.slack.com/...)"
    )


def address_problem(kind: str, address: str) -> str | None:
    """What is wrong with ``address`` for a contact method of ``kind``; None: nothing."""
    if kind not in CONTACT_KINDS:
        return f"{kind!r} is not a contact method type ({', '.join(sorted(CONTACT_KINDS))})"
    if not address.strip():
        return "must not be empty"
    if address != address.strip():
        return "must not start or end with spaces"
    if any(not c.isprintable() for c in address):
        return "must be printable text on one line"
    if len(address) > LONGEST_ADDRESS:
        return f"is {len(address)} characters long; at most {LONGEST_ADDRESS} fit"
    if kind == "email" and not _EMAIL.fullmatch(address):
        return f"{address!r} is not an email address (like ada@example.com)"
    if kind in ("sms", "voice") and not _E164.fullmatch(address):
        return (
            f"{address!r} is not a phone number in international (E.164) form: + then the "
            "country code and number, 8 to 15 digits and nothing else, like +447700900123"
        )
    if kind == "slack":
        return _slack_problem(address)
    if kind == "teams":
        return _url_problem(address, "a Microsoft Teams incoming-webhook URL")
    if kind == "mattermost":
        return _url_problem(address, "a Mattermost incoming-webhook URL")
    if kind == "webhook":
        return _url_problem(address, "a webhook URL")
    if kind == "ntfy" and not (_NTFY_TOPIC.fullmatch(address) or _web_address(address)):
        return (
            f"{address!r} is neither an ntfy topic (1 to 64 letters, digits, - or _) "
            "nor a topic URL (https://ntfy.example/topic)"
        )
    return None


def label_problem(label: str) -> str | None:
    if len(label) > LONGEST_LABEL:
        return f"is {len(label)} characters long; at most {LONGEST_LABEL} fit"
    if any(not c.isprintable() for c in label):
        return "must be printable text on one line"
    return None


@dataclass(frozen=True)
class MethodState:
    """What is known of one contact method: the outcome and time of its most recent finished
    delivery and of its most recent test notification (None: there was none)."""

    kind: str
    delivered_ok: bool | None = None
    delivered_at: datetime | None = None
    tested_ok: bool | None = None
    tested_at: datetime | None = None

    @property
    def last_outcome(self) -> bool | None:
        """Whether the later of the last delivery and the last test worked; None: neither."""
        if self.tested_ok is None or self.tested_at is None:
            return self.delivered_ok
        if self.delivered_ok is None or self.delivered_at is None:
            return self.tested_ok
        return self.tested_ok if self.tested_at >= self.delivered_at else self.delivered_ok


def why_unreachable(methods: Sequence[MethodState], deliverable: Collection[str]) -> str | None:
    """Why no page would reach a person with ``methods``; None when one might.

    A method of a kind this server does not deliver cannot; one whose latest delivery or test
    failed is taken not to work until a later one succeeds; one never tried might.
    """
    if not methods:
        return "they have none"
    usable = [m for m in methods if m.kind in deliverable]
    if not usable:
        kinds = sorted({m.kind for m in methods})
        hint = " (email is only logged until ONDECK_SMTP_URL is set)" if "email" in kinds else ""
        return f"this server does not deliver {' or '.join(kinds)}{hint}"
    if all(m.last_outcome is False for m in usable):
        if len(methods) == 1:
            return "the last page or test notification to their only method failed"
        if len(usable) < len(methods):
            return "the last page or test notification to each method this server delivers failed"
        return "the last page or test notification to each of their methods failed"
    return None
