"""Kinds of timeline entries, so every entry point writes and reads the same words."""

from __future__ import annotations

TRIGGERED = "triggered"
ALERT_REPEATED = "alert_repeated"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
ESCALATED = "escalated"
NOBODY_ON_CALL = "nobody_on_call"
ESCALATION_EXHAUSTED = "escalation_exhausted"
NOTIFIED = "notified"
DELIVERY_RETRY = "delivery_retry"
DELIVERY_FAILED = "delivery_failed"
FAILOVER = "failover"
UNREACHABLE = "unreachable"
