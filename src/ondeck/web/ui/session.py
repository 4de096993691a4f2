"""The signed-in browser: who it is, its CSRF token, one-shot notices, and page rendering.

The session is a signed cookie (Starlette's SessionMiddleware, keyed by the secret key).
It holds the user's id, a CSRF token that every form posts back, and at most one notice.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ondeck.bootstrap import Container
from ondeck.services import people
from ondeck.services.errors import NotFound
from ondeck.services.ports import Person
from ondeck.web.deps import ContainerDep
from ondeck.web.templating import templates
from ondeck.web.ui.present import Clockface

USER_KEY = "user_id"
CSRF_KEY = "csrf"
NOTICE_KEY = "notice"
CSRF_FIELD = "csrf_token"
EXPIRED = "The form was open too long or came from elsewhere. Reload the page and try again."

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """Raised by the ``SignedIn`` dependency; answered by ``login_required_handler``."""


def safe_next(target: str | None, default: str = "/incidents") -> str:
    """``target`` if it is a path on this site, else ``default``: no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


async def login_required_handler(request: Request, _exc: Exception) -> Response:
    if request.url.path.endswith(".json"):
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    target = request.url.path if request.method == "GET" else "/incidents"
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


async def current_user(request: Request, container: ContainerDep) -> Person:
    user_id = request.session.get(USER_KEY)
    if not isinstance(user_id, int):
        raise LoginRequired
    try:
        return await run_in_threadpool(people.get_person, uow=container.uow, user_id=user_id)
    except NotFound as error:
        request.session.clear()
        raise LoginRequired from error


SignedIn = Annotated[Person, Depends(current_user)]


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def sign_in(request: Request, person: Person) -> None:
    """A fresh session for ``person``: nothing from before signing in carries over."""
    request.session.clear()
    request.session[USER_KEY] = person.id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)


def notify(request: Request, text: str) -> None:
    """Show ``text`` once, on the next page this browser loads."""
    request.session[NOTICE_KEY] = text


def clockface(container: Container, user: Person) -> Clockface:
    """Times as ``user`` reads them: in their zone, relative to now."""
    return Clockface(now=container.clock.now(), timezone=user.timezone)


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: Person | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with what every page needs: the user, the CSRF token, a notice."""
    full = {
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "notice": request.session.pop(NOTICE_KEY, None),
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def refused(
    request: Request, user: Person | None, heading: str, text: str, status: int
) -> Response:
    return page(
        request, "problem.html", {"heading": heading, "text": text}, user=user, status_code=status
    )
