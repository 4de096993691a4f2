"""Phone calls through Twilio: the page read aloud, keypresses act on it.

``POST {api}/2010-04-01/Accounts/{sid}/Calls.json`` with the call's TwiML inline: the
incident is read out inside a ``<Gather numDigits="1">`` whose action is
``/integrations/twilio/voice?incident=<id>&user=<id>`` (1 acknowledge, 2 resolve,
3 escalate now, 4 snooze an hour), asked twice before saying goodbye. Twilio signs its
request to that action URL, query included, so the incident and person in it cannot be
forged. The Delivery's ``provider_ref`` is the call SID; Twilio reports how the call ended
to ``/integrations/twilio/status`` (answered: delivered; busy, no answer: failed).
"""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from ondeck.adapters.channels import twilio_api
from ondeck.domain.phone import GATHER_SECONDS, KEYPRESS_PROMPT, call_script, shorten
from ondeck.services.ports import Delivery, Page

BUNDLE_SPOKEN = 5
"""Incidents of a bundle read out by title; the rest are counted."""


class TwilioVoiceChannel:
    kind = "voice"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str,
        callback_url: str,
        timeout: float,
        status_callback: str = "",
    ) -> None:
        self._sid = account_sid
        self._token = auth_token
        self._from = from_number
        self._api_url = api_url
        self._callback_url = callback_url
        self._status_callback = status_callback
        self._timeout = timeout

    def send(self, page: Page) -> Delivery:
        rest = twilio_api.client(
            account_sid=self._sid,
            auth_token=self._token,
            api_url=self._api_url,
            timeout=self._timeout,
        )
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            call = rest.calls.create(
                to=page.address,
                from_=self._from,
                twiml=call_twiml(page, self._callback_url),
                **extra,
            )
        except twilio_api.PROVIDER_ERRORS as error:
            detail, permanent = twilio_api.failure(error)
            return Delivery(ok=False, permanent=permanent, detail=f"twilio: {detail}")
        sid = str(call.sid or "")
        return Delivery(ok=True, detail=f"call placed by twilio as {sid}", provider_ref=sid)


def call_twiml(page: Page, callback_url: str) -> str:
    """The TwiML of a page's call: a test says so and hangs up; a bundle lists its incidents
    (keys could only act on one of them, so it asks nothing); one incident asks for a key."""
    response = VoiceResponse()
    if page.notice is not None:
        response.say(
            f"This is ondeck. {shorten(page.notice.subject, 200)}. "
            f"{shorten(page.notice.text, 600)} Goodbye."
        )
        return str(response)
    if page.test:
        response.say(
            f"This is a test call from ondeck for {page.recipient_name}. "
            "Your phone number works. Nothing to do. Goodbye."
        )
        return str(response)
    if page.bundled:
        spoken = [
            f"incident {item.incident_number}, {shorten(item.incident_title, 80)}"
            for item in page.bundle[:BUNDLE_SPOKEN]
        ]
        rest = len(page.bundle) - len(spoken)
        more = f" And {rest} more." if rest else ""
        response.say(
            f"This is ondeck. {len(page.bundle)} incidents need you: "
            f"{'; '.join(spoken)}.{more} Open ondeck to act on them. Goodbye."
        )
        return str(response)
    action = keypress_url(callback_url, incident_id=page.incident_id, user_id=page.user_id)
    script = call_script(
        number=page.incident_number,
        urgency=page.urgency.value,
        title=page.incident_title,
        service=page.service_name,
    )
    for opening in (script, f"Again. {script}"):
        gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_SECONDS)
        gather.say(f"{opening} {KEYPRESS_PROMPT}")
    response.say("No key was pressed. Goodbye.")
    return str(response)


def keypress_url(callback_url: str, *, incident_id: int, user_id: int) -> str:
    return f"{callback_url}?{urlencode({'incident': incident_id, 'user': user_id})}"
