"""Trades: covers and swaps, why a request is refused, who may answer, and what accepting makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ondeck.domain.schedules import (
    Layer,
    Override,
    Schedule,
    Source,
    SourceKind,
    covering,
    on_call,
)
from ondeck.domain.trades import (
    Period,
    PlannedOverride,
    Trade,
    TradeKind,
    TradeRefused,
    TradeRequest,
    TradeStatus,
    accept,
    answerable_by,
    check_request,
)

ADA, GRACE, LINUS, KEN, OUTSIDER = 1, 2, 3, 4, 99
PARTICIPANTS = frozenset({ADA, GRACE, LINUS})
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def period(start: str, end: str) -> Period:
    return Period(utc(start), utc(end))


PRIMARY = Layer("primary", datetime(2026, 11, 2, 9), timedelta(weeks=1), (ADA, GRACE, LINUS))
"""Turns from Monday 9:00 London (UTC in winter): 30 Nov Grace, 7 Dec Linus, 14 Dec Ada,
21 Dec Grace, 28 Dec Linus, 4 Jan Ada."""
ROTA = Schedule("Payments primary", "Europe/London", (PRIMARY,))

ADA_EARLY_JANUARY = period("2027-01-05T09:00", "2027-01-07T09:00")
ADA_MID_DECEMBER = period("2026-12-14T09:00", "2026-12-21T09:00")
LINUS_NEW_YEAR = period("2026-12-28T09:00", "2027-01-04T09:00")
GRACE_CHRISTMAS = period("2026-12-21T09:00", "2026-12-28T09:00")

COVER = TradeRequest(TradeKind.COVER, ADA, ADA_EARLY_JANUARY, colleague=GRACE)
SWAP = TradeRequest(
    TradeKind.SWAP, ADA, ADA_MID_DECEMBER, colleague=LINUS, swap_window=LINUS_NEW_YEAR
)
OPEN_COVER = TradeRequest(TradeKind.COVER, ADA, ADA_EARLY_JANUARY)


def pending(request: TradeRequest, id: int = 21) -> Trade:
    return Trade(id, request, TradeStatus.PENDING)


def as_overrides(trade: Trade, planned: list[PlannedOverride], first_id: int) -> list[Override]:
    """What the store makes of an accepted trade: one override per planned window."""
    return [
        Override(first_id + n, p.user, p.window.start, p.window.end, trade=trade.id)
        for n, p in enumerate(planned)
    ]


def traded() -> tuple[Schedule, list[tuple[Override, int]]]:
    """ROTA with Grace covering Ada's early January and Ada swapping mid-December with Linus;
    each override with the person the rotation had there before the trade."""
    cover, swap = pending(COVER, 21), pending(SWAP, 22)
    overrides = [
        *as_overrides(cover, accept(cover, GRACE, participants=PARTICIPANTS, now=NOW), 101),
        *as_overrides(swap, accept(swap, LINUS, participants=PARTICIPANTS, now=NOW), 102),
    ]
    return replace(ROTA, overrides=tuple(overrides)), list(
        zip(overrides, (ADA, ADA, LINUS), strict=True)
    )


def test_accepting_a_cover_and_a_swap_plans_one_override_per_window() -> None:
    cover = accept(pending(COVER), GRACE, participants=PARTICIPANTS, now=NOW)
    swap = accept(pending(SWAP), LINUS, participants=PARTICIPANTS, now=NOW)

    assert cover == [PlannedOverride(GRACE, ADA_EARLY_JANUARY)]
    assert swap == [PlannedOverride(LINUS, ADA_MID_DECEMBER), PlannedOverride(ADA, LINUS_NEW_YEAR)]


def test_accepted_trades_put_the_acceptor_on_call_as_a_trade() -> None:
    schedule, overrides = traded()

    for override, replaced in overrides:
        assert on_call(ROTA, override.start) == (replaced,)
        assert covering(schedule, override.start) == covering(schedule, override.end - MICROSECOND)
        found = covering(schedule, override.start)
        assert found is not None
        assert found.user == override.user
        assert found.source == Source(SourceKind.TRADE, override=override.id, trade=override.trade)


EDITS = {
    "reordered": replace(PRIMARY, participants=(LINUS, ADA, GRACE)),
    "new-start": replace(PRIMARY, start=datetime(2026, 11, 4, 18, 0)),
    "daily-turns": replace(PRIMARY, turn=timedelta(days=1)),
    "two-hour-turns": replace(PRIMARY, turn=timedelta(hours=2)),
    "requester-removed": replace(PRIMARY, participants=(GRACE, LINUS)),
    "someone-added": replace(PRIMARY, participants=(ADA, GRACE, LINUS, KEN)),
}


@pytest.mark.parametrize("edited", list(EDITS.values()), ids=list(EDITS))
def test_a_trade_survives_a_later_edit_of_the_layer(edited: Layer) -> None:
    schedule, overrides = traded()
    after_edit = replace(schedule, layers=(edited,))
    layer_only = replace(after_edit, overrides=())
    windows = [(o.start, o.end) for o, _ in overrides]

    for override, _ in overrides:
        middle = override.start + (override.end - override.start) / 2
        for at in (override.start, middle, override.end - MICROSECOND):
            assert on_call(after_edit, at) == (override.user,)
        for at in (override.start - MICROSECOND, override.end):
            if not any(lo <= at < hi for lo, hi in windows):
                assert on_call(after_edit, at) == on_call(layer_only, at)
    at = utc("2026-12-01T00:00")
    while at < utc("2027-01-15T00:00"):
        if not any(lo <= at < hi for lo, hi in windows):
            assert on_call(after_edit, at) == on_call(layer_only, at)
        at += timedelta(hours=5)


@pytest.mark.parametrize(
    ("request_", "problems"),
    [
        (COVER, []),
        (SWAP, []),
        (OPEN_COVER, []),
        (
            replace(COVER, window=period("2027-01-05T09:00", "2027-01-05T09:00")),
            ["the window must end after it starts"],
        ),
        (
            replace(COVER, window=period("2027-01-06T09:00", "2027-01-05T09:00")),
            ["the window must end after it starts"],
        ),
        (
            replace(COVER, window=period("2026-11-02T09:00", "2026-11-09T09:00")),
            ["the window is already over"],
        ),
        (
            replace(COVER, window=period("2026-11-23T09:00", "2026-11-29T12:00")),
            ["the window is already over"],
        ),
        (
            replace(COVER, window=period("2026-11-23T09:00", "2026-11-30T09:00")),
            [],
        ),
        (
            replace(COVER, window=Period(utc("2026-12-14T09:00"), utc("2027-03-16T09:00"))),
            [],
        ),
        (
            replace(COVER, window=Period(utc("2026-12-14T09:00"), utc("2027-03-16T09:01"))),
            ["the window is longer than 92 days; split it"],
        ),
        (
            replace(SWAP, swap_window=period("2026-12-29T09:00", "2026-12-28T09:00")),
            ["the swap window must end after it starts"],
        ),
        (
            replace(SWAP, swap_window=period("2026-11-16T09:00", "2026-11-23T09:00")),
            ["the swap window is already over"],
        ),
        (replace(COVER, colleague=ADA), ["you cannot trade with yourself"]),
        (replace(COVER, colleague=OUTSIDER), ["the colleague is not in this schedule's rotations"]),
        (replace(SWAP, colleague=None), ["a swap needs a named colleague"]),
        (
            replace(SWAP, swap_window=None),
            ["a swap needs the colleague's window you take in return"],
        ),
        (replace(COVER, swap_window=LINUS_NEW_YEAR), ["only a swap has a second window"]),
        (
            replace(
                SWAP, colleague=ADA, swap_window=period("2026-11-16T09:00", "2026-11-23T09:00")
            ),
            ["the swap window is already over", "you cannot trade with yourself"],
        ),
        (
            TradeRequest(TradeKind.SWAP, ADA, period("2026-11-02T09:00", "2026-11-01T09:00")),
            [
                "the window must end after it starts",
                "a swap needs a named colleague",
                "a swap needs the colleague's window you take in return",
            ],
        ),
        (
            replace(COVER, window=GRACE_CHRISTMAS),
            ["you are not on call at any time in that window"],
        ),
        (
            replace(SWAP, swap_window=period("2026-12-20T09:00", "2026-12-29T09:00")),
            ["the two windows of a swap must not overlap"],
        ),
        (
            replace(SWAP, swap_window=GRACE_CHRISTMAS),
            ["the colleague is not on call at any time in the swap window"],
        ),
        (
            replace(
                SWAP,
                window=GRACE_CHRISTMAS,
                swap_window=period("2026-12-27T09:00", "2026-12-29T09:00"),
            ),
            [
                "you are not on call at any time in that window",
                "the two windows of a swap must not overlap",
            ],
        ),
        (
            replace(SWAP, window=GRACE_CHRISTMAS, swap_window=ADA_EARLY_JANUARY),
            [
                "you are not on call at any time in that window",
                "the colleague is not on call at any time in the swap window",
            ],
        ),
        (
            replace(COVER, window=period("2026-12-20T09:00", "2026-12-22T09:00")),
            [],
        ),
    ],
    ids=[
        "cover",
        "swap",
        "open-cover",
        "empty-window",
        "backwards-window",
        "window-over",
        "window-ends-now",
        "window-under-way",
        "92-days",
        "longer-than-92-days",
        "backwards-swap-window",
        "swap-window-over",
        "yourself",
        "outsider",
        "swap-without-colleague",
        "swap-without-second-window",
        "cover-with-second-window",
        "window-problems-before-people-problems",
        "all-shape-problems-at-once",
        "not-on-call-in-window",
        "windows-overlap",
        "colleague-not-on-call",
        "not-on-call-and-overlap",
        "nobody-on-call",
        "on-call-for-part-of-the-window",
    ],
)
def test_check_request_gives_every_reason_a_request_cannot_be_made(
    request_: TradeRequest, problems: list[str]
) -> None:
    assert check_request(ROTA, request_, participants=PARTICIPANTS, now=NOW) == problems


def test_someone_already_covered_by_an_override_is_not_on_call_to_trade_away() -> None:
    covered = replace(
        ROTA, overrides=(Override(5, KEN, ADA_EARLY_JANUARY.start, ADA_EARLY_JANUARY.end),)
    )

    problems = check_request(covered, COVER, participants=PARTICIPANTS, now=NOW)

    assert problems == ["you are not on call at any time in that window"]


@pytest.mark.parametrize(
    ("request_", "status", "user", "participants", "expected"),
    [
        (COVER, TradeStatus.PENDING, GRACE, PARTICIPANTS, True),
        (COVER, TradeStatus.PENDING, LINUS, PARTICIPANTS, False),
        (COVER, TradeStatus.PENDING, ADA, PARTICIPANTS, False),
        (COVER, TradeStatus.PENDING, GRACE, frozenset(), True),
        (OPEN_COVER, TradeStatus.PENDING, GRACE, PARTICIPANTS, True),
        (OPEN_COVER, TradeStatus.PENDING, LINUS, PARTICIPANTS, True),
        (OPEN_COVER, TradeStatus.PENDING, ADA, PARTICIPANTS, False),
        (OPEN_COVER, TradeStatus.PENDING, OUTSIDER, PARTICIPANTS, False),
        (COVER, TradeStatus.ACCEPTED, GRACE, PARTICIPANTS, False),
        (COVER, TradeStatus.DECLINED, GRACE, PARTICIPANTS, False),
        (OPEN_COVER, TradeStatus.CANCELLED, LINUS, PARTICIPANTS, False),
    ],
)
def test_a_named_request_is_answered_by_its_colleague_and_an_open_one_by_anyone_in_the_rotations(
    request_: TradeRequest,
    status: TradeStatus,
    user: int,
    participants: frozenset[int],
    expected: bool,
) -> None:
    assert answerable_by(Trade(21, request_, status), user, participants) is expected


@pytest.mark.parametrize(
    ("trade", "by", "now", "message"),
    [
        (Trade(21, COVER, TradeStatus.ACCEPTED), GRACE, NOW, "this trade is accepted, not pending"),
        (Trade(21, COVER, TradeStatus.DECLINED), GRACE, NOW, "this trade is declined, not pending"),
        (
            Trade(21, COVER, TradeStatus.CANCELLED),
            GRACE,
            NOW,
            "this trade is cancelled, not pending",
        ),
        (pending(COVER), LINUS, NOW, "this trade was not asked of you"),
        (pending(COVER), ADA, NOW, "this trade was not asked of you"),
        (pending(OPEN_COVER), ADA, NOW, "this trade was not asked of you"),
        (pending(OPEN_COVER), OUTSIDER, NOW, "this trade was not asked of you"),
        (pending(COVER), GRACE, utc("2027-01-07T09:00"), "the trade's window is already over"),
        (pending(SWAP), LINUS, utc("2026-12-21T09:00"), "the trade's window is already over"),
        (
            pending(replace(SWAP, window=LINUS_NEW_YEAR, swap_window=ADA_MID_DECEMBER)),
            LINUS,
            utc("2026-12-21T09:00"),
            "the trade's window is already over",
        ),
    ],
)
def test_accept_refuses_with_a_reason(trade: Trade, by: int, now: datetime, message: str) -> None:
    with pytest.raises(TradeRefused) as refused:
        accept(trade, by, participants=PARTICIPANTS, now=now)

    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("request_", "by", "now", "planned"),
    [
        (
            COVER,
            GRACE,
            utc("2027-01-06T12:00"),
            [PlannedOverride(GRACE, period("2027-01-06T12:00", "2027-01-07T09:00"))],
        ),
        (
            OPEN_COVER,
            LINUS,
            utc("2027-01-05T09:00"),
            [PlannedOverride(LINUS, ADA_EARLY_JANUARY)],
        ),
        (
            SWAP,
            LINUS,
            utc("2026-12-17T00:00"),
            [
                PlannedOverride(LINUS, period("2026-12-17T00:00", "2026-12-21T09:00")),
                PlannedOverride(ADA, LINUS_NEW_YEAR),
            ],
        ),
    ],
    ids=["cover-under-way", "open-cover-starting-now", "swap-under-way"],
)
def test_a_window_already_under_way_is_taken_from_now_on(
    request_: TradeRequest, by: int, now: datetime, planned: list[PlannedOverride]
) -> None:
    assert accept(pending(request_), by, participants=PARTICIPANTS, now=now) == planned
