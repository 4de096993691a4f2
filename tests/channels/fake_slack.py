"""A stand-in for Slack on loopback that checks requests the way Slack does and answers
the way Slack answers.

- Web API: ``POST /api/chat.postMessage`` and ``/api/chat.update`` need
  ``Authorization: Bearer xoxb-...`` (else ``not_authed`` / ``invalid_auth``); bodies may be
  JSON or form-encoded, as Slack accepts both; ``channel`` must be a known channel or member
  (``channel_not_found``; a member ID is answered with its direct-message channel ``D...``),
  ``blocks`` must keep Block Kit's rules (``invalid_blocks``), an update names a message
  that exists (``message_not_found``). Answers are HTTP 200 with ``{"ok": ...}``.
- Incoming webhooks at ``/services/T.../B.../...``: JSON with text or blocks, ``200 ok``;
  an unknown hook ``404 no_service``; a bad body ``400 invalid_payload``.
- ``response_url`` posts at ``/actions/...``: recorded, ``200 {"ok": true}``.

Any answer can be scripted ahead (``answer_next``) to play Slack's failures: 429 with
Retry-After, 500, an ``{"ok": false}``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "xoxb-1234-5678-test"
BLOCK_TYPES = {"section", "actions", "context", "header", "divider"}


@dataclass(frozen=True)
class Seen:
    """One request Slack received."""

    path: str
    headers: dict[str, str]
    """Lower-case names."""
    raw: bytes
    body: dict[str, Any]
    """The JSON or form body; a form's ``blocks`` field decoded from its JSON."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def block_problems(blocks: Any) -> list[str]:
    """What Slack's ``invalid_blocks`` would complain about (a useful subset of its rules)."""
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return ["blocks must be a list of 1 to 50 blocks"]
    problems: list[str] = []
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            problems.append(f"{where}: unknown type {kind!r}")
            continue
        if "block_id" in block:
            if block["block_id"] in block_ids or len(block["block_id"]) > 255:
                problems.append(f"{where}: block_id repeated or too long")
            block_ids.add(block["block_id"])
        if kind == "section":
            problems += _section_problems(where, block)
        elif kind == "actions":
            problems += _actions_problems(where, block)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 10:
                problems.append(f"{where}: context needs 1 to 10 elements")
            else:
                problems += [
                    f"{where}: bad context element"
                    for e in elements
                    if not _is_text(e, 3000, ("mrkdwn", "plain_text"))
                ]
    return problems


def _is_text(value: Any, limit: int, kinds: tuple[str, ...]) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") in kinds
        and isinstance(value.get("text"), str)
        and 0 < len(value["text"]) <= limit
    )


def _section_problems(where: str, block: dict[str, Any]) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"{where}: a section needs text or fields"]
    problems = []
    if "text" in block and not _is_text(block["text"], 3000, ("mrkdwn", "plain_text")):
        problems.append(f"{where}: section text must be 1 to 3000 characters")
    if "fields" in block:
        fields = block["fields"]
        if not isinstance(fields, list) or not 0 < len(fields) <= 10:
            problems.append(f"{where}: 1 to 10 fields")
        elif not all(_is_text(f, 2000, ("mrkdwn", "plain_text")) for f in fields):
            problems.append(f"{where}: a field must be 1 to 2000 characters")
    return problems


def _actions_problems(where: str, block: dict[str, Any]) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 0 < len(elements) <= 25:
        return [f"{where}: actions need 1 to 25 elements"]
    problems = []
    action_ids: set[str] = set()
    for number, button in enumerate(elements):
        at = f"{where}.elements[{number}]"
        if not isinstance(button, dict) or button.get("type") != "button":
            problems.append(f"{at}: only buttons are expected here")
            continue
        if not _is_text(button.get("text"), 75, ("plain_text",)):
            problems.append(f"{at}: button text must be plain_text of 1 to 75 characters")
        action_id = button.get("action_id", "")
        if not isinstance(action_id, str) or len(action_id) > 255 or action_id in action_ids:
            problems.append(f"{at}: action_id repeated or too long")
        action_ids.add(action_id)
        if "value" in button and (
            not isinstance(button["value"], str) or len(button["value"]) > 2000
        ):
            problems.append(f"{at}: value must be a string of at most 2000 characters")
        if "url" in button and (
            not isinstance(button["url"], str) or not 0 < len(button["url"]) <= 3000
        ):
            problems.append(f"{at}: url must be 1 to 3000 characters")
        if button.get("style", "primary") not in ("primary", "danger"):
            problems.append(f"{at}: style must be primary or danger")
    return problems


class FakeSlack:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.channels = {"C0OPS", "C0PAYMENTS"}
        self.members = {"U0ADA", "U0GRACE"}
        self.hooks = {"/services/T000/B000/goodhook"}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._scripted: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._ts = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.api_url = f"{self.url}/api/"
        self.hook_url = f"{self.url}/services/T000/B000/goodhook"

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_next(
        self, path: str, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next request to ``path`` with this instead of the usual."""
        text = body if isinstance(body, str) else json.dumps(body)
        with self._lock:
            self._scripted.setdefault(path, []).append(Answer(status, text, headers or {}))

    def delay_next(self, path: str, seconds: float) -> None:
        """Answer the next request to ``path`` as usual, but only after ``seconds``."""
        with self._lock:
            self._scripted.setdefault(path, []).append(Answer(0, "", delay=seconds))

    def to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 15.0) -> list[Seen]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} request(s) to {path}, got {len(self.to(path))}")

    def ts_of(self, seen: Seen) -> str:
        """The ``ts`` Slack gave the message ``seen`` posted (until it is next updated)."""
        with self._lock:
            return next(ts for (_, ts), body in self.messages.items() if body is seen.body)

    # what Slack does

    def _answer(self, seen: Seen) -> Answer:
        with self._lock:
            self.seen.append(seen)
            queued = self._scripted.get(seen.path)
            scripted = queued.pop(0) if queued else None
        if scripted is not None and scripted.delay:
            time.sleep(scripted.delay)
        elif scripted is not None:
            return scripted
        if seen.path.startswith("/api/"):
            return _json(200, self._web_api(seen))
        if seen.path.startswith("/services/"):
            return self._webhook(seen)
        if seen.path.startswith("/actions/"):
            return _json(200, {"ok": True})
        return Answer(404, "not found")

    def _web_api(self, seen: Seen) -> dict[str, Any]:
        auth = seen.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return {"ok": False, "error": "not_authed"}
        if auth != f"Bearer {TOKEN}":
            return {"ok": False, "error": "invalid_auth"}
        method = seen.path.removeprefix("/api/")
        if method not in ("chat.postMessage", "chat.update"):
            return {"ok": False, "error": "unknown_method"}
        body = seen.body
        channel = str(body.get("channel", ""))
        if channel in self.members:
            channel = "D" + channel[1:]
        elif channel not in self.channels and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if "blocks" in body and block_problems(body["blocks"]):
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": block_problems(body["blocks"]),
            }
        with self._lock:
            if method == "chat.update":
                ts = str(body.get("ts", ""))
                if (channel, ts) not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
            else:
                self._ts += 1
                ts = f"1700000000.{self._ts:06d}"
            self.messages[(channel, ts)] = body
        message = {"type": "message", "text": body.get("text", ""), "ts": ts}
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _webhook(self, seen: Seen) -> Answer:
        if seen.path not in self.hooks:
            return Answer(404, "no_service")
        if not seen.headers.get("content-type", "").startswith("application/json"):
            return Answer(400, "invalid_payload")
        if not seen.body.get("text") and not seen.body.get("blocks"):
            return Answer(400, "no_text")
        if "blocks" in seen.body and block_problems(seen.body["blocks"]):
            return Answer(400, "invalid_blocks")
        return Answer(200, "ok")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(self.path, headers, raw, _decode(headers, raw))
                answer = fake._answer(seen)
                data = answer.body.encode()
                self.send_response(answer.status)
                kind = "application/json" if answer.body.startswith("{") else "text/html"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # unless the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _json(status: int, body: dict[str, Any]) -> Answer:
    return Answer(status, json.dumps(body))


def _decode(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    kind = headers.get("content-type", "")
    try:
        if kind.startswith("application/json"):
            decoded = json.loads(raw)
            return decoded if isinstance(decoded, dict) else {}
        if kind.startswith("application/x-www-form-urlencoded"):
            form: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if isinstance(form.get("blocks"), str):
                form["blocks"] = json.loads(form["blocks"])
            return form
    except ValueError:
        return {}
    return {}


@contextmanager
def running_fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
