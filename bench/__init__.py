"""Benchmarks for ondeck: ingest throughput, alert-to-dispatch latency, escalation lateness.

Run with ``make bench`` (``python -m bench.run``). Every number is measured against a
baseline started in the same run on the same machine; nothing here passes or fails.
"""
