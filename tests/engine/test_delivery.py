"""Delivery through real boundaries: a webhook that fails, fail-over to email, acks mid-flight.

The server runs its engine in-process here; what is under test is the outbox's retry,
fail-over and cancellation, seen from the receiving end and on the incident's timeline.
Each failure mode runs on one database here; tests/engine/test_paging.py covers the same
rules on both databases without processes.
"""

from __future__ import annotations

import time

from tests.conftest import Mailbox
from tests.engine.conftest import ADA, Deploy, Webhook, org_document


def _webhook_then_email(webhook: Webhook) -> str:
    return org_document(
        first="1m",
        second="1m",
        ada_contacts=[
            {"type": "webhook", "address": webhook.url},
            {"type": "email", "address": ADA},
        ],
        ada_rules=[{"contact": "webhook", "after": "0m"}],
    )


def test_a_webhook_answering_500_is_retried_with_backoff_then_email_takes_over(
    postgres_url: str, mailbox: Mailbox, deploy: Deploy, webhook: Webhook
) -> None:
    webhook.status = 500
    deployment = deploy(
        postgres_url,
        _webhook_then_email(webhook),
        engine_inside=True,
        cli_apply=True,
        ONDECK_SMTP_URL=mailbox.url,
        ONDECK_DELIVERY_ATTEMPTS="2",
    )

    deployment.trigger("payments-5xx")

    mailbox.wait_for(ADA, timeout=15)
    calls = webhook.received()
    assert len(calls) == 2, "two attempts, as ONDECK_DELIVERY_ATTEMPTS says"
    assert calls[1].at - calls[0].at >= 1.5, "the retry waits for its backoff"
    keys = {call.headers["idempotency-key"] for call in calls}
    assert len(keys) == 1, "a retry carries the same Idempotency-Key"
    incident = deployment.incident("payments-5xx")
    body = calls[0].body
    assert body["event"] == "incident.page"
    assert body["idempotency_key"] == keys.pop()
    assert body["recipient"] == "Ada Lovelace"
    assert body["incident"]["number"] == incident["number"]
    assert body["incident"]["title"] == "Checkout error rate 12%"
    assert body["incident"]["service"] == "Checkout API"
    assert body["incident"]["status"] == "triggered"
    assert body["actions"]["acknowledge"].startswith(f"{deployment.web.url}/l/")
    assert calls[0].path == "/hook"
    assert calls[0].headers["content-type"] == "application/json"

    time.sleep(1.0)  # room for a duplicate to show up
    assert len(mailbox.to(ADA)) == 1
    assert len(webhook.received()) == 2
    kinds = deployment.kinds(incident["id"])
    paging = [k for k in kinds if k not in ("triggered", "escalated")]
    assert paging == ["delivery_retry", "delivery_failed", "failover", "notified"]


def test_a_webhook_refusing_with_400_falls_over_to_email_at_once(
    sqlite_url: str, mailbox: Mailbox, deploy: Deploy, webhook: Webhook
) -> None:
    webhook.status = 400
    deployment = deploy(
        sqlite_url,
        _webhook_then_email(webhook),
        engine_inside=True,
        cli_apply=True,
        ONDECK_SMTP_URL=mailbox.url,
        ONDECK_DELIVERY_ATTEMPTS="4",
    )

    deployment.trigger("payments-4xx")

    mailbox.wait_for(ADA, timeout=10)
    mailed_at = time.monotonic()
    calls = webhook.received()
    assert len(calls) == 1, "a permanent failure is not retried"
    assert mailed_at - calls[0].at < 2.0, "the email goes out without waiting for a backoff"
    time.sleep(1.0)  # room for a duplicate to show up
    assert len(mailbox.to(ADA)) == 1
    assert len(webhook.received()) == 1
    incident = deployment.incident("payments-4xx")
    timeline = deployment.timeline(incident["id"])
    paging = [e for e in timeline if e["kind"] not in ("triggered", "escalated")]
    assert [e["kind"] for e in paging] == ["delivery_failed", "failover", "notified"]
    assert paging[0]["data"]["channel"] == "webhook"
    assert paging[2]["data"]["channel"] == "email"


def test_acknowledging_cancels_a_page_that_is_not_yet_due(
    sqlite_url: str, mailbox: Mailbox, deploy: Deploy, webhook: Webhook
) -> None:
    deployment = deploy(
        sqlite_url,
        org_document(
            first="1m",
            second="1m",
            ada_contacts=[
                {"type": "email", "address": ADA},
                {"type": "webhook", "address": webhook.url},
            ],
            ada_rules=[
                {"contact": "email", "after": "0m"},
                {"contact": "webhook", "after": "3s"},
            ],
        ),
        engine_inside=True,
        cli_apply=True,
        ONDECK_SMTP_URL=mailbox.url,
    )

    deployment.trigger("queue-backlog")
    triggered_at = time.monotonic()
    mailbox.wait_for(ADA, timeout=10)
    incident = deployment.incident("queue-backlog")
    acked = deployment.acknowledge(incident["id"])

    assert acked["status"] == "acknowledged"
    assert time.monotonic() - triggered_at < 3.0, "acknowledged before the webhook was due"
    time.sleep(max(triggered_at + 4.5 - time.monotonic(), 0.0))
    assert webhook.received() == []
    timeline = deployment.timeline(incident["id"])
    ack = [e for e in timeline if e["kind"] == "acknowledged"]
    assert ack[0]["data"]["cancelled_messages"] == 1
    assert [e["kind"] for e in timeline].count("notified") == 1
