"""Signed links: expiring action links (acknowledge/resolve from an email) with itsdangerous,
and calendar feed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ondeck.services.ports import InvalidLink

ACTIONS = frozenset({"acknowledge", "resolve", "escalate", "snooze", "view"})


class ItsdangerousLinkSigner:
    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="ondeck.action-link")
        self._max_age = max_age_seconds

    def sign(self, *, incident_id: int, user_id: int, action: str) -> str:
        if action not in ACTIONS:
            raise ValueError(f"unknown link action {action!r}")
        return str(self._serializer.dumps([incident_id, user_id, action]))

    def verify(self, token: str) -> tuple[int, int, str]:
        try:
            incident_id, user_id, action = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired as error:
            raise InvalidLink(
                "this link has expired; open the incident in ondeck instead"
            ) from error
        except (BadSignature, ValueError, TypeError) as error:
            raise InvalidLink("this link is not valid") from error
        if action not in ACTIONS:
            raise InvalidLink("this link is not valid")
        return int(incident_id), int(user_id), str(action)


class HmacCalendarSigner:
    """Calendar feed tokens: HMAC-SHA256 of (owner, generation) under the secret key.

    Nothing is stored: the token is recomputed to check it, and raising the owner's
    generation (``reset``) makes every earlier link stop working.
    """

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"ondeck.calendar-feed", hashlib.sha256).digest()

    def token(self, *, kind: str, owner_id: int, generation: int) -> str:
        message = f"{kind}:{owner_id}:{generation}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class HmacReplySigner:
    """``<incident>-<user>-<mac>`` with 80 bits of HMAC-SHA256: short enough for the local
    part of a Reply-To address, lower case so mail systems that fold case keep it valid."""

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"ondeck.reply-token", hashlib.sha256).digest()

    def _mac(self, incident_id: int, user_id: int) -> str:
        digest = hmac.new(self._key, f"{incident_id}:{user_id}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest[:10]).decode().lower()

    def reply_token(self, *, incident_id: int, user_id: int) -> str:
        return f"{incident_id}-{user_id}-{self._mac(incident_id, user_id)}"

    def read_reply_token(self, token: str) -> tuple[int, int]:
        parts = token.strip().lower().split("-")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise InvalidLink("this reply address is not valid")
        incident_id, user_id = int(parts[0]), int(parts[1])
        if not hmac.compare_digest(parts[2], self._mac(incident_id, user_id)):
            raise InvalidLink("this reply address is not valid")
        return incident_id, user_id
