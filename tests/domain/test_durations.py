"""Durations as written in organisation files: what is accepted, what is refused, round trips."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.durations import MAX_SECONDS, format_duration, parse_duration
from ondeck.domain.errors import InvalidDuration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("1s", timedelta(seconds=1)),
        ("5m", timedelta(minutes=5)),
        ("12h", timedelta(hours=12)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("0s", timedelta(0)),
        ("0m", timedelta(0)),
        ("90m", timedelta(minutes=90)),
        ("5M", timedelta(minutes=5)),
        (" 5m ", timedelta(minutes=5)),
    ],
)
def test_a_number_with_a_unit_is_read_as_that_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("5", "not a duration"),
        ("5x", "not a duration"),
        ("m5", "not a duration"),
        ("", "not a duration"),
        ("   ", "not a duration"),
        ("5 minutes", "not a duration"),
        ("5 m", "not a duration"),
        ("-5m", "not a duration"),
        ("1.5h", "not a duration"),
        ("h", "not a duration"),
        ("\u0665m", "not a duration"),
        ("1m1h", "largest first"),
        ("1m1m", "each unit once"),
        ("30s1d", "largest first"),
        ("9999999999w", "longer than any duration"),
    ],
)
def test_anything_else_is_refused_with_a_message_saying_what_to_write(
    text: str, complaint: str
) -> None:
    with pytest.raises(InvalidDuration, match=complaint):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=1), "1s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(days=7), "1w"),
        (timedelta(days=8, seconds=1), "1w1d1s"),
        (timedelta(seconds=59, microseconds=999_999), "59s"),
    ],
)
def test_a_duration_is_written_in_its_shortest_form(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_a_negative_duration_cannot_be_written() -> None:
    with pytest.raises(InvalidDuration, match="negative"):
        format_duration(timedelta(microseconds=-1))


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=MAX_SECONDS))
def test_every_whole_number_of_seconds_survives_a_round_trip_through_text(seconds: int) -> None:
    value = timedelta(seconds=seconds)

    assert parse_duration(format_duration(value)) == value


_SIZES = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_SIZES |= {"m": timedelta(minutes=1), "s": timedelta(seconds=1)}
_COUNTS = st.fixed_dictionaries(
    {}, optional={unit: st.integers(min_value=0, max_value=10_000) for unit in _SIZES}
).filter(bool)
_CANONICAL_LIMITS = {"d": 7, "h": 24, "m": 60, "s": 60}


@settings(max_examples=200)
@given(_COUNTS)
def test_units_written_largest_first_add_up_and_are_written_back_without_overflowing_a_unit(
    counts: dict[str, int],
) -> None:
    text = "".join(f"{counts[unit]}{unit}" for unit in _SIZES if unit in counts)

    value = parse_duration(text)
    written = format_duration(value)

    assert value == sum((n * _SIZES[unit] for unit, n in counts.items()), timedelta(0))
    assert parse_duration(written) == value
    if not value:
        assert written == "0s"
    for number, unit in re.findall(r"(\d+)([wdhms])", written if value else ""):
        assert 0 < int(number) < _CANONICAL_LIMITS.get(unit, MAX_SECONDS)
