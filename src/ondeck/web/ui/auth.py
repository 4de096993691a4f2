"""Signing in with an email and password, and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ondeck.services import accounts, people
from ondeck.services.errors import NotFound, Unauthorized
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.session import EXPIRED, USER_KEY, csrf_ok, page, refused, safe_next, sign_in

router = APIRouter(include_in_schema=False)


async def _signed_in_already(request: Request, container: ContainerDep) -> bool:
    user_id = request.session.get(USER_KEY)
    if not isinstance(user_id, int):
        return False
    try:
        await run_in_threadpool(people.get_person, uow=container.uow, user_id=user_id)
    except NotFound:
        return False
    return True


@router.get("/login")
async def login_form(request: Request, container: ContainerDep, next: str = "") -> Response:
    target = safe_next(next)
    if await _signed_in_already(request, container):
        return RedirectResponse(target, status_code=303)
    return page(request, "login.html", {"next": target, "email": ""})


@router.post("/login")
async def login(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next)
    if not csrf_ok(request, csrf_token):
        return page(
            request,
            "login.html",
            {"next": target, "email": email, "error": EXPIRED},
            status_code=403,
        )
    try:
        person = await run_in_threadpool(
            accounts.authenticate_password, uow=container.uow, email=email, password=password
        )
    except Unauthorized:
        return page(
            request,
            "login.html",
            {"next": target, "email": email, "error": "Wrong email or password."},
            status_code=401,
        )
    sign_in(request, person)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf_token):
        return refused(request, None, "Not signed out", EXPIRED, 403)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
