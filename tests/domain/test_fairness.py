"""Who carries the load: hours by each person's own clock, pages at night, and balance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.fairness import Load, PageRecord, balance, load, report
from ondeck.domain.schedules import Shift, Source, SourceKind

ADA, GRACE, LINUS = 1, 2, 3
LAYER = Source(SourceKind.LAYER, layer="primary")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def shift(start: datetime, end: datetime, user: int = ADA) -> Shift:
    return Shift(user, start, end, LAYER)


@pytest.mark.parametrize(
    ("zone", "start", "end", "hours", "off_hours", "night", "weekend"),
    [
        ("Europe/London", "2026-11-09T09:00", "2026-11-09T18:00", 9, 0, 0, 0),
        ("Europe/London", "2026-11-09T18:00", "2026-11-10T09:00", 15, 15, 9, 0),
        ("Europe/London", "2026-11-13T18:00", "2026-11-16T09:00", 63, 63, 27, 48),
        ("Europe/London", "2026-11-09T09:00", "2026-11-16T09:00", 168, 123, 63, 48),
        ("America/New_York", "2026-11-09T09:00", "2026-11-09T18:00", 9, 5, 3, 0),
        ("America/New_York", "2026-11-14T03:00", "2026-11-14T06:00", 3, 3, 3, 1),
        ("Asia/Kolkata", "2026-11-09T09:00", "2026-11-09T18:00", 9, 5.5, 1.5, 0),
        ("Asia/Kolkata", "2026-11-15T17:00", "2026-11-15T20:00", 3, 3, 3, 1.5),
        ("Australia/Lord_Howe", "2026-11-09T09:00", "2026-11-09T18:00", 9, 9, 7, 0),
    ],
    ids=[
        "office-day",
        "weeknight",
        "weekend",
        "whole-week",
        "new-york-morning",
        "new-york-friday-night",
        "kolkata-evening",
        "kolkata-sunday-night",
        "lord-howe-night",
    ],
)
def test_hours_are_split_by_the_persons_own_clock(
    zone: str,
    start: str,
    end: str,
    hours: float,
    off_hours: float,
    night: float,
    weekend: float,
) -> None:
    found = load(ADA, zone, [shift(utc(start), utc(end))], [])

    assert (found.hours, found.off_hours, found.night_hours, found.weekend_hours) == (
        hours,
        off_hours,
        night,
        weekend,
    )


@pytest.mark.parametrize(
    ("zone", "day", "hours", "night"),
    [
        ("Europe/London", "2026-03-29", 23, 8),
        ("Europe/London", "2026-10-25", 25, 10),
        ("America/New_York", "2026-03-08", 23, 8),
        ("America/New_York", "2026-11-01", 25, 10),
        ("Australia/Lord_Howe", "2026-04-05", 24.5, 9.5),
        ("Australia/Lord_Howe", "2026-10-04", 23.5, 8.5),
    ],
)
def test_a_sunday_of_a_clock_change_counts_its_real_hours(
    zone: str, day: str, hours: float, night: float
) -> None:
    start = local(f"{day}T00:00", zone)
    end = local(f"{date.fromisoformat(day) + timedelta(days=1)}T00:00", zone)

    found = load(ADA, zone, [shift(start, end)], [])

    assert (found.hours, found.off_hours, found.night_hours, found.weekend_hours) == (
        hours,
        hours,
        night,
        hours,
    )


def test_a_shift_written_in_local_time_counts_its_real_hours_across_a_clock_change() -> None:
    spring = shift(
        local("2026-03-29T00:30", "Europe/London"), local("2026-03-29T03:00", "Europe/London")
    )

    found = load(ADA, "Europe/London", [spring], [])

    assert (found.hours, found.night_hours, found.weekend_hours) == (1.5, 1.5, 1.5)


def test_only_the_persons_own_shifts_and_pages_count() -> None:
    shifts = [
        shift(utc("2026-11-09T09:00"), utc("2026-11-09T18:00"), GRACE),
        shift(utc("2026-11-10T09:00"), utc("2026-11-10T12:00"), ADA),
    ]
    pages = [PageRecord(GRACE, 1, utc("2026-11-09T10:00"), utc("2026-11-09T10:01"))]

    found = load(ADA, "UTC", shifts, pages)

    assert found == Load(ADA, 3, 0, 0, 0, 0, 0, 0, None)


def page(at: str, ack_seconds: int | None = None, user: int = ADA) -> PageRecord:
    moment = utc(at)
    acked = None if ack_seconds is None else moment + timedelta(seconds=ack_seconds)
    return PageRecord(user, 1, moment, acked)


@pytest.mark.parametrize(
    ("zone", "pages", "night_pages", "acknowledged", "median"),
    [
        ("Europe/London", [], 0, 0, None),
        ("Europe/London", [page("2026-11-10T03:00", 60)], 1, 1, 60),
        ("Europe/London", [page("2026-11-10T03:00"), page("2026-11-10T12:00", 30)], 1, 1, 30),
        (
            "Europe/London",
            [
                page("2026-11-10T21:59", 60),
                page("2026-11-10T22:00", 300),
                page("2026-11-11T07:00", 120),
            ],
            1,
            3,
            120,
        ),
        ("Europe/London", [page("2026-11-10T12:00", 60), page("2026-11-10T13:00", 120)], 0, 2, 90),
        ("Asia/Kolkata", [page("2026-11-10T02:00", 60)], 0, 1, 60),
        ("America/New_York", [page("2026-11-10T02:00", 60)], 0, 1, 60),
        ("America/New_York", [page("2026-11-10T03:00", 60)], 1, 1, 60),
        ("Australia/Lord_Howe", [page("2026-11-10T12:00", 60)], 1, 1, 60),
    ],
    ids=[
        "no-pages",
        "night-page",
        "unacknowledged-page-has-no-ack-time",
        "night-starts-at-22-and-ends-at-7",
        "median-of-two",
        "kolkata-morning",
        "new-york-evening",
        "new-york-night",
        "lord-howe-night",
    ],
)
def test_pages_count_at_night_by_the_persons_clock_with_the_median_time_to_acknowledge(
    zone: str,
    pages: list[PageRecord],
    night_pages: int,
    acknowledged: int,
    median: float | None,
) -> None:
    found = load(ADA, zone, [], pages + [page("2026-11-10T03:00", 1, user=GRACE)])

    assert (found.pages, found.night_pages, found.acknowledged, found.median_ack_seconds) == (
        len(pages),
        night_pages,
        acknowledged,
        median,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 100),
        ([40], 100),
        ([0, 0, 0], 100),
        ([7, 7, 7, 7], 100),
        ([0, 10], 0),
        ([0, 0, 0, 10], 0),
        ([1, 3], 50),
        ([0, 5, 5], 50),
        ([1, 2, 3], 67),
        ([3, 1, 2], 67),
        ([56.0, 56.0, 56.5], 100),
    ],
)
def test_balance_is_100_when_all_carry_the_same_and_0_when_one_carries_everything(
    values: list[float], expected: int
) -> None:
    assert balance(values) == expected


def test_a_report_balances_hours_off_hours_and_pages_and_its_balance_is_the_worst() -> None:
    shifts = [
        shift(utc("2026-11-09T09:00"), utc("2026-11-09T18:00"), ADA),
        shift(utc("2026-11-09T18:00"), utc("2026-11-10T03:00"), GRACE),
    ]

    found = report(
        "Payments primary",
        utc("2026-11-09T00:00"),
        utc("2026-11-16T00:00"),
        people=[ADA, GRACE, LINUS],
        timezones={ADA: "Europe/London"},
        shifts=shifts,
        pages=[page("2026-11-09T10:00", 60)],
    )

    assert [person.user for person in found.people] == [ADA, GRACE, LINUS]
    assert [person.hours for person in found.people] == [9, 9, 0]
    assert found.hours_balance == balance([9, 9, 0]) == 50
    assert found.off_hours_balance == 0
    assert found.pages_balance == 0
    assert found.balance == 0


_LOADS = st.lists(st.integers(0, 10**6), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_LOADS, st.randoms(use_true_random=False), st.integers(1, 1000))
def test_balance_is_between_0_and_100_and_ignores_order_and_scale(
    values: list[int], random: Random, factor: int
) -> None:
    shuffled = list(values)
    random.shuffle(shuffled)

    found = balance(values)

    assert 0 <= found <= 100
    assert balance(shuffled) == found
    assert balance([value * factor for value in values]) == found
    assert abs(balance([value / 60 for value in values]) - found) <= 1
