"""Reading what follows ``/ondeck``: every text gets a command, never an exception."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.slack_commands import USAGE, Act, Command, OnCall, Usage, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ack 42", Act("acknowledge", 42)),
        ("ACK #42", Act("acknowledge", 42)),
        ("  acknowledge   7 ", Act("acknowledge", 7)),
        ("resolve 42", Act("resolve", 42)),
        ("escalate #3", Act("escalate", 3)),
        ("snooze 42", Act("snooze", 42, None)),
        ("snooze 42 30m", Act("snooze", 42, timedelta(minutes=30))),
        ("snooze 42 1h30m", Act("snooze", 42, timedelta(hours=1, minutes=30))),
        ("oncall", OnCall(None)),
        ("on-call", OnCall(None)),
        ("who", OnCall(None)),
        ("oncall Payments primary", OnCall("Payments primary")),
        ("oncall   Payments   primary ", OnCall("Payments primary")),
        ("", Usage()),
        ("   ", Usage()),
        ("help", Usage()),
        ("HELP me", Usage()),
    ],
)
def test_commands_are_read_from_their_words(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frobnicate 42", "I don't know `frobnicate`."),
        ("ack", "Say which incident: `/ondeck ack 42`."),
        ("ack forty-two", "`forty-two` is not an incident number."),
        ("ack 0", "`0` is not an incident number."),
        ("ack -3", "`-3` is not an incident number."),
        ("ack 99999999999", "`99999999999` is not an incident number."),
        ("ack ４２", "`４２` is not an incident number."),
        ("resolve 42 now", "`resolve` takes only an incident number."),
        ("snooze 42 30m please", "`snooze` takes an incident number and one duration, e.g. `30m`."),
        ("ack <!channel>", "`&lt;!channel&gt;` is not an incident number."),
    ],
)
def test_anything_else_is_answered_with_what_was_wrong(text: str, problem: str) -> None:
    assert parse_command(text) == Usage(problem)


def test_a_snooze_that_is_not_a_duration_says_how_to_write_one() -> None:
    command = parse_command("snooze 42 soon")

    assert isinstance(command, Usage)
    assert "not a duration" in command.problem and "30s, 5m, 12h" in command.problem


def test_the_usage_names_every_command() -> None:
    for word in ("ack", "resolve", "escalate", "snooze", "oncall", "help"):
        assert f"/ondeck {word}" in USAGE


@given(st.text())
def test_any_text_at_all_reads_as_some_command(text: str) -> None:
    command = parse_command(text)

    assert isinstance(command, Act | OnCall | Usage)
    if isinstance(command, Act):
        assert 0 < command.incident < 2**31


@given(
    st.lists(
        st.sampled_from(["ack", "snooze", "oncall", "#", "42", "30m", "1h", "x", "", "99" * 9]),
        max_size=5,
    )
)
def test_any_mix_of_known_words_reads_as_some_command(words: list[str]) -> None:
    assert isinstance(parse_command(" ".join(words)), Act | OnCall | Usage)
