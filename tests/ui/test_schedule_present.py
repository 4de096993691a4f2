"""What the schedule page draws: the window's days, bars placed in percent, gaps, titles,
and the shifts people read, from a view built by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ondeck.domain.schedules import Shift, Source, SourceKind
from ondeck.domain.trades import TradeKind, TradeStatus
from ondeck.services.ports import OverrideRecord, Person, TradeRecord
from ondeck.services.schedules import LayerView, ScheduleView
from ondeck.web.ui.chart import chart, chart_window, shift_lines
from ondeck.web.ui.present import Clockface
from ondeck.web.ui.schedule_page import header, next_shifts, trade_lines, your_shift

ZONE = "Europe/London"
MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=3, hours=12)
ROTATION = Source(SourceKind.LAYER, layer="Weekly")


def _person(uid: int, name: str, role: str = "user") -> Person:
    email = name.split()[0].lower() + "@example.com"
    return Person(uid, email, name, "America/New_York", role, (), ())


ADA, GRACE, LINUS = (
    _person(1, "Ada Lovelace", "admin"),
    _person(2, "Grace Hopper"),
    _person(3, "Linus Torvalds"),
)
PEOPLE = {p.id: p for p in (ADA, GRACE, LINUS)}


def _view(
    final: tuple[Shift, ...],
    *,
    trades: tuple[TradeRecord, ...] = (),
    overrides: tuple[OverrideRecord, ...] = (),
) -> ScheduleView:
    window = chart_window(ZONE, NOW, None, 2)
    layer = LayerView(
        name="Weekly",
        start=datetime(2020, 1, 6, 9, 0),
        turn=timedelta(weeks=1),
        restrictions=(),
        participants=(1, 2, 3),
        waiting=(),
        shifts=final,
    )
    return ScheduleView(
        id=7,
        name="Database on call",
        timezone=ZONE,
        max_share=50,
        start=window.start,
        end=window.end,
        layers=(layer,),
        final=final,
        overrides=overrides,
        trades=trades,
        absences=(),
        events=(),
        people=PEOPLE,
        participants=(1, 2, 3),
        consents={},
        on_call_now=(2,),
        next_change=MONDAY + timedelta(days=7, hours=9),
        on_call_next=(3,),
        findings=(),
    )


def test_the_default_window_is_two_weeks_from_this_mondays_midnight_in_the_schedules_zone() -> None:
    window = chart_window("America/New_York", NOW, None, 2)

    assert window.first_day == date(2026, 11, 30)
    assert window.start == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert window.end - window.start == timedelta(weeks=2)
    assert chart_window(ZONE, NOW, date(2026, 1, 7), 20).weeks == 8


def test_a_day_that_loses_an_hour_to_daylight_saving_is_drawn_narrower() -> None:
    window = chart_window(ZONE, NOW, date(2026, 3, 23), 1)
    view = _view(())
    days = chart(view, window, NOW).days

    assert [d.label for d in days][:2] == ["Mon 23", "Tue 24"]
    assert [d.weekend for d in days] == [False] * 5 + [True] * 2
    sunday, saturday = days[6], days[5]
    assert sunday.width < saturday.width
    assert round(sum(d.width for d in days), 2) == 100


def test_bars_are_placed_in_percent_with_titles_and_gaps_are_nobody() -> None:
    final = (
        Shift(2, MONDAY, MONDAY + timedelta(days=7), ROTATION),
        Shift(
            3,
            MONDAY + timedelta(days=8),
            MONDAY + timedelta(days=14),
            Source(SourceKind.TRADE, trade=3),
        ),
    )
    view = _view(final)
    drawn = chart(view, chart_window(ZONE, NOW, None, 2), NOW)
    rows = {row.key: row for row in drawn.rows}
    grace, gap, linus = rows["final"].bars

    assert [row.key for row in drawn.rows] == ["layer-0", "overrides", "final"]
    assert (grace.x, grace.width) == (0.0, 50.0)
    assert grace.title == "Grace Hopper · Mon 30 Nov 00:00 – Mon 7 Dec 00:00 · rotation Weekly"
    assert (gap.marks, gap.label, gap.x, gap.width) == ("gap", "nobody", 50.0, 7.143)
    assert linus.title.endswith("· trade #3") and linus.marks == "trade"
    assert linus.label == "Linus Torvalds · trade #3" and linus.tiny == "LT"
    assert drawn.now_x == 25.0
    lines = shift_lines(view, chart_window(ZONE, NOW, None, 2), NOW)
    assert [(line.name, line.now) for line in lines] == [
        ("Grace Hopper", True),
        ("Nobody", False),
        ("Linus Torvalds", False),
    ]


def _trade(colleague: int | None, status: TradeStatus = TradeStatus.PENDING) -> TradeRecord:
    return TradeRecord(
        id=4,
        schedule_id=7,
        kind=TradeKind.COVER,
        status=status,
        requester_id=1,
        colleague_id=colleague,
        start=MONDAY + timedelta(days=4),
        end=MONDAY + timedelta(days=5),
        swap_start=None,
        swap_end=None,
        note="",
        created_at=NOW,
        answered_at=None,
        answered_by_id=None,
    )


@pytest.mark.parametrize(
    ("colleague", "viewer", "buttons"),
    [
        (2, GRACE, (True, True, False)),
        (2, LINUS, (False, False, False)),
        (None, LINUS, (True, False, False)),
        (2, ADA, (False, False, True)),
        (2, _person(9, "Olga Observer", "observer"), (False, False, False)),
    ],
)
def test_trade_buttons_follow_who_may_answer_or_cancel(
    colleague: int | None, viewer: Person, buttons: tuple[bool, bool, bool]
) -> None:
    view = _view((), trades=(_trade(colleague),))

    (line,) = trade_lines(view, viewer, Clockface(now=NOW, timezone=ZONE))

    assert (line.may_accept, line.may_decline, line.may_cancel) == buttons
    assert line.status == "pending"


def test_your_next_shift_and_who_is_on_call_now_say_why() -> None:
    standing_in = Source(SourceKind.STAND_IN, layer="Weekly", standing_in_for=1)
    ahead = [
        Shift(2, NOW, NOW + timedelta(hours=5), standing_in),
        Shift(3, NOW + timedelta(hours=5), NOW + timedelta(days=2), ROTATION),
    ]
    clock = Clockface(now=NOW, timezone="America/New_York")

    head = header(_view(()), ahead, GRACE, clock, 13)

    assert head.now[0].why == "standing in for Ada Lovelace (away), rotation Weekly"
    assert head.yours.startswith("You are on call now, until Thu 3 Dec 17:00 (in 5h)")
    assert head.handoff_local == "Mon 7 Dec 09:00 GMT"
    assert head.handoff_viewer == "04:00 EST"
    assert your_shift(ahead, LINUS, ZONE, NOW, 13).endswith("starting in 5h (rotation Weekly).")
    assert your_shift(ahead, ADA, ZONE, NOW, 13) == "None in the next 13 weeks."
    shifts = next_shifts([(7, "Database on call", ahead, PEOPLE)], clock, NOW + timedelta(weeks=13))
    assert shifts["linus@example.com"].text == "Thu 3 Dec 12:00 EST (in 5h)"
    assert shifts["grace@example.com"].now
