"""Request bodies as templates: fixed text with a per-request key between the parts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bench.system import ROUTING_KEY

KEY = "\x00KEY\x00"


@dataclass(frozen=True)
class Template:
    parts: tuple[str, ...]
    """The body is ``key.join(parts)``."""

    @classmethod
    def of(cls, document: object) -> Template:
        """A template from a JSON document in which the string ``KEY`` marks the key."""
        return cls(tuple(json.dumps(document).split(json.dumps(KEY)[1:-1])))

    def body(self, key: str) -> bytes:
        return key.join(self.parts).encode()


def events_v2_trigger() -> Template:
    """An Events v2 trigger whose dedup key and summary (the incident's title) are the key."""
    return Template.of(
        {
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": KEY,
            "payload": {"summary": KEY, "source": "bench-generator", "severity": "critical"},
        }
    )


def alertmanager_alert() -> Template:
    """One alert for Alertmanager's ``POST /api/v2/alerts``, told apart by its instance."""
    return Template.of(
        [
            {
                "labels": {"alertname": "BenchAlert", "service": "bench", "instance": KEY},
                "annotations": {"summary": KEY},
            }
        ]
    )
