"""Calendar feeds of shifts (iCalendar, RFC 5545) behind secret links, and the API that
hands those links out.

A feed needs no API token: calendar apps cannot send one, so the link's secret is the
credential, and it is never logged. An unknown owner and a wrong secret get the same 404.
Events follow PagerDuty's feed (``SUMMARY:On Call - <name> - <schedule>``, which other
tools parse) with UTC times and a UID that stays the same as the feed's window slides.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from icalendar import Calendar, Event, vCalAddress

from ondeck import __version__
from ondeck.domain.schedules import SourceKind
from ondeck.services import calendars
from ondeck.services.calendars import Feed, FeedShift
from ondeck.services.errors import NotFound
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schedule_schemas import CalendarLinkPublic
from ondeck.web.schemas import ErrorPublic

PRODID = f"-//ondeck//ondeck {__version__}//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"
NO_FEED = "no such calendar feed"
"""The one answer to an unknown owner and a wrong secret alike."""
PATHS = {"user": "users", "schedule": "schedules"}

api = APIRouter(
    prefix="/api/v1",
    tags=["schedules"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)
feeds = APIRouter(tags=["calendars"])


# --- the feed ---------------------------------------------------------------------------


def _uid(item: FeedShift, feed: Feed) -> str:
    """Stable across refreshes and as the window slides: keyed on the shift's end, or on its
    start when the window cuts the end off (or on neither when it cuts both)."""
    shift = item.shift
    if shift.end < feed.end:
        edge = "end " + shift.end.isoformat()
    elif shift.start > feed.start:
        edge = "start " + shift.start.isoformat()
    else:
        edge = "throughout"
    key = f"{item.schedule_id}:{shift.user}:{edge}"
    return hashlib.sha256(key.encode()).hexdigest() + "@ondeck"


def _description(item: FeedShift) -> str:
    """Why the person is on call: ``Feed: rotation layer Days``, ``Feed: override #3``,
    ``Feed: trade #4`` or ``Feed: standing in for Ada Lovelace (rotation layer Days)``."""
    source = item.shift.source
    if source.kind is SourceKind.OVERRIDE:
        why = f"override #{source.override}"
    elif source.kind is SourceKind.TRADE:
        why = f"trade #{source.trade}"
    elif source.kind is SourceKind.STAND_IN:
        absent = item.standing_in_for.name if item.standing_in_for else "someone away"
        why = f"standing in for {absent} (rotation layer {source.layer})"
    else:
        why = f"rotation layer {source.layer}"
    return f"{item.schedule}: {why}"


def render(feed: Feed, *, base_url: str, now: datetime) -> bytes:
    """The feed as an iCalendar document: one VEVENT per shift, times in UTC."""
    title = f"On call: {feed.name}"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    for item in feed.shifts:
        shift = item.shift
        event = Event()
        event.add("uid", _uid(item, feed))
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", f"On Call - {item.person.name} - {item.schedule}")
        event.add("description", _description(item))
        attendee = vCalAddress(f"mailto:{item.person.email}")
        attendee.params["cn"] = item.person.name
        event.add("attendee", attendee, encode=False)
        event.add("url", f"{base_url}/schedules/{item.schedule_id}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body


async def _feed(container: ContainerDep, kind: str, owner: str, token: str) -> Response:
    not_found = Response(NO_FEED, status_code=status.HTTP_404_NOT_FOUND, media_type="text/plain")
    if not owner.isdigit():
        return not_found
    now = container.clock.now()
    try:
        found = await run_in_threadpool(
            calendars.feed,
            uow=container.uow,
            signer=container.calendars,
            kind=kind,
            owner_id=int(owner),
            token=token,
            now=now,
        )
    except NotFound:
        return not_found
    body = render(found, base_url=container.settings.base_url, now=now)
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": "private, no-store"})


_FEED_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed"},
    404: {"description": f"'{NO_FEED}': unknown owner or wrong token alike"},
}


@feeds.get("/calendars/users/{user_id}.ics", response_class=Response, responses=_FEED_RESPONSES)
async def user_feed(container: ContainerDep, user_id: str, token: str = "") -> Response:
    """A person's shifts on every schedule, from two weeks ago to three months ahead, as an
    iCalendar feed. No API token: the link's secret ``token`` is the credential."""
    return await _feed(container, "user", user_id, token)


@feeds.get(
    "/calendars/schedules/{schedule_id}.ics", response_class=Response, responses=_FEED_RESPONSES
)
async def schedule_feed(container: ContainerDep, schedule_id: str, token: str = "") -> Response:
    """Every shift of a schedule, from two weeks ago to three months ahead, as an iCalendar
    feed. No API token: the link's secret ``token`` is the credential."""
    return await _feed(container, "schedule", schedule_id, token)


# --- the links --------------------------------------------------------------------------


def _link(container: ContainerDep, kind: str, owner_id: int, token: str) -> CalendarLinkPublic:
    url = f"{container.settings.base_url}/calendars/{PATHS[kind]}/{owner_id}.ics?token={token}"
    return CalendarLinkPublic(url=url, webcal="webcal://" + url.split("://", 1)[1])


async def _read_link(
    container: ContainerDep, viewer: ApiUser, kind: str, owner_id: int
) -> CalendarLinkPublic:
    with service_errors():
        token = await run_in_threadpool(
            calendars.link_for,
            uow=container.uow,
            signer=container.calendars,
            kind=kind,
            owner_id=owner_id,
            viewer=viewer,
        )
    return _link(container, kind, owner_id, token)


async def _reset_link(
    container: ContainerDep, actor: ApiUser, kind: str, owner_id: int
) -> CalendarLinkPublic:
    with service_errors():
        token = await run_in_threadpool(
            calendars.reset_link,
            uow=container.uow,
            signer=container.calendars,
            kind=kind,
            owner_id=owner_id,
            actor=actor,
        )
    return _link(container, kind, owner_id, token)


@api.get(
    "/users/{user_id}/calendar",
    response_model=CalendarLinkPublic,
    responses=documented(403, 404),
)
async def user_calendar(container: ContainerDep, user: ApiUser, user_id: int) -> CalendarLinkPublic:
    """The secret link to a person's calendar feed: your own, or anyone's for an admin.
    Anyone holding the link can read the feed; reset it if it leaks."""
    return await _read_link(container, user, "user", user_id)


@api.post(
    "/users/{user_id}/calendar/reset",
    response_model=CalendarLinkPublic,
    responses=documented(403, 404),
)
async def reset_user_calendar(
    container: ContainerDep, user: ApiUser, user_id: int
) -> CalendarLinkPublic:
    """A new secret link to a person's feed (your own, or anyone's for an admin); every copy
    of the old link stops working at once."""
    return await _reset_link(container, user, "user", user_id)


@api.get(
    "/schedules/{schedule_id}/calendar",
    response_model=CalendarLinkPublic,
    responses=documented(404),
)
async def schedule_calendar(
    container: ContainerDep, user: ApiUser, schedule_id: int
) -> CalendarLinkPublic:
    """The secret link to a schedule's calendar feed; anyone signed in may subscribe."""
    return await _read_link(container, user, "schedule", schedule_id)


@api.post(
    "/schedules/{schedule_id}/calendar/reset",
    response_model=CalendarLinkPublic,
    responses=documented(403, 404),
)
async def reset_schedule_calendar(
    container: ContainerDep, user: ApiUser, schedule_id: int
) -> CalendarLinkPublic:
    """A new secret link to a schedule's feed (admins); the old link stops working at once."""
    return await _reset_link(container, user, "schedule", schedule_id)
