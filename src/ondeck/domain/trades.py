"""Trading on-call time: asking a colleague to cover a window, or to swap turns.

A trade names people and windows, never turn numbers. Accepting one creates overrides for
exactly those windows, so a trade stays right when the layer is edited afterwards: the
person who agreed to cover 12–19 December covers 12–19 December, whoever the rotation would
now put there.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ondeck.domain.schedules import Schedule, shifts

LONGEST_TRADE = timedelta(days=92)


class TradeKind(StrEnum):
    COVER = "cover"
    """The colleague takes the requester's window."""
    SWAP = "swap"
    """The colleague takes the requester's window and the requester takes the colleague's."""


class TradeStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class TradeRequest:
    kind: TradeKind
    requester: int
    window: Period
    colleague: int | None = None
    """None: anyone in the schedule's rotations may accept (covers only)."""
    swap_window: Period | None = None
    """The colleague's window the requester takes in return (swaps only)."""


@dataclass(frozen=True)
class Trade:
    id: int
    request: TradeRequest
    status: TradeStatus


@dataclass(frozen=True)
class PlannedOverride:
    user: int
    window: Period


class TradeRefused(Exception):
    """The trade cannot be made or answered; the message says why."""


def _on_call_during(schedule: Schedule, user: int, window: Period) -> bool:
    return any(s.user == user for s in shifts(schedule, window.start, window.end))


def _window_problem(name: str, window: Period, now: datetime) -> str | None:
    if window.end <= window.start:
        return f"the {name} must end after it starts"
    if window.end <= now:
        return f"the {name} is already over"
    if window.end - window.start > LONGEST_TRADE:
        return f"the {name} is longer than {LONGEST_TRADE.days} days; split it"
    return None


def check_request(
    schedule: Schedule,
    request: TradeRequest,
    *,
    participants: Collection[int],
    now: datetime,
) -> list[str]:
    """Every reason ``request`` cannot be made; empty when it can.

    ``participants`` are the people of the schedule's rotations: the only ones who can be
    asked (or answer an open request). The requester must be on call at some moment of
    their window, and for a swap the colleague at some moment of theirs.
    """
    problems = []
    for name, window in (("window", request.window), ("swap window", request.swap_window)):
        if window is not None:
            problem = _window_problem(name, window, now)
            if problem:
                problems.append(problem)
    if request.colleague is not None:
        if request.colleague == request.requester:
            problems.append("you cannot trade with yourself")
        elif request.colleague not in participants:
            problems.append("the colleague is not in this schedule's rotations")
    if request.kind is TradeKind.SWAP:
        if request.colleague is None:
            problems.append("a swap needs a named colleague")
        if request.swap_window is None:
            problems.append("a swap needs the colleague's window you take in return")
    elif request.swap_window is not None:
        problems.append("only a swap has a second window")
    if problems:
        return problems
    if not _on_call_during(schedule, request.requester, request.window):
        problems.append("you are not on call at any time in that window")
    swap = request.swap_window
    if swap is not None:
        if swap.start < request.window.end and request.window.start < swap.end:
            problems.append("the two windows of a swap must not overlap")
        elif request.colleague is not None and not _on_call_during(
            schedule, request.colleague, swap
        ):
            problems.append("the colleague is not on call at any time in the swap window")
    return problems


def answerable_by(trade: Trade, user: int, participants: Collection[int]) -> bool:
    """Whether ``user`` may accept or decline ``trade``."""
    if trade.status is not TradeStatus.PENDING or user == trade.request.requester:
        return False
    if trade.request.colleague is not None:
        return user == trade.request.colleague
    return user in participants


def accept(
    trade: Trade, by: int, *, participants: Collection[int], now: datetime
) -> list[PlannedOverride]:
    """The overrides accepting ``trade`` creates; raise TradeRefused when it cannot be.

    A window already under way is taken from ``now`` on: the past stays as it was.
    """
    if trade.status is not TradeStatus.PENDING:
        raise TradeRefused(f"this trade is {trade.status.value}, not pending")
    if not answerable_by(trade, by, participants):
        raise TradeRefused("this trade was not asked of you")
    request = trade.request
    windows = [(by, request.window)]
    if request.kind is TradeKind.SWAP and request.swap_window is not None:
        windows.append((request.requester, request.swap_window))
    if any(window.end <= now for _, window in windows):
        raise TradeRefused("the trade's window is already over")
    return [
        PlannedOverride(user, Period(max(window.start, now), window.end))
        for user, window in windows
    ]
