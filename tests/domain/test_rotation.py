"""One rotation's clock: restriction windows, turns across clock changes, and default starts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ondeck.domain.rotation import (
    Window,
    default_start,
    describe_window,
    in_windows,
    window_spans,
)
from ondeck.domain.schedules import Layer, Schedule, upcoming

ADA, GRACE, LINUS = 1, 2, 3
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WORKDAYS = frozenset({MON, TUE, WED, THU, FRI})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def clock(text: str) -> time:
    return time.fromisoformat(text)


OFFICE = Window(WORKDAYS, clock("09:00"), clock("17:00"))
FRIDAY_NIGHT = Window(frozenset({FRI}), clock("22:00"), clock("06:00"))
WEEKEND = Window(frozenset({SAT, SUN}))
MONDAY_FROM_NINE = Window(frozenset({MON}), clock("09:00"), clock("09:00"))


@pytest.mark.parametrize(
    ("window", "at", "inside"),
    [
        (OFFICE, "2026-11-09T08:59", False),
        (OFFICE, "2026-11-09T09:00", True),
        (OFFICE, "2026-11-13T16:59", True),
        (OFFICE, "2026-11-13T17:00", False),
        (OFFICE, "2026-11-14T12:00", False),
        (FRIDAY_NIGHT, "2026-11-12T23:00", False),
        (FRIDAY_NIGHT, "2026-11-13T21:59", False),
        (FRIDAY_NIGHT, "2026-11-13T22:00", True),
        (FRIDAY_NIGHT, "2026-11-14T05:59", True),
        (FRIDAY_NIGHT, "2026-11-14T06:00", False),
        (FRIDAY_NIGHT, "2026-11-14T23:00", False),
        (WEEKEND, "2026-11-13T23:59", False),
        (WEEKEND, "2026-11-14T00:00", True),
        (WEEKEND, "2026-11-15T23:59", True),
        (WEEKEND, "2026-11-16T00:00", False),
        (MONDAY_FROM_NINE, "2026-11-09T08:59", False),
        (MONDAY_FROM_NINE, "2026-11-09T09:00", True),
        (MONDAY_FROM_NINE, "2026-11-10T08:59", True),
        (MONDAY_FROM_NINE, "2026-11-10T09:00", False),
    ],
)
def test_a_window_opens_on_its_days_and_an_overnight_one_closes_the_next_morning(
    window: Window, at: str, inside: bool
) -> None:
    zone = ZoneInfo("Europe/London")

    assert in_windows((window,), zone, local(at, "Europe/London")) is inside


@pytest.mark.parametrize(
    ("zone", "night", "hours"),
    [
        ("Europe/London", "2026-03-21", 8),
        ("Europe/London", "2026-03-28", 7),
        ("Europe/London", "2026-10-24", 9),
        ("America/New_York", "2026-03-07", 7),
        ("America/New_York", "2026-10-31", 9),
        ("Australia/Lord_Howe", "2026-04-04", 8.5),
        ("Australia/Lord_Howe", "2026-10-03", 7.5),
        ("Asia/Kolkata", "2026-03-28", 8),
    ],
)
def test_a_night_window_is_wall_clock_so_its_real_length_follows_the_clock_changes(
    zone: str, night: str, hours: float
) -> None:
    window = Window(start=clock("22:00"), end=clock("06:00"))
    opens = local(f"{night}T22:00", zone)

    spans = window_spans((window,), ZoneInfo(zone), opens, opens + timedelta(hours=12))

    assert spans == [(opens.astimezone(UTC), spans[0][1])]
    assert spans[0][1] - spans[0][0] == timedelta(hours=hours)
    assert spans[0][1].astimezone(ZoneInfo(zone)).time() == clock("06:00")


def test_a_window_that_lies_inside_the_skipped_spring_hour_is_empty_that_day() -> None:
    zone = ZoneInfo("America/New_York")
    window = Window(start=clock("02:00"), end=clock("03:00"))
    day = local("2026-03-08T00:00", "America/New_York")

    spans = window_spans((window,), zone, day, day + timedelta(days=2))

    assert spans == [(utc("2026-03-09T06:00"), utc("2026-03-09T07:00"))]
    assert not in_windows((window,), zone, utc("2026-03-08T07:00"))


def test_overlapping_and_touching_windows_join_into_one_span() -> None:
    zone = ZoneInfo("UTC")
    windows = (
        Window(frozenset({MON}), clock("09:00"), clock("12:00")),
        Window(frozenset({MON}), clock("11:00"), clock("14:00")),
        Window(frozenset({MON}), clock("14:00"), clock("15:00")),
        Window(frozenset({MON}), clock("16:00"), clock("17:00")),
    )

    spans = window_spans(windows, zone, utc("2026-11-09T10:00"), utc("2026-11-10T00:00"))

    assert spans == [
        (utc("2026-11-09T10:00"), utc("2026-11-09T15:00")),
        (utc("2026-11-09T16:00"), utc("2026-11-09T17:00")),
    ]


@pytest.mark.parametrize(
    ("zone", "start", "handoffs"),
    [
        (
            "Europe/London",
            "2026-03-28T22:00",
            ["28 22:00", "29 00:00", "29 03:00", "29 05:00", "29 07:00"],
        ),
        (
            "Europe/London",
            "2026-10-24T22:00",
            ["24 22:00", "25 00:00", "25 01:00", "25 03:00", "25 05:00"],
        ),
        (
            "America/New_York",
            "2026-03-07T22:00",
            ["07 22:00", "08 00:00", "08 03:00", "08 05:00", "08 07:00"],
        ),
        (
            "America/New_York",
            "2026-10-31T22:00",
            ["31 22:00", "01 00:00", "01 01:00", "01 03:00", "01 05:00"],
        ),
        (
            "Australia/Lord_Howe",
            "2026-04-04T22:00",
            ["04 22:00", "05 00:00", "05 01:30", "05 03:30", "05 05:30"],
        ),
        (
            "Australia/Lord_Howe",
            "2026-10-03T22:00",
            ["03 22:00", "04 00:00", "04 02:30", "04 04:30", "04 06:30"],
        ),
    ],
    ids=["london-spring", "london-autumn", "ny-spring", "ny-autumn", "lhi-april", "lhi-october"],
)
def test_a_two_hour_turn_runs_in_real_time_so_its_handoffs_move_on_the_clock_by_the_change(
    zone: str, start: str, handoffs: list[str]
) -> None:
    layer = Layer("L", datetime.fromisoformat(start), timedelta(hours=2), (ADA, GRACE, LINUS))
    rota = Schedule("S", zone, (layer,))
    before = local(start, zone) - timedelta(minutes=1)

    changes = [moment for moment, _ in upcoming(rota, before, 5)]

    assert [f"{m.astimezone(ZoneInfo(zone)):%d %H:%M}" for m in changes] == handoffs
    assert {b - a for a, b in zip(changes, changes[1:], strict=False)} == {timedelta(hours=2)}


@pytest.mark.parametrize(
    ("zone", "wall", "day", "handoff"),
    [
        ("America/New_York", "02:30", "2026-03-07", "2026-03-07T02:30-05:00"),
        ("America/New_York", "02:30", "2026-03-08", "2026-03-08T03:30-04:00"),
        ("America/New_York", "02:30", "2026-03-09", "2026-03-09T02:30-04:00"),
        ("America/New_York", "01:30", "2026-11-01", "2026-11-01T01:30-04:00"),
        ("Europe/London", "01:30", "2026-03-29", "2026-03-29T02:30+01:00"),
        ("Europe/London", "01:30", "2026-10-25", "2026-10-25T01:30+01:00"),
        ("Australia/Lord_Howe", "02:15", "2026-10-04", "2026-10-04T02:45+11:00"),
        ("Australia/Lord_Howe", "01:45", "2026-04-05", "2026-04-05T01:45+11:00"),
    ],
)
def test_a_daily_handoff_at_a_skipped_or_repeated_time_reads_the_clock_as_before_the_change(
    zone: str, wall: str, day: str, handoff: str
) -> None:
    layer = Layer("L", datetime.fromisoformat(f"2026-01-01T{wall}"), timedelta(days=1), (1, 2))
    rota = Schedule("S", zone, (layer,))
    midnight = local(f"{day}T00:00", zone)

    first = upcoming(rota, midnight, 1)

    assert first[0][0] == datetime.fromisoformat(handoff)


@pytest.mark.parametrize(
    ("zone", "now", "handoff_at", "expected"),
    [
        ("Europe/London", "2026-11-11T12:00+00:00", "09:00", "2026-11-09T09:00"),
        ("Europe/London", "2026-11-09T09:00+00:00", "09:00", "2026-11-09T09:00"),
        ("Europe/London", "2026-11-09T08:59+00:00", "09:00", "2026-11-02T09:00"),
        ("Europe/London", "2026-11-15T23:59+00:00", "09:00", "2026-11-09T09:00"),
        ("Europe/London", "2026-11-09T12:00+00:00", "18:00", "2026-11-02T18:00"),
        ("America/New_York", "2026-11-09T03:00+00:00", "09:00", "2026-11-02T09:00"),
        ("Asia/Kolkata", "2026-11-08T20:00+00:00", "00:30", "2026-11-09T00:30"),
        ("Australia/Lord_Howe", "2026-04-05T12:00+00:00", "09:00", "2026-03-30T09:00"),
        ("Europe/London", "2026-03-30T08:30+00:00", "09:00", "2026-03-30T09:00"),
    ],
)
def test_a_rotation_without_a_start_begins_at_the_latest_monday_handoff_in_its_own_zone(
    zone: str, now: str, handoff_at: str, expected: str
) -> None:
    start = default_start(zone, datetime.fromisoformat(now), clock(handoff_at))

    assert start == datetime.fromisoformat(expected)
    assert start.weekday() == MON
    assert start.replace(tzinfo=ZoneInfo(zone)) <= datetime.fromisoformat(now)


def test_the_default_handoff_is_nine_oclock() -> None:
    assert default_start("UTC", utc("2026-11-11T12:00")) == datetime(2026, 11, 9, 9, 0)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window(frozenset(range(5)), time(9, 0), time(17, 0)), "Mon–Fri 09:00–17:00"),
        (Window(frozenset({5, 6})), "Sat–Sun all day"),
        (Window(start=time(22, 0), end=time(6, 0)), "every day 22:00–06:00"),
        (
            Window(frozenset({0, 2, 3, 4, 6}), time(8, 30), time(12, 0)),
            "Mon, Wed–Fri, Sun 08:30–12:00",
        ),
        (Window(frozenset({2}), time(7, 0), time(7, 0)), "Wed 24h from 07:00"),
    ],
)
def test_a_window_is_described_as_weekday_runs_and_wall_clock_hours(
    window: Window, expected: str
) -> None:
    assert describe_window(window) == expected
