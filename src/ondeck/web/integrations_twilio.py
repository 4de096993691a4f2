"""Twilio's callbacks: SMS replies, keypresses on calls and delivery reports.

Every request must carry a valid ``X-Twilio-Signature`` for the public URL
(``ONDECK_BASE_URL`` + path + query) made with ``ONDECK_TWILIO_AUTH_TOKEN``; anything else,
or any request while no auth token is configured, is refused with 403 and changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from ondeck.services import phone
from ondeck.web.deps import ContainerDep

router = APIRouter(prefix="/integrations/twilio", tags=["integrations"])

TWIML = "application/xml"


def public_url(request: Request, base_url: str) -> str:
    """The URL Twilio requested, as Twilio knows it (it signed this one)."""
    query = request.url.query
    return f"{base_url}{request.url.path}" + (f"?{query}" if query else "")


async def signed_form(request: Request, container: ContainerDep) -> dict[str, str]:
    """The callback's form parameters, once its signature checks out (else 403)."""
    form = await request.form()
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    url = public_url(request, container.settings.base_url)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not container.twilio.verify(url=url, params=params, signature=signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid or missing X-Twilio-Signature")
    return params


SignedForm = Annotated[dict[str, str], Depends(signed_form)]


@router.post("/sms", summary="An SMS reply: '42a' acknowledges incident #42")
async def sms(container: ContainerDep, form: SignedForm) -> Response:
    answer = await run_in_threadpool(
        phone.sms_reply,
        uow=container.uow,
        clock=container.clock,
        sender=form.get("From", ""),
        text=form.get("Body", ""),
    )
    return Response(container.twilio.message(answer.text), media_type=TWIML)


@router.post("/voice", summary="A key pressed during a page's call")
async def voice(
    request: Request,
    container: ContainerDep,
    form: SignedForm,
    incident: int | None = None,
    user: int | None = None,
) -> Response:
    if incident is None or user is None:
        return Response(
            container.twilio.speech("This call is not about an incident. Nothing was done."),
            media_type=TWIML,
        )
    here = public_url(request, container.settings.base_url)
    digits = form.get("Digits", "")
    if not digits:
        answer = phone.Answer("", ask_again=True)
    else:
        answer = await run_in_threadpool(
            phone.call_keypress,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident,
            user_id=user,
            digits=digits,
        )
    twiml = container.twilio.speech(answer.text, ask_again=here if answer.ask_again else "")
    return Response(twiml, media_type=TWIML)


@router.post(
    "/status",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Twilio's delivery report on a message or call ondeck placed",
)
async def delivery_status(container: ContainerDep, form: SignedForm) -> Response:
    if form.get("MessageSid"):
        kind, ref, state = "sms", form["MessageSid"], form.get("MessageStatus", "")
    else:
        kind, ref, state = "voice", form.get("CallSid", ""), form.get("CallStatus", "")
    await run_in_threadpool(
        phone.delivery_report,
        uow=container.uow,
        clock=container.clock,
        provider="twilio",
        kind=kind,
        provider_ref=ref,
        status=state,
        error_code=form.get("ErrorCode", ""),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
