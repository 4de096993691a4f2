"""Acknowledge by email reply, through the server's real inbound SMTP listener.

The server pages Ada by email (a real SMTP server on loopback catches it); the test replies
with smtplib to the page's Reply-To, as a mail program would, and reads the listener's SMTP
answers. Both databases.
"""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any

import httpx

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from tests.conftest import (
    ROUTING_KEY,
    SECRET,
    Mailbox,
    Server,
    free_port,
    ondeck_env,
    org_yaml,
    run_cli,
    text_body,
)

ADA = "ada@example.com"
REPLY_TO = re.compile(r"^ondeck\+(\d+)-(\d+)-([a-z2-7]+)@127\.0\.0\.1$")


def _setup(database_url: str, mailbox: Mailbox, start_server: Any) -> tuple[Server, str, int]:
    """The server, Ada's API token and the port of its inbound SMTP listener."""
    inbound = free_port()
    env = ondeck_env(
        database_url,
        ONDECK_SMTP_URL=mailbox.url,
        ONDECK_INBOUND_SMTP_URL=f"smtp://127.0.0.1:{inbound}",
    )
    run_cli(env, "apply", "-f", "-", input_text=org_yaml(first="30s", second="30s"))
    token = run_cli(env, "token", "create", "--user", ADA).stdout.strip().splitlines()[-1]
    server: Server = start_server(env)
    assert f"inbound mail on smtp://127.0.0.1:{inbound}" in server.log()
    return server, token, inbound


def _page_ada(server: Server, token: str, mailbox: Mailbox) -> tuple[dict[str, Any], Message]:
    """Trigger an incident; the incident and the page email Ada gets for it."""
    body = {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "payload": {
            "summary": "Checkout error rate 12%",
            "source": "web-1",
            "severity": "critical",
        },
    }
    sent = httpx.post(f"{server.url}/v2/enqueue", json=body, timeout=10)
    assert sent.status_code == 202, sent.text
    page = mailbox.wait_for(ADA, timeout=10)[0]
    with server.client(token) as client:
        found = client.get("/api/v1/incidents").json()["data"]
    assert len(found) == 1
    return dict(found[0]), page


def _reply(page: Message, text: str, *, sender: str = ADA, html: bool = False) -> EmailMessage:
    """A reply as a mail program writes it: the new text above the quoted original."""
    reply = EmailMessage()
    reply["From"] = f"Ada Lovelace <{sender}>"
    reply["To"] = str(page["Reply-To"])
    reply["Subject"] = f"Re: {page['Subject']}"
    reply["In-Reply-To"] = str(page["Message-ID"])
    reply["Message-ID"] = make_msgid(domain="example.com")
    quoted = "\n".join("> " + line for line in text_body(page).splitlines())
    if html:
        reply.set_content(
            f"<html><body><div>{text}</div><div>On Monday, ondeck wrote:</div>"
            f"<blockquote>ack<br>{quoted}</blockquote></body></html>",
            subtype="html",
        )
    else:
        reply.set_content(f"{text}\n\nOn Monday, ondeck <ondeck@example.com> wrote:\n{quoted}\n")
    return reply


def _send(port: int, message: EmailMessage, *, to: str | None = None) -> tuple[int, str]:
    """Deliver ``message`` to the listener; its answer to DATA (or to RCPT if refused)."""
    recipient = to or str(message["To"])
    sender = re.sub(r".*<|>.*", "", str(message["From"]))
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo("mail.example.com")
        code, answer = smtp.mail(sender)
        assert code == 250, answer
        code, answer = smtp.rcpt(recipient)
        if code != 250:
            return code, answer.decode()
        code, answer = smtp.data(message.as_bytes(policy=SMTP))
        return code, answer.decode()


def _incident(server: Server, token: str, incident_id: int) -> dict[str, Any]:
    with server.client(token) as client:
        return dict(client.get(f"/api/v1/incidents/{incident_id}").json())


def _timeline(server: Server, token: str, incident_id: int) -> list[dict[str, Any]]:
    with server.client(token) as client:
        return list(client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"])


def _refusals(database_url: str) -> list[tuple[str, str, int | None]]:
    container = bootstrap(Settings(database_url=database_url, secret_key=SECRET), channels={})
    try:
        with container.uow(read_only=True) as work:
            found = work.paging.inbound_refusals()
        return [(r.sender, r.reason, r.incident_id) for r in found]
    finally:
        container.close()


def _messages(server: Server, token: str, incident: dict[str, Any]) -> str:
    return "\n".join(e["message"] for e in _timeline(server, token, incident["id"]))


def _summary(incident: dict[str, Any]) -> str:
    return f"#{incident['number']} ({incident['title']})"


def test_replying_ack_acknowledges_as_the_paged_person_and_anyone_else_is_refused_and_recorded(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token, port = _setup(database_url, mailbox, start_server)
    incident, page = _page_ada(server, token, mailbox)
    reply_to = str(page["Reply-To"])
    token_in_address = REPLY_TO.match(reply_to)
    assert token_in_address is not None, reply_to
    assert int(token_in_address.group(1)) == incident["id"]
    assert "Reply to this email with ack, resolve, escalate or snooze 30" in text_body(page)
    forged = re.sub(r"-([a-z2-7]+)@", lambda m: "-" + m.group(1)[::-1] + "@", reply_to)
    assert forged != reply_to

    stranger = _send(port, _reply(page, "ack", sender="mallory@example.net"))
    colleague = _send(port, _reply(page, "resolve", sender="grace@example.com"))
    forgery = _send(port, _reply(page, "ack"), to=forged)
    plain = _send(port, _reply(page, "ack"), to="ondeck@127.0.0.1")
    elsewhere = _send(port, _reply(page, "ack"), to="ada@example.com")
    empty = _send(port, _reply(page, ""))
    chatter = _send(port, _reply(page, "Thanks, will look after lunch"))

    assert stranger == (550, "5.7.1 mallory@example.net is not the person this page was sent to")
    assert colleague == (550, "5.7.1 grace@example.com is not the person this page was sent to")
    assert forgery == (550, "5.7.1 this reply address is not valid (forged or mistyped)")
    assert plain == (550, "5.7.1 this address only takes replies to ondeck page emails")
    assert elsewhere == (
        550,
        "5.1.1 <ada@example.com>: this server only takes replies to ondeck page emails",
    )
    no_command = (550, "5.7.1 no command found: reply with ack, resolve, escalate or snooze")
    assert empty == no_command
    assert chatter == no_command

    assert _incident(server, token, incident["id"])["status"] == "triggered"
    timeline = _timeline(server, token, incident["id"])
    refused = [(e["actor"], e["message"]) for e in timeline if e["kind"] == "inbound_refused"]
    no_reason = no_command[1].removeprefix("5.7.1 ")
    expected = [
        ("mallory@example.net", "mallory@example.net is not the person this page was sent to"),
        ("grace@example.com", "grace@example.com is not the person this page was sent to"),
        (ADA, no_reason),
        (ADA, no_reason),
    ]
    assert len(refused) == len(expected), refused
    for (actor, message), (sender, reason) in zip(refused, expected, strict=True):
        assert actor == "email"
        assert f"from {sender}: {reason}" in message
    recorded = _refusals(database_url)
    assert (ADA, "this reply address is not valid (forged or mistyped)", None) in recorded
    assert (ADA, "this address only takes replies to ondeck page emails", None) in recorded
    assert len(recorded) == 6  # the RCPT refusal never reached the use case

    answer = _send(port, _reply(page, "ack"))

    assert answer == (250, f"OK: Acknowledged {_summary(incident)}")
    after = _incident(server, token, incident["id"])
    assert after["status"] == "acknowledged"
    assert after["acknowledged_by"] == ADA
    entries = _timeline(server, token, incident["id"])
    assert entries[-1]["kind"] == "acknowledged"
    assert entries[-1]["message"] == f"Acknowledged by {ADA} via email reply"

    again = _send(port, _reply(page, "Ack, on it"))
    assert again == (250, f"OK: Already acknowledged: {_summary(incident)}")
    assert _incident(server, token, incident["id"])["status"] == "acknowledged"


def test_escalate_snooze_and_resolve_by_reply(
    database_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    server, token, port = _setup(database_url, mailbox, start_server)
    incident, page = _page_ada(server, token, mailbox)
    assert mailbox.to("cto@example.com") == []

    escalated = _send(port, _reply(page, "escalate"))

    assert escalated == (250, f"OK: Escalated {_summary(incident)} to level 2")
    mailbox.wait_for("cto@example.com", timeout=10)  # level 2 pages at once, not after 30s

    code, snoozed = _send(port, _reply(page, "Snooze 10"))
    assert code == 250 and snoozed.startswith(f"OK: Snoozed {_summary(incident)} until "), snoozed
    assert _incident(server, token, incident["id"])["status"] == "acknowledged"
    assert f"Snoozed by {ADA} via email reply for 10 min" in _messages(server, token, incident)

    resolved = _send(port, _reply(page, "Resolved", html=True))  # an HTML-only mail program
    assert resolved == (250, f"OK: Resolved {_summary(incident)}")
    after = _incident(server, token, incident["id"])
    assert after["status"] == "resolved"
    assert f"Resolved by {ADA} via email reply" in _messages(server, token, incident)

    code, late = _send(port, _reply(page, "ack"))
    assert code == 550 and late.startswith("5.7.1 "), late
    assert _incident(server, token, incident["id"])["status"] == "resolved"
