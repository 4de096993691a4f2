"""Reading schedules over the API: the final timeline, the schedule page's view, checks,
the timeline of changes, a person's shifts and the fairness report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ondeck.services import reports, schedule_reads, schedules
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schedule_schemas import (
    FairnessPublic,
    FairnessRowPublic,
    FindingPublic,
    FindingsPublic,
    ScheduleCheckPublic,
    ScheduleChecksPublic,
    ScheduleEventPublic,
    ScheduleEventsPublic,
    ScheduleRef,
    ScheduleTimelinePublic,
    ShiftPublic,
    ShiftsPublic,
    UserShiftPublic,
    UserShiftsPublic,
)
from ondeck.web.schemas import ErrorPublic
from ondeck.web.windows import ReportWindow, ScheduleWindow

router = APIRouter(
    prefix="/api/v1",
    tags=["schedules"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)


@router.get(
    "/schedules/{schedule_id}/shifts", response_model=ShiftsPublic, responses=documented(404, 422)
)
async def schedule_shifts(
    container: ContainerDep, _user: ApiUser, schedule_id: int, window: ScheduleWindow
) -> ShiftsPublic:
    """Who is on call, shift by shift, over ``[from, to)`` (default: the next 14 days, at
    most 400): overrides over the layers, stand-ins for people who are away. A new shift
    begins wherever the person or the reason (``source``) changes; gaps are nobody."""
    with service_errors():
        _, found, people = await run_in_threadpool(
            schedules.schedule_shifts,
            uow=container.uow,
            ref=schedule_id,
            start=window.start,
            end=window.end,
        )
    data = [ShiftPublic.of(s, people) for s in found]
    return ShiftsPublic(data=data, count=len(data))


@router.get(
    "/schedules/{schedule_id}/timeline",
    response_model=ScheduleTimelinePublic,
    responses=documented(404, 422),
)
async def schedule_timeline(
    container: ContainerDep, user: ApiUser, schedule_id: int, window: ScheduleWindow
) -> ScheduleTimelinePublic:
    """Everything the schedule page shows for ``[from, to)``: each layer alone (with who is
    waiting to opt in), the final timeline, overrides, trades, absences (reasons only for
    admins and the person themself), the checks' findings, recent changes, and who is on
    call now and next."""
    with service_errors():
        view = await run_in_threadpool(
            schedules.view_schedule,
            uow=container.uow,
            ref=schedule_id,
            now=container.clock.now(),
            start=window.start,
            end=window.end,
            viewer=user,
            deliverable=container.deliverable,
        )
    return ScheduleTimelinePublic.of(view)


@router.get(
    "/schedules/{schedule_id}/check", response_model=FindingsPublic, responses=documented(404)
)
async def check_schedule(
    container: ContainerDep, _user: ApiUser, schedule_id: int
) -> FindingsPublic:
    """What is wrong, or about to go wrong, with the schedule over the next four weeks:
    gaps, too few people, someone carrying too much, people no page would reach, ..."""
    with service_errors():
        checked = await run_in_threadpool(
            schedule_reads.checks,
            uow=container.uow,
            now=container.clock.now(),
            deliverable=container.deliverable,
            ref=schedule_id,
        )
    [(_, found)] = checked.results
    data = [FindingPublic.of(f, checked.people) for f in found]
    return FindingsPublic(data=data, count=len(data))


@router.get("/schedule-checks", response_model=ScheduleChecksPublic)
async def check_all_schedules(container: ContainerDep, _user: ApiUser) -> ScheduleChecksPublic:
    """The checks of every schedule over the next four weeks, in the order they were made."""
    checked = await run_in_threadpool(
        schedule_reads.checks,
        uow=container.uow,
        now=container.clock.now(),
        deliverable=container.deliverable,
    )
    data = [
        ScheduleCheckPublic(
            schedule=ScheduleRef(id=record.id, name=record.name),
            findings=[FindingPublic.of(f, checked.people) for f in found],
        )
        for record, found in checked.results
    ]
    return ScheduleChecksPublic(data=data, count=len(data))


@router.get(
    "/schedules/{schedule_id}/events",
    response_model=ScheduleEventsPublic,
    responses=documented(404),
)
async def schedule_events(
    container: ContainerDep,
    _user: ApiUser,
    schedule_id: int,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ScheduleEventsPublic:
    """The schedule's timeline of changes (overrides, trades, absences, opting in), newest
    first."""
    with service_errors():
        _, events = await run_in_threadpool(
            schedule_reads.schedule_events, uow=container.uow, ref=schedule_id, limit=limit
        )
    data = [ScheduleEventPublic.of(e) for e in events]
    return ScheduleEventsPublic(data=data, count=len(data))


@router.get(
    "/users/{user_id}/shifts", response_model=UserShiftsPublic, responses=documented(404, 422)
)
async def user_shifts(
    container: ContainerDep, _user: ApiUser, user_id: int, window: ScheduleWindow
) -> UserShiftsPublic:
    """One person's shifts across every schedule over ``[from, to)`` (default: the next 14
    days), in time order."""
    with service_errors():
        person, found = await run_in_threadpool(
            schedules.user_shifts,
            uow=container.uow,
            user_id=user_id,
            start=window.start,
            end=window.end,
        )
    data = [UserShiftPublic.of_user(s, person) for s in found]
    return UserShiftsPublic(data=data, count=len(data))


@router.get(
    "/users/{user_id}/next-shift",
    response_model=UserShiftPublic | None,
    responses=documented(404),
)
async def next_shift(
    container: ContainerDep, _user: ApiUser, user_id: int
) -> UserShiftPublic | None:
    """The person's first shift that starts after now, on any schedule; ``null`` when none
    is ahead. A shift under way now is not the next one."""
    with service_errors():
        person, found = await run_in_threadpool(
            schedule_reads.next_user_shift,
            uow=container.uow,
            user_id=user_id,
            now=container.clock.now(),
        )
    return None if found is None else UserShiftPublic.of_user(found, person)


async def _fairness(
    container: ContainerDep, schedule: int | None, window: ReportWindow
) -> list[schedules.FairnessReport]:
    with service_errors():
        if schedule is not None:
            report = await run_in_threadpool(
                schedules.fairness_report,
                uow=container.uow,
                ref=schedule,
                start=window.start,
                end=window.end,
            )
            return [report]
        return await run_in_threadpool(
            schedules.fairness_reports, uow=container.uow, start=window.start, end=window.end
        )


ScheduleFilter = Annotated[
    int | None, Query(description="One schedule's id; leave out for every schedule")
]


@router.get(
    "/reports/fairness",
    response_model=FairnessPublic,
    responses=documented(404, 422),
    tags=["reports"],
)
async def fairness(
    container: ContainerDep,
    _user: ApiUser,
    window: ReportWindow,
    schedule: ScheduleFilter = None,
) -> FairnessPublic:
    """Who carries the load over ``[from, to)`` (default: the last 28 days), one row per
    person and schedule: hours on call, off-hours, night and weekend hours (by each person's
    own clock), pages and acknowledgements, and the schedule's balances (100: even)."""
    found = await _fairness(container, schedule, window)
    data = [FairnessRowPublic.model_validate(row) for row in reports.fairness_rows(found)]
    return FairnessPublic(data=data, count=len(data))


@router.get(
    "/reports/fairness.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The rows as CSV, with a header"},
        **documented(404, 422),
    },
    tags=["reports"],
)
async def fairness_csv(
    container: ContainerDep,
    _user: ApiUser,
    window: ReportWindow,
    schedule: ScheduleFilter = None,
) -> Response:
    """The fairness report as a CSV download (same query and columns as the JSON)."""
    found = await _fairness(container, schedule, window)
    day = window.end.date().isoformat()
    return Response(
        reports.fairness_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ondeck-fairness-{day}.csv"'},
    )
