"""What the command centre's forms share: run a use case as the signed-in user and map its
refusal to the incident page shown again with the error, read numbers from form fields, and
go back to the page.

A refusal shows the page with the use case's message (naming the field), the form as it
was filled in, and status 403 (not a participant), 409 (the rules refuse it) or 422 (bad
input); nothing has changed then. A form without its CSRF token changes nothing (403).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ondeck.bootstrap import Container
from ondeck.domain.errors import InvalidTransition
from ondeck.services import command
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import Person
from ondeck.web.ui.incidents import show_incident
from ondeck.web.ui.session import EXPIRED, csrf_ok, refused

T = TypeVar("T")


class FormError(Exception):
    """A form value that could not be read; the message names the field."""


def number(label: str, text: str) -> float:
    """``text`` as a number (blank is 0; ``12,500`` is 12500); FormError naming ``label``."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        return 0.0
    try:
        return float(cleaned)
    except ValueError:
        raise FormError(f"{label}: {text.strip()!r} is not a number") from None


def whole(label: str, text: str) -> int:
    """``text`` as a whole number (blank is 0); FormError naming ``label``."""
    value = number(label, text)
    if not math.isfinite(value) or value != int(value):
        raise FormError(f"{label}: {text.strip()!r} is not a whole number")
    return int(value)


async def act(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    csrf: str,
    filled: dict[str, str],
    use_case: Callable[..., T],
    /,
    **kwargs: Any,
) -> T | Response:
    """Run ``use_case`` as ``user``; on refusal, the incident page with the error instead."""
    if not csrf_ok(request, csrf):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        return await run_in_threadpool(
            use_case,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            actor=user,
            **kwargs,
        )
    except NotFound as missing:
        return refused(request, user, "Not found", str(missing), 404)
    except Forbidden as error:
        problem, status = str(error), 403
    except command.BadInput as error:
        problem, status = str(error), 422
    except (InvalidTransition, Refused) as error:
        problem, status = str(error), 409
    return await show_incident(
        request, container, user, incident_id, error=problem, status_code=status, filled=filled
    )


async def form_error(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    csrf: str,
    error: FormError,
    filled: dict[str, str],
) -> Response:
    """The incident page with a form value's error (422), the form as it was filled in."""
    if not csrf_ok(request, csrf):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    return await show_incident(
        request, container, user, incident_id, error=str(error), status_code=422, filled=filled
    )


def back(incident_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{incident_id}#{anchor}", status_code=303)
