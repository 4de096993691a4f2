"""Who is on call when: rotations, layers, and handoffs that keep local time across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.schedules import (
    Layer,
    Schedule,
    layer_covering,
    next_change,
    on_call,
    upcoming,
)

LONDON = ZoneInfo("Europe/London")
ADA, GRACE, LINUS, CTO = 1, 2, 3, 4


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def rotation(
    start: str, turn: timedelta, people: tuple[int, ...] = (ADA, GRACE, LINUS), name: str = "L"
) -> Layer:
    return Layer(name=name, start=datetime.fromisoformat(start), turn=turn, participants=people)


def schedule(*layers: Layer, zone: str = "Europe/London") -> Schedule:
    return Schedule(name="Payments primary", timezone=zone, layers=layers)


WEEKLY = schedule(rotation("2026-11-02T09:00", timedelta(weeks=1)))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-11-02T08:59:59", ()),
        ("2026-11-02T09:00:00", (ADA,)),
        ("2026-11-09T08:59:59", (ADA,)),
        ("2026-11-09T09:00:00", (GRACE,)),
        ("2026-11-10T12:00:00", (GRACE,)),
        ("2026-11-16T09:00:00", (LINUS,)),
        ("2026-11-23T09:00:00", (ADA,)),
        ("2027-01-11T09:00:00", (GRACE,)),
    ],
)
def test_a_weekly_rotation_hands_over_every_monday_at_nine(at: str, expected: tuple[int]) -> None:
    assert on_call(WEEKLY, utc(at)) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-10-01T00:00:00", "2026-11-02T09:00:00"),
        ("2026-11-02T09:00:00", "2026-11-09T09:00:00"),
        ("2026-11-10T12:00:00", "2026-11-16T09:00:00"),
        ("2026-11-16T08:59:59", "2026-11-16T09:00:00"),
    ],
)
def test_the_next_change_is_the_next_handoff_strictly_after_the_moment(
    at: str, expected: str
) -> None:
    assert next_change(WEEKLY, utc(at)) == utc(expected)


def test_upcoming_lists_the_next_handoffs_with_who_takes_over() -> None:
    assert upcoming(WEEKLY, utc("2026-11-10T12:00:00"), 4) == [
        (utc("2026-11-16T09:00:00"), (LINUS,)),
        (utc("2026-11-23T09:00:00"), (ADA,)),
        (utc("2026-11-30T09:00:00"), (GRACE,)),
        (utc("2026-12-07T09:00:00"), (LINUS,)),
    ]


def test_upcoming_before_the_start_begins_with_the_first_person_taking_over() -> None:
    assert upcoming(WEEKLY, utc("2026-10-01T00:00:00"), 2) == [
        (utc("2026-11-02T09:00:00"), (ADA,)),
        (utc("2026-11-09T09:00:00"), (GRACE,)),
    ]


def test_a_rotation_of_one_person_never_changes_hands_so_upcoming_is_empty_after_the_start() -> (
    None
):
    alone = schedule(rotation("2026-11-02T09:00", timedelta(weeks=1), (ADA,)))

    assert upcoming(alone, utc("2026-11-10T12:00:00"), 3) == []


def test_a_schedule_without_layers_has_nobody_and_never_changes() -> None:
    empty = schedule()

    assert on_call(empty, utc("2026-11-10T12:00:00")) == ()
    assert next_change(empty, utc("2026-11-10T12:00:00")) is None
    assert upcoming(empty, utc("2026-11-10T12:00:00"), 3) == []


@pytest.mark.parametrize(
    ("turn", "start"),
    [(timedelta(days=1), "2026-03-20T09:00"), (timedelta(weeks=1), "2026-03-16T09:00")],
    ids=["daily", "weekly"],
)
@pytest.mark.parametrize(
    "days", [("2026-03-27", "2026-04-03"), ("2026-10-22", "2026-10-29")], ids=["march", "october"]
)
def test_a_nine_oclock_handoff_stays_at_nine_local_across_the_clock_changes(
    turn: timedelta, start: str, days: tuple[str, str]
) -> None:
    rota = schedule(rotation(start, turn))
    first, last = (london(f"{day}T00:00") for day in days)

    changes = upcoming(rota, first, 10)
    handoffs = [moment for moment, _ in changes if moment < last]

    assert handoffs, "expected at least one handoff in the window"
    assert {moment.astimezone(LONDON).strftime("%H:%M") for moment in handoffs} == {"09:00"}
    for moment, who in changes:
        assert on_call(rota, moment - timedelta(seconds=1)) != who
        assert on_call(rota, moment) == who


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-03-29T07:59:59", (ADA,)),
        ("2026-03-29T08:00:00", (GRACE,)),
        ("2026-03-30T07:59:59", (GRACE,)),
        ("2026-03-30T08:00:00", (LINUS,)),
        ("2026-10-25T08:59:59", (ADA,)),
        ("2026-10-25T09:00:00", (GRACE,)),
    ],
)
def test_a_daily_rotation_hands_over_at_nine_london_time_which_moves_in_utc(
    at: str, expected: tuple[int]
) -> None:
    spring = schedule(rotation("2026-03-28T09:00", timedelta(days=1)))
    autumn = schedule(rotation("2026-10-24T09:00", timedelta(days=1)))

    rota = spring if at.startswith("2026-03") else autumn

    assert on_call(rota, utc(at)) == expected


def test_a_two_hour_turn_lasts_two_real_hours_across_the_spring_change() -> None:
    rota = schedule(rotation("2026-03-29T00:00", timedelta(hours=2)))

    assert upcoming(rota, utc("2026-03-29T00:30:00"), 3) == [
        (utc("2026-03-29T02:00:00"), (GRACE,)),
        (utc("2026-03-29T04:00:00"), (LINUS,)),
        (utc("2026-03-29T06:00:00"), (ADA,)),
    ]


def test_who_is_on_call_does_not_depend_on_the_zone_the_moment_is_written_in() -> None:
    rota = schedule(rotation("2026-03-29T00:00", timedelta(hours=2)))
    moment = utc("2026-03-29T03:30:00")

    assert on_call(rota, moment) == on_call(rota, moment.astimezone(LONDON)) == (GRACE,)


def test_a_handoff_inside_the_repeated_autumn_hour_happens_once() -> None:
    rota = schedule(rotation("2026-10-20T01:30", timedelta(days=1), (1, 2, 3, 4, 5, 6, 7)))

    assert on_call(rota, utc("2026-10-25T00:20:00")) == (5,)
    assert on_call(rota, utc("2026-10-25T00:40:00")) == (6,)
    assert on_call(rota, utc("2026-10-25T01:10:00")) == (6,)
    assert next_change(rota, utc("2026-10-25T01:10:00")) == utc("2026-10-26T01:30:00")


def test_a_layer_before_its_start_has_nobody_and_changes_at_its_start() -> None:
    later = rotation("2027-01-04T09:00", timedelta(weeks=1))

    assert layer_covering(schedule(later), later, utc("2027-01-04T08:59:00")) is None
    assert on_call(schedule(later), utc("2027-01-04T08:59:00")) == ()
    assert next_change(schedule(later), utc("2026-12-01T00:00:00")) == utc("2027-01-04T09:00:00")


def test_the_higher_layer_wins_where_both_have_someone() -> None:
    base = rotation("2026-11-02T09:00", timedelta(weeks=1), name="base")
    cover = rotation("2026-11-10T18:00", timedelta(weeks=52), (CTO,), name="cover")
    rota = schedule(base, cover)

    assert on_call(rota, utc("2026-11-10T17:59:00")) == (GRACE,)
    assert on_call(rota, utc("2026-11-10T18:00:00")) == (CTO,)
    assert on_call(schedule(cover, base), utc("2026-11-10T18:00:00")) == (GRACE,)


def test_a_higher_layer_without_participants_leaves_the_lower_layer_on_call() -> None:
    rota = schedule(
        rotation("2026-11-02T09:00", timedelta(weeks=1)),
        rotation("2026-11-02T09:00", timedelta(days=1), ()),
    )

    assert on_call(rota, utc("2026-11-10T12:00:00")) == (GRACE,)
    assert next_change(rota, utc("2026-11-10T12:00:00")) == utc("2026-11-16T09:00:00")


ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
TURNS = [timedelta(minutes=m) for m in (1, 45, 90, 120, 24 * 60, 36 * 60, 7 * 24 * 60)]

_LAYERS = st.builds(
    Layer,
    name=st.just("L"),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    turn=st.sampled_from(TURNS),
    participants=st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple),
)
_SCHEDULES = st.builds(
    Schedule,
    name=st.just("S"),
    timezone=st.sampled_from(ZONES),
    layers=st.lists(_LAYERS, min_size=1, max_size=3).map(tuple),
)
_MOMENTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(_SCHEDULES, _MOMENTS)
def test_who_is_on_call_only_changes_at_the_next_change(schedule: Schedule, at: datetime) -> None:
    change = next_change(schedule, at)
    now = on_call(schedule, at)

    assert on_call(schedule, at.astimezone(ZoneInfo(schedule.timezone))) == now
    if change is None:
        assert on_call(schedule, at + timedelta(weeks=60)) == now
        return
    assert change > at
    before = change - timedelta(microseconds=1)
    assert on_call(schedule, before) == now
    assert next_change(schedule, before) == change


@settings(max_examples=75, deadline=None)
@given(_SCHEDULES, _MOMENTS)
def test_upcoming_changes_are_in_order_and_each_hands_the_pager_to_someone_else(
    schedule: Schedule, at: datetime
) -> None:
    changes = upcoming(schedule, at, 5)

    current = on_call(schedule, at)
    previous = at
    for moment, who in changes:
        assert moment > previous
        assert who != current
        assert on_call(schedule, moment) == who
        current, previous = who, moment
