"""PagerDuty Events API v2 (``/v2/enqueue``) and change events (``/v2/change/enqueue``).

Validation and error texts follow PagerDuty's, because clients report ``errors[0]`` to
their users and some check ``status`` exactly. Unknown fields are ignored; ``payload`` on
acknowledge and resolve is accepted and not validated (Alertmanager sends it).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ondeck.adapters.ingest import Rejected
from ondeck.domain.model import AlertAction, AlertSignal, Severity

SUMMARY_MAX = 1024
DEDUP_MAX = 255
ROUTING_KEY_LENGTH = 32


@dataclass(frozen=True)
class DecodedEvent:
    routing_key: str
    signal: AlertSignal


def _unrecognized() -> Rejected:
    return Rejected(
        {
            "status": "Unrecognized object",
            "message": "Event object format is unrecognized",
            "errors": ["JSON parse error"],
        }
    )


def _invalid(errors: list[str]) -> Rejected:
    return Rejected(
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    )


def parse_timestamp(value: str) -> datetime | None:
    """ISO 8601, leniently: ``Z``, ``+0000`` and ``+00:00`` offsets; naive means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise _unrecognized() from error
    if not isinstance(data, dict):
        raise _unrecognized()
    return data


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _routing_key(data: dict[str, Any], errors: list[str]) -> str:
    key = data.get("routing_key")
    if _blank(key):
        errors.append("'routing_key' is missing or blank")
        return ""
    if not isinstance(key, str):
        errors.append("'routing_key' must be a string")
        return ""
    if len(key) != ROUTING_KEY_LENGTH:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    return key


def _links(data: dict[str, Any], errors: list[str]) -> tuple[tuple[str, str], ...]:
    links = data.get("links")
    if links is None:
        return ()
    if not isinstance(links, list):
        errors.append("'links' must be an array")
        return ()
    out = []
    for index, link in enumerate(links):
        if not isinstance(link, dict) or _blank(link.get("href")):
            errors.append(f"'links[{index}].href' is missing or blank")
            continue
        out.append((str(link["href"]), str(link.get("text") or "")))
    return tuple(out)


def _images(data: dict[str, Any], errors: list[str]) -> list[dict[str, str]]:
    images = data.get("images")
    if images is None:
        return []
    if not isinstance(images, list):
        errors.append("'images' must be an array")
        return []
    out = []
    for index, image in enumerate(images):
        src = image.get("src") if isinstance(image, dict) else None
        if _blank(src):
            errors.append(f"'images[{index}].src' is missing or blank")
        elif not str(src).startswith("https://"):
            errors.append(f"'images[{index}].src' must be an HTTPS URL")
        else:
            out.append({k: str(v) for k, v in image.items() if k in ("src", "href", "alt")})
    return out


def _optional_text(data: dict[str, Any], name: str, errors: list[str], path: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"'{path}' must be a string")
        return ""
    return value


def decode_event(body: bytes) -> DecodedEvent:
    """Decode and validate one Events v2 event; raise Rejected with PagerDuty's 400 body."""
    data = _load(body)
    errors: list[str] = []
    routing_key = _routing_key(data, errors)

    raw_action = data.get("event_action")
    action: AlertAction | None = None
    if _blank(raw_action):
        errors.append("'event_action' is missing or blank")
    else:
        try:
            action = AlertAction(str(raw_action).strip().lower())
        except ValueError:
            errors.append("'event_action' must be one of trigger, acknowledge, resolve")

    dedup_key = data.get("dedup_key")
    if dedup_key is not None and not isinstance(dedup_key, str):
        errors.append("'dedup_key' must be a string")
        dedup_key = None
    elif isinstance(dedup_key, str) and len(dedup_key) > DEDUP_MAX:
        errors.append(f"'dedup_key' is too long (maximum {DEDUP_MAX} characters)")
    if action in (AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE) and _blank(dedup_key):
        errors.append("'dedup_key' is missing or blank")

    payload = data.get("payload")
    summary = source = ""
    severity: Severity | None = None
    occurred_at: datetime | None = None
    details: dict[str, Any] = {}
    if action is AlertAction.TRIGGER or (action is not None and isinstance(payload, dict)):
        strict = action is AlertAction.TRIGGER
        if not isinstance(payload, dict):
            errors.append(
                "'payload' is missing or blank"
                if payload is None
                else "'payload' must be an object"
            )
            payload = {}
        summary = _optional_text(payload, "summary", errors if strict else [], "payload.summary")
        source = _optional_text(payload, "source", errors if strict else [], "payload.source")
        if strict and _blank(summary):
            errors.append("'payload.summary' is missing or blank")
        elif len(summary) > SUMMARY_MAX:
            if strict:
                errors.append(f"'payload.summary' is too long (maximum {SUMMARY_MAX} characters)")
            summary = summary[:SUMMARY_MAX]
        if strict and _blank(source):
            errors.append("'payload.source' is missing or blank")
        raw_severity = payload.get("severity")
        if _blank(raw_severity):
            if strict:
                errors.append("'payload.severity' is missing or blank")
        else:
            try:
                severity = Severity(str(raw_severity).strip().lower())
            except ValueError:
                if strict:
                    errors.append(
                        "'payload.severity' must be one of critical, error, warning, info"
                    )
        raw_timestamp = payload.get("timestamp")
        if raw_timestamp is not None:
            occurred_at = parse_timestamp(raw_timestamp) if isinstance(raw_timestamp, str) else None
            if occurred_at is None and strict:
                errors.append("'payload.timestamp' is not a valid ISO 8601 timestamp")
        for name in ("component", "group", "class"):
            value = _optional_text(payload, name, errors if strict else [], f"payload.{name}")
            if value:
                details[name] = value
        if "custom_details" in payload:
            details["custom_details"] = payload["custom_details"]

    links = _links(data, errors)
    images = _images(data, errors)
    client = _optional_text(data, "client", errors, "client")
    client_url = _optional_text(data, "client_url", errors, "client_url")
    if errors or action is None:
        raise _invalid(errors)
    if images:
        details["images"] = images
    return DecodedEvent(
        routing_key=routing_key,
        signal=AlertSignal(
            action=action,
            dedup_key=str(dedup_key) if not _blank(dedup_key) else uuid.uuid4().hex,
            summary=summary,
            source=source,
            severity=severity,
            occurred_at=occurred_at,
            client=client,
            client_url=client_url,
            links=links,
            details=details,
            origin="events_v2",
        ),
    )


def decode_change(body: bytes) -> DecodedEvent:
    """Decode a change event: ``routing_key`` and ``payload.summary`` are required."""
    data = _load(body)
    errors: list[str] = []
    routing_key = _routing_key(data, errors)
    payload = data.get("payload")
    if not isinstance(payload, dict):
        errors.append(
            "'payload' is missing or blank" if payload is None else "'payload' must be an object"
        )
        payload = {}
    summary = _optional_text(payload, "summary", errors, "payload.summary")
    if _blank(summary):
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > SUMMARY_MAX:
        errors.append(f"'payload.summary' is too long (maximum {SUMMARY_MAX} characters)")
    source = _optional_text(payload, "source", errors, "payload.source")
    occurred_at = None
    if isinstance(payload.get("timestamp"), str):
        occurred_at = parse_timestamp(payload["timestamp"])
        if occurred_at is None:
            errors.append("'payload.timestamp' is not a valid ISO 8601 timestamp")
    links = _links(data, errors)
    if errors:
        raise _invalid(errors)
    return DecodedEvent(
        routing_key=routing_key,
        signal=AlertSignal(
            action=AlertAction.TRIGGER,
            dedup_key="",
            summary=summary,
            source=source,
            occurred_at=occurred_at,
            links=links,
            details={"custom_details": payload.get("custom_details")},
            origin="change_event",
        ),
    )
