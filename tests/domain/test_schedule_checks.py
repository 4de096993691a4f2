"""The schedule checks: each finding's exact words, and warnings before information."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

import pytest

from ondeck.domain.schedule_checks import Code, Finding, Level, People, check
from ondeck.domain.schedules import Away, Layer, Override, Schedule, Window

ADA, GRACE, LINUS, KEN, MARGARET, UNNAMED = 1, 2, 3, 4, 5, 7
NAMES = {ADA: "Ada", GRACE: "Grace", LINUS: "Linus", KEN: "Ken", MARGARET: "Margaret"}
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
"""A Monday; the default horizon of four weeks ends on Monday 28 December at 9:00."""
WEEK = timedelta(weeks=1)
OFFICE_HOURS = Window(frozenset(range(5)), time(9, 0), time(17, 0))
NIGHTS = Window(start=time(22, 0), end=time(6, 0))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def layer(
    *people: int,
    turn: timedelta = WEEK,
    name: str = "primary",
    restrictions: tuple[Window, ...] = (),
) -> Layer:
    """Turns from Monday 30 November 9:00: with Ada, Grace and Linus, Ada has the weeks of
    30 Nov and 21 Dec, Grace 7 Dec, Linus 14 Dec."""
    return Layer(name, datetime(2026, 11, 30, 9), turn, people, restrictions)


def rota(
    *layers: Layer,
    away: tuple[Away, ...] = (),
    overrides: tuple[Override, ...] = (),
    zone: str = "Europe/London",
) -> Schedule:
    return Schedule("Payments primary", zone, layers, overrides, away)


TEAM = layer(ADA, GRACE, LINUS)


def messages(
    schedule: Schedule,
    code: Code,
    *,
    unreachable: Mapping[int, str] | None = None,
    waiting: Mapping[str, Mapping[int, str]] | None = None,
    trades: Mapping[int, tuple[int, int]] | None = None,
    max_share: int = 50,
    horizon: timedelta = 4 * WEEK,
) -> list[str]:
    people = People(NAMES, unreachable or {}, waiting or {}, trades or {})
    found = check(schedule, now=NOW, people=people, max_share=max_share, horizon=horizon)
    return [f.message for f in found if f.code is code]


def away(user: int, start: str, end: str) -> Away:
    return Away(user, utc(start), utc(end))


def test_a_healthy_schedule_has_no_findings() -> None:
    assert check(rota(TEAM), now=NOW, people=People(NAMES)) == []


@pytest.mark.parametrize(
    ("people", "waiting", "expected"),
    [
        ((ADA, GRACE, LINUS), {}, []),
        ((ADA, GRACE, LINUS), {KEN: "invited"}, []),
        ((), {}, ["Layer 'primary' has nobody in it"]),
        (
            (),
            {ADA: "invited", GRACE: "declined"},
            ["Layer 'primary' has nobody in it (2 more listed but not opted in)"],
        ),
        (
            (ADA,),
            {},
            [
                "Layer 'primary' has 1 person; a rotation needs at least 3 so that nobody is "
                "on call every other turn"
            ],
        ),
        (
            (ADA, GRACE),
            {LINUS: "invited"},
            [
                "Layer 'primary' has 2 people (1 more listed but not opted in); a rotation "
                "needs at least 3 so that nobody is on call every other turn"
            ],
        ),
        (
            (ADA, GRACE, ADA),
            {},
            [
                "Layer 'primary' has 2 people; a rotation needs at least 3 so that nobody is "
                "on call every other turn"
            ],
        ),
    ],
    ids=["three", "three-and-one-invited", "nobody", "nobody-two-pending", "one", "two", "twice"],
)
def test_a_layer_of_fewer_than_three_people_is_a_warning(
    people: tuple[int, ...], waiting: dict[int, str], expected: list[str]
) -> None:
    schedule = rota(layer(*people))

    assert messages(schedule, Code.FEW_PEOPLE, waiting={"primary": waiting}) == expected


def test_few_people_are_counted_layer_by_layer() -> None:
    schedule = rota(TEAM, layer(KEN, name="secondary"))

    found = check(schedule, now=NOW, people=People(NAMES))

    assert [(f.code, f.layer) for f in found] == [
        (Code.FEW_PEOPLE, "secondary"),
        (Code.OVER_SHARE, None),
    ]


OFFICE_ONLY = rota(layer(ADA, GRACE, LINUS, restrictions=(OFFICE_HOURS,)))


def test_the_first_five_gaps_are_listed_and_the_rest_summed_up() -> None:
    assert messages(OFFICE_ONLY, Code.GAP) == [
        "Nobody is on call from Mon 30 Nov 17:00 to Tue 1 Dec 09:00 (Europe/London)",
        "Nobody is on call from Tue 1 Dec 17:00 to Wed 2 Dec 09:00 (Europe/London)",
        "Nobody is on call from Wed 2 Dec 17:00 to Thu 3 Dec 09:00 (Europe/London)",
        "Nobody is on call from Thu 3 Dec 17:00 to Fri 4 Dec 09:00 (Europe/London)",
        "Nobody is on call from Fri 4 Dec 17:00 to Mon 7 Dec 09:00 (Europe/London)",
        "…and 15 more gaps in the next 4 weeks (384 hours with nobody on call)",
    ]


def test_a_gap_finding_spans_its_gap_and_the_summary_spans_the_rest() -> None:
    found = [f for f in check(OFFICE_ONLY, now=NOW, people=People(NAMES)) if f.code is Code.GAP]

    assert (found[0].start, found[0].end) == (utc("2026-11-30T17:00"), utc("2026-12-01T09:00"))
    assert (found[-1].start, found[-1].end) == (utc("2026-12-07T17:00"), utc("2026-12-28T09:00"))
    assert {f.level for f in found} == {Level.WARNING}


@pytest.mark.parametrize(
    ("schedule", "horizon", "summary"),
    [
        (OFFICE_ONLY, WEEK, None),
        (
            OFFICE_ONLY,
            2 * WEEK,
            "…and 5 more gaps in the next 2 weeks (128 hours with nobody on call)",
        ),
        (
            OFFICE_ONLY,
            timedelta(days=10),
            "…and 3 more gaps in the next 10 days (48 hours with nobody on call)",
        ),
        (
            rota(layer(ADA, GRACE, LINUS, restrictions=(NIGHTS,))),
            WEEK,
            "…and 3 more gaps in the next 1 week (35 hours with nobody on call)",
        ),
    ],
    ids=["five-gaps", "two-weeks", "ten-days", "one-week-of-nights"],
)
def test_the_gap_summary_names_the_horizon_in_weeks_or_days(
    schedule: Schedule, horizon: timedelta, summary: str | None
) -> None:
    found = messages(schedule, Code.GAP, horizon=horizon)

    if summary is None:
        assert len(found) == 5
        assert not any(message.startswith("…") for message in found)
    else:
        assert len(found) == 6
        assert found[-1] == summary


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            rota(
                TEAM,
                away=tuple(
                    away(u, "2026-12-02T00:00", "2026-12-03T00:00") for u in (ADA, GRACE, LINUS)
                ),
            ),
            "Nobody is on call from Wed 2 Dec 00:00 to Thu 3 Dec 00:00 (Europe/London) "
            "because Ada, Grace and Linus are away",
        ),
        (
            rota(
                layer(ADA, GRACE),
                away=(
                    away(ADA, "2026-12-02T00:00", "2026-12-03T00:00"),
                    away(GRACE, "2026-12-01T00:00", "2026-12-02T12:00"),
                ),
            ),
            "Nobody is on call from Wed 2 Dec 00:00 to Wed 2 Dec 12:00 (Europe/London) "
            "because Ada and Grace are away",
        ),
        (
            rota(layer(ADA), away=(away(ADA, "2026-12-02T00:00", "2026-12-03T00:00"),)),
            "Nobody is on call from Wed 2 Dec 00:00 to Thu 3 Dec 00:00 (Europe/London) "
            "because Ada is away",
        ),
        (
            rota(layer(UNNAMED), away=(away(UNNAMED, "2026-12-02T00:00", "2026-12-03T00:00"),)),
            "Nobody is on call from Wed 2 Dec 00:00 to Thu 3 Dec 00:00 (Europe/London) "
            "because user 7 is away",
        ),
        (
            rota(
                layer(ADA, GRACE, LINUS, restrictions=(OFFICE_HOURS,)),
                away=(away(ADA, "2026-11-30T20:00", "2026-12-01T08:00"),),
            ),
            "Nobody is on call from Mon 30 Nov 17:00 to Tue 1 Dec 09:00 (Europe/London)",
        ),
        (
            rota(
                layer(ADA, GRACE, LINUS, restrictions=(OFFICE_HOURS,)),
                away=(away(ADA, "2026-11-30T12:00", "2026-12-01T12:00"),),
                zone="America/New_York",
            ),
            "Nobody is on call from Mon 30 Nov 04:00 to Mon 30 Nov 09:00 (America/New_York)",
        ),
    ],
    ids=["all-three", "both", "alone", "unnamed", "gap-that-is-there-anyway", "own-clock"],
)
def test_a_gap_that_only_absences_open_says_who_is_away(schedule: Schedule, expected: str) -> None:
    assert messages(schedule, Code.GAP)[0] == expected


def test_a_gap_names_only_the_people_whose_absence_opens_it_not_others_away_at_the_time() -> None:
    weekends = layer(KEN, name="weekends", restrictions=(Window(frozenset({5, 6})),))
    schedule = rota(
        weekends,
        TEAM,
        away=tuple(
            away(u, "2026-12-02T00:00", "2026-12-03T00:00") for u in (ADA, GRACE, LINUS, KEN)
        ),
    )

    assert messages(schedule, Code.GAP) == [
        "Nobody is on call from Wed 2 Dec 00:00 to Thu 3 Dec 00:00 (Europe/London) "
        "because Ada, Grace and Linus are away"
    ]


@pytest.mark.parametrize(
    ("absence", "expected"),
    [
        (
            away(GRACE, "2026-12-01T00:00", "2026-12-05T00:00"),
            [
                "An override puts Grace on call from Thu 3 Dec 09:00 to Sat 5 Dec 00:00 "
                "(Europe/London) while they are away"
            ],
        ),
        (away(GRACE, "2026-12-10T00:00", "2026-12-12T00:00"), []),
        (
            Away(GRACE, utc("2026-12-04T00:00"), None),
            [
                "An override puts Grace on call from Fri 4 Dec 00:00 to Sun 6 Dec 09:00 "
                "(Europe/London) while they are away"
            ],
        ),
        (Away(GRACE, None, None, layer="primary"), []),
    ],
    ids=["overlapping leave", "leave later", "open-ended leave", "exempt from a layer only"],
)
def test_an_override_that_puts_someone_on_call_while_they_are_away_is_a_warning(
    absence: Away, expected: list[str]
) -> None:
    schedule = rota(
        TEAM,
        overrides=(Override(1, GRACE, utc("2026-12-03T09:00"), utc("2026-12-06T09:00")),),
        away=(absence,),
    )

    assert messages(schedule, Code.OVERRIDE_WHILE_AWAY) == expected


@pytest.mark.parametrize(
    ("schedule", "max_share", "expected"),
    [
        (rota(TEAM), 50, []),
        (rota(TEAM), 40, ["Ada is on call 50% of the next 4 weeks (more than 40%)"]),
        (
            rota(TEAM),
            20,
            [
                "Ada is on call 50% of the next 4 weeks (more than 20%)",
                "Grace is on call 25% of the next 4 weeks (more than 20%)",
                "Linus is on call 25% of the next 4 weeks (more than 20%)",
            ],
        ),
        (rota(layer(ADA)), 50, ["Ada is on call 100% of the next 4 weeks (more than 50%)"]),
        (
            rota(layer(ADA, GRACE, turn=timedelta(days=4))),
            50,
            ["Ada is on call 57% of the next 4 weeks (more than 50%)"],
        ),
        (
            rota(
                TEAM,
                overrides=(Override(1, ADA, utc("2026-12-07T09:00"), utc("2026-12-14T09:00")),),
            ),
            50,
            ["Ada is on call 75% of the next 4 weeks (more than 50%)"],
        ),
        (
            rota(TEAM, away=(away(LINUS, "2026-12-14T09:00", "2026-12-21T09:00"),)),
            50,
            ["Ada is on call 75% of the next 4 weeks (more than 50%)"],
        ),
    ],
    ids=["fair", "lower-limit", "everyone-over", "alone", "uneven-turns", "override", "stand-in"],
)
def test_someone_on_call_more_than_the_share_of_the_horizon_is_a_warning(
    schedule: Schedule, max_share: int, expected: list[str]
) -> None:
    assert messages(schedule, Code.OVER_SHARE, max_share=max_share) == expected


@pytest.mark.parametrize(
    ("max_share", "expected"),
    [
        (50, []),
        (
            49,
            [
                "Ada is on call 50% of the next 4 weeks (more than 49%)",
                "Grace is on call 50% of the next 4 weeks (more than 49%)",
            ],
        ),
    ],
)
def test_the_share_is_judged_in_whole_percent_as_written_so_a_clock_change_hour_is_no_warning(
    max_share: int, expected: list[str]
) -> None:
    """Ada's turn of 19 October is 169 hours long: 337 of the 672 hours ahead (50.1%)."""
    autumn = Schedule(
        "Payments primary",
        "Europe/London",
        (Layer("primary", datetime(2026, 10, 19, 9), WEEK, (ADA, GRACE)),),
    )
    people = People(NAMES)
    now = utc("2026-10-19T08:00")

    found = check(autumn, now=now, people=people, max_share=max_share)

    assert [f.message for f in found if f.code is Code.OVER_SHARE] == expected


@pytest.mark.parametrize(
    ("schedule", "unreachable", "expected"),
    [
        (rota(TEAM), {}, []),
        (
            rota(TEAM),
            {GRACE: "email bounced"},
            [
                "Grace has no working contact method: email bounced; they are on call "
                "Mon 7 Dec 09:00"
            ],
        ),
        (
            rota(TEAM),
            {LINUS: "no contact methods", ADA: "phone unverified"},
            [
                "Ada has no working contact method: phone unverified and they are on call now",
                "Linus has no working contact method: no contact methods; they are on call "
                "Mon 14 Dec 09:00",
            ],
        ),
        (
            rota(layer(ADA, GRACE, LINUS, KEN, MARGARET)),
            {MARGARET: "no contact methods"},
            ["Margaret has no working contact method: no contact methods"],
        ),
        (
            rota(
                TEAM,
                overrides=(Override(1, KEN, utc("2026-12-24T18:00"), utc("2026-12-25T09:00")),),
            ),
            {KEN: "no contact methods"},
            [
                "Ken has no working contact method: no contact methods; they are on call "
                "Thu 24 Dec 18:00"
            ],
        ),
        (rota(TEAM), {KEN: "no contact methods"}, []),
    ],
    ids=["reachable", "one", "by-name", "not-on-call-soon", "only-by-override", "not-involved"],
)
def test_anyone_in_a_rotation_or_on_call_whom_no_page_would_reach_is_a_warning(
    schedule: Schedule, unreachable: dict[int, str], expected: list[str]
) -> None:
    assert messages(schedule, Code.UNREACHABLE, unreachable=unreachable) == expected


def test_listed_people_who_have_not_opted_in_or_declined_are_information() -> None:
    waiting = {
        "primary": {UNNAMED: "declined", KEN: "invited"},
        "secondary": {GRACE: "declined"},
    }

    found = messages(rota(TEAM), Code.NOT_OPTED_IN, waiting=waiting)

    assert found == [
        "Ken is listed in layer 'primary' but has not opted in yet; the rotation leaves them out",
        "user 7 is listed in layer 'primary' but declined to join; the rotation leaves them out",
        "Grace is listed in layer 'secondary' but declined to join; the rotation leaves them out",
    ]


@pytest.mark.parametrize(
    ("absences", "expected"),
    [
        ((), []),
        (
            (away(GRACE, "2026-12-07T09:00", "2026-12-14T09:00"),),
            [
                "Grace is away: Linus stands in from Mon 7 Dec 09:00 to Mon 14 Dec 09:00 "
                "(Europe/London)"
            ],
        ),
        (
            (away(GRACE, "2026-12-09T12:00", "2026-12-11T12:00"),),
            [
                "Grace is away: Linus stands in from Wed 9 Dec 12:00 to Fri 11 Dec 12:00 "
                "(Europe/London)"
            ],
        ),
        (
            (
                away(ADA, "2026-11-20T00:00", "2026-12-01T00:00"),
                away(ADA, "2026-12-27T00:00", "2027-01-10T00:00"),
            ),
            [
                "Ada is away: Grace stands in from Mon 30 Nov 09:00 to Tue 1 Dec 00:00 "
                "(Europe/London)",
                "Ada is away: Grace stands in from Sun 27 Dec 00:00 to Mon 28 Dec 09:00 "
                "(Europe/London)",
            ],
        ),
        ((Away(UNNAMED, utc("2026-12-07T09:00"), utc("2026-12-08T09:00")),), []),
    ],
    ids=["nobody-away", "whole-turn", "part-turn", "clipped-to-the-horizon", "not-in-the-layer"],
)
def test_a_stand_in_ahead_is_information_naming_both_people(
    absences: tuple[Away, ...], expected: list[str]
) -> None:
    assert messages(rota(TEAM, away=absences), Code.STAND_IN) == expected


def test_a_stand_in_finding_says_who_where_and_when() -> None:
    schedule = rota(TEAM, away=(away(GRACE, "2026-12-09T12:00", "2026-12-11T12:00"),))

    found = [f for f in check(schedule, now=NOW, people=People(NAMES)) if f.code is Code.STAND_IN]

    assert found == [
        Finding(
            Code.STAND_IN,
            Level.INFO,
            found[0].message,
            start=utc("2026-12-09T12:00"),
            end=utc("2026-12-11T12:00"),
            user=LINUS,
            layer="primary",
        )
    ]


COVER_FOR_ADA = Override(101, GRACE, utc("2026-12-22T09:00"), utc("2026-12-24T09:00"), trade=21)
"""Grace covers part of Ada's week of 21 December (trade 21, Ada asked Grace)."""
SWAP_BACK = Override(103, ADA, utc("2026-12-14T09:00"), utc("2026-12-21T09:00"), trade=22)
"""Ada takes Linus's week of 14 December (trade 22, a swap Ada asked of Linus)."""
TRADES = {21: (ADA, GRACE), 22: (ADA, LINUS)}


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (rota(TEAM, overrides=(COVER_FOR_ADA, SWAP_BACK)), []),
        (
            rota(layer(GRACE, LINUS, KEN), overrides=(COVER_FOR_ADA,)),
            [
                "Trade #21: Grace covers from Tue 22 Dec 09:00 to Thu 24 Dec 09:00 "
                "(Europe/London) for Ada, whom the rotation no longer puts there; the trade "
                "still stands"
            ],
        ),
        (
            rota(layer(ADA, LINUS, GRACE), overrides=(COVER_FOR_ADA, SWAP_BACK)),
            [
                "Trade #22: Ada covers from Mon 14 Dec 09:00 to Mon 21 Dec 09:00 "
                "(Europe/London) for Linus, whom the rotation no longer puts there; the trade "
                "still stands"
            ],
        ),
        (
            rota(
                layer(GRACE, LINUS, KEN),
                overrides=(
                    Override(
                        101, GRACE, utc("2026-11-23T09:00"), utc("2026-12-02T09:00"), trade=21
                    ),
                ),
            ),
            [
                "Trade #21: Grace covers from Mon 23 Nov 09:00 to Wed 2 Dec 09:00 "
                "(Europe/London) for Ada, whom the rotation no longer puts there; the trade "
                "still stands"
            ],
        ),
        (
            rota(
                layer(GRACE, LINUS, KEN),
                overrides=(
                    Override(
                        101, GRACE, utc("2026-11-23T09:00"), utc("2026-11-30T09:00"), trade=21
                    ),
                ),
            ),
            [],
        ),
        (
            rota(
                TEAM,
                overrides=(
                    Override(
                        101, GRACE, utc("2026-12-20T09:00"), utc("2026-12-22T09:00"), trade=21
                    ),
                ),
            ),
            [],
        ),
        (
            rota(
                layer(GRACE, LINUS, KEN),
                overrides=(
                    Override(
                        101, GRACE, utc("2026-12-22T09:00"), utc("2026-12-24T09:00"), trade=99
                    ),
                ),
            ),
            [],
        ),
        (
            rota(
                layer(GRACE, LINUS, KEN),
                overrides=(Override(101, GRACE, utc("2026-12-22T09:00"), utc("2026-12-24T09:00")),),
            ),
            [],
        ),
    ],
    ids=[
        "both-still-right",
        "requester-removed",
        "colleague-moved-away",
        "under-way",
        "over",
        "requester-there-for-part",
        "unknown-trade",
        "plain-override",
    ],
)
def test_a_trade_whose_requester_the_rotation_no_longer_puts_there_is_information(
    schedule: Schedule, expected: list[str]
) -> None:
    assert messages(schedule, Code.STALE_TRADE, trades=TRADES) == expected


def test_warnings_come_before_information_each_in_the_order_of_the_checks() -> None:
    schedule = rota(layer(ADA, GRACE), away=(away(GRACE, "2026-12-09T12:00", "2026-12-11T12:00"),))
    people = People(
        NAMES, unreachable={ADA: "no contact methods"}, waiting={"primary": {LINUS: "invited"}}
    )

    found = check(schedule, now=NOW, people=people)

    assert [(f.level, f.code) for f in found] == [
        (Level.WARNING, Code.FEW_PEOPLE),
        (Level.WARNING, Code.OVER_SHARE),
        (Level.WARNING, Code.UNREACHABLE),
        (Level.INFO, Code.NOT_OPTED_IN),
        (Level.INFO, Code.STAND_IN),
    ]
