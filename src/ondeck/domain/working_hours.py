"""Working hours: weekly wall-clock windows in a person's zone, and when they next begin.

Low-urgency pages wait for them. They are written as text, one window per line or list item:

- ``Mon-Fri 09:00-17:00``: those days, those hours;
- ``Mon,Wed,Fri 08:00-12:00`` or ``Fri-Mon 10:00-14:00``: lists and ranges of days (a range
  may run over the weekend);
- ``22:00-06:00``: every day, overnight (a window whose end is not after its start ends the
  next day, as schedule restrictions do);
- ``Sat-Sun``: all day on those days; ``every day``: always.

Day names are English, any case, three letters or whole (``mon``, ``Monday``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ondeck.domain.rotation import EVERY_DAY, WEEKDAYS, Window, day_runs, window_spans

DEFAULT_WORKING_HOURS = (Window(days=frozenset(range(5)), start=time(9, 0), end=time(17, 0)),)
"""Mon-Fri 09:00-17:00 in the person's zone: when neither they nor their team set any."""
MOST_WINDOWS = 14
EXAMPLE = "'Mon-Fri 09:00-17:00'"
_LOOK_AHEAD = timedelta(days=8)
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})
_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class InvalidHours(ValueError):
    """Text that is not a working-hours window; the message says why and shows the form."""


def clock_of(text: str) -> time | None:
    """The time of day ``HH:MM`` (or ``H:MM``) names; None when ``text`` is not one."""
    found = _CLOCK.fullmatch(text)
    return time(int(found[1]), int(found[2])) if found else None


def _clock(text: str, whole: str) -> time:
    found = clock_of(text)
    if found is not None:
        return found
    if text == "24:00":
        raise InvalidHours(
            f"{whole!r}: write midnight as 00:00 (an end not after the start is the next day)"
        )
    raise InvalidHours(f"{whole!r}: {text!r} is not a time of day; write HH:MM, like 09:00")


def _day(text: str, whole: str) -> int:
    name = text.lower()
    for number, full in enumerate(_NAMES):
        if name in (full, WEEKDAYS[number]):
            return number
    raise InvalidHours(
        f"{whole!r}: {text!r} is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun "
        f"(ranges like Mon-Fri, lists like Mon,Wed)"
    )


def _days(text: str, whole: str) -> frozenset[int]:
    if text.lower() in ("", "everyday", "daily"):
        return EVERY_DAY
    days: set[int] = set()
    for item in text.split(","):
        if not item:
            raise InvalidHours(f"{whole!r}: a day is missing between commas")
        first, dash, last = item.partition("-")
        start = _day(first, whole)
        end = _day(last, whole) if dash else start
        days.update((start + step) % 7 for step in range((end - start) % 7 + 1))
    return frozenset(days)


def parse_window(text: str) -> Window:
    """The window ``text`` describes (see the module's forms); InvalidHours otherwise."""
    whole = text.strip()
    words = whole.translate(_DASHES).split()
    if not words:
        raise InvalidHours(f"is empty; write days and hours like {EXAMPLE}")
    start = end = time(0, 0)
    if any(c.isdigit() for c in words[-1]):
        opens, dash, closes = words.pop().partition("-")
        if not dash:
            raise InvalidHours(f"{whole!r}: hours are a range; write them like 09:00-17:00")
        start, end = _clock(opens, whole), _clock(closes, whole)
    if [w.lower() for w in words] == ["every", "day"]:
        words = []
    return Window(days=_days("".join(words), whole), start=start, end=end)


def parse_hours(lines: Iterable[str]) -> tuple[Window, ...]:
    """Every window, in order; InvalidHours naming the first bad one by its position."""
    windows = []
    for index, line in enumerate(lines):
        try:
            windows.append(parse_window(line))
        except InvalidHours as error:
            raise InvalidHours(f"[{index}]: {error}") from error
    if len(windows) > MOST_WINDOWS:
        raise InvalidHours(f"lists {len(windows)} windows; at most {MOST_WINDOWS} are kept")
    return tuple(windows)


def _text_days(days: frozenset[int]) -> str:
    return day_runs(days, dash="-", comma=",")


def window_text(window: Window) -> str:
    """The text ``parse_window`` reads back as ``window``: ``Mon-Fri 09:00-17:00``."""
    all_day = window.start == window.end == time(0, 0)
    hours = "" if all_day else f"{window.start:%H:%M}-{window.end:%H:%M}"
    if window.days == EVERY_DAY:
        return hours or "every day"
    return f"{_text_days(window.days)} {hours}".strip()


def zone_of(name: str) -> ZoneInfo:
    """The zone called ``name``, or UTC when there is none: paging never stops on a bad name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def next_working_time(windows: tuple[Window, ...], timezone: str, at: datetime) -> datetime:
    """``at`` when it falls inside working hours, else the moment they next begin.

    Empty ``windows`` are the default working hours. Should no window open within a week
    (every one inside a daylight-saving gap), ``at`` itself: a page is late, never lost.
    """
    spans = window_spans(windows or DEFAULT_WORKING_HOURS, zone_of(timezone), at, at + _LOOK_AHEAD)
    return spans[0][0] if spans else at


def hours_text(windows: tuple[Window, ...]) -> str:
    """How windows are stored: one ``window_text`` per line ("" for none)."""
    return "\n".join(window_text(window) for window in windows)


def stored_hours(text: str) -> tuple[Window, ...]:
    """The windows ``hours_text`` wrote; a line that no longer reads is left out."""
    windows = []
    for line in text.splitlines():
        try:
            windows.append(parse_window(line))
        except InvalidHours:
            continue
    return tuple(windows)
