"""Reading the organisation: people, listings for the API and UI, and who is on call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ondeck.domain.schedules import LOOKAHEAD_LIMIT, SourceKind, covering, upcoming
from ondeck.services.errors import NotFound
from ondeck.services.ports import Person, UnitOfWorkFactory
from ondeck.services.schedule_reads import describe_source

KINDS = ("users", "teams", "schedules", "escalation_policies", "services")


def get_person(*, uow: UnitOfWorkFactory, user_id: int) -> Person:
    with uow(read_only=True) as work:
        person = work.directory.person(user_id)
    if person is None:
        raise NotFound(f"no user {user_id}")
    return person


def person_by_email(*, uow: UnitOfWorkFactory, email: str) -> Person:
    """The user with ``email`` (any case); NotFound otherwise."""
    with uow(read_only=True) as work:
        person = work.directory.person_by_email(email)
    if person is None:
        raise NotFound(f"no user with email {email!r}")
    return person


def listing(*, uow: UnitOfWorkFactory, kind: str) -> list[dict[str, Any]]:
    """``[{"id": ..., "spec": <UserSpec|TeamSpec|...>}]`` for one kind of object."""
    if kind not in KINDS:
        raise NotFound(f"nothing called {kind!r}")
    with uow(read_only=True) as work:
        return work.org.listing(kind)


@dataclass(frozen=True)
class OnCall:
    schedule_id: int
    schedule: str
    timezone: str
    now: tuple[Person, ...]
    next_change: datetime | None
    next: tuple[Person, ...]
    reason: str = ""
    """Why the person on call now is, when not their own turn in a layer: ``override #3``,
    ``trade #4`` or ``layer Weekly, standing in for Ada Lovelace``; empty otherwise."""


def who_is_on_call(
    *, uow: UnitOfWorkFactory, at: datetime, schedule_name: str | None = None
) -> list[OnCall]:
    """Every schedule (or the named one) with who is on call at ``at`` and who comes next."""
    out = []
    with uow(read_only=True) as work:
        for item in work.org.listing("schedules"):
            if schedule_name is not None and item["spec"].name != schedule_name:
                continue
            schedule = work.directory.schedule(item["id"], start=at, end=at + LOOKAHEAD_LIMIT)
            assert schedule is not None
            changes = upcoming(schedule, at, 1)
            next_at, next_ids = changes[0] if changes else (None, ())
            cover = covering(schedule, at)
            reason = ""
            if cover is not None and cover.source.kind is not SourceKind.LAYER:
                absent = cover.source.standing_in_for
                person = work.directory.person(absent) if absent is not None else None
                names = {person.id: person.name} if person is not None else {}
                reason = describe_source(cover.source, names)
            now = () if cover is None else (cover.user,)
            out.append(
                OnCall(
                    schedule_id=item["id"],
                    schedule=schedule.name,
                    timezone=schedule.timezone,
                    now=tuple(p for p in map(work.directory.person, now) if p),
                    next_change=next_at,
                    next=tuple(p for p in map(work.directory.person, next_ids) if p),
                    reason=reason,
                )
            )
    if schedule_name is not None and not out:
        raise NotFound(f"no schedule named {schedule_name!r}")
    return out
