"""A person's page: how they are reached. Their contact methods with the outcome of each one's
last test and last page, a warning when none works, a form to add one, a test button on each,
notification rules per urgency, working hours and what low urgency does.

People see and change their own page; admins anyone's. Every form posts with its CSRF token,
calls one use case and goes back to the page with a notice; a refusal shows the page again
with its message and the form as it was filled in, and nothing has changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ondeck.domain.model import NotificationRule, Urgency
from ondeck.domain.working_hours import hours_text, window_text
from ondeck.services import contacts
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import ContactRecord, Person
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.present import Clockface
from ondeck.web.ui.session import EXPIRED, SignedIn, clockface, csrf_ok, notify, page, refused

router = APIRouter(include_in_schema=False)

KINDS = (
    ("email", "Email"),
    ("sms", "SMS"),
    ("voice", "Voice call"),
    ("slack", "Slack"),
    ("teams", "Microsoft Teams"),
    ("mattermost", "Mattermost"),
    ("ntfy", "Push (ntfy)"),
    ("webhook", "Webhook"),
)
BLANK_RULES = 2
"""Empty rows under each urgency's rules, to add new ones."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str
    """``sent 2m ago: accepted by SMTP server``."""


@dataclass(frozen=True)
class MethodRow:
    id: int
    kind: str
    address: str
    label: str
    name: str
    title: str
    """Its label, else what its kind is called (``Email``, ``SMS``)."""
    delivers: bool
    """Whether this server delivers its kind (an email without SMTP is only logged)."""
    state: str
    """``works``, ``failing`` or ``untried``: the later of its last test and last page."""
    test: Outcome | None
    page: Outcome | None


@dataclass(frozen=True)
class RuleRow:
    contact_method_id: int | None
    minutes: str


def _outcome(ok: bool, at: datetime, detail: str, clock: Clockface) -> Outcome:
    text = f"{'sent' if ok else 'failed'} {clock.age(at)} ago"
    return Outcome(ok, f"{text}: {detail}" if detail else text)


def method_row(method: ContactRecord, clock: Clockface, deliverable: frozenset[str]) -> MethodRow:
    test = page = None
    if method.tested_at is not None and method.test_ok is not None:
        test = _outcome(method.test_ok, method.tested_at, method.test_detail, clock)
    if method.delivered_at is not None and method.delivered_ok is not None:
        page = _outcome(method.delivered_ok, method.delivered_at, method.delivery_detail, clock)
    last = method.state().last_outcome
    return MethodRow(
        id=method.id,
        kind=method.kind,
        address=method.address,
        label=method.label,
        name=contacts.method_name(method),
        title=method.label or dict(KINDS).get(method.kind, method.kind),
        delivers=method.kind in deliverable,
        state={True: "works", False: "failing", None: "untried"}[last],
        test=test,
        page=page,
    )


def _minutes(delay: timedelta) -> str:
    minutes = delay.total_seconds() / 60
    return str(int(minutes)) if minutes == int(minutes) else f"{minutes:g}"


def rule_rows(rules: tuple[NotificationRule, ...], urgency: Urgency) -> list[RuleRow]:
    listed = [
        RuleRow(rule.contact_method_id, _minutes(rule.delay))
        for rule in contacts.rules_for(rules, urgency)
    ]
    return listed + [RuleRow(None, "")] * BLANK_RULES


async def _show(
    request: Request,
    container: ContainerDep,
    user: Person,
    user_id: int,
    *,
    error: str = "",
    filled: dict[str, str] | None = None,
) -> Response:
    try:
        found = await run_in_threadpool(
            contacts.view,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            deliverable=container.deliverable,
        )
    except NotFound as missing:
        return refused(request, user, "No such person", str(missing), 404)
    except Forbidden as forbidden:
        return refused(request, user, "Not your page", str(forbidden), 403)
    clock = clockface(container, user)
    deliverable = container.deliverable
    hours = found.hours
    return page(
        request,
        "person.html",
        {
            "section": "me" if user.id == user_id else "users",
            "person": found.person,
            "mine": user.id == user_id,
            "methods": [method_row(m, clock, deliverable) for m in found.methods],
            "unreachable": found.unreachable,
            "kinds": KINDS,
            "urgencies": [
                (urgency.value, rule_rows(found.rules, urgency), contacts.default_text(urgency))
                for urgency in Urgency
            ],
            "own_hours": hours_text(hours.stored.own),
            "effective_hours": "; ".join(window_text(w) for w in hours.windows),
            "hours": hours,
            "error": error,
            "filled": filled or {},
        },
        user=user,
    )


def _back(user_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/users/{user_id}{anchor}", status_code=303)


@router.get("/users/{user_id}")
async def person_page(
    request: Request, container: ContainerDep, user: SignedIn, user_id: int
) -> Response:
    return await _show(request, container, user, user_id)


@router.get("/me")
async def my_page(user: SignedIn) -> Response:
    return _back(user.id)


@router.post("/users/{user_id}/contact-methods")
async def add_method(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    user_id: int,
    kind: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    filled = {"kind": kind, "address": address, "label": label}
    try:
        added = await run_in_threadpool(
            contacts.add_method,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            kind=kind,
            address=address.strip(),
            label=label.strip(),
        )
    except Refused as problem:
        return await _show(request, container, user, user_id, error=str(problem), filled=filled)
    except (Forbidden, NotFound):
        return await _show(request, container, user, user_id)
    notify(request, f"Added {contacts.method_name(added)}. Send a test to see that it arrives.")
    return _back(user_id, f"#method-{added.id}")


async def _method_owner(container: ContainerDep, user: Person, contact_id: int) -> int | None:
    """The id of the person a method belongs to, when ``user`` may see it."""
    try:
        return await run_in_threadpool(
            contacts.owner_of, uow=container.uow, actor=user, contact_id=contact_id
        )
    except (Forbidden, NotFound):
        return None


@router.post("/contact-methods/{contact_id}/test")
async def test_method(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    contact_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    owner = await _method_owner(container, user, contact_id)
    if owner is None:
        return refused(request, user, "No such contact method", "It is not yours to test.", 404)
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was sent", EXPIRED, 403)
    try:
        outcome = await run_in_threadpool(
            contacts.send_test,
            uow=container.uow,
            clock=container.clock,
            channels=container.channels,
            base_url=container.settings.base_url,
            actor=user,
            contact_id=contact_id,
        )
    except Refused as problem:
        return await _show(request, container, user, owner, error=str(problem))
    name = contacts.method_name(outcome.method)
    if not outcome.delivery.ok:
        failed = f"The test notification to {name} failed: {outcome.delivery.detail}"
        return await _show(request, container, user, owner, error=failed)
    notify(request, f"Test notification sent to {name}: {outcome.delivery.detail}.")
    return _back(owner, f"#method-{contact_id}")


@router.post("/contact-methods/{contact_id}/remove")
async def remove_method(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    contact_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    owner = await _method_owner(container, user, contact_id)
    if owner is None:
        return refused(request, user, "No such contact method", "It is not yours to remove.", 404)
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was removed", EXPIRED, 403)
    try:
        removed = await run_in_threadpool(
            contacts.remove_method, uow=container.uow, actor=user, contact_id=contact_id
        )
    except (Forbidden, NotFound):
        return _back(owner)
    notify(request, contacts.removal_text(removed))
    return _back(owner)


def _read_rules(form: dict[str, list[str]]) -> list[contacts.RuleChange]:
    """Rows of each urgency's method and minutes; a row without a method is left out."""
    out = []
    for urgency in Urgency:
        methods = form.get(f"{urgency.value}_contact", [])
        minutes = form.get(f"{urgency.value}_after", [])
        for index, chosen in enumerate(methods):
            if not chosen:
                continue
            after = (minutes[index] if index < len(minutes) else "").strip() or "0"
            try:
                delay = timedelta(minutes=float(after))
                number = int(chosen)
            except (ValueError, OverflowError) as error:
                raise Refused(
                    f"{urgency.value} urgency, rule {index + 1}: {after!r} is not a number of "
                    "minutes"
                ) from error
            out.append(contacts.RuleChange(number, delay, urgency))
    return out


@router.post("/users/{user_id}/notification-rules")
async def set_rules(
    request: Request, container: ContainerDep, user: SignedIn, user_id: int
) -> Response:
    form = await request.form()
    fields = {key: [str(v) for v in form.getlist(key)] for key in form}
    if not csrf_ok(request, str(form.get("csrf_token", ""))):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        changes = _read_rules(fields)
        await run_in_threadpool(
            contacts.set_rules, uow=container.uow, actor=user, user_id=user_id, rules=changes
        )
    except Refused as problem:
        return await _show(request, container, user, user_id, error=str(problem))
    except (Forbidden, NotFound):
        return await _show(request, container, user, user_id)
    notify(request, "Notification rules saved.")
    return _back(user_id, "#rules")


@router.post("/users/{user_id}/working-hours")
async def set_hours(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    user_id: int,
    working_hours: Annotated[str, Form()] = "",
    low_urgency: Annotated[str, Form()] = "working_hours",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        await run_in_threadpool(
            contacts.set_hours,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            working_hours=working_hours.splitlines(),
            low_urgency=low_urgency,
        )
    except Refused as problem:
        filled = {"working_hours": working_hours, "low_urgency": low_urgency}
        return await _show(request, container, user, user_id, error=str(problem), filled=filled)
    except (Forbidden, NotFound):
        return await _show(request, container, user, user_id)
    notify(request, "Working hours saved.")
    return _back(user_id, "#hours")
