"""The schedule page's timeline: weeks across, one row per layer, overrides, the final row.

Pure: every position is a percentage of the window, worked out from the view the use case
returns and the moment ``now``. The template draws them as SVG attributes, since the page's
Content-Security-Policy allows no inline styles. Days are the schedule's own: a day that
loses an hour to daylight saving is drawn an hour narrower.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ondeck.domain.rotation import wall_to_utc
from ondeck.domain.schedules import Shift, Source, SourceKind
from ondeck.domain.trades import TradeStatus
from ondeck.services.ports import OverrideRecord, Person, TradeRecord
from ondeck.services.schedules import ScheduleView
from ondeck.web.ui.present import span, zone

PALETTE = 10
"""Colours people are told apart by; the stylesheet defines ``who-0`` … ``who-9``."""
NOBODY = -1
MOST_WEEKS = 8
LABEL_FROM = 2.5
"""Bars narrower than this percentage of the window carry no text, only a title."""


@dataclass(frozen=True)
class ChartWindow:
    """Whole days ``first_day`` to ``first_day + weeks`` in the schedule's zone, as UTC."""

    timezone: str
    first_day: date
    weeks: int
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return 7 * self.weeks

    def shifted(self, weeks: int) -> date:
        return self.first_day + timedelta(weeks=weeks)


def chart_window(timezone: str, now: datetime, first_day: date | None, weeks: int) -> ChartWindow:
    """The window the page shows: ``weeks`` (1–8) from ``first_day``, by default this week's
    Monday in the schedule's zone."""
    weeks = min(max(weeks, 1), MOST_WEEKS)
    place = zone(timezone)
    if first_day is None:
        today = now.astimezone(place).date()
        first_day = today - timedelta(days=today.weekday())
    start = wall_to_utc(datetime.combine(first_day, time()), place)
    end = wall_to_utc(datetime.combine(first_day + timedelta(weeks=weeks), time()), place)
    return ChartWindow(timezone, first_day, weeks, start, end)


def moment_text(moment: datetime, timezone: str) -> str:
    """``Mon 30 Nov 09:00`` on the given zone's clock."""
    local = moment.astimezone(zone(timezone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def span_text(start: datetime, end: datetime, timezone: str) -> str:
    return f"{moment_text(start, timezone)} – {moment_text(end, timezone)}"


def name_of(people: Mapping[int, Person], user: int) -> str:
    person = people.get(user)
    return person.name if person else f"user {user}"


def first_name(name: str) -> str:
    return name.split(" ", 1)[0]


def initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:3] if part).upper()


def why(source: Source, people: Mapping[int, Person]) -> str:
    """Why someone is on call: ``rotation Weekly``, ``override``, ``trade #3``, a stand-in."""
    if source.kind is SourceKind.TRADE:
        return f"trade #{source.trade}"
    if source.kind is SourceKind.OVERRIDE:
        return "override"
    if source.kind is SourceKind.STAND_IN and source.standing_in_for is not None:
        away = name_of(people, source.standing_in_for)
        return f"standing in for {away} (away), rotation {source.layer}"
    return f"rotation {source.layer}"


def colours(view: ScheduleView) -> dict[int, int]:
    """Person id → palette index: rotation members in turn order, then everyone else."""
    order = list(dict.fromkeys([*view.participants, *sorted(view.people)]))
    return {user: index % PALETTE for index, user in enumerate(order)}


def colour(palette: Mapping[int, int], user: int) -> int:
    return palette.get(user, user % PALETTE)


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    """Both percentages of the window."""
    title: str
    label: str
    """Empty when the bar is too narrow for text."""
    short: str
    """A shorter label for when ``label`` does not fit (the page's script chooses)."""
    tiny: str
    """Shorter still: initials."""
    who: int
    """Palette index, or ``NOBODY``."""
    marks: str
    """Extra CSS classes: ``override``, ``trade``, ``stand-in``, ``pending``, ``gap``."""


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    detail: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Day:
    x: float
    width: float
    label: str
    short: str
    anchor: str
    """``middle`` when every day is labelled, ``start`` when only Mondays are."""
    weekend: bool
    today: bool


@dataclass(frozen=True)
class Chart:
    caption: str
    days: tuple[Day, ...]
    rows: tuple[Row, ...]
    now_x: float | None


def _place(window: ChartWindow, start: datetime, end: datetime) -> tuple[float, float] | None:
    lo, hi = max(start, window.start), min(end, window.end)
    if lo >= hi:
        return None
    total = (window.end - window.start).total_seconds()
    x = (lo - window.start).total_seconds() / total * 100
    return round(x, 3), round((hi - lo).total_seconds() / total * 100, 3)


def _bar(
    window: ChartWindow,
    start: datetime,
    end: datetime,
    *,
    title: str,
    label: str,
    short: str,
    tiny: str = "",
    who: int,
    marks: str = "",
) -> Bar | None:
    placed = _place(window, start, end)
    if placed is None:
        return None
    x, width = placed
    if width < LABEL_FROM:
        label = short = tiny = ""
    return Bar(x, width, title, label, short, tiny, who, marks)


_MARKS = {
    SourceKind.LAYER: "",
    SourceKind.STAND_IN: "stand-in",
    SourceKind.OVERRIDE: "override",
    SourceKind.TRADE: "trade",
}


def _tag(source: Source) -> str:
    """What a bar says after the name: nothing for a plain turn."""
    if source.kind is SourceKind.TRADE:
        return f"trade #{source.trade}"
    return _MARKS[source.kind]


def _shift_bar(
    window: ChartWindow, shift: Shift, people: Mapping[int, Person], palette: Mapping[int, int]
) -> Bar | None:
    name = name_of(people, shift.user)
    reason = why(shift.source, people)
    tag = _tag(shift.source)
    return _bar(
        window,
        shift.start,
        shift.end,
        title=f"{name} · {span_text(shift.start, shift.end, window.timezone)} · {reason}",
        label=f"{name} · {tag}" if tag else name,
        short=first_name(name),
        tiny=initials(name),
        who=colour(palette, shift.user),
        marks=_MARKS[shift.source.kind],
    )


def gaps(window: ChartWindow, timeline: Iterable[Shift]) -> list[tuple[datetime, datetime]]:
    """The stretches of the window with nobody on call."""
    out = []
    cursor = window.start
    for shift in sorted(timeline, key=lambda s: s.start):
        if shift.start > cursor:
            out.append((cursor, shift.start))
        cursor = max(cursor, shift.end)
    if cursor < window.end:
        out.append((cursor, window.end))
    return out


def _final_row(view: ScheduleView, window: ChartWindow, palette: Mapping[int, int]) -> Row:
    bars = [_shift_bar(window, shift, view.people, palette) for shift in view.final]
    for start, end in gaps(window, view.final):
        bars.append(
            _bar(
                window,
                start,
                end,
                title=f"Nobody on call · {span_text(start, end, window.timezone)}",
                label="nobody",
                short="–",
                who=NOBODY,
                marks="gap",
            )
        )
    placed = sorted((b for b in bars if b is not None), key=lambda b: b.x)
    return Row("final", "On call", "everything combined", tuple(placed))


def _override_bar(
    window: ChartWindow, item: OverrideRecord, view: ScheduleView, palette: Mapping[int, int]
) -> Bar | None:
    name = name_of(view.people, item.user_id)
    tag = f"trade #{item.trade_id}" if item.trade_id is not None else "override"
    note = f" ({item.note})" if item.note and item.trade_id is None else ""
    return _bar(
        window,
        item.start,
        item.end,
        title=f"{name} · {span_text(item.start, item.end, window.timezone)} · {tag}{note}",
        label=f"{name} · {tag}",
        short=f"{first_name(name)} · {tag}",
        tiny=initials(name),
        who=colour(palette, item.user_id),
        marks="trade" if item.trade_id is not None else "override",
    )


def _pending_bars(
    window: ChartWindow, trade: TradeRecord, view: ScheduleView, palette: Mapping[int, int]
) -> list[Bar | None]:
    """A pending trade's windows, outlined: each in the colour of who would take it."""
    asked = name_of(view.people, trade.colleague_id) if trade.colleague_id else "anyone"
    tag = f"trade #{trade.id} asked"
    windows = [(trade.start, trade.end, trade.colleague_id, asked)]
    if trade.swap_start is not None and trade.swap_end is not None:
        requester = name_of(view.people, trade.requester_id)
        windows.append((trade.swap_start, trade.swap_end, trade.requester_id, requester))
    return [
        _bar(
            window,
            start,
            end,
            title=f"{taker} · {span_text(start, end, window.timezone)} · {tag}, not yet answered",
            label=tag,
            short=f"#{trade.id}?",
            who=NOBODY if user is None else colour(palette, user),
            marks="pending",
        )
        for start, end, user, taker in windows
    ]


def _overrides_row(view: ScheduleView, window: ChartWindow, palette: Mapping[int, int]) -> Row:
    bars: list[Bar | None] = []
    for trade in view.trades:
        if trade.status is TradeStatus.PENDING:
            bars.extend(_pending_bars(window, trade, view, palette))
    for item in sorted(view.overrides, key=lambda o: o.id):
        bars.append(_override_bar(window, item, view, palette))
    return Row(
        "overrides",
        "Overrides",
        "and trades; newest wins",
        tuple(b for b in bars if b is not None),
    )


def _days(window: ChartWindow, now: datetime) -> tuple[Day, ...]:
    place = zone(window.timezone)
    today = now.astimezone(place).date()
    every_day = window.weeks <= 2
    out = []
    for offset in range(window.days):
        day = window.first_day + timedelta(days=offset)
        begin = wall_to_utc(datetime.combine(day, time()), place)
        finish = wall_to_utc(datetime.combine(day + timedelta(days=1), time()), place)
        x, width = _place(window, begin, finish) or (0.0, 0.0)
        if every_day:
            label, short = f"{day:%a} {day.day}", f"{day.day}"
        elif day.weekday() == 0:
            label, short = f"{day:%a} {day.day} {day:%b}", f"{day.day}/{day.month}"
        else:
            label = short = ""
        out.append(
            Day(
                x,
                width,
                label,
                short,
                "middle" if every_day else "start",
                day.weekday() >= 5,
                day == today,
            )
        )
    return tuple(out)


def rotation_text(turn: timedelta) -> str:
    """``1 week``, ``2 days``, ``12h``: how often a layer hands over."""
    if turn % timedelta(weeks=1) == timedelta(0):
        weeks = turn // timedelta(weeks=1)
        return f"{weeks} week{'s' if weeks > 1 else ''}"
    if turn % timedelta(days=1) == timedelta(0):
        return f"{turn.days} day{'s' if turn.days > 1 else ''}"
    return span(turn)


def chart(view: ScheduleView, window: ChartWindow, now: datetime) -> Chart:
    palette = colours(view)
    layers = tuple(
        Row(
            f"layer-{index}",
            layer.name,
            f"every {rotation_text(layer.turn)}",
            tuple(
                bar
                for bar in (_shift_bar(window, s, view.people, palette) for s in layer.shifts)
                if bar is not None
            ),
        )
        for index, layer in enumerate(view.layers)
    )
    last = window.first_day + timedelta(days=window.days - 1)
    caption = f"{window.first_day:%a} {window.first_day.day} {window.first_day:%b} – "
    caption += f"{last:%a} {last.day} {last:%b %Y}, {window.timezone}"
    now_x = None
    if window.start <= now < window.end:
        now_x = round((now - window.start) / (window.end - window.start) * 100, 3)
    return Chart(
        caption,
        _days(window, now),
        (*layers, _overrides_row(view, window, palette), _final_row(view, window, palette)),
        now_x,
    )


@dataclass(frozen=True)
class ShiftLine:
    """One line of the list under the chart: a final shift, or a gap with nobody."""

    who: int
    name: str
    why: str
    when: str
    length: str
    now: bool
    marks: str


def shift_lines(view: ScheduleView, window: ChartWindow, now: datetime) -> tuple[ShiftLine, ...]:
    palette = colours(view)
    lines = [
        (
            shift.start,
            ShiftLine(
                colour(palette, shift.user),
                name_of(view.people, shift.user),
                why(shift.source, view.people),
                span_text(shift.start, shift.end, window.timezone),
                span(shift.end - shift.start),
                shift.start <= now < shift.end,
                _MARKS[shift.source.kind],
            ),
        )
        for shift in view.final
    ]
    lines.extend(
        (
            start,
            ShiftLine(
                NOBODY,
                "Nobody",
                "no one is on call",
                span_text(start, end, window.timezone),
                span(end - start),
                start <= now < end,
                "gap",
            ),
        )
        for start, end in gaps(window, view.final)
    )
    return tuple(line for _, line in sorted(lines, key=lambda item: item[0]))
