"""Properties of whole schedules on random layers, restriction windows, overrides and absences.

Each random schedule is drawn around an analysis window ``[start, end)`` of up to ten days,
often placed across a daylight-saving change, so that layer starts, overrides and absences
fall before, inside and after it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.schedules import (
    Away,
    Cover,
    Layer,
    Override,
    Schedule,
    Shift,
    SourceKind,
    Window,
    covering,
    gaps,
    next_shift,
    on_call,
    shifts,
    upcoming,
)
from ondeck.domain.schedules import AwayKind as Kind

ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
TURNS = tuple(
    timedelta(minutes=m) for m in (30, 45, 120, 7 * 60, 24 * 60, 36 * 60, 2 * 24 * 60, 7 * 24 * 60)
)
TRANSITIONS_2026 = tuple(
    datetime.fromisoformat(moment).replace(tzinfo=UTC)
    for moment in (
        "2026-03-08T07:00",  # New York springs forward
        "2026-03-29T01:00",  # London springs forward
        "2026-04-04T15:00",  # Lord Howe goes back half an hour
        "2026-10-03T15:30",  # Lord Howe goes forward half an hour
        "2026-10-25T01:00",  # London falls back
        "2026-11-01T06:00",  # New York falls back
    )
)
PEOPLE = 5
"""Random layers, overrides and absences use user ids 1..PEOPLE."""
ALWAYS_THERE = (10, 11, 12)
"""The people of the always-staffed layer: nobody ever marks them away."""
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Scenario:
    schedule: Schedule
    start: datetime
    end: datetime

    def at(self, fraction: float) -> datetime:
        """The moment ``fraction`` of the way through the window (always inside it)."""
        return min(self.start + (self.end - self.start) * fraction, self.end - MICROSECOND)


_STARTS = st.one_of(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    st.builds(
        lambda change, minutes: change + timedelta(minutes=minutes),
        st.sampled_from(TRANSITIONS_2026),
        st.integers(-5 * 24 * 60, 2 * 24 * 60),
    ),
)
_LENGTHS = st.one_of(
    st.integers(1, 180).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(1, 48).map(lambda hours: timedelta(hours=hours)),
    st.integers(2 * 24 * 60, 10 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes)),
)
_OFFSETS = st.integers(-4 * 24 * 60, 12 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
_NOBODY = st.just(list[int]())
_CLOCK = st.builds(time, st.integers(0, 23), st.sampled_from((0, 15, 30, 45)))
_WINDOWS = st.builds(
    Window,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=_CLOCK,
    end=_CLOCK,
)


@st.composite
def _layer(draw: st.DrawFn, name: str, zone: ZoneInfo, start: datetime) -> Layer:
    began = timedelta(
        minutes=draw(st.integers(-60 * 24 * 60, -1) | st.integers(-24 * 60, 6 * 24 * 60))
    )
    wall = (start.astimezone(zone) + began).replace(tzinfo=None, second=0, microsecond=0)
    restricted = draw(st.sampled_from((False, False, True)))
    return Layer(
        name=name,
        start=wall,
        turn=draw(st.sampled_from(TURNS)),
        participants=tuple(
            draw(st.lists(st.integers(1, PEOPLE), min_size=1, max_size=4) | _NOBODY)
        ),
        restrictions=tuple(draw(st.lists(_WINDOWS, min_size=1, max_size=2))) if restricted else (),
    )


@st.composite
def _override(draw: st.DrawFn, id: int, start: datetime) -> Override:
    begins = start + draw(_OFFSETS)
    length = draw(st.integers(1, 3 * 24 * 60).map(lambda m: timedelta(minutes=m)))
    return Override(
        id=id,
        user=draw(st.integers(1, PEOPLE + 2)),
        start=begins,
        end=begins + length,
        trade=draw(st.none() | st.integers(1, 50)),
    )


@st.composite
def _away(draw: st.DrawFn, layers: tuple[str, ...], start: datetime) -> Away:
    begins = draw(st.none() | _OFFSETS.map(lambda offset: start + offset))
    length = draw(st.none() | st.integers(1, 6 * 24 * 60).map(lambda m: timedelta(minutes=m)))
    if length is None:
        ends = None
    elif begins is None:
        ends = start + draw(_OFFSETS)
    else:
        ends = begins + length
    return Away(
        user=draw(st.integers(1, PEOPLE)),
        start=begins,
        end=ends,
        layer=draw(st.none() | st.sampled_from((*layers, "elsewhere"))),
        kind=draw(st.sampled_from(Kind)),
    )


@st.composite
def scenarios(
    draw: st.DrawFn, *, always_staffed: bool = False, with_overrides: bool = False
) -> Scenario:
    """A random schedule and window; with ``always_staffed``, one layer always has someone;
    with ``with_overrides``, at least one override."""
    timezone = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(timezone)
    start = draw(_STARTS)
    end = start + draw(_LENGTHS)
    names = tuple(f"L{index}" for index in range(draw(st.sampled_from((0, 1, 2, 3)))))
    layers = [draw(_layer(name, zone, start)) for name in names]
    if always_staffed:
        staffed = Layer(
            name="always",
            start=(start.astimezone(zone) - timedelta(days=draw(st.integers(1, 30)))).replace(
                tzinfo=None
            ),
            turn=draw(st.sampled_from(TURNS)),
            participants=tuple(draw(st.permutations(ALWAYS_THERE))),
        )
        layers.insert(draw(st.integers(0, len(layers))), staffed)
    ids = draw(
        st.lists(st.integers(1, 1000), unique=True, min_size=1 if with_overrides else 0, max_size=4)
    )
    overrides = tuple(draw(_override(id, start)) for id in ids)
    away = tuple(draw(st.lists(_away(names, start), max_size=4)))
    schedule = Schedule(
        name="S", timezone=timezone, layers=tuple(layers), overrides=overrides, away=away
    )
    return Scenario(schedule, start, end)


_FRACTIONS = st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8)


def _cover(shift: Shift) -> Cover:
    return Cover(shift.user, shift.source)


@settings(max_examples=120, deadline=None)
@given(scenarios(always_staffed=True), _FRACTIONS)
def test_with_one_layer_always_staffed_there_is_never_a_gap(
    scenario: Scenario, fractions: list[float]
) -> None:
    schedule, start, end = scenario.schedule, scenario.start, scenario.end

    holes = gaps(schedule, start, end)
    timeline = shifts(schedule, start, end)

    assert holes == []
    assert timeline[0].start == start
    assert timeline[-1].end == end
    for fraction in fractions:
        assert on_call(schedule, scenario.at(fraction)) != ()
    for shift in timeline:
        assert on_call(schedule, shift.end - MICROSECOND) != ()


@settings(max_examples=120, deadline=None)
@given(scenarios(with_overrides=True), st.data())
def test_an_override_always_wins_and_the_newest_covering_one_names_who_is_on_call(
    scenario: Scenario, data: st.DataObject
) -> None:
    schedule = scenario.schedule
    chosen = data.draw(st.sampled_from(schedule.overrides))
    fraction = data.draw(st.floats(0, 1, exclude_max=True))
    at = min(chosen.start + (chosen.end - chosen.start) * fraction, chosen.end - MICROSECOND)
    newest = max((o for o in schedule.overrides if o.start <= at < o.end), key=lambda o: o.id)

    found = covering(schedule, at)

    assert on_call(schedule, at) == (newest.user,)
    assert found is not None
    assert found.source.override == newest.id
    assert found.source.trade == newest.trade
    assert found.source.kind is (SourceKind.OVERRIDE if newest.trade is None else SourceKind.TRADE)
    without_layers = replace(schedule, layers=(), away=())
    assert covering(without_layers, at) == found


@settings(max_examples=200, deadline=None)
@given(scenarios(), _FRACTIONS)
def test_shifts_agree_with_covering_at_every_boundary_and_inside(
    scenario: Scenario, fractions: list[float]
) -> None:
    schedule, start, end = scenario.schedule, scenario.start, scenario.end

    timeline = shifts(schedule, start, end)
    holes = gaps(schedule, start, end)

    for shift in timeline:
        assert start <= shift.start < shift.end <= end
        assert covering(schedule, shift.start) == _cover(shift)
        assert covering(schedule, shift.end - MICROSECOND) == _cover(shift)
    for before, after in zip(timeline, timeline[1:], strict=False):
        assert before.end <= after.start
        if before.end == after.start:
            assert (before.user, before.source) != (after.user, after.source)
    for lo, hi in holes:
        assert start <= lo < hi <= end
        assert on_call(schedule, lo) == ()
        assert on_call(schedule, hi - MICROSECOND) == ()
    spans = sorted([(s.start, s.end) for s in timeline] + holes)
    assert spans[0][0] == start
    assert spans[-1][1] == end
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    for fraction in fractions:
        at = scenario.at(fraction)
        holding = [s for s in timeline if s.start <= at < s.end]
        expected = _cover(holding[0]) if holding else None
        assert covering(schedule, at) == expected


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_upcoming_and_next_shift_agree_with_shifts(scenario: Scenario) -> None:
    schedule, start, end = scenario.schedule, scenario.start, scenario.end
    timeline = shifts(schedule, start, end)
    expected: list[tuple[datetime, tuple[int, ...]]] = []
    current, cursor = on_call(schedule, start), start
    for shift in timeline:
        if shift.start > cursor and current:
            current = ()
            expected.append((cursor, current))
        if (shift.user,) != current:
            current = (shift.user,)
            expected.append((shift.start, current))
        cursor = shift.end
    if current and cursor < end:
        expected.append((cursor, ()))

    changes = upcoming(schedule, start, len(expected) + 1)

    assert [change for change in changes if change[0] < end] == expected
    for user in {s.user for s in timeline if s.start > start}:
        first = next(s for s in timeline if s.user == user and s.start > start)
        found = next_shift(schedule, user, start)
        assert found is not None
        assert (found.start, found.source) == (first.start, first.source)
        assert found.end >= first.end
        if first.end < end:
            assert found.end == first.end


DST_ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe")


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether the naive ``wall`` time is ever shown by the clocks of ``zone``."""
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(DST_ZONES),
    st.sampled_from((1, 2, 7, 14)),
    st.builds(
        datetime.combine,
        st.dates(min_value=date(2025, 6, 1), max_value=date(2025, 12, 31)),
        st.builds(time, st.integers(0, 23) | st.sampled_from((1, 2)), st.integers(0, 59)),
    ),
)
def test_whole_day_turns_hand_over_at_the_same_wall_clock_time_across_every_change_of_2026(
    timezone: str, days: int, start: datetime
) -> None:
    zone = ZoneInfo(timezone)
    layer = Layer("L", start, timedelta(days=days), (1, 2, 3))
    rota = Schedule("S", timezone, (layer,))
    changes = [c for c in TRANSITIONS_2026 if _offset(c, zone) != _offset(c - MICROSECOND, zone)]
    assert len(changes) == 2

    for change in changes:
        handoffs = [m for m, _ in upcoming(rota, change - timedelta(days=2 * days + 1), 5)]

        assert handoffs[0] < change < handoffs[-1]
        for moment in handoffs:
            shown = moment.astimezone(zone)
            wall = datetime.combine(shown.date(), start.time())
            if _exists(wall, zone):
                assert shown.replace(tzinfo=None) == wall
                assert shown.fold == 0
            else:
                skipped = _offset(change, zone) - _offset(change - MICROSECOND, zone)
                assert shown.replace(tzinfo=None) == wall + skipped
        dates = [moment.astimezone(zone).date() for moment in handoffs]
        assert {(b - a).days for a, b in zip(dates, dates[1:], strict=False)} == {days}


def _written_in(moment: datetime | None, zone: str) -> datetime | None:
    return None if moment is None else moment.astimezone(ZoneInfo(zone))


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.sampled_from(ZONES))
def test_the_timeline_does_not_depend_on_the_zone_times_are_written_in(
    scenario: Scenario, written: str
) -> None:
    schedule = scenario.schedule
    rewritten = replace(
        schedule,
        overrides=tuple(
            replace(
                o,
                start=o.start.astimezone(ZoneInfo(written)),
                end=o.end.astimezone(ZoneInfo(written)),
            )
            for o in schedule.overrides
        ),
        away=tuple(
            replace(a, start=_written_in(a.start, written), end=_written_in(a.end, written))
            for a in schedule.away
        ),
    )
    start, end = (
        scenario.start.astimezone(ZoneInfo(written)),
        scenario.end.astimezone(ZoneInfo(written)),
    )

    timeline = shifts(rewritten, start, end)

    assert [
        (s.user, s.start.astimezone(UTC), s.end.astimezone(UTC), s.source) for s in timeline
    ] == [
        (s.user, s.start, s.end, s.source) for s in shifts(schedule, scenario.start, scenario.end)
    ]
    assert gaps(rewritten, start, end) == gaps(schedule, scenario.start, scenario.end)
    for shift in timeline:
        assert covering(rewritten, shift.start) == _cover(shift)
        assert covering(rewritten, shift.end.astimezone(UTC) - MICROSECOND) == _cover(shift)
