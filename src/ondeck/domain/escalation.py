"""The escalation machine: which level pages now, and when the next one is due.

An escalation position is (level, loop). Firing a level pages its targets and schedules the
next level ``escalate_after`` later; after the last level the policy starts again from the
first level while ``loop < repeat``; after that nothing more is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ondeck.domain.model import EscalationLevel, PolicySnapshot


@dataclass(frozen=True)
class Position:
    level: int
    loop: int


START = Position(level=0, loop=0)


@dataclass(frozen=True)
class Firing:
    """What firing ``position`` does at ``at``."""

    position: Position
    level: EscalationLevel
    next_position: Position | None
    next_due: datetime | None


def successor(policy: PolicySnapshot, position: Position) -> Position | None:
    """The position after ``position``, or None when the policy (with repeats) is done."""
    if position.level + 1 < len(policy.levels):
        return Position(position.level + 1, position.loop)
    if position.loop < policy.repeat:
        return Position(0, position.loop + 1)
    return None


def fire(policy: PolicySnapshot, position: Position, at: datetime) -> Firing:
    """Fire the level at ``position``; the next level is due ``escalate_after`` from ``at``."""
    level = policy.levels[position.level]
    following = successor(policy, position)
    return Firing(
        position=position,
        level=level,
        next_position=following,
        next_due=None if following is None else at + level.escalate_after,
    )


def total_steps(policy: PolicySnapshot) -> int:
    """How many levels fire at most for one incident: a bound for falling through empty levels."""
    return len(policy.levels) * (policy.repeat + 1)
