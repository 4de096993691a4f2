"""Time windows in query strings: ``?from=&to=`` with offsets, checked before any use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from ondeck.web.deps import ContainerDep

LONGEST = timedelta(days=400)
AHEAD = timedelta(days=14)
"""Schedules show the next two weeks unless asked otherwise."""
REPORT = timedelta(days=28)
"""Reports cover the last four weeks unless asked otherwise."""

_EXAMPLE = "2026-11-22T09:00:00Z"
From = Annotated[
    datetime | None,
    Query(alias="from", description=f"Start, with an offset ({_EXAMPLE})"),
]
To = Annotated[datetime | None, Query(alias="to", description="End (exclusive), with an offset")]


@dataclass(frozen=True)
class TimeWindow:
    start: datetime
    end: datetime


def _refuse(detail: str) -> HTTPException:
    return HTTPException(422, detail)


def checked(
    start: datetime | None, end: datetime | None, *, now: datetime, ahead: bool
) -> TimeWindow:
    """The window asked for; missing ends default to two weeks from now (``ahead``) or the
    four weeks up to now. 422 for a time without an offset, an empty or a too long window."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise _refuse(f"'{name}' needs a time zone offset, e.g. {_EXAMPLE}")
    size = AHEAD if ahead else REPORT
    if start is None:
        start = (end - size) if end is not None else (now if ahead else now - size)
    if end is None:
        end = start + size
    if end <= start:
        raise _refuse("'to' must be after 'from'")
    if end - start > LONGEST:
        raise _refuse(f"the window from 'from' to 'to' is longer than {LONGEST.days} days")
    return TimeWindow(start, end)


def _schedule_window(container: ContainerDep, start: From = None, end: To = None) -> TimeWindow:
    return checked(start, end, now=container.clock.now(), ahead=True)


def _report_window(container: ContainerDep, start: From = None, end: To = None) -> TimeWindow:
    return checked(start, end, now=container.clock.now(), ahead=False)


ScheduleWindow = Annotated[TimeWindow, Depends(_schedule_window)]
"""``?from=&to=``; default now to two weeks ahead; at most 400 days."""
ReportWindow = Annotated[TimeWindow, Depends(_report_window)]
"""``?from=&to=``; default the last 28 days; at most 400 days."""
