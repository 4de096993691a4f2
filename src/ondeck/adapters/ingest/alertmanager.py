"""Prometheus Alertmanager webhooks (version 4) and Grafana's (version 1), one code path.

One incident per alert group: the dedup key is the SHA-256 of ``groupKey``, the same key
Alertmanager's own PagerDuty notifier uses, so both integrations of a service agree. The
group resolves when Alertmanager says every alert in it has resolved. Unknown keys (newer
versions add some) are ignored.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ondeck.adapters.ingest import TEXT_MAX, Rejected, clean_text, load_json
from ondeck.adapters.ingest.events_v2 import parse_timestamp
from ondeck.domain.model import AlertAction, AlertSignal, Severity

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def _invalid(errors: list[str]) -> Rejected:
    return Rejected(
        {"status": "invalid payload", "message": "Webhook is invalid", "errors": errors}
    )


def _text_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _group_key(data: dict[str, Any]) -> str:
    key = data.get("groupKey")
    if isinstance(key, str) and key:
        return key
    labels = _text_map(data.get("groupLabels"))
    return "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _title(data: dict[str, Any], firing: int) -> str:
    title = data.get("title")
    if isinstance(title, str) and title.strip() and data.get("version") == "1":
        return title.strip()[:1024]
    annotations = _text_map(data.get("commonAnnotations"))
    labels = _text_map(data.get("groupLabels")) or _text_map(data.get("commonLabels"))
    summary = annotations.get("summary") or annotations.get("description")
    if summary:
        return summary[:1024]
    name = " ".join(labels.values()) or "alert group"
    return f"[FIRING:{firing}] {name}"[:1024]


def decode_webhook(body: bytes) -> AlertSignal:
    """Decode one webhook into a signal for its alert group; raise Rejected when invalid."""
    try:
        data = load_json(body)
    except ValueError as error:
        raise _invalid(["body is not JSON"]) from error
    if not isinstance(data, dict):
        raise _invalid(["body must be a JSON object"])
    errors = []
    status = data.get("status")
    if status not in ("firing", "resolved"):
        errors.append("'status' must be 'firing' or 'resolved'")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        errors.append("'alerts' must be an array")
        alerts = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            errors.append(f"'alerts[{index}]' must be an object")
    if errors:
        raise _invalid(errors)

    items = [
        {
            "status": str(alert.get("status", "")),
            "labels": _text_map(alert.get("labels")),
            "annotations": _text_map(alert.get("annotations")),
            "startsAt": alert.get("startsAt"),
            "endsAt": None if alert.get("endsAt") == GO_ZERO_TIME else alert.get("endsAt"),
            "fingerprint": alert.get("fingerprint"),
            "generatorURL": alert.get("generatorURL"),
        }
        for alert in alerts
    ]
    firing = sum(1 for item in items if item["status"] == "firing")
    common = _text_map(data.get("commonLabels"))
    severity = None
    try:
        severity = Severity(common.get("severity", "").strip().lower())
    except ValueError:
        severity = None
    links: list[tuple[str, str]] = []
    runbook = _text_map(data.get("commonAnnotations")).get("runbook_url")
    if runbook:
        links.append((runbook, "Runbook"))
    generator = next((i["generatorURL"] for i in items if i["generatorURL"]), None)
    if isinstance(generator, str):
        links.append((generator, "Source"))
    starts = [parse_timestamp(i["startsAt"]) for i in items if isinstance(i["startsAt"], str)]
    group_key = _group_key(data)
    return AlertSignal(
        action=AlertAction.TRIGGER if status == "firing" else AlertAction.RESOLVE,
        dedup_key=hashlib.sha256(group_key.encode()).hexdigest(),
        summary=clean_text(_title(data, firing), TEXT_MAX),
        source=clean_text(
            str(data.get("externalURL") or data.get("receiver") or "alertmanager"), TEXT_MAX
        ),
        severity=severity,
        occurred_at=min((s for s in starts if s is not None), default=None),
        client="Grafana" if data.get("version") == "1" else "Alertmanager",
        client_url=clean_text(str(data.get("externalURL") or "")),
        links=tuple(links),
        details={
            "group_key": group_key,
            "receiver": data.get("receiver"),
            "group_labels": _text_map(data.get("groupLabels")),
            "common_labels": common,
            "common_annotations": _text_map(data.get("commonAnnotations")),
            "firing": firing,
            "resolved": len(items) - firing,
            "truncated_alerts": data.get("truncatedAlerts", 0),
            "alerts": items,
        },
        origin="grafana" if data.get("version") == "1" else "alertmanager",
    )
