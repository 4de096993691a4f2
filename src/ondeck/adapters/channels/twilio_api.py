"""What the SMS and voice channels share about Twilio's REST API: a client pointed at the
configured API URL (a local fake in tests, ``https://api.twilio.com`` otherwise) and what a
failure means for the page.
"""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

PROVIDER_ERRORS: tuple[type[Exception], ...] = (TwilioException, OSError)
"""Everything a Twilio call raises for a failure of Twilio's or of the network (the
``requests`` library's errors are OSErrors)."""


def client(*, account_sid: str, auth_token: str, api_url: str, timeout: float) -> Any:
    """A Twilio REST client that talks to ``api_url`` with HTTP Basic auth (SID:token).

    The library builds every URL from its ``api`` domain's ``base_url``, so that is where
    another API URL goes. A new client per send: no session shared between threads.
    """
    http = TwilioHttpClient(pool_connections=False, timeout=timeout)
    rest = Client(account_sid, auth_token, http_client=http, environment={})
    rest.api.base_url = api_url.rstrip("/")
    return rest


def failure(error: Exception) -> tuple[str, bool]:
    """(what went wrong, whether trying again cannot help) for an exception from Twilio.

    Twilio's 4xx answers (an invalid or unreachable number, a refused sender, bad
    credentials) are permanent; 429, 5xx, timeouts and connection failures are not.
    """
    if isinstance(error, TwilioRestException | TwilioServiceException):
        status = int(error.status)
        code = error.code if error.code and error.code != status else None
        text = _reason(error)
        detail = (
            f"HTTP {status}" + (f" error {code}" if code else "") + (f": {text}" if text else "")
        )
        return detail, 400 <= status < 500 and status != 429
    return f"{type(error).__name__}: {error}", False


def _reason(error: TwilioRestException | TwilioServiceException) -> str:
    if isinstance(error, TwilioServiceException):
        return str(error.detail or error.title or "")
    text = str(error.msg or "")
    # The library prefixes Twilio's own message with what it was doing.
    for prefix in ("Unable to create record: ", "Unable to create record"):
        text = text.removeprefix(prefix)
    return text.strip()
