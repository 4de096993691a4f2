"""The text after ``/ondeck`` in Slack, read into one command.

``ack 42``, ``resolve #42``, ``escalate 42``, ``snooze 42 30m``, ``declare 42``,
``oncall [schedule]`` and ``help``. Reading never raises: anything else becomes ``Usage``
with a line saying what was wrong, so the person typing always gets an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ondeck.domain.durations import parse_duration
from ondeck.domain.errors import InvalidDuration
from ondeck.domain.slack_messages import escape

MAX_INCIDENT = 2**31 - 1
"""Incident numbers beyond this cannot exist (and would overflow the database's integer)."""

VERBS = {
    "ack": "acknowledge",
    "acknowledge": "acknowledge",
    "resolve": "resolve",
    "escalate": "escalate",
    "snooze": "snooze",
}
ONCALL = frozenset({"oncall", "on-call", "who"})
DECLARE = "declare"
HELP = frozenset({"", "help", "?"})

USAGE = "\n".join(
    [
        "`/ondeck ack 42`: acknowledge incident #42",
        "`/ondeck resolve 42`: resolve it",
        "`/ondeck escalate 42`: page the next escalation level now",
        "`/ondeck snooze 42 30m`: acknowledge, and page again after 30 minutes "
        "(1m to 24h; 1h when left out)",
        "`/ondeck declare 42`: declare incident #42 a major incident, with you as its "
        "incident manager",
        "`/ondeck oncall [schedule]`: who is on call now, in every schedule or the one named",
        "`/ondeck help`: this list",
    ]
)


@dataclass(frozen=True)
class Act:
    """Do ``action`` (acknowledge, resolve, escalate, snooze) on incident ``incident``."""

    action: str
    incident: int
    snooze: timedelta | None = None


@dataclass(frozen=True)
class Declare:
    """Declare incident ``incident`` a major incident."""

    incident: int


@dataclass(frozen=True)
class OnCall:
    schedule: str | None = None
    """The schedule's name as typed; None: every schedule."""


@dataclass(frozen=True)
class Usage:
    """Show how to use the command; ``problem`` says what was wrong ("" when help was asked)."""

    problem: str = ""


Command = Act | Declare | OnCall | Usage


def parse_command(text: str) -> Command:
    """What ``text`` (everything after ``/ondeck``) asks for."""
    words = text.split()
    verb = words[0].lower() if words else ""
    rest = words[1:]
    if verb in HELP:
        return Usage()
    if verb in ONCALL:
        name = " ".join(rest)
        return OnCall(name or None)
    if verb == DECLARE:
        return _declare(rest)
    action = VERBS.get(verb)
    if action is None:
        return Usage(f"I don't know {_quote(words[0])}.")
    if not rest:
        return Usage(f"Say which incident: `/ondeck {verb} 42`.")
    number = _incident_number(rest[0])
    if number is None:
        return Usage(f"{_quote(rest[0])} is not an incident number.")
    extra = rest[1:]
    if action != "snooze":
        if extra:
            return Usage(f"`{verb}` takes only an incident number.")
        return Act(action, number)
    if not extra:
        return Act(action, number, None)
    if len(extra) > 1:
        return Usage("`snooze` takes an incident number and one duration, e.g. `30m`.")
    try:
        length = parse_duration(extra[0])
    except InvalidDuration as error:
        return Usage(str(error))
    return Act(action, number, length)


def _declare(rest: list[str]) -> Declare | Usage:
    if not rest:
        return Usage("Say which incident: `/ondeck declare 42`.")
    number = _incident_number(rest[0])
    if number is None:
        return Usage(f"{_quote(rest[0])} is not an incident number.")
    if rest[1:]:
        return Usage("`declare` takes only an incident number.")
    return Declare(number)


def _incident_number(word: str) -> int | None:
    digits = word.removeprefix("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    number = int(digits)
    return number if 0 < number <= MAX_INCIDENT else None


def _quote(word: str) -> str:
    """A word someone typed, shown back safely in Slack's markup (at most 40 characters)."""
    short = word if len(word) <= 40 else word[:39] + "…"
    return "`" + escape(short.replace("`", "'")) + "`"
