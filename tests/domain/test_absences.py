"""People who are away: leave and exemptions, stand-ins, and layers left empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ondeck.domain.schedules import (
    Away,
    AwayKind,
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
    on_call,
    shifts,
)

ADA, GRACE, LINUS, KEN, CTO = 1, 2, 3, 4, 5
"""Turns of PRIMARY from Monday 2 November 2026 09:00: Ada, Grace, Linus, Ken, Ada…"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PRIMARY = Layer("primary", datetime(2026, 11, 2, 9), timedelta(weeks=1), (ADA, GRACE, LINUS, KEN))
BACKUP = Layer("backup", datetime(2026, 11, 2, 9), timedelta(weeks=1), (GRACE, CTO))


def rota(*away: Away, layers: tuple[Layer, ...] = (PRIMARY,)) -> Schedule:
    return Schedule("Payments primary", "Europe/London", layers, away=away)


def own(user: int, layer: str = "primary") -> Cover:
    return Cover(user, Source(SourceKind.LAYER, layer=layer))


def stands_in(user: int, absent: int, layer: str = "primary") -> Cover:
    return Cover(user, Source(SourceKind.STAND_IN, layer=layer, standing_in_for=absent))


def leave(user: int, start: str | None, end: str | None, layer: str | None = None) -> Away:
    return Away(
        user, None if start is None else utc(start), None if end is None else utc(end), layer
    )


GRACE_WEEK = leave(GRACE, "2026-11-09T09:00", "2026-11-16T09:00")
GRACE_MIDWEEK = leave(GRACE, "2026-11-11T12:00", "2026-11-13T12:00")
LINUS_WEEK = leave(LINUS, "2026-11-09T00:00", "2026-11-17T00:00")
KEN_WEEK = leave(KEN, "2026-11-23T00:00", "2026-11-30T00:00")
GRACE_FOR_GOOD = leave(GRACE, None, None)
GRACE_FROM_THURSDAY = leave(GRACE, "2026-11-12T00:00", None)
GRACE_UNTIL_THURSDAY = leave(GRACE, None, "2026-11-12T00:00")


@pytest.mark.parametrize(
    ("away", "at", "expected"),
    [
        ((), "2026-11-10T12:00", own(GRACE)),
        ((GRACE_WEEK,), "2026-11-09T08:59", own(ADA)),
        ((GRACE_WEEK,), "2026-11-09T09:00", stands_in(LINUS, GRACE)),
        ((GRACE_WEEK,), "2026-11-16T08:59", stands_in(LINUS, GRACE)),
        ((GRACE_WEEK,), "2026-11-16T09:00", own(LINUS)),
        ((GRACE_MIDWEEK,), "2026-11-11T11:59", own(GRACE)),
        ((GRACE_MIDWEEK,), "2026-11-11T12:00", stands_in(LINUS, GRACE)),
        ((GRACE_MIDWEEK,), "2026-11-13T11:59", stands_in(LINUS, GRACE)),
        ((GRACE_MIDWEEK,), "2026-11-13T12:00", own(GRACE)),
        ((GRACE_WEEK, LINUS_WEEK), "2026-11-10T12:00", stands_in(KEN, GRACE)),
        ((GRACE_WEEK, LINUS_WEEK), "2026-11-16T12:00", stands_in(KEN, LINUS)),
        ((KEN_WEEK,), "2026-11-24T12:00", stands_in(ADA, KEN)),
        ((GRACE_FOR_GOOD,), "2026-11-10T12:00", stands_in(LINUS, GRACE)),
        ((GRACE_FOR_GOOD,), "2027-05-25T12:00", stands_in(LINUS, GRACE)),
        ((GRACE_FROM_THURSDAY,), "2026-11-11T23:59", own(GRACE)),
        ((GRACE_FROM_THURSDAY,), "2026-11-12T00:00", stands_in(LINUS, GRACE)),
        ((GRACE_FROM_THURSDAY,), "2026-12-08T12:00", stands_in(LINUS, GRACE)),
        ((GRACE_UNTIL_THURSDAY,), "2026-11-11T23:59", stands_in(LINUS, GRACE)),
        ((GRACE_UNTIL_THURSDAY,), "2026-11-12T00:00", own(GRACE)),
        ((leave(GRACE, None, None, "backup"),), "2026-11-10T12:00", own(GRACE)),
        ((leave(GRACE, None, None, "primary"),), "2026-11-10T12:00", stands_in(LINUS, GRACE)),
        ((leave(CTO, None, None),), "2026-11-10T12:00", own(GRACE)),
    ],
    ids=[
        "nobody-away",
        "leave-before-it-starts",
        "leave-starts",
        "leave-last-moment",
        "leave-over-own-turn-next",
        "midweek-before",
        "midweek-starts",
        "midweek-last-moment",
        "midweek-back",
        "next-also-away-so-the-one-after",
        "the-stand-in-is-away-in-their-own-turn",
        "stand-in-wraps-around",
        "exempt-for-good",
        "exempt-for-good-months-later",
        "open-ended-before",
        "open-ended-from",
        "open-ended-next-turn",
        "since-always-until",
        "since-always-back",
        "exempt-from-another-layer",
        "exempt-from-this-layer",
        "someone-not-in-the-layer",
    ],
)
def test_a_person_who_is_away_is_skipped_and_the_next_available_participant_stands_in(
    away: tuple[Away, ...], at: str, expected: Cover
) -> None:
    assert covering(rota(*away), utc(at)) == expected


@pytest.mark.parametrize("kind", list(AwayKind))
def test_leave_and_exemption_hand_the_turn_on_the_same_way(kind: AwayKind) -> None:
    away = Away(GRACE, utc("2026-11-09T09:00"), utc("2026-11-16T09:00"), kind=kind)

    assert covering(rota(away), utc("2026-11-10T12:00")) == stands_in(LINUS, GRACE)


def test_a_stand_in_changes_nobody_elses_turns() -> None:
    start, end = utc("2026-11-02T09:00"), utc("2026-12-07T09:00")

    timeline = shifts(rota(GRACE_WEEK), start, end)

    assert timeline == [
        Shift(ADA, utc("2026-11-02T09:00"), utc("2026-11-09T09:00"), own(ADA).source),
        Shift(
            LINUS, utc("2026-11-09T09:00"), utc("2026-11-16T09:00"), stands_in(LINUS, GRACE).source
        ),
        Shift(LINUS, utc("2026-11-16T09:00"), utc("2026-11-23T09:00"), own(LINUS).source),
        Shift(KEN, utc("2026-11-23T09:00"), utc("2026-11-30T09:00"), own(KEN).source),
        Shift(ADA, utc("2026-11-30T09:00"), utc("2026-12-07T09:00"), own(ADA).source),
    ]
    assert shifts(rota(), start, end)[2:] == timeline[2:]


def test_an_exemption_scoped_to_one_layer_leaves_the_other_layers_alone() -> None:
    schedule = rota(leave(GRACE, None, None, "backup"), layers=(BACKUP, PRIMARY))
    at = utc("2026-11-03T12:00")

    assert layer_covering(schedule, BACKUP, at) == Cover(
        CTO, Source(SourceKind.STAND_IN, layer="backup", standing_in_for=GRACE)
    )
    assert layer_covering(schedule, PRIMARY, at) == own(ADA)
    assert layer_covering(schedule, PRIMARY, utc("2026-11-10T12:00")) == own(GRACE)


EVERYONE_AWAY = tuple(
    leave(user, "2026-11-10T00:00", "2026-11-11T00:00") for user in (ADA, GRACE, LINUS, KEN)
)


def test_with_everyone_in_a_layer_away_the_layer_below_takes_over() -> None:
    schedule = rota(*EVERYONE_AWAY, layers=(BACKUP, PRIMARY))

    timeline = shifts(schedule, utc("2026-11-09T12:00"), utc("2026-11-11T12:00"))

    assert [(s.user, s.start, s.end, s.source) for s in timeline] == [
        (GRACE, utc("2026-11-09T12:00"), utc("2026-11-10T00:00"), own(GRACE).source),
        (CTO, utc("2026-11-10T00:00"), utc("2026-11-11T00:00"), own(CTO, "backup").source),
        (GRACE, utc("2026-11-11T00:00"), utc("2026-11-11T12:00"), own(GRACE).source),
    ]


def test_with_everyone_in_the_only_layer_away_nobody_is_on_call() -> None:
    schedule = rota(*EVERYONE_AWAY)

    assert on_call(schedule, utc("2026-11-10T12:00")) == ()
    assert gaps(schedule, utc("2026-11-09T12:00"), utc("2026-11-11T12:00")) == [
        (utc("2026-11-10T00:00"), utc("2026-11-11T00:00"))
    ]


def test_with_the_lower_layers_people_away_too_the_whole_schedule_has_a_gap() -> None:
    both = (*EVERYONE_AWAY, leave(CTO, "2026-11-10T06:00", "2026-11-10T18:00"))
    schedule = rota(*both, layers=(BACKUP, PRIMARY))

    holes = gaps(schedule, utc("2026-11-10T00:00"), utc("2026-11-11T00:00"))

    assert holes == [(utc("2026-11-10T06:00"), utc("2026-11-10T18:00"))]
    assert covering(schedule, utc("2026-11-10T12:00")) is None


def test_an_override_puts_its_person_on_call_even_when_they_are_away() -> None:
    schedule = Schedule(
        "Payments primary",
        "Europe/London",
        (PRIMARY,),
        overrides=(Override(7, GRACE, utc("2026-11-10T18:00"), utc("2026-11-11T09:00")),),
        away=(GRACE_WEEK,),
    )

    assert on_call(schedule, utc("2026-11-10T17:59")) == (LINUS,)
    assert on_call(schedule, utc("2026-11-10T18:00")) == (GRACE,)


def test_an_absence_written_in_local_time_through_the_repeated_hour_keeps_its_real_span() -> None:
    london = ZoneInfo("Europe/London")
    schedule = Schedule(
        "Payments primary",
        "Europe/London",
        (replace(PRIMARY, start=datetime(2026, 10, 19, 9)),),
        away=(
            Away(
                ADA,
                utc("2026-10-25T00:30").astimezone(london),
                utc("2026-10-25T01:15").astimezone(london),
            ),
        ),
    )

    timeline = shifts(schedule, utc("2026-10-25T00:00"), utc("2026-10-25T02:00"))

    assert [(s.user, s.start, s.end) for s in timeline] == [
        (ADA, utc("2026-10-25T00:00"), utc("2026-10-25T00:30")),
        (GRACE, utc("2026-10-25T00:30"), utc("2026-10-25T01:15")),
        (ADA, utc("2026-10-25T01:15"), utc("2026-10-25T02:00")),
    ]
    assert covering(schedule, utc("2026-10-25T01:00")) == stands_in(GRACE, ADA)
