"""Changing who is on call over the API: overrides, trades, absences and opting in.

Each route acts as the token's user; the use cases decide who may do what (observers change
nothing) and write each change on the schedule's timeline of changes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from ondeck.domain.trades import TradeStatus
from ondeck.services import schedule_changes, schedule_reads
from ondeck.services.ports import Person
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schedule_schemas import (
    AbsenceCreate,
    AbsencePublic,
    AbsencesPublic,
    ConsentCreate,
    ConsentPublic,
    InvitationCreate,
    OverrideCreate,
    OverridePublic,
    OverridesPublic,
    TradeCreate,
    TradePublic,
    TradesPublic,
)
from ondeck.web.schemas import ErrorPublic
from ondeck.web.windows import ScheduleWindow

router = APIRouter(
    prefix="/api/v1",
    tags=["schedules"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)


# --- overrides ------------------------------------------------------------------------


@router.get(
    "/schedules/{schedule_id}/overrides",
    response_model=OverridesPublic,
    responses=documented(404, 422),
)
async def list_overrides(
    container: ContainerDep, _user: ApiUser, schedule_id: int, window: ScheduleWindow
) -> OverridesPublic:
    """Overrides that overlap ``[from, to)`` (default: the next 14 days), oldest first;
    those an accepted trade made carry its ``trade_id``."""
    with service_errors():
        found = await run_in_threadpool(
            schedule_reads.list_overrides,
            uow=container.uow,
            ref=schedule_id,
            start=window.start,
            end=window.end,
        )
    data = [OverridePublic.of(o, found.people) for o in found.overrides]
    return OverridesPublic(data=data, count=len(data))


@router.post(
    "/schedules/{schedule_id}/overrides",
    response_model=OverridePublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404, 422),
)
async def create_override(
    container: ContainerDep, user: ApiUser, schedule_id: int, body: OverrideCreate
) -> OverridePublic:
    """Put someone on call for ``[start, end)`` above every layer (at most a year; the newest
    override wins where several overlap). Anyone but an observer may."""
    with service_errors():
        created = await run_in_threadpool(
            schedule_changes.create_override,
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            user_email=body.user,
            start=body.start,
            end=body.end,
            actor=user,
            note=body.note,
        )
    return await _override_public(container, created.id)


async def _override_public(container: ContainerDep, override_id: int) -> OverridePublic:
    with service_errors():
        found = await run_in_threadpool(
            schedule_reads.get_override, uow=container.uow, override_id=override_id
        )
    [override] = found.overrides
    return OverridePublic.of(override, found.people)


@router.delete(
    "/overrides/{override_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        200: {"model": OverridePublic, "description": "It had begun: it now ends now"},
        204: {"description": "Removed"},
        **documented(403, 404, 422),
    },
)
async def delete_override(container: ContainerDep, user: ApiUser, override_id: int) -> Response:
    """Take an override back: its creator, the person it puts on call, or an admin may.
    One that has not begun is removed (204); one under way ends now and is returned (200),
    since who was on call stays history; one that is over cannot be removed (422)."""
    with service_errors():
        shortened = await run_in_threadpool(
            schedule_changes.remove_override,
            uow=container.uow,
            clock=container.clock,
            override_id=override_id,
            actor=user,
        )
    if shortened is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    public = await _override_public(container, shortened.id)
    return JSONResponse(jsonable_encoder(public), status_code=status.HTTP_200_OK)


# --- trades ---------------------------------------------------------------------------


@router.get(
    "/schedules/{schedule_id}/trades", response_model=TradesPublic, responses=documented(404)
)
async def list_trades(
    container: ContainerDep,
    _user: ApiUser,
    schedule_id: int,
    status_: Annotated[
        list[TradeStatus] | None, Query(alias="status", description="Repeat to combine")
    ] = None,
) -> TradesPublic:
    """The schedule's trades, newest first, optionally only those of some statuses."""
    with service_errors():
        found = await run_in_threadpool(
            schedule_reads.list_trades,
            uow=container.uow,
            ref=schedule_id,
            statuses=tuple(status_ or ()),
        )
    data = [TradePublic.of(t, found.people) for t in found.trades]
    return TradesPublic(data=data, count=len(data))


@router.post(
    "/schedules/{schedule_id}/trades",
    response_model=TradePublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404, 422),
)
async def request_trade(
    container: ContainerDep, user: ApiUser, schedule_id: int, body: TradeCreate
) -> TradePublic:
    """Ask a colleague to take a window you are on call in (``cover``), or to trade it for one
    of theirs (``swap``, with ``swap_start``/``swap_end``). A cover without ``colleague`` is
    open to anyone in the schedule's rotations. Nothing changes until someone accepts."""
    with service_errors():
        created = await run_in_threadpool(
            schedule_changes.request_trade,
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            actor=user,
            kind=body.kind,
            start=body.start,
            end=body.end,
            colleague_email=body.colleague,
            swap_start=body.swap_start,
            swap_end=body.swap_end,
            note=body.note,
        )
    return await _trade_public(container, created.id)


async def _trade_public(container: ContainerDep, trade_id: int) -> TradePublic:
    with service_errors():
        found = await run_in_threadpool(
            schedule_reads.get_trade, uow=container.uow, trade_id=trade_id
        )
    [trade] = found.trades
    return TradePublic.of(trade, found.people)


async def _answer(
    container: ContainerDep, user: Person, trade_id: int, accepted: bool
) -> TradePublic:
    with service_errors():
        answered = await run_in_threadpool(
            schedule_changes.answer_trade,
            uow=container.uow,
            clock=container.clock,
            trade_id=trade_id,
            actor=user,
            accepted=accepted,
        )
    return await _trade_public(container, answered.id)


@router.post(
    "/trades/{trade_id}/accept", response_model=TradePublic, responses=documented(403, 404, 422)
)
async def accept_trade(container: ContainerDep, user: ApiUser, trade_id: int) -> TradePublic:
    """Accept a trade asked of you (or, for an open cover, of anyone in the rotations): its
    windows become overrides at once (a window under way is taken from now on)."""
    return await _answer(container, user, trade_id, accepted=True)


@router.post(
    "/trades/{trade_id}/decline", response_model=TradePublic, responses=documented(403, 404)
)
async def decline_trade(container: ContainerDep, user: ApiUser, trade_id: int) -> TradePublic:
    """Decline a trade that names you; nothing changes on the schedule."""
    return await _answer(container, user, trade_id, accepted=False)


@router.post(
    "/trades/{trade_id}/cancel", response_model=TradePublic, responses=documented(403, 404, 422)
)
async def cancel_trade(container: ContainerDep, user: ApiUser, trade_id: int) -> TradePublic:
    """Withdraw a pending trade: whoever asked for it, or an admin, may."""
    with service_errors():
        cancelled = await run_in_threadpool(
            schedule_changes.cancel_trade,
            uow=container.uow,
            clock=container.clock,
            trade_id=trade_id,
            actor=user,
        )
    return await _trade_public(container, cancelled.id)


# --- absences -------------------------------------------------------------------------


@router.get("/absences", response_model=AbsencesPublic, responses=documented(404))
async def list_absences(
    container: ContainerDep,
    user: ApiUser,
    user_email: Annotated[
        str | None, Query(alias="user", description="Only this person's (email)")
    ] = None,
    schedule: Annotated[
        int | None, Query(description="Only those of this schedule's people that apply to it")
    ] = None,
) -> AbsencesPublic:
    """Absences that have not ended: leave (every schedule) and exemptions (one schedule or
    layer). Reasons are blank unless you are an admin or the person themself."""
    with service_errors():
        found = await run_in_threadpool(
            schedule_reads.list_absences,
            uow=container.uow,
            now=container.clock.now(),
            viewer=user,
            user_email=user_email,
            ref=schedule,
        )
    data = [AbsencePublic.of(a, found.people) for a in found.absences]
    return AbsencesPublic(data=data, count=len(data))


@router.post(
    "/absences",
    response_model=AbsencePublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404, 422),
)
async def create_absence(
    container: ContainerDep, user: ApiUser, body: AbsenceCreate
) -> AbsencePublic:
    """Mark someone away: on leave from every schedule (no ``schedule``; needs an ``end``), or
    exempt from one schedule or one ``layer`` of it (possibly open-ended). Their turns go to
    the next available person in the rotation. The person themself or an admin may."""
    with service_errors():
        created = await run_in_threadpool(
            schedule_changes.add_absence,
            uow=container.uow,
            clock=container.clock,
            actor=user,
            user_email=body.user,
            start=body.start,
            end=body.end,
            reason=body.reason,
            ref=body.schedule,
            layer=body.layer,
        )
        found = await run_in_threadpool(
            schedule_reads.get_absence, uow=container.uow, absence_id=created.id, viewer=user
        )
    [absence] = found.absences
    return AbsencePublic.of(absence, found.people)


@router.delete(
    "/absences/{absence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=documented(403, 404),
)
async def delete_absence(container: ContainerDep, user: ApiUser, absence_id: int) -> Response:
    """Take an absence back: the person themself or an admin may."""
    with service_errors():
        await run_in_threadpool(
            schedule_changes.remove_absence,
            uow=container.uow,
            clock=container.clock,
            absence_id=absence_id,
            actor=user,
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- opting in ------------------------------------------------------------------------


@router.post(
    "/schedules/{schedule_id}/invitations",
    response_model=ConsentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404),
)
async def invite(
    container: ContainerDep, user: ApiUser, schedule_id: int, body: InvitationCreate
) -> ConsentPublic:
    """Ask someone to join a layer (admins). They are listed at once but join the rotation
    only when they opt in; inviting yourself is opting in."""
    with service_errors():
        change = await run_in_threadpool(
            schedule_changes.invite,
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            layer=body.layer,
            user_email=body.user,
            actor=user,
        )
    return ConsentPublic.of(change)


async def _answer_invitation(
    container: ContainerDep, user: Person, schedule_id: int, joined: bool
) -> ConsentPublic:
    with service_errors():
        change = await run_in_threadpool(
            schedule_changes.answer_invitation,
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            actor=user,
            joined=joined,
        )
    return ConsentPublic.of(change)


@router.post(
    "/schedules/{schedule_id}/opt-in",
    response_model=ConsentPublic,
    responses=documented(403, 404, 422),
)
async def opt_in(container: ContainerDep, user: ApiUser, schedule_id: int) -> ConsentPublic:
    """Join the rotations of a schedule you are listed in."""
    return await _answer_invitation(container, user, schedule_id, joined=True)


@router.post(
    "/schedules/{schedule_id}/decline",
    response_model=ConsentPublic,
    responses=documented(403, 404, 422),
)
async def decline(container: ContainerDep, user: ApiUser, schedule_id: int) -> ConsentPublic:
    """Decline (or leave) the rotations of a schedule you are listed in: you stay listed
    but are left out of every turn until you opt in."""
    return await _answer_invitation(container, user, schedule_id, joined=False)


@router.post(
    "/schedules/{schedule_id}/consents",
    response_model=ConsentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404, 422),
)
async def record_consent(
    container: ContainerDep, user: ApiUser, schedule_id: int, body: ConsentCreate
) -> ConsentPublic:
    """Record that someone listed in a layer agreed to be on call (admins), with how they
    agreed: they join the rotation at once."""
    with service_errors():
        change = await run_in_threadpool(
            schedule_changes.record_consent,
            uow=container.uow,
            clock=container.clock,
            ref=schedule_id,
            user_email=body.user,
            actor=user,
            note=body.note,
        )
    return ConsentPublic.of(change)
