"""Who is on call when: rotations, layers, and handoffs that keep local time across DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.rotation import Window
from ondeck.domain.schedules import (
    Cover,
    Layer,
    Override,
    Schedule,
    Shift,
    Source,
    SourceKind,
    covering,
    gaps,
    layer_covering,
    next_change,
    next_shift,
    on_call,
    shifts,
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


@pytest.mark.parametrize(
    ("zone", "change"),
    [("Europe/London", 1.0), ("America/New_York", 1.0), ("Australia/Lord_Howe", 0.5)],
)
@pytest.mark.parametrize(
    ("turn", "handoffs"),
    [(timedelta(days=1), 365), (timedelta(weeks=1), 52)],
    ids=["daily", "weekly"],
)
def test_every_whole_day_handoff_of_2026_is_at_nine_local_and_turns_stretch_over_the_changes(
    zone: str, change: float, turn: timedelta, handoffs: int
) -> None:
    tz = ZoneInfo(zone)
    rota = schedule(rotation("2025-12-29T09:00", turn), zone=zone)
    hours = turn / timedelta(hours=1)

    year = shifts(rota, datetime(2026, 1, 1, tzinfo=tz), datetime(2027, 1, 1, tzinfo=tz))

    starts = [shift.start.astimezone(tz) for shift in year[1:]]
    assert len(starts) == handoffs
    assert {f"{moment:%H:%M}" for moment in starts} == {"09:00"}
    assert {(b.date() - a.date()).days for a, b in zip(starts, starts[1:], strict=False)} == {
        turn.days
    }
    assert {(s.end - s.start) / timedelta(hours=1) for s in year[1:-1]} == {
        hours - change,
        hours,
        hours + change,
    }


LAYER = Source(SourceKind.LAYER, layer="L")
EVENING = (
    Override(1, CTO, utc("2026-11-10T18:00"), utc("2026-11-11T09:00")),
    Override(5, LINUS, utc("2026-11-11T00:00"), utc("2026-11-11T06:00")),
    Override(3, ADA, utc("2026-11-10T20:00"), utc("2026-11-11T03:00")),
    Override(9, LINUS, utc("2026-11-10T19:00"), utc("2026-11-10T19:00")),
)
OVERRIDDEN = replace(WEEKLY, overrides=EVENING)


def by_override(number: int) -> Source:
    return Source(SourceKind.OVERRIDE, override=number)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-11-10T17:59:59", Cover(GRACE, LAYER)),
        ("2026-11-10T18:00:00", Cover(CTO, by_override(1))),
        ("2026-11-10T19:00:00", Cover(CTO, by_override(1))),
        ("2026-11-10T20:00:00", Cover(ADA, by_override(3))),
        ("2026-11-11T00:00:00", Cover(LINUS, by_override(5))),
        ("2026-11-11T03:00:00", Cover(LINUS, by_override(5))),
        ("2026-11-11T06:00:00", Cover(CTO, by_override(1))),
        ("2026-11-11T09:00:00", Cover(GRACE, LAYER)),
    ],
)
def test_the_newest_override_covering_a_moment_names_who_is_on_call_and_why(
    at: str, expected: Cover
) -> None:
    assert covering(OVERRIDDEN, utc(at)) == expected


def test_shifts_cut_the_timeline_wherever_the_person_or_the_reason_changes() -> None:
    timeline = shifts(OVERRIDDEN, utc("2026-11-10T12:00"), utc("2026-11-11T12:00"))

    assert timeline == [
        Shift(GRACE, utc("2026-11-10T12:00"), utc("2026-11-10T18:00"), LAYER),
        Shift(CTO, utc("2026-11-10T18:00"), utc("2026-11-10T20:00"), by_override(1)),
        Shift(ADA, utc("2026-11-10T20:00"), utc("2026-11-11T00:00"), by_override(3)),
        Shift(LINUS, utc("2026-11-11T00:00"), utc("2026-11-11T06:00"), by_override(5)),
        Shift(CTO, utc("2026-11-11T06:00"), utc("2026-11-11T09:00"), by_override(1)),
        Shift(GRACE, utc("2026-11-11T09:00"), utc("2026-11-11T12:00"), LAYER),
    ]


def test_an_override_for_whoever_the_rotation_has_anyway_still_shows_as_an_override() -> None:
    same = replace(
        WEEKLY, overrides=(Override(2, GRACE, utc("2026-11-10T18:00"), utc("2026-11-11T09:00")),)
    )

    timeline = shifts(same, utc("2026-11-10T12:00"), utc("2026-11-11T12:00"))

    assert [(s.user, s.source.kind) for s in timeline] == [
        (GRACE, SourceKind.LAYER),
        (GRACE, SourceKind.OVERRIDE),
        (GRACE, SourceKind.LAYER),
    ]
    assert upcoming(same, utc("2026-11-10T12:00"), 1) == [(utc("2026-11-16T09:00"), (LINUS,))]


def test_an_override_with_a_trade_is_a_trade() -> None:
    traded = replace(
        WEEKLY,
        overrides=(Override(4, LINUS, utc("2026-11-10T18:00"), utc("2026-11-11T09:00"), trade=12),),
    )

    assert covering(traded, utc("2026-11-10T18:00")) == Cover(
        LINUS, Source(SourceKind.TRADE, override=4, trade=12)
    )


OFFICE_HOURS = Window(frozenset(range(5)), time(9, 0), time(17, 0))
NIGHTS = Window(start=time(22, 0), end=time(6, 0))


def restricted(*windows: Window, people: tuple[int, ...] = (CTO,), name: str = "office") -> Layer:
    return replace(
        rotation("2026-11-02T09:00", timedelta(weeks=1), people, name), restrictions=windows
    )


def test_a_restricted_layer_on_top_takes_only_its_windows_and_the_base_layer_the_rest() -> None:
    rota = schedule(
        rotation("2026-11-02T09:00", timedelta(weeks=1), name="base"), restricted(OFFICE_HOURS)
    )
    base = Source(SourceKind.LAYER, layer="base")
    office = Source(SourceKind.LAYER, layer="office")

    timeline = shifts(rota, utc("2026-11-13T00:00"), utc("2026-11-16T12:00"))

    assert timeline == [
        Shift(GRACE, utc("2026-11-13T00:00"), utc("2026-11-13T09:00"), base),
        Shift(CTO, utc("2026-11-13T09:00"), utc("2026-11-13T17:00"), office),
        Shift(GRACE, utc("2026-11-13T17:00"), utc("2026-11-16T09:00"), base),
        Shift(CTO, utc("2026-11-16T09:00"), utc("2026-11-16T12:00"), office),
    ]


@pytest.mark.parametrize(
    ("windows", "start", "end", "expected"),
    [
        (
            (OFFICE_HOURS,),
            "2026-11-13T00:00",
            "2026-11-16T12:00",
            [
                ("2026-11-13T00:00", "2026-11-13T09:00"),
                ("2026-11-13T17:00", "2026-11-16T09:00"),
            ],
        ),
        (
            (NIGHTS,),
            "2026-11-13T00:00",
            "2026-11-14T00:00",
            [("2026-11-13T06:00", "2026-11-13T22:00")],
        ),
        (
            (OFFICE_HOURS, NIGHTS),
            "2026-11-13T00:00",
            "2026-11-13T12:00",
            [("2026-11-13T06:00", "2026-11-13T09:00")],
        ),
        ((Window(),), "2026-11-13T00:00", "2026-11-20T00:00", []),
    ],
    ids=["office-hours", "nights", "both", "whole-days"],
)
def test_a_schedule_of_restricted_layers_only_has_gaps_outside_their_windows(
    windows: tuple[Window, ...], start: str, end: str, expected: list[tuple[str, str]]
) -> None:
    rota = schedule(restricted(*windows))

    holes = gaps(rota, utc(start), utc(end))

    assert holes == [(utc(a), utc(b)) for a, b in expected]
    for a, b in holes:
        assert on_call(rota, a) == on_call(rota, b - timedelta(microseconds=1)) == ()


@pytest.mark.parametrize(
    ("user", "after", "expected"),
    [
        (ADA, "2026-11-10T12:00", ("2026-11-23T09:00", "2026-11-30T09:00")),
        (GRACE, "2026-11-10T12:00", ("2026-11-30T09:00", "2026-12-07T09:00")),
        (GRACE, "2026-11-09T08:59", ("2026-11-09T09:00", "2026-11-16T09:00")),
        (GRACE, "2026-11-09T09:00", ("2026-11-30T09:00", "2026-12-07T09:00")),
        (CTO, "2026-11-10T12:00", None),
    ],
)
def test_the_next_shift_of_someone_is_the_first_that_starts_strictly_after_the_moment(
    user: int, after: str, expected: tuple[str, str] | None
) -> None:
    found = next_shift(WEEKLY, user, utc(after))

    if expected is None:
        assert found is None
    else:
        assert found == Shift(user, utc(expected[0]), utc(expected[1]), LAYER)


def test_the_next_shift_can_be_an_override_inside_someone_elses_turn() -> None:
    found = next_shift(OVERRIDDEN, ADA, utc("2026-11-10T12:00"))

    assert found == Shift(ADA, utc("2026-11-10T20:00"), utc("2026-11-11T00:00"), by_override(3))


def test_an_empty_or_backwards_window_has_no_shifts_and_no_gaps() -> None:
    assert shifts(WEEKLY, utc("2026-11-10T12:00"), utc("2026-11-10T12:00")) == []
    assert shifts(WEEKLY, utc("2026-11-10T12:00"), utc("2026-11-10T11:00")) == []
    assert gaps(WEEKLY, utc("2026-11-10T12:00"), utc("2026-11-10T11:00")) == []


def test_an_override_written_in_local_time_through_the_repeated_hour_keeps_its_real_span() -> None:
    first_pass = utc("2026-10-25T00:30").astimezone(LONDON)
    second_pass = utc("2026-10-25T01:15").astimezone(LONDON)
    rota = replace(
        schedule(rotation("2026-10-19T09:00", timedelta(weeks=1))),
        overrides=(Override(1, CTO, first_pass, second_pass),),
    )

    timeline = shifts(rota, utc("2026-10-25T00:00"), utc("2026-10-25T02:00"))

    assert (first_pass.strftime("%H:%M"), second_pass.strftime("%H:%M")) == ("01:30", "01:15")
    assert [(s.user, s.start, s.end) for s in timeline] == [
        (ADA, utc("2026-10-25T00:00"), utc("2026-10-25T00:30")),
        (CTO, utc("2026-10-25T00:30"), utc("2026-10-25T01:15")),
        (ADA, utc("2026-10-25T01:15"), utc("2026-10-25T02:00")),
    ]
    assert on_call(rota, utc("2026-10-25T01:00")) == (CTO,)
