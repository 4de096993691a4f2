"""The escalation machine: which level fires, what follows it, and when, over repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ondeck.domain.escalation import START, Position, fire, successor, total_steps
from ondeck.domain.model import EscalationLevel, EscalationTarget, PolicySnapshot, TargetKind

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def level(minutes: int, user: int = 1) -> EscalationLevel:
    return EscalationLevel(
        escalate_after=timedelta(minutes=minutes),
        targets=(EscalationTarget(TargetKind.USER, user, f"user{user}@example.com"),),
    )


def policy(*minutes: int, repeat: int = 0) -> PolicySnapshot:
    levels = tuple(level(m, user=i + 1) for i, m in enumerate(minutes))
    return PolicySnapshot(policy_id=7, name="Payments default", repeat=repeat, levels=levels)


@pytest.mark.parametrize(
    ("levels", "repeat", "position", "expected"),
    [
        ((5,), 0, Position(0, 0), None),
        ((5,), 1, Position(0, 0), Position(0, 1)),
        ((5,), 1, Position(0, 1), None),
        ((5, 10), 0, Position(0, 0), Position(1, 0)),
        ((5, 10), 0, Position(1, 0), None),
        ((5, 10), 2, Position(1, 0), Position(0, 1)),
        ((5, 10), 2, Position(1, 1), Position(0, 2)),
        ((5, 10), 2, Position(1, 2), None),
        ((5, 10, 15), 1, Position(1, 1), Position(2, 1)),
        ((5, 10, 15), 1, Position(2, 1), None),
    ],
)
def test_the_successor_is_the_next_level_then_the_first_level_of_the_next_loop(
    levels: tuple[int, ...], repeat: int, position: Position, expected: Position | None
) -> None:
    assert successor(policy(*levels, repeat=repeat), position) == expected


def test_firing_a_level_pages_its_targets_and_makes_the_next_level_due_after_its_wait() -> None:
    two_levels = policy(5, 10)

    first = fire(two_levels, START, NOW)
    second = fire(two_levels, Position(1, 0), NOW + timedelta(minutes=5))

    assert first.level.targets[0].ref == 1
    assert first.next_position == Position(1, 0)
    assert first.next_due == NOW + timedelta(minutes=5)
    assert second.level.targets[0].ref == 2
    assert second.next_position is None
    assert second.next_due is None


@pytest.mark.parametrize(
    ("levels", "repeat", "steps"),
    [((5,), 0, 1), ((5,), 2, 3), ((5, 10), 1, 4), ((5, 10, 15), 0, 3), ((5, 10, 15), 2, 9)],
)
def test_total_steps_counts_every_level_of_every_loop(
    levels: tuple[int, ...], repeat: int, steps: int
) -> None:
    assert total_steps(policy(*levels, repeat=repeat)) == steps


_POLICIES = st.builds(
    lambda minutes, repeat: policy(*minutes, repeat=repeat),
    st.lists(st.integers(min_value=1, max_value=24 * 60), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=2),
)


@settings(max_examples=100)
@given(_POLICIES)
def test_a_policy_fires_exactly_total_steps_times_in_order_before_it_is_done(
    snapshot: PolicySnapshot,
) -> None:
    fired: list[Position] = []
    position: Position | None = START
    at = NOW
    while position is not None and len(fired) <= total_steps(snapshot):
        firing = fire(snapshot, position, at)
        fired.append(firing.position)
        if firing.next_due is not None:
            assert firing.next_due == at + firing.level.escalate_after
            at = firing.next_due
        position = firing.next_position

    levels = len(snapshot.levels)
    assert len(fired) == total_steps(snapshot)
    assert fired == [Position(i % levels, i // levels) for i in range(total_steps(snapshot))]


@settings(max_examples=100)
@given(_POLICIES, st.data())
def test_the_next_level_is_due_exactly_escalate_after_the_moment_a_level_fires(
    snapshot: PolicySnapshot, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(snapshot.levels) - 1))
    loop = data.draw(st.integers(min_value=0, max_value=snapshot.repeat))
    at = data.draw(
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
        )
    )

    firing = fire(snapshot, Position(index, loop), at)

    assert firing.level == snapshot.levels[index]
    if firing.next_position is None:
        assert firing.next_due is None
        assert (index, loop) == (len(snapshot.levels) - 1, snapshot.repeat)
    else:
        assert firing.next_due == at + snapshot.levels[index].escalate_after


def test_a_snapshot_survives_its_json_form() -> None:
    snapshot = policy(5, 10, 15, repeat=2)

    assert PolicySnapshot.from_json(snapshot.to_json()) == snapshot
