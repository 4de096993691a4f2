"""One schedule's page: who is on call and why, a timeline of the weeks around now, and the
forms that change it (overrides, trades, absences, opting in, calendar links).

Every form posts here with its CSRF token, calls one use case and goes back to the page it
came from with a one-shot notice. When the use case refuses, the page is shown again with
its message and the form as it was filled in, and nothing has changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ondeck.domain.trades import TradeKind
from ondeck.services import calendars, people, schedule_changes, schedules
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import Person
from ondeck.web.deps import ContainerDep
from ondeck.web.ui import schedule_page
from ondeck.web.ui.chart import MOST_WEEKS, chart, chart_window, shift_lines, span_text
from ondeck.web.ui.present import Clockface, zone
from ondeck.web.ui.session import (
    EXPIRED,
    SignedIn,
    clockface,
    csrf_ok,
    notify,
    page,
    refused,
    safe_next,
)

router = APIRouter(include_in_schema=False)

AHEAD_WEEKS = 13
"""How far "your next shift" looks."""
DEFAULT_WEEKS = 2


class FormProblem(Exception):
    """A field the page cannot read; nothing was changed."""


def _first_day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1971 <= day.year <= 2200 else None


def _weeks(value: str) -> int:
    try:
        return min(max(int(value), 1), MOST_WEEKS)
    except ValueError:
        return DEFAULT_WEEKS


def _window_of(back: str) -> tuple[date | None, int]:
    """The window the page that posted a form was showing, from its address."""
    query = parse_qs(urlsplit(back).query)
    return _first_day(query.get("from", [""])[0]), _weeks(query.get("weeks", [""])[0])


def _here(schedule_id: int, first_day: date | None, weeks: int) -> str:
    query = {}
    if first_day is not None:
        query["from"] = first_day.isoformat()
    if weeks != DEFAULT_WEEKS:
        query["weeks"] = str(weeks)
    return f"/schedules/{schedule_id}" + (f"?{urlencode(query)}" if query else "")


async def _feed_urls(container: ContainerDep, user: Person, schedule_id: int) -> dict[str, str]:
    base = container.settings.base_url.rstrip("/")
    mine = await run_in_threadpool(
        calendars.link_token,
        uow=container.uow,
        signer=container.calendars,
        kind="user",
        owner_id=user.id,
    )
    theirs = await run_in_threadpool(
        calendars.link_token,
        uow=container.uow,
        signer=container.calendars,
        kind="schedule",
        owner_id=schedule_id,
    )
    return {
        "user": f"{base}/calendars/users/{user.id}.ics?token={mine}",
        "schedule": f"{base}/calendars/schedules/{schedule_id}.ics?token={theirs}",
    }


async def _show(
    request: Request,
    container: ContainerDep,
    user: Person,
    schedule_id: int,
    *,
    first_day: date | None,
    weeks: int,
    error: str = "",
    failed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    clock = clockface(container, user)
    now = clock.now
    try:
        record, ahead, _ = await run_in_threadpool(
            schedules.schedule_shifts,
            uow=container.uow,
            ref=schedule_id,
            start=now,
            end=now + timedelta(weeks=AHEAD_WEEKS),
        )
        window = chart_window(record.timezone, now, first_day, weeks)
        view = await run_in_threadpool(
            schedules.view_schedule,
            uow=container.uow,
            ref=schedule_id,
            now=now,
            start=window.start,
            end=window.end,
            viewer=user,
            deliverable=container.deliverable,
        )
        feeds = await _feed_urls(container, user, schedule_id)
    except NotFound as missing:
        return refused(request, user, "No such schedule", str(missing), 404)
    users = await run_in_threadpool(people.listing, uow=container.uow, kind="users")
    everyone = sorted(((u["spec"].email, u["spec"].name) for u in users), key=lambda u: u[1])
    here = _here(schedule_id, first_day, window.weeks)
    return page(
        request,
        "schedule.html",
        {
            "section": "schedules",
            "view": view,
            "clock": clock,
            "zone_now": Clockface(now=now, timezone=view.timezone).day(now),
            "head": schedule_page.header(view, ahead, user, clock, AHEAD_WEEKS),
            "chart": chart(view, window, now),
            "shifts": shift_lines(view, window, now),
            "window": window,
            "earlier": _here(schedule_id, window.shifted(-window.weeks), window.weeks),
            "later": _here(schedule_id, window.shifted(window.weeks), window.weeks),
            "today": _here(schedule_id, None, window.weeks),
            "overrides": schedule_page.override_lines(view, user, now),
            "trades": schedule_page.trade_lines(view, user, clock),
            "absences": schedule_page.absence_lines(view, user),
            "layers": schedule_page.layer_lines(view),
            "events": schedule_page.event_lines(view, clock),
            "forms": schedule_page.forms(view, user, everyone),
            "feeds": feeds,
            "here": here,
            "error": error,
            "failed": failed or {},
        },
        user=user,
        status_code=status_code,
    )


@router.get("/schedules/{schedule_id}")
async def schedule_view(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    first: Annotated[str, Query(alias="from")] = "",
    weeks: str = "",
) -> Response:
    return await _show(
        request, container, user, schedule_id, first_day=_first_day(first), weeks=_weeks(weeks)
    )


def _sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


async def _act(
    request: Request,
    container: ContainerDep,
    user: Person,
    schedule_id: int,
    *,
    csrf_token: str,
    back: str,
    failed: dict[str, str],
    change: Callable[[], str],
) -> Response:
    """Check the form's token, run ``change`` (parse, one use case, the notice to show) and
    go back; when it is refused, show the page again with why, the form as filled in."""
    if not csrf_ok(request, csrf_token):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        done = await run_in_threadpool(change)
    except (NotFound, Forbidden, Refused, FormProblem) as error:
        status = (
            404 if isinstance(error, NotFound) else 403 if isinstance(error, Forbidden) else 422
        )
        first_day, weeks = _window_of(back)
        return await _show(
            request,
            container,
            user,
            schedule_id,
            first_day=first_day,
            weeks=weeks,
            error=f"Nothing was changed: {_sentence(str(error))}",
            failed=failed,
            status_code=status,
        )
    notify(request, done)
    return RedirectResponse(safe_next(back, f"/schedules/{schedule_id}"), status_code=303)


def _timezone(container: ContainerDep, schedule_id: int) -> str:
    for item in people.listing(uow=container.uow, kind="schedules"):
        if item["id"] == schedule_id:
            return str(item["spec"].timezone)
    raise NotFound(f"no schedule with id {schedule_id}")


def _moment(value: str, timezone: str, what: str) -> datetime | None:
    """A ``datetime-local`` field read as wall-clock time in ``timezone``; None when empty."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise FormProblem(f"the {what} {text!r} is not a date and time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return moment


def _required(value: str, timezone: str, what: str) -> datetime:
    moment = _moment(value, timezone, what)
    if moment is None:
        raise FormProblem(f"say when the {what} is")
    return moment


Csrf = Annotated[str, Form()]
Field = Annotated[str, Form()]


@router.post("/schedules/{schedule_id}/overrides")
async def add_override(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    user_email: Field = "",
    start: Field = "",
    end: Field = "",
    note: Field = "",
) -> Response:
    def change() -> str:
        timezone = _timezone(container, schedule_id)
        created = schedule_changes.create_override(
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            user_email=user_email,
            start=_required(start, timezone, "override's start"),
            end=_required(end, timezone, "override's end"),
            actor=user,
            note=note,
        )
        return f"Override added: {_when(created.start, created.end, timezone)}."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={"form": "override", "user_email": user_email, "start": start, "end": end}
        | {"note": note},
        change=change,
    )


def _when(start: datetime, end: datetime, timezone: str) -> str:
    return f"{span_text(start, end, timezone)} ({timezone})"


@router.post("/schedules/{schedule_id}/overrides/{override_id}/remove")
async def remove_override(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    override_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
) -> Response:
    def change() -> str:
        shortened = schedule_changes.remove_override(
            uow=container.uow, clock=container.clock, override_id=override_id, actor=user
        )
        return "Override removed." if shortened is None else "Override ended now."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={},
        change=change,
    )


@router.post("/schedules/{schedule_id}/trades")
async def ask_trade(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    kind: Field = "cover",
    colleague_email: Field = "",
    start: Field = "",
    end: Field = "",
    swap_start: Field = "",
    swap_end: Field = "",
    note: Field = "",
) -> Response:
    def change() -> str:
        timezone = _timezone(container, schedule_id)
        swap = kind == TradeKind.SWAP.value
        trade = schedule_changes.request_trade(
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            actor=user,
            kind=TradeKind.SWAP if swap else TradeKind.COVER,
            start=_required(start, timezone, "start of your window"),
            end=_required(end, timezone, "end of your window"),
            colleague_email=colleague_email or None,
            swap_start=_moment(swap_start, timezone, "start of their window") if swap else None,
            swap_end=_moment(swap_end, timezone, "end of their window") if swap else None,
            note=note,
        )
        window = _when(trade.start, trade.end, timezone)
        return f"Trade #{trade.id} asked: {trade.kind.value} {window}."

    fields = {"kind": kind, "colleague_email": colleague_email, "start": start, "end": end}
    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={"form": "trade", **fields, "swap_start": swap_start, "swap_end": swap_end}
        | {"note": note},
        change=change,
    )


async def _answer(
    request: Request,
    container: ContainerDep,
    user: Person,
    schedule_id: int,
    trade_id: int,
    *,
    csrf_token: str,
    back: str,
    answer: str,
) -> Response:
    def change() -> str:
        if answer == "cancel":
            schedule_changes.cancel_trade(
                uow=container.uow, clock=container.clock, trade_id=trade_id, actor=user
            )
            return f"Trade #{trade_id} cancelled."
        schedule_changes.answer_trade(
            uow=container.uow,
            clock=container.clock,
            trade_id=trade_id,
            actor=user,
            accepted=answer == "accept",
        )
        return f"Trade #{trade_id} {'accepted' if answer == 'accept' else 'declined'}."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={},
        change=change,
    )


@router.post("/schedules/{schedule_id}/trades/{trade_id}/{answer}")
async def answer_trade(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    trade_id: int,
    answer: str,
    csrf_token: Csrf = "",
    back: Field = "",
) -> Response:
    if answer not in ("accept", "decline", "cancel"):
        return refused(request, user, "No such action", f"trades cannot be {answer!r}ed", 404)
    return await _answer(
        request,
        container,
        user,
        schedule_id,
        trade_id,
        csrf_token=csrf_token,
        back=back,
        answer=answer,
    )


@router.post("/schedules/{schedule_id}/absences")
async def add_absence(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    user_email: Field = "",
    scope: Field = "schedule",
    start: Field = "",
    end: Field = "",
    reason: Field = "",
) -> Response:
    def change() -> str:
        timezone = _timezone(container, schedule_id)
        layer = scope.removeprefix("layer:") if scope.startswith("layer:") else None
        created = schedule_changes.add_absence(
            uow=container.uow,
            clock=container.clock,
            actor=user,
            user_email=user_email or user.email,
            start=_moment(start, timezone, "start of the absence"),
            end=_moment(end, timezone, "end of the absence"),
            reason=reason,
            ref=None if scope == "leave" else schedule_id,
            layer=layer,
        )
        return f"Marked away ({created.kind.value})."

    fields = {"user_email": user_email, "scope": scope, "start": start, "end": end}
    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={"form": "away", **fields, "reason": reason},
        change=change,
    )


@router.post("/schedules/{schedule_id}/absences/{absence_id}/remove")
async def remove_absence(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    absence_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
) -> Response:
    def change() -> str:
        schedule_changes.remove_absence(
            uow=container.uow, clock=container.clock, absence_id=absence_id, actor=user
        )
        return "Absence removed."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={},
        change=change,
    )


@router.post("/schedules/{schedule_id}/invitation")
async def answer_invitation(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    answer: Field = "",
) -> Response:
    def change() -> str:
        joined = answer == "join"
        schedule_changes.answer_invitation(
            uow=container.uow, clock=container.clock, ref=schedule_id, actor=user, joined=joined
        )
        return "You are in the rotation." if joined else "You declined to join the rotation."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={},
        change=change,
    )


@router.post("/schedules/{schedule_id}/invitations")
async def invite(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    layer: Field = "",
    user_email: Field = "",
) -> Response:
    def change() -> str:
        done = schedule_changes.invite(
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            layer=layer,
            user_email=user_email,
            actor=user,
        )
        return f"{done.user} is {done.state.value} in layer {layer}."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={"form": "invite", "layer": layer, "user_email": user_email},
        change=change,
    )


@router.post("/schedules/{schedule_id}/consents")
async def record_consent(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    user_email: Field = "",
    note: Field = "",
) -> Response:
    def change() -> str:
        done = schedule_changes.record_consent(
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            user_email=user_email,
            actor=user,
            note=note,
        )
        return f"Recorded {done.user}'s consent; they are in the rotation."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={"form": "consent", "user_email": user_email, "note": note},
        change=change,
    )


@router.post("/schedules/{schedule_id}/calendar/reset")
async def reset_calendar(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    schedule_id: int,
    csrf_token: Csrf = "",
    back: Field = "",
    kind: Field = "user",
) -> Response:
    def change() -> str:
        owner = schedule_id if kind == "schedule" else user.id
        calendars.reset_link(
            uow=container.uow,
            signer=container.calendars,
            kind="schedule" if kind == "schedule" else "user",
            owner_id=owner,
            actor=user,
        )
        what = "This schedule's" if kind == "schedule" else "Your"
        return f"{what} calendar link is new; the old one no longer works."

    return await _act(
        request,
        container,
        user,
        schedule_id,
        csrf_token=csrf_token,
        back=back,
        failed={},
        change=change,
    )
