"""Working hours as text, when they next begin, and low-urgency pages keeping to them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.model import ContactMethod, NotificationRule, Urgency
from ondeck.domain.notifications import WorkingHours, plan
from ondeck.domain.rotation import EVERY_DAY, Window, in_windows
from ondeck.domain.working_hours import (
    DEFAULT_WORKING_HOURS,
    InvalidHours,
    hours_text,
    next_working_time,
    parse_hours,
    parse_window,
    stored_hours,
    window_text,
)

WEEKDAYS = frozenset(range(5))
NINE_TO_FIVE = Window(WEEKDAYS, time(9), time(17))
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
"""Monday 2 March 2026; London is on GMT until Sunday 29 March."""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """``day`` days after Monday 2 March 2026, at ``hour:minute`` UTC."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon-Fri 09:00-17:00", NINE_TO_FIVE),
        ("  mon\u2013FRI 9:00-17:30 ", Window(WEEKDAYS, time(9), time(17, 30))),
        ("Sat-Sun", Window(frozenset({5, 6}))),
        ("22:00-06:00", Window(EVERY_DAY, time(22), time(6))),
        ("every day", Window(EVERY_DAY)),
        ("daily 08:00-20:00", Window(EVERY_DAY, time(8), time(20))),
        ("Fri-Mon 10:00-14:00", Window(frozenset({4, 5, 6, 0}), time(10), time(14))),
        ("Mon, Wed,Fri 08:00-12:00", Window(frozenset({0, 2, 4}), time(8), time(12))),
        ("Tuesday 08:00-12:00", Window(frozenset({1}), time(8), time(12))),
        ("Mon - Fri 09:00-17:00", NINE_TO_FIVE),
    ],
)
def test_working_hours_read_from_text(text: str, expected: Window) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty; write days and hours like 'Mon-Fri 09:00-17:00'"),
        (
            "Mon-Fry 09:00-17:00",
            "'Mon-Fry 09:00-17:00': 'Fry' is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or "
            "Sun (ranges like Mon-Fri, lists like Mon,Wed)",
        ),
        ("Mon-Fri 9-17", "'Mon-Fri 9-17': '9' is not a time of day; write HH:MM, like 09:00"),
        ("Mon-Fri 09:00", "'Mon-Fri 09:00': hours are a range; write them like 09:00-17:00"),
        (
            "Mon 08:00-24:00",
            "'Mon 08:00-24:00': write midnight as 00:00 (an end not after the start is the "
            "next day)",
        ),
        ("Mon,,Tue 09:00-10:00", "'Mon,,Tue 09:00-10:00': a day is missing between commas"),
    ],
)
def test_text_that_is_not_working_hours_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(InvalidHours) as refused:
        parse_window(text)

    assert str(refused.value) == message


def test_a_list_of_windows_names_the_bad_one_by_position() -> None:
    with pytest.raises(InvalidHours, match=r"^\[1\]: 'Sun 25:00-26:00': '25:00' is not a time"):
        parse_hours(["Mon-Fri 09:00-17:00", "Sun 25:00-26:00"])


def test_a_list_of_more_than_fourteen_windows_is_refused() -> None:
    with pytest.raises(InvalidHours, match="lists 15 windows; at most 14 are kept"):
        parse_hours(["Mon 09:00-10:00"] * 15)


@pytest.mark.parametrize(
    ("window", "text"),
    [
        (NINE_TO_FIVE, "Mon-Fri 09:00-17:00"),
        (Window(frozenset({5, 6})), "Sat-Sun"),
        (Window(EVERY_DAY, time(22), time(6)), "22:00-06:00"),
        (Window(EVERY_DAY), "every day"),
        (Window(frozenset({0, 2, 4, 5}), time(8), time(12)), "Mon,Wed,Fri-Sat 08:00-12:00"),
    ],
)
def test_working_hours_are_written_as_people_write_them(window: Window, text: str) -> None:
    assert window_text(window) == text


_WINDOWS = st.builds(
    Window,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    end=st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)


@given(st.lists(_WINDOWS, max_size=4).map(tuple))
def test_whatever_is_written_reads_back_as_the_same_windows(windows: tuple[Window, ...]) -> None:
    assert parse_hours(window_text(w) for w in windows) == windows
    assert stored_hours(hours_text(windows)) == windows


def test_a_stored_line_that_no_longer_reads_is_left_out() -> None:
    assert stored_hours("Mon-Fri 09:00-17:00\nnonsense 99\n") == (NINE_TO_FIVE,)


@pytest.mark.parametrize(
    ("windows", "timezone", "moment", "expected"),
    [
        ((), "Europe/London", at(0, 10), at(0, 10)),
        ((), "Europe/London", at(0, 8, 59), at(0, 9)),
        ((), "Europe/London", at(0, 17), at(1, 9)),
        ((), "Europe/London", at(4, 18), at(7, 9)),
        ((), "Europe/London", at(5, 12), at(7, 9)),
        ((), "America/New_York", at(0, 10), at(0, 14)),
        ((), "Europe/London", at(25, 18), at(28, 8)),
        ((Window(EVERY_DAY, time(22), time(6)),), "UTC", at(0, 12), at(0, 22)),
        ((Window(EVERY_DAY, time(22), time(6)),), "UTC", at(1, 3), at(1, 3)),
        ((Window(frozenset({5, 6})),), "UTC", at(4, 12), at(5, 0)),
        ((NINE_TO_FIVE,), "Not/AZone", at(0, 7), at(0, 9)),
    ],
    ids=[
        "inside",
        "a minute before",
        "the end is outside",
        "friday evening waits for monday",
        "saturday waits for monday",
        "new york's morning",
        "london's clocks go forward on the weekend",
        "overnight window later today",
        "inside an overnight window",
        "all day saturday",
        "an unknown zone is read as utc",
    ],
)
def test_working_hours_next_begin(
    windows: tuple[Window, ...], timezone: str, moment: datetime, expected: datetime
) -> None:
    assert next_working_time(windows, timezone, moment) == expected


EMAIL = ContactMethod(1, "email", "ada@example.com")
PHONE = ContactMethod(2, "sms", "+447700900123")
RULES = (
    NotificationRule(1, timedelta(0)),
    NotificationRule(2, timedelta(minutes=30)),
)
LONDON = WorkingHours((), "Europe/London")


def planned(
    urgency: Urgency, now: datetime, hours: WorkingHours = LONDON
) -> list[tuple[int, datetime]]:
    return [
        (p.contact.id, now + p.delay)
        for p in plan((EMAIL, PHONE), RULES, urgency, hours=hours, now=now)
    ]


@pytest.mark.parametrize(
    ("urgency", "now", "hours", "expected"),
    [
        (Urgency.LOW, at(0, 10), LONDON, [(1, at(0, 10)), (2, at(0, 10, 30))]),
        (Urgency.LOW, at(4, 20), LONDON, [(1, at(7, 9)), (2, at(7, 9, 30))]),
        (Urgency.LOW, at(0, 16, 45), LONDON, [(1, at(0, 16, 45)), (2, at(1, 9))]),
        (Urgency.HIGH, at(4, 20), LONDON, [(1, at(4, 20)), (2, at(4, 20, 30))]),
        (
            Urgency.LOW,
            at(4, 20),
            WorkingHours((), "Europe/London", anytime=True),
            [(1, at(4, 20)), (2, at(4, 20, 30))],
        ),
        (
            Urgency.LOW,
            at(0, 3),
            WorkingHours((Window(EVERY_DAY, time(22), time(6)),), "UTC"),
            [(1, at(0, 3)), (2, at(0, 3, 30))],
        ),
        (
            Urgency.LOW,
            at(0, 10),
            WorkingHours((), "America/Los_Angeles"),
            [(1, at(0, 17)), (2, at(0, 17, 30))],
        ),
    ],
    ids=[
        "low in working hours goes now",
        "low on friday night waits for monday, keeping its steps",
        "low whose later step falls after hours waits for the next morning",
        "high never waits",
        "low for someone who takes it any time",
        "night-shift hours",
        "los angeles is asleep",
    ],
)
def test_low_urgency_keeps_to_working_hours(
    urgency: Urgency, now: datetime, hours: WorkingHours, expected: list[tuple[int, datetime]]
) -> None:
    assert planned(urgency, now, hours) == expected


def test_a_new_person_with_only_email_gets_low_urgency_by_email_in_working_hours() -> None:
    found = plan((EMAIL,), (), Urgency.LOW, hours=LONDON, now=at(5, 12))

    assert [(p.contact, at(5, 12) + p.delay) for p in found] == [(EMAIL, at(7, 9))]


ZONES = st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe"])
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
)
RULE_LISTS = st.lists(
    st.builds(
        NotificationRule,
        contact_method_id=st.sampled_from([1, 2]),
        delay=st.integers(0, 24 * 60).map(lambda m: timedelta(minutes=m)),
        urgency=st.none() | st.sampled_from(Urgency),
    ),
    max_size=4,
).map(tuple)


@settings(max_examples=150, deadline=None)
@given(
    windows=st.lists(_WINDOWS, max_size=3).map(tuple),
    timezone=ZONES,
    now=MOMENTS,
    rules=RULE_LISTS,
)
def test_a_low_urgency_page_is_never_sent_outside_working_hours(
    windows: tuple[Window, ...], timezone: str, now: datetime, rules: tuple[NotificationRule, ...]
) -> None:
    hours = WorkingHours(windows, timezone)
    unhurried = plan((EMAIL, PHONE), rules, Urgency.LOW)
    found = plan((EMAIL, PHONE), rules, Urgency.LOW, hours=hours, now=now)

    zone = ZoneInfo(timezone)
    for item in found:
        assert in_windows(windows or DEFAULT_WORKING_HOURS, zone, now + item.delay)
    assert sorted(p.rule_index for p in found) == sorted(p.rule_index for p in unhurried)
    for item, before in zip(
        sorted(found, key=lambda p: p.rule_index),
        sorted(unhurried, key=lambda p: p.rule_index),
        strict=True,
    ):
        assert item.delay >= before.delay


@settings(max_examples=100, deadline=None)
@given(
    windows=st.lists(_WINDOWS, max_size=3).map(tuple),
    timezone=ZONES,
    now=MOMENTS,
    rules=RULE_LISTS,
    anytime=st.booleans(),
)
def test_high_urgency_delays_are_never_changed_by_working_hours(
    windows: tuple[Window, ...],
    timezone: str,
    now: datetime,
    rules: tuple[NotificationRule, ...],
    anytime: bool,
) -> None:
    hours = WorkingHours(windows, timezone, anytime=anytime)

    assert plan((EMAIL, PHONE), rules, Urgency.HIGH, hours=hours, now=now) == plan(
        (EMAIL, PHONE), rules, Urgency.HIGH
    )
    if anytime:
        assert plan((EMAIL, PHONE), rules, Urgency.LOW, hours=hours, now=now) == plan(
            (EMAIL, PHONE), rules, Urgency.LOW
        )
