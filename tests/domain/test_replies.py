"""Reading a command from a reply to a page email: only the first line the sender wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.replies import (
    WORDS,
    ReplyAction,
    ReplyCommand,
    parse_command,
    parse_reply,
)

ACK = ReplyCommand(ReplyAction.ACKNOWLEDGE)
RESOLVE = ReplyCommand(ReplyAction.RESOLVE)
ESCALATE = ReplyCommand(ReplyAction.ESCALATE)


def snooze(minutes: int) -> ReplyCommand:
    return ReplyCommand(ReplyAction.SNOOZE, timedelta(minutes=minutes))


ORIGINAL = """Incident #42: Checkout error rate 12%

Acknowledge: https://ondeck.example/l/abc
Resolve:     https://ondeck.example/l/def
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ack", ACK),
        ("ACK", ACK),
        ("Ack.", ACK),
        ("acked", ACK),
        ("Acknowledge", ACK),
        ("acknowledged!", ACK),
        ("ack, looking now", ACK),
        ("  ack  \r\n", ACK),
        ("resolve", RESOLVE),
        ("Resolved - restarted the pod", RESOLVE),
        ("close", RESOLVE),
        ("closed", RESOLVE),
        ("escalate", ESCALATE),
        ("Escalate: I am on a train", ESCALATE),
        ("snooze", snooze(60)),
        ("snooze please", snooze(60)),
        ("snooze 10", snooze(10)),
        ("snooze 30m", snooze(30)),
        ("Snooze 30M", snooze(30)),
        ("snooze 45 min", snooze(45)),
        ("snooze for 45 minutes", snooze(45)),
        ("snooze 2h", snooze(120)),
        ("snooze 2 hours", snooze(120)),
        ("snooze 1hr", snooze(60)),
        ("snooze 0", snooze(0)),
        ("snooze 30x", None),
        ("snooze 1234567", None),
        ("", None),
        ("\n\n  \n", None),
        ("thanks", None),
        ("hi team,\nack", None),
        ("acknowledgement", None),
        ("please ack", None),
        ("I'll ack it later", None),
        ("\n\nack\n", ACK),
        ("> ack\n", None),
        ("> resolve\n>\nack", ACK),
        # what sits below a quoted-original marker never counts
        ("On Mon, 3 Jun 2024 at 10:00, ondeck <ondeck@example.com> wrote:\nack", None),
        ("ondeck <ondeck+1-2-x@example.com> wrote:\n> ack", None),
        ("-----Original Message-----\nack", None),
        ("________________________________\nFrom: ondeck\nack", None),
        ("From: ondeck <ondeck@example.com>\nSent: Monday\nack", None),
        ("-- \nack", None),
        ("--\nresolve", None),
        ("Begin forwarded message:\nack", None),
        # an unquoted original below an empty reply must not act through its link text
        ("-----Original Message-----\n" + ORIGINAL, None),
        (ORIGINAL, None),
        ("resolve\n\nOn Tue, ondeck wrote:\n> " + "\n> ".join(ORIGINAL.splitlines()), RESOLVE),
    ],
)
def test_reply_bodies(body: str, expected: ReplyCommand | None) -> None:
    assert parse_reply(body) == expected


COMMAND_LINES = st.sampled_from(
    ["ack", "Acknowledge", "resolve", "closed", "escalate", "snooze", "snooze 10", "snooze 2h"]
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


@given(
    command=COMMAND_LINES,
    quoted=st.lists(TEXT, max_size=8),
    marker=st.sampled_from(["On Mon, 3 Jun 2024, ondeck wrote:", "-----Original Message-----"]),
    below=st.lists(TEXT, max_size=5),
)
def test_nothing_quoted_changes_the_command(
    command: str, quoted: list[str], marker: str, below: list[str]
) -> None:
    expected = parse_command(command)
    assert expected is not None
    quoted_lines = ["> " + line.replace("\n", " ").replace("\r", " ") for line in quoted]
    body = "\n".join([command, "", marker, *quoted_lines, *below])
    assert parse_reply(body) == expected
    # quoted lines above the command and blank lines are skipped too
    assert parse_reply("\n".join(["", *quoted_lines, "  ", command])) == expected


@given(command=COMMAND_LINES, comment=TEXT)
def test_case_and_trailing_comments_do_not_matter(command: str, comment: str) -> None:
    expected = parse_command(command)
    comment = " ".join(comment.split())
    suffix = f", {comment}" if comment and not comment[0].isdigit() else ""
    if command == "snooze":
        suffix = ""  # "snooze <words>" keeps the default; "snooze <digits...>" reads a length
    assert parse_reply(command.upper() + suffix) == expected
    assert parse_reply(command.swapcase()) == expected


def _not_a_command(word: str) -> bool:
    return word.lower().strip(".,;:!?()[]\"'*_") not in WORDS


WORD = st.text(st.characters(codec="utf-8"), max_size=12).filter(_not_a_command)


@given(st.lists(st.lists(WORD, max_size=6).map(" ".join), max_size=6).map("\n".join))
def test_text_without_a_command_word_is_no_command(text: str) -> None:
    if any(not _not_a_command(word) for word in text.split()):
        return  # a generated word with white space inside split into a command word
    assert parse_reply(text) is None


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(["", "m", "h", " hours"]))
def test_snooze_lengths(amount: int, unit: str) -> None:
    command = parse_reply(f"snooze {amount}{unit}")
    hours = unit.strip().startswith("h")
    expected = timedelta(hours=amount) if hours else timedelta(minutes=amount)
    assert command == ReplyCommand(ReplyAction.SNOOZE, expected)
