"""Twilio's side of its callbacks to ondeck: checking ``X-Twilio-Signature`` and answering
in TwiML. The web layer reaches this through ``Container.twilio`` (a ``PhoneWebhooks``).

Twilio signs each callback with the account's auth token: base64 HMAC-SHA1 over the full
URL it requested (query included) followed by every POST parameter's name and value,
sorted by name. The URL is the public one Twilio was given (``ONDECK_BASE_URL`` + path),
not whatever a proxy in front of ondeck forwards to.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from ondeck.domain.phone import GATHER_SECONDS, KEYPRESS_PROMPT


class TwilioCallbacks:
    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token) if auth_token else None

    def verify(self, *, url: str, params: Mapping[str, str], signature: str) -> bool:
        if self._validator is None or not signature:
            return False
        return bool(self._validator.validate(url, dict(params), signature))

    def message(self, text: str) -> str:
        response = MessagingResponse()
        response.message(text)
        return str(response)

    def speech(self, text: str, *, ask_again: str = "") -> str:
        response = VoiceResponse()
        text = text.strip()
        if ask_again:
            gather = response.gather(
                num_digits=1, action=ask_again, method="POST", timeout=GATHER_SECONDS
            )
            gather.say(f"{text} {KEYPRESS_PROMPT}".strip())
            response.say("No key was pressed. Goodbye.")
        else:
            response.say(f"{text} Goodbye.".strip())
        return str(response)
