"""PagerDuty Events API v2 (``/v2/enqueue``) and change events (``/v2/change/enqueue``).

Validation and error texts follow PagerDuty's, because clients report ``errors[0]`` to
their users and some check ``status`` exactly. Unknown fields are ignored; ``payload`` on
acknowledge and resolve is accepted and not validated (Alertmanager sends it). Each field
is reported once: a wrong type is not also called missing.

What validation accepts, the store must keep: NUL characters are dropped and an overlong
source is cut, because a database error would answer 503 and senders would retry forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ondeck.adapters.ingest import TEXT_MAX, Rejected, clean_text, load_json
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
    """ISO 8601, leniently: ``Z``, ``+0000`` and ``+00:00`` offsets; naive means UTC.

    None when the text is not a time, or is one that cannot be expressed in UTC.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = load_json(body)
    except ValueError as error:
        raise _unrecognized() from error
    if not isinstance(data, dict):
        raise _unrecognized()
    return data


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value).strip())


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


def _action(data: dict[str, Any], errors: list[str]) -> AlertAction | None:
    raw = data.get("event_action")
    if _blank(raw):
        errors.append("'event_action' is missing or blank")
        return None
    try:
        return AlertAction(str(raw).strip().lower())
    except ValueError:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
        return None


def _dedup_key(data: dict[str, Any], action: AlertAction | None, errors: list[str]) -> str:
    """The event's dedup key, or "" when it has none (a trigger then gets a fresh one)."""
    raw = data.get("dedup_key")
    if raw is not None and not isinstance(raw, str):
        errors.append("'dedup_key' must be a string")
        return ""
    key = clean_text(raw or "")
    if len(key) > DEDUP_MAX:
        errors.append(f"'dedup_key' is too long (maximum {DEDUP_MAX} characters)")
    elif not key.strip() and action in (AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE):
        errors.append("'dedup_key' is missing or blank")
    return key if key.strip() else ""


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
        out.append((clean_text(str(link["href"])), clean_text(str(link.get("text") or ""))))
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
            out.append(
                {k: clean_text(str(v)) for k, v in image.items() if k in ("src", "href", "alt")}
            )
    return out


def _text(
    data: dict[str, Any],
    name: str,
    errors: list[str],
    *,
    path: str,
    required: bool = False,
    limit: int | None = None,
) -> str:
    """A string field: a wrong type is reported once, a missing one only when required."""
    value = data.get(name)
    if _blank(value):
        if required:
            errors.append(f"'{path}' is missing or blank")
        return ""
    if not isinstance(value, str):
        errors.append(f"'{path}' must be a string")
        return ""
    return clean_text(value, limit)


@dataclass(frozen=True)
class _Payload:
    summary: str = ""
    source: str = ""
    severity: Severity | None = None
    occurred_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _payload(data: dict[str, Any], action: AlertAction | None, errors: list[str]) -> _Payload:
    """A trigger's payload is validated; one on acknowledge or resolve is read if it can be
    (Alertmanager sends its full payload on resolve) and never refused."""
    payload = data.get("payload")
    strict = action is AlertAction.TRIGGER
    if not isinstance(payload, dict):
        if strict:
            errors.append(
                "'payload' is missing or blank"
                if payload is None
                else "'payload' must be an object"
            )
        return _Payload()
    problems: list[str] = errors if strict else []
    summary = _text(payload, "summary", problems, path="payload.summary", required=True)
    if len(summary) > SUMMARY_MAX:
        problems.append(f"'payload.summary' is too long (maximum {SUMMARY_MAX} characters)")
    source = _text(
        payload, "source", problems, path="payload.source", required=True, limit=TEXT_MAX
    )
    severity = None
    raw_severity = payload.get("severity")
    if _blank(raw_severity):
        problems.append("'payload.severity' is missing or blank")
    else:
        try:
            severity = Severity(str(raw_severity).strip().lower())
        except ValueError:
            problems.append("'payload.severity' must be one of critical, error, warning, info")
    occurred_at = _timestamp(payload, problems)
    details: dict[str, Any] = {}
    for name in ("component", "group", "class"):
        value = _text(payload, name, problems, path=f"payload.{name}")
        if value:
            details[name] = value
    if "custom_details" in payload:
        details["custom_details"] = payload["custom_details"]
    return _Payload(summary[:SUMMARY_MAX], source, severity, occurred_at, details)


def _timestamp(payload: dict[str, Any], errors: list[str]) -> datetime | None:
    raw = payload.get("timestamp")
    if raw is None:
        return None
    parsed = parse_timestamp(raw) if isinstance(raw, str) else None
    if parsed is None:
        errors.append("'payload.timestamp' is not a valid ISO 8601 timestamp")
    return parsed


def decode_event(body: bytes) -> DecodedEvent:
    """Decode and validate one Events v2 event; raise Rejected with PagerDuty's 400 body."""
    data = _load(body)
    errors: list[str] = []
    routing_key = _routing_key(data, errors)
    action = _action(data, errors)
    dedup_key = _dedup_key(data, action, errors)
    payload = _payload(data, action, errors) if action is not None else _Payload()
    links = _links(data, errors)
    images = _images(data, errors)
    client = _text(data, "client", errors, path="client")
    client_url = _text(data, "client_url", errors, path="client_url")
    if errors or action is None:
        raise _invalid(errors)
    details = dict(payload.details)
    if images:
        details["images"] = images
    return DecodedEvent(
        routing_key=routing_key,
        signal=AlertSignal(
            action=action,
            dedup_key=dedup_key or uuid.uuid4().hex,
            summary=payload.summary,
            source=payload.source,
            severity=payload.severity,
            occurred_at=payload.occurred_at,
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
    summary = source = ""
    occurred_at = None
    payload = data.get("payload")
    if not isinstance(payload, dict):
        errors.append(
            "'payload' is missing or blank" if payload is None else "'payload' must be an object"
        )
        payload = {}
    else:
        summary = _text(payload, "summary", errors, path="payload.summary", required=True)
        if len(summary) > SUMMARY_MAX:
            errors.append(f"'payload.summary' is too long (maximum {SUMMARY_MAX} characters)")
        source = _text(payload, "source", errors, path="payload.source", limit=TEXT_MAX)
        occurred_at = _timestamp(payload, errors)
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
