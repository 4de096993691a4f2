"""The status page's arithmetic: component states, the headline, and daily uptime bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.status_page import (
    PARTIAL_WEIGHT,
    ComponentState,
    DayBar,
    Impact,
    daily_bars,
    overall_state,
    overall_text,
    state_at,
    uptime,
)

S = ComponentState
UTC_ZONE = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def at(day: int, hour: float) -> datetime:
    """November 2026, UTC."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


@pytest.mark.parametrize(
    ("states", "headline"),
    [
        ([], "All systems operational"),
        ([S.OPERATIONAL, S.OPERATIONAL], "All systems operational"),
        ([S.OPERATIONAL, S.MAINTENANCE], "Maintenance in progress"),
        ([S.DEGRADED, S.MAINTENANCE], "Some systems are affected"),
        ([S.PARTIAL_OUTAGE], "Some systems are affected"),
        ([S.DEGRADED, S.MAJOR_OUTAGE, S.OPERATIONAL], "Major outage"),
    ],
)
def test_the_headline_follows_the_worst_component(
    states: list[ComponentState], headline: str
) -> None:
    assert overall_text(states) == headline


@pytest.mark.parametrize(
    ("states", "incidents", "headline"),
    [
        ([S.OPERATIONAL], [S.PARTIAL_OUTAGE], "Some systems are affected"),  # names nothing
        ([S.OPERATIONAL], [S.DEGRADED], "Some systems are affected"),
        ([], [S.MAJOR_OUTAGE], "Major outage"),
        ([S.OPERATIONAL], [S.MAINTENANCE], "Maintenance in progress"),
        ([S.OPERATIONAL], [S.OPERATIONAL], "All systems operational"),  # says nothing is hit
        ([S.MAJOR_OUTAGE], [S.DEGRADED], "Major outage"),
        ([S.OPERATIONAL], [], "All systems operational"),
    ],
)
def test_the_headline_counts_the_active_incidents_it_lists(
    states: list[ComponentState], incidents: list[ComponentState], headline: str
) -> None:
    assert overall_text(states, incidents) == headline
    assert overall_state(states, incidents) is max(
        [*states, *incidents, S.OPERATIONAL], key=lambda state: state.rank
    )


@given(
    st.lists(st.sampled_from(ComponentState)),
    st.lists(st.sampled_from(ComponentState), min_size=1),
)
def test_the_page_never_says_all_is_well_while_it_lists_an_incident_that_affects_something(
    states: list[ComponentState], incidents: list[ComponentState]
) -> None:
    affecting = any(state is not S.OPERATIONAL for state in incidents)
    assert (overall_text(states, incidents) != "All systems operational") or not affecting


def test_a_components_state_is_the_worst_impact_active_at_that_moment() -> None:
    impacts = [
        Impact(S.DEGRADED, at(29, 9), at(29, 11)),
        Impact(S.MAJOR_OUTAGE, at(29, 10), at(29, 10.5)),
        Impact(S.PARTIAL_OUTAGE, at(29, 20)),  # still going
    ]
    assert state_at(impacts, at(29, 8)) is S.OPERATIONAL
    assert state_at(impacts, at(29, 9)) is S.DEGRADED
    assert state_at(impacts, at(29, 10.25)) is S.MAJOR_OUTAGE
    assert state_at(impacts, at(29, 10.5)) is S.DEGRADED  # the end is not included
    assert state_at(impacts, at(30, 11)) is S.PARTIAL_OUTAGE


@pytest.mark.parametrize(
    ("impacts", "expected_uptime", "expected_worst"),
    [
        ([], 1.0, S.OPERATIONAL),
        ([Impact(S.MAJOR_OUTAGE, at(29, 0), at(29, 6))], 0.75, S.MAJOR_OUTAGE),
        (
            [Impact(S.PARTIAL_OUTAGE, at(29, 0), at(29, 12))],
            1 - 0.5 * PARTIAL_WEIGHT,
            S.PARTIAL_OUTAGE,
        ),
        ([Impact(S.DEGRADED, at(29, 0), at(30, 0))], 1.0, S.DEGRADED),
        ([Impact(S.MAINTENANCE, at(29, 1), at(29, 2))], 1.0, S.MAINTENANCE),
        # Overlaps cost once, at the worst state: 6 h major inside 12 h partial.
        (
            [
                Impact(S.PARTIAL_OUTAGE, at(29, 0), at(29, 12)),
                Impact(S.MAJOR_OUTAGE, at(29, 3), at(29, 9)),
            ],
            1 - (6 + 6 * PARTIAL_WEIGHT) / 24,
            S.MAJOR_OUTAGE,
        ),
        # An outage across midnight costs each day its own share.
        ([Impact(S.MAJOR_OUTAGE, at(28, 18), at(29, 6))], 0.75, S.MAJOR_OUTAGE),
    ],
)
def test_a_days_uptime_and_worst_state(
    impacts: list[Impact], expected_uptime: float, expected_worst: ComponentState
) -> None:
    bars = daily_bars(impacts, days=2, zone=UTC_ZONE, now=NOW)
    yesterday = bars[0]
    assert yesterday.day.isoformat() == "2026-11-29"
    assert yesterday.uptime == pytest.approx(expected_uptime)
    assert yesterday.worst is expected_worst


def test_today_counts_only_the_hours_that_have_passed() -> None:
    bars = daily_bars(
        [Impact(S.MAJOR_OUTAGE, at(30, 0), at(30, 3))], days=1, zone=UTC_ZONE, now=NOW
    )
    assert [bar.day.isoformat() for bar in bars] == ["2026-11-30"]
    assert bars[0].uptime == pytest.approx(1 - 3 / 12)


def test_days_follow_the_pages_zone_and_a_dst_day_has_its_real_length() -> None:
    # 29 March 2026 is 23 hours long in London; one hour of outage is 1/23 of it.
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)
    outage = Impact(
        S.MAJOR_OUTAGE, datetime(2026, 3, 29, 10, tzinfo=UTC), datetime(2026, 3, 29, 11, tzinfo=UTC)
    )
    bars = daily_bars([outage], days=2, zone=LONDON, now=now)
    assert bars[0].day.isoformat() == "2026-03-29"
    assert bars[0].uptime == pytest.approx(1 - 1 / 23)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "100%"), (0.99999, "99.99%"), (0.9993, "99.93%"), (0.5, "50.00%"), (0.0, "0.00%")],
)
def test_percentages_never_round_up_to_a_false_hundred(value: float, text: str) -> None:
    assert DayBar(NOW.date(), value, S.OPERATIONAL).percent == text


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot end before it starts"):
        Impact(S.MAJOR_OUTAGE, at(29, 2), at(29, 1))
    with pytest.raises(ValueError, match="at least one day"):
        daily_bars([], days=0, zone=UTC_ZONE, now=NOW)


impacts = st.lists(
    st.builds(
        lambda state, start, hours, open_: Impact(
            state, at(1, start), None if open_ else at(1, start + hours)
        ),
        st.sampled_from(list(ComponentState)),
        st.floats(min_value=0, max_value=24 * 29),
        st.floats(min_value=0, max_value=72),
        st.booleans(),
    ),
    max_size=12,
)


@given(impacts, st.sampled_from([UTC_ZONE, LONDON, ZoneInfo("America/New_York")]))
def test_bars_are_bounded_one_per_day_and_never_better_than_without_an_outage(
    found: list[Impact], zone: ZoneInfo
) -> None:
    bars = daily_bars(found, days=30, zone=zone, now=NOW)
    assert len(bars) == 30
    assert [bar.day for bar in bars] == sorted(bar.day for bar in bars)
    assert all(0.0 <= bar.uptime <= 1.0 for bar in bars)
    assert 0.0 <= uptime(bars) <= 1.0
    fewer = daily_bars(found[1:], days=30, zone=zone, now=NOW)
    # Removing an impact never lowers any day's uptime.
    assert all(b.uptime >= a.uptime - 1e-9 for a, b in zip(bars, fewer, strict=True))
