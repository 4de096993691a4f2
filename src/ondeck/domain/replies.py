"""What a reply to a page email asks for: acknowledge, resolve, escalate or snooze.

Only the first meaningful line of the text the person wrote counts. Blank lines and quoted
lines (``>``) are skipped, and reading stops at the markers mail programs put above the
quoted original ("On Mon, 3 Jun 2024, ondeck wrote:", "-----Original Message-----",
Outlook's "From:" block, a signature's "-- "). So whatever the original or a signature
says can never act: an empty reply is no command at all.

Words are read case-insensitively, with punctuation around them ignored, and anything after
the command on its line is a free comment ("ack, looking now"):

- ``ack``, ``acked``, ``acknowledge``, ``acknowledged``
- ``resolve``, ``resolved``, ``close``, ``closed``
- ``escalate``, ``escalated``
- ``snooze`` with an optional length: ``snooze``, ``snooze 30``, ``snooze 30m``,
  ``snooze 2h``, ``snooze for 45 minutes``; a bare number is minutes; no length is 60
  minutes. A length of more than six digits is not read as one (the line is no command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class ReplyAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    SNOOZE = "snooze"


DEFAULT_SNOOZE = timedelta(minutes=60)


@dataclass(frozen=True)
class ReplyCommand:
    action: ReplyAction
    snooze: timedelta | None = None
    """How long to snooze; set only for SNOOZE."""


WORDS: dict[str, ReplyAction] = {
    "ack": ReplyAction.ACKNOWLEDGE,
    "acked": ReplyAction.ACKNOWLEDGE,
    "acknowledge": ReplyAction.ACKNOWLEDGE,
    "acknowledged": ReplyAction.ACKNOWLEDGE,
    "resolve": ReplyAction.RESOLVE,
    "resolved": ReplyAction.RESOLVE,
    "close": ReplyAction.RESOLVE,
    "closed": ReplyAction.RESOLVE,
    "escalate": ReplyAction.ESCALATE,
    "escalated": ReplyAction.ESCALATE,
    "snooze": ReplyAction.SNOOZE,
}

_MINUTES = frozenset({"m", "min", "mins", "minute", "minutes"})
_HOURS = frozenset({"h", "hr", "hrs", "hour", "hours"})
_LENGTH = re.compile(r"(\d{1,6})([a-z]*)")
_PUNCTUATION = ".,;:!?()[]\"'*_"

_STOP_EXACT = re.compile(
    r"-{2,}\s*original message\s*-{2,}|_{10,}|-- ?|begin forwarded message:"
    r"|-{2,}\s*forwarded message\s*-{2,}",
    re.IGNORECASE,
)
_STOP_PREFIX = re.compile(r"(from|sent|to|subject|date):\s", re.IGNORECASE)
_LINES = re.compile(r"\r\n|\r|\n")
_WROTE = re.compile(r"^on\b.*\bwrote:?$|^.*\bwrote:$", re.IGNORECASE)


def new_text_lines(body: str) -> list[str]:
    """The lines of ``body`` the sender wrote, each stripped of surrounding white space:
    up to the first quoted-original marker, without blank and ``>``-quoted lines. Lines
    end at CR, LF or CRLF, as in mail."""
    lines: list[str] = []
    for raw in _LINES.split(body):
        line = raw.strip()
        if _is_stop(line):
            break
        if not line or line.startswith(">"):
            continue
        lines.append(line)
    return lines


def _is_stop(line: str) -> bool:
    """A marker above the quoted original or a signature ("--")."""
    return bool(_STOP_EXACT.fullmatch(line) or _STOP_PREFIX.match(line) or _WROTE.match(line))


def parse_reply(body: str) -> ReplyCommand | None:
    """The command in the first line the sender wrote, or None when it holds none."""
    lines = new_text_lines(body)
    return parse_command(lines[0]) if lines else None


def parse_command(line: str) -> ReplyCommand | None:
    """The command ``line`` starts with, or None."""
    words = [w.strip(_PUNCTUATION) for w in line.lower().split()]
    words = [w for w in words if w]
    if not words or words[0] not in WORDS:
        return None
    action = WORDS[words[0]]
    if action is not ReplyAction.SNOOZE:
        return ReplyCommand(action)
    rest = words[1:]
    if rest and rest[0] == "for":
        rest = rest[1:]
    if not rest or not rest[0][:1].isdigit():
        return ReplyCommand(action, DEFAULT_SNOOZE)
    length = _length(rest[0], rest[1] if len(rest) > 1 else "")
    return None if length is None else ReplyCommand(action, length)


def _length(word: str, following: str) -> timedelta | None:
    """``30``, ``30m``, ``2h`` or ``30`` followed by a unit word; None when unreadable."""
    found = _LENGTH.fullmatch(word)
    if found is None:
        return None
    amount, unit = int(found.group(1)), found.group(2)
    if not unit and (following in _MINUTES or following in _HOURS):
        unit = following
    if not unit or unit in _MINUTES:
        return timedelta(minutes=amount)
    if unit in _HOURS:
        return timedelta(hours=amount)
    return None
