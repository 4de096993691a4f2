"""Durations as people write them in configuration: ``30s``, ``5m``, ``12h``, ``1d``, ``1w``.

Units may be combined largest first (``1h30m``). Zero is written ``0s`` or ``0m``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ondeck.domain.errors import InvalidDuration

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"([0-9]+)([wdhms])")
MAX_SECONDS = timedelta.max.days * 86_400 + timedelta.max.seconds


def parse_duration(text: str) -> timedelta:
    """Parse ``text``; raise InvalidDuration naming the accepted forms when it is not one."""
    cleaned = text.strip().lower()
    parts = _PART.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise InvalidDuration(
            f"{text!r} is not a duration; write a number and a unit: 30s, 5m, 12h, 1d or 1w"
        )
    units = [unit for _, unit in parts]
    order = list(_UNIT_SECONDS)
    if sorted(units, key=order.index) != units or len(set(units)) != len(units):
        raise InvalidDuration(f"{text!r}: write each unit once, largest first (e.g. 1h30m)")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds > MAX_SECONDS:
        raise InvalidDuration(f"{text!r} is longer than any duration ondeck can keep")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest text ``parse_duration`` reads back as ``value``; fractions of a second drop."""
    if value < timedelta(0):
        raise InvalidDuration("a duration cannot be negative")
    seconds = value.days * 86_400 + value.seconds
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in _UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
