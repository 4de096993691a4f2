"""Prometheus metrics shared by the web app and the engine (exported at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

events_received = Counter(
    "ondeck_events_received_total", "Events accepted by ingest endpoints", ["format", "result"]
)
events_rejected = Counter(
    "ondeck_events_rejected_total", "Events refused by ingest endpoints", ["format", "status"]
)
alert_to_dispatch = Histogram(
    "ondeck_alert_to_dispatch_seconds",
    "From an incident's trigger to the first level's page being handed to the channel",
    buckets=LATENCY_BUCKETS,
)
escalation_lateness = Histogram(
    "ondeck_escalation_lateness_seconds",
    "How late escalation timers fire after their due time",
    buckets=LATENCY_BUCKETS,
)
deliveries = Counter(
    "ondeck_deliveries_total", "Delivery attempts by channel and outcome", ["channel", "outcome"]
)
engine_health = Gauge(
    "ondeck_engine_backlog", "Overdue escalations, queued, stuck and failed messages", ["kind"]
)
