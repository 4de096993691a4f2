"""Storm control: the limit per person and channel, and the bundling model the engine follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.storm import Limit, messages_in_storm, release_at

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("sent", "now", "expected"),
    [
        ([], 0, None),
        ([0], 1, None),
        ([0, 1], 2, None),
        ([0, 1, 2], 3, 60),  # three in the window: wait until the first leaves it
        ([0, 1, 2], 60, None),  # the first left the window exactly now
        ([0, 1, 2, 30], 59, 61),  # 1, 2 and 30 still count once 0 has left: wait for 1
        ([-120, -90, 10, 20], 30, None),  # old messages do not count
        ([50, 10, 30], 55, 70),  # order does not matter
    ],
)
def test_release_at(sent: list[float], now: float, expected: float | None) -> None:
    limit = Limit(3, MINUTE)
    got = release_at([at(s) for s in sent], limit, at(now))
    assert got == (None if expected is None else at(expected))


def test_a_limit_needs_a_count_and_a_window() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Limit(0, MINUTE)
    with pytest.raises(ValueError, match="longer than zero"):
        Limit(1, timedelta(0))


def test_a_thousand_pages_in_a_minute_become_a_handful_of_messages() -> None:
    arrivals = [at(i * 0.06) for i in range(1000)]
    sent = messages_in_storm(arrivals, Limit(3, MINUTE))
    assert sent[:3] == arrivals[:3]
    assert sent[3] == at(60)  # the rest waited for the window and went as one bundle
    assert len(sent) == 4


arrival_lists = st.lists(st.floats(min_value=0, max_value=600), min_size=1, max_size=300)


@given(
    arrival_lists,
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=120),
)
def test_no_window_ever_holds_more_than_the_limit(
    offsets: list[float], count: int, window_seconds: int
) -> None:
    limit = Limit(count, timedelta(seconds=window_seconds))
    sent = messages_in_storm([at(o) for o in offsets], limit)
    for moment in sent:
        inside = [m for m in sent if moment - limit.window < m <= moment]
        assert len(inside) <= limit.count


@given(
    arrival_lists,
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=120),
)
def test_every_page_is_carried_and_messages_stay_bounded(
    offsets: list[float], count: int, window_seconds: int
) -> None:
    limit = Limit(count, timedelta(seconds=window_seconds))
    arrivals = sorted(at(o) for o in offsets)
    sent = messages_in_storm(arrivals, limit)
    # Nothing is dropped: the last page is carried by a message at or after it.
    assert sent[-1] >= arrivals[-1]
    assert sent == sorted(sent)
    # Each message carries something: never more messages than pages.
    assert len(sent) <= len(arrivals)
    # Bounded: at most the limit per window over the storm, plus one bundle at the end.
    span = (arrivals[-1] - arrivals[0]).total_seconds()
    windows = int(span // window_seconds) + 1
    assert len(sent) <= count * windows + 1
