"""Read-only pages about the organisation: services, escalation policies, schedules, users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ondeck.services import people, schedules
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.present import policy_rows, schedule_rows, service_rows, user_rows
from ondeck.web.ui.schedule_page import next_shifts
from ondeck.web.ui.session import SignedIn, clockface, page

router = APIRouter(include_in_schema=False)

NEXT_SHIFT_WEEKS = 13


async def _items(container: ContainerDep, kind: str) -> list[tuple[int, Any]]:
    items = await run_in_threadpool(people.listing, uow=container.uow, kind=kind)
    return [(item["id"], item["spec"]) for item in items]


async def _specs(container: ContainerDep, kind: str) -> list[Any]:
    return [spec for _id, spec in await _items(container, kind)]


async def _names(container: ContainerDep) -> dict[str, str]:
    return {user.email.lower(): user.name for user in await _specs(container, "users")}


@router.get("/services")
async def services_page(request: Request, container: ContainerDep, user: SignedIn) -> Response:
    rows = service_rows(await _specs(container, "services"))
    return page(request, "services.html", {"section": "services", "rows": rows}, user=user)


@router.get("/escalation-policies")
async def policies_page(request: Request, container: ContainerDep, user: SignedIn) -> Response:
    rows = policy_rows(
        await _items(container, "escalation_policies"),
        await _specs(container, "services"),
        await _names(container),
    )
    return page(request, "policies.html", {"section": "policies", "rows": rows}, user=user)


@router.get("/schedules")
async def schedules_page(request: Request, container: ContainerDep, user: SignedIn) -> Response:
    clock = clockface(container, user)
    on_calls = await run_in_threadpool(people.who_is_on_call, uow=container.uow, at=clock.now)
    specs = {spec.name: spec for spec in await _specs(container, "schedules")}
    rows = schedule_rows(on_calls, specs, await _names(container), clock)
    return page(
        request,
        "schedules.html",
        {"section": "schedules", "rows": rows, "clock": clock},
        user=user,
    )


@router.get("/users")
async def users_page(request: Request, container: ContainerDep, user: SignedIn) -> Response:
    clock = clockface(container, user)
    horizon = clock.now + timedelta(weeks=NEXT_SHIFT_WEEKS)
    found = await run_in_threadpool(
        schedules.every_schedule_shifts, uow=container.uow, start=clock.now, end=horizon
    )
    timelines = [(record.id, record.name, timeline, named) for record, timeline, named in found]
    items = await _items(container, "users")
    ids = {spec.email: user_id for user_id, spec in items}
    shifts = next_shifts(timelines, clock, horizon)
    rows = user_rows([spec for _id, spec in items], shifts, ids)
    return page(
        request,
        "users.html",
        {"section": "users", "rows": rows, "weeks": NEXT_SHIFT_WEEKS},
        user=user,
    )
