"""The inbound SMTP listener on loopback, spoken to with smtplib as a sending server would."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from ondeck.adapters.inbound_mail import Answer, InboundMailServer, InboundReply
from tests.conftest import free_port

DOMAIN = "ondeck.example"
TO = f"ondeck+1-2-abc@{DOMAIN}"


class Replies:
    """The use case's stand-in at the listener's edge: keeps what it was given and answers
    as told."""

    def __init__(self) -> None:
        self.received: list[InboundReply] = []
        self.answer = Answer(True, "Acknowledged #1 (db down)")
        self.fail = False

    def __call__(self, reply: InboundReply) -> Answer:
        self.received.append(reply)
        if self.fail:
            raise RuntimeError("database unavailable")
        return self.answer


@pytest.fixture
def listener() -> Iterator[tuple[int, Replies]]:
    port = free_port()
    replies = Replies()
    server = InboundMailServer(
        f"smtp://127.0.0.1:{port}", domain=DOMAIN, callback=replies, max_bytes=20_000
    )
    server.start()
    try:
        yield port, replies
    finally:
        server.stop()


def _message(body: str = "ack\n", *, sender: str | None = "Ada <ada@example.com>") -> EmailMessage:
    message = EmailMessage()
    if sender is not None:
        message["From"] = sender
    message["To"] = TO
    message["Subject"] = "Re: [ondeck] #1 db down"
    message.set_content(body)
    return message


def _send(
    port: int, message: EmailMessage, *, to: str = TO, mail_from: str = "bounces@example.com"
) -> tuple[int, str]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo("mail.example.com")
        assert smtp.mail(mail_from)[0] == 250
        code, answer = smtp.rcpt(to)
        if code != 250:
            return code, answer.decode()
        code, answer = smtp.data(message.as_bytes(policy=SMTP))
        return code, answer.decode()


def test_a_reply_reaches_the_use_case_and_its_answer_is_the_smtp_answer(
    listener: tuple[int, Replies],
) -> None:
    port, replies = listener

    answer = _send(port, _message("ack\n\nOn Monday, ondeck wrote:\n> Incident #1\n"))

    assert answer == (250, "OK: Acknowledged #1 (db down)")
    [reply] = replies.received
    assert reply.recipients == [TO]
    assert reply.sender == "ada@example.com"  # the From header, not the envelope sender
    assert reply.body.startswith("ack\n\nOn Monday, ondeck wrote:\n> Incident #1")


def test_a_refusal_is_a_550_on_one_ascii_line(listener: tuple[int, Replies]) -> None:
    port, replies = listener
    replies.answer = Answer(False, "Café\r\nis closed")

    assert _send(port, _message()) == (550, "5.7.1 Cafe is closed")


def test_an_html_only_reply_is_read_without_its_quoted_original(
    listener: tuple[int, Replies],
) -> None:
    port, replies = listener
    message = EmailMessage()
    message["From"] = "ada@example.com"
    message["To"] = TO
    message.set_content(
        "<html><head><style>p {color: red}</style></head><body><div>Resolve&nbsp;now</div>"
        "<div>On Monday, ondeck wrote:</div><blockquote><p>ack</p></blockquote></body></html>",
        subtype="html",
    )

    assert _send(port, message)[0] == 250
    lines = [line.strip() for line in replies.received[0].body.splitlines() if line.strip()]
    assert lines == ["Resolve\xa0now", "On Monday, ondeck wrote:"]


def test_without_a_from_header_the_envelope_sender_counts(listener: tuple[int, Replies]) -> None:
    port, replies = listener

    assert _send(port, _message(sender=None), mail_from="ada@example.com")[0] == 250
    assert replies.received[0].sender == "ada@example.com"


def test_mail_for_another_domain_is_refused_at_rcpt(listener: tuple[int, Replies]) -> None:
    port, replies = listener

    refused = _send(port, _message(), to="ada@example.com")
    upper = _send(port, _message(), to=f"ondeck+1-2-abc@{DOMAIN.upper()}")

    assert refused == (
        550,
        "5.1.1 <ada@example.com>: this server only takes replies to ondeck page emails",
    )
    assert upper[0] == 250
    assert len(replies.received) == 1


def test_a_message_over_the_size_limit_is_refused_unread(listener: tuple[int, Replies]) -> None:
    port, replies = listener

    code, _ = _send(port, _message("ack\n" + ("x" * 70 + "\n") * 400))

    assert code == 552
    assert replies.received == []


def test_a_failing_use_case_asks_the_sender_to_try_again(listener: tuple[int, Replies]) -> None:
    port, replies = listener
    replies.fail = True

    code, answer = _send(port, _message())

    assert code == 451 and answer.startswith("4.3.0"), answer


def test_starting_on_a_port_in_use_fails() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = InboundMailServer(f"smtp://127.0.0.1:{port}", domain=DOMAIN, callback=Replies())
        with pytest.raises(OSError):
            server.start()
