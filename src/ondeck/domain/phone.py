"""Pages by phone, as ondeck speaks them: which SMS providers to try for a number, the text
of an SMS, the reply codes people answer with, the keys they press on a call and what a
provider's delivery report means. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SMS_PROVIDERS = ("twilio", "gateway")
"""The SMS providers ondeck can send through, by the names routes use."""
ANY_COUNTRY = "*"
SMS_LIMIT = 160
"""One SMS segment (GSM-7): a single page fits in it."""
BUNDLE_LIMIT = 306
"""Two concatenated segments: a bundle of many incidents fits in it."""


class PhoneAction(StrEnum):
    """What a reply or a keypress asks for; the values are the actions service's names."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    SNOOZE = "snooze"


# --- routes: which providers, in which order, for a number ----------------------------


@dataclass(frozen=True)
class SmsRoutes:
    """Provider order per country code prefix, and for every other number."""

    prefixes: tuple[tuple[str, tuple[str, ...]], ...]
    """(``+44``, (``gateway``, ``twilio``)), longest prefix first."""
    default: tuple[str, ...]

    def providers_for(self, number: str) -> tuple[str, ...]:
        """The providers to try for ``number`` (E.164, spaces and dashes tolerated), in order:
        the route of the longest matching prefix, else the default one."""
        wanted = e164(number)
        for prefix, providers in self.prefixes:
            if wanted.startswith(prefix):
                return providers
        return self.default

    @property
    def named(self) -> tuple[str, ...]:
        """Every provider the routes name, each once, in order of first mention."""
        everything = [p for _, route in self.prefixes for p in route] + list(self.default)
        return tuple(dict.fromkeys(everything))


_PREFIX = re.compile(r"^\+[0-9]{1,6}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_-]*$")


def parse_routes(spec: str) -> SmsRoutes:
    """Read ``twilio,gateway`` (one order for every number) or
    ``+44=gateway,twilio;+1=twilio;*=twilio,gateway`` (per country code prefix).

    Without a ``*`` route, numbers that match no prefix use every named provider in order
    of first mention. Raises ValueError, naming the fault, for anything else (a provider
    ondeck does not have included).
    """
    routes: dict[str, tuple[str, ...]] = {}
    entries = [entry.strip() for entry in spec.split(";")]
    if not any(entries):
        raise ValueError("SMS routes are empty: name at least one provider, e.g. 'twilio'")
    for entry in entries:
        if not entry:
            continue
        prefix, separator, names = entry.rpartition("=")
        prefix = prefix.strip() if separator else ANY_COUNTRY
        if prefix != ANY_COUNTRY and not _PREFIX.match(prefix):
            raise ValueError(
                f"SMS route {entry!r}: a prefix is '*' or '+' and 1 to 6 digits, like '+44'"
            )
        if prefix in routes:
            raise ValueError(f"SMS route for {prefix} is given twice")
        providers = tuple(name.strip().lower() for name in names.split(","))
        for name in providers:
            if not _PROVIDER.match(name):
                raise ValueError(f"SMS route {entry!r}: {name!r} is not a provider name")
            if name not in SMS_PROVIDERS:
                raise ValueError(
                    f"SMS route {entry!r} names {name}; the SMS providers are "
                    + ", ".join(SMS_PROVIDERS)
                )
        if len(set(providers)) != len(providers):
            raise ValueError(f"SMS route {entry!r} names a provider twice")
        routes[prefix] = providers
    default = routes.pop(ANY_COUNTRY, None)
    by_length = tuple(sorted(routes.items(), key=lambda item: (-len(item[0]), item[0])))
    if default is None:
        default = SmsRoutes(by_length, ()).named
    return SmsRoutes(by_length, default)


def e164(number: str) -> str:
    """``+44 1234-567890`` → ``+441234567890``; "" when there are no digits."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"+{digits}" if digits else ""


# --- what an SMS says --------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to at most ``limit`` characters with "..." when cut (GSM-7
    has no ellipsis character: one would make the whole SMS Unicode, 70 characters a segment)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 3:
        return text[:limit]
    return text[: limit - 3].rstrip() + "..."


def page_text(*, number: int, urgency: str, title: str, service: str) -> str:
    """One incident in one SMS segment, with its reply codes, e.g. ``ondeck #42 HIGH db down
    (checkout). Reply 42a ack, 42r resolve, 42e escalate, 42s snooze``. The codes always
    fit; the service keeps at most a third of the room left and the title the rest."""
    head = f"ondeck #{number} {urgency.upper()} "
    codes = f". Reply {number}a ack, {number}r resolve, {number}e escalate, {number}s snooze"
    room = SMS_LIMIT - len(head) - len(codes) - len(" ()")
    service = shorten(service, max(12, room // 3))
    title = shorten(title, max(1, room - len(service)))
    return shorten(f"{head}{title} ({service}){codes}", SMS_LIMIT)


def bundle_text(incidents: Sequence[tuple[int, str]]) -> str:
    """Several incidents for one person in one message: ``ondeck: 37 incidents for you:
    #12 db down, #13 api slow, ... and 30 more. Reply e.g. 12a to ack #12``. Incidents are
    listed while the message stays within two segments; the rest are counted."""
    count = len(incidents)
    first = incidents[0][0] if incidents else 0

    def compose(listed: list[str]) -> str:
        missing = count - len(listed)
        more = f" and {missing} more" if missing else ""
        return (
            f"ondeck: {count} incidents for you: {', '.join(listed)}{more}. "
            f"Reply e.g. {first}a to ack #{first}"
        )

    listed: list[str] = []
    for number, title in incidents:
        item = f"#{number} {shorten(title, 24)}"
        if len(compose([*listed, item])) > BUNDLE_LIMIT:
            break
        listed.append(item)
    return compose(listed)


def trial_text(recipient: str) -> str:
    """A test notification's text: it says so and acts on nothing."""
    return shorten(
        f"ondeck test message for {recipient}: SMS reaches you. Nothing to do; incident #0.",
        SMS_LIMIT,
    )


# --- replies and keypresses ---------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    incident_number: int
    action: PhoneAction


REPLY_WORDS: dict[str, PhoneAction] = {
    "a": PhoneAction.ACKNOWLEDGE,
    "ack": PhoneAction.ACKNOWLEDGE,
    "acknowledge": PhoneAction.ACKNOWLEDGE,
    "r": PhoneAction.RESOLVE,
    "res": PhoneAction.RESOLVE,
    "resolve": PhoneAction.RESOLVE,
    "e": PhoneAction.ESCALATE,
    "esc": PhoneAction.ESCALATE,
    "escalate": PhoneAction.ESCALATE,
    "s": PhoneAction.SNOOZE,
    "snooze": PhoneAction.SNOOZE,
}
_REPLY = re.compile(r"^#?([0-9]{1,9})([a-z]+)[.!]*$")
REPLY_HELP = (
    "Reply with the incident number and a letter: 42a acknowledges #42, "
    "42r resolves, 42e escalates, 42s snoozes an hour."
)


def parse_reply(text: str) -> Reply | None:
    """``42a``, ``42 A``, ``#42 ack`` → incident 42, acknowledge; None for anything else.

    Case and spaces do not matter; the number is required (a bare ``a`` could mean any of
    the pages someone received)."""
    compact = "".join(text.split()).lower()
    match = _REPLY.match(compact)
    if match is None:
        return None
    action = REPLY_WORDS.get(match.group(2))
    number = int(match.group(1))
    if action is None or number == 0:
        return None
    return Reply(number, action)


KEYPRESSES: dict[str, PhoneAction] = {
    "1": PhoneAction.ACKNOWLEDGE,
    "2": PhoneAction.RESOLVE,
    "3": PhoneAction.ESCALATE,
    "4": PhoneAction.SNOOZE,
}
GATHER_SECONDS = 8
"""How long a call waits for a key after its prompt."""
KEYPRESS_PROMPT = (
    "Press 1 to acknowledge, 2 to resolve, 3 to escalate now, or 4 to snooze for an hour."
)


def keypress(digits: str) -> PhoneAction | None:
    return KEYPRESSES.get(digits.strip())


def call_script(*, number: int, urgency: str, title: str, service: str) -> str:
    """What a call says before its prompt."""
    return (
        f"This is ondeck. {urgency.capitalize()} urgency incident {number}, "
        f"on {shorten(service, 80)}: {shorten(title, 200)}."
    )


# --- delivery reports ----------------------------------------------------------------------

DELIVERED = frozenset({"delivered", "read", "completed"})
"""A message that reached the phone; a call that was answered."""
NOT_DELIVERED = frozenset({"undelivered", "failed", "busy", "no-answer", "canceled"})


def receipt_outcome(status: str) -> bool | None:
    """True: delivered; False: it will not arrive; None: still on its way (queued, sent,
    ringing, ...), which changes nothing."""
    status = status.strip().lower()
    if status in DELIVERED:
        return True
    if status in NOT_DELIVERED:
        return False
    return None
