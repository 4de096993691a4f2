"""Calendar feeds of shifts, per person and per schedule, behind secret links.

A feed link carries a token derived from the owner and a generation number; resetting the
link raises the generation, so every copy of the old link stops working at once. A wrong
token and an unknown owner look the same from outside (NotFound).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from ondeck.domain.schedules import Shift, shifts
from ondeck.services.errors import Forbidden, NotFound
from ondeck.services.ports import CalendarSigner, Person, UnitOfWork, UnitOfWorkFactory
from ondeck.services.schedules import all_schedules, find_schedule, load

KINDS = ("user", "schedule")
PAST = timedelta(days=14)
AHEAD = timedelta(days=90)
"""A feed covers the shifts from two weeks ago to three months ahead."""


@dataclass(frozen=True)
class FeedShift:
    schedule_id: int
    schedule: str
    person: Person
    shift: Shift
    standing_in_for: Person | None = None
    """Whom ``person`` stands in for, when the shift is a stand-in's."""


@dataclass(frozen=True)
class Feed:
    kind: str
    owner_id: int
    name: str
    start: datetime
    end: datetime
    shifts: tuple[FeedShift, ...]


def _generation(work: UnitOfWork, kind: str, owner_id: int) -> int:
    if kind not in KINDS:
        raise NotFound(f"no calendar of kind {kind!r}")
    generation = work.schedules.calendar_generation(kind, owner_id)
    if generation is None:
        raise NotFound(f"no {kind} {owner_id}")
    return generation


def link_token(*, uow: UnitOfWorkFactory, signer: CalendarSigner, kind: str, owner_id: int) -> str:
    """The current secret of the feed of user or schedule ``owner_id``."""
    with uow(read_only=True) as work:
        generation = _generation(work, kind, owner_id)
    return signer.token(kind=kind, owner_id=owner_id, generation=generation)


def link_for(
    *, uow: UnitOfWorkFactory, signer: CalendarSigner, kind: str, owner_id: int, viewer: Person
) -> str:
    """The current secret of a feed, for someone allowed to read it: a person's own feed
    (or anyone's, for an admin); any signed-in person may subscribe to a schedule."""
    if kind == "user" and owner_id != viewer.id and viewer.role != "admin":
        raise Forbidden("only an admin can read someone else's calendar link")
    return link_token(uow=uow, signer=signer, kind=kind, owner_id=owner_id)


def reset_link(
    *,
    uow: UnitOfWorkFactory,
    signer: CalendarSigner,
    kind: str,
    owner_id: int,
    actor: Person,
) -> str:
    """A new secret for the feed; the old link stops working. Your own feed, or an admin."""
    if actor.role != "admin" and (kind != "user" or owner_id != actor.id):
        raise Forbidden("only an admin can reset someone else's or a schedule's calendar link")
    with uow() as work:
        _generation(work, kind, owner_id)
        generation = work.schedules.bump_calendar_generation(kind, owner_id)
        work.commit()
    return signer.token(kind=kind, owner_id=owner_id, generation=generation)


def feed(
    *,
    uow: UnitOfWorkFactory,
    signer: CalendarSigner,
    kind: str,
    owner_id: int,
    token: str,
    now: datetime,
) -> Feed:
    """The shifts of the feed from ``now - PAST`` to ``now + AHEAD``; NotFound unless
    ``token`` is the feed's current secret."""
    start, end = now - PAST, now + AHEAD
    with uow(read_only=True) as work:
        generation = _generation(work, kind, owner_id)
        expected = signer.token(kind=kind, owner_id=owner_id, generation=generation)
        if not hmac.compare_digest(expected.encode(), token.encode()):
            raise NotFound(f"no {kind} {owner_id}")
        found: list[FeedShift] = []
        if kind == "schedule":
            record = find_schedule(work, owner_id)
            name = record.name
            records = [record]
        else:
            owner = work.directory.person(owner_id)
            if owner is None:
                raise NotFound(f"no user {owner_id}")
            name = owner.name
            records = all_schedules(work)
        for record in records:
            for shift in shifts(load(work, record, start, end), start, end):
                if kind == "user" and shift.user != owner_id:
                    continue
                person = work.directory.person(shift.user)
                absent = shift.source.standing_in_for
                holder = None if absent is None else work.directory.person(absent)
                if person is not None:
                    found.append(FeedShift(record.id, record.name, person, shift, holder))
        found.sort(key=lambda item: (item.shift.start, item.schedule_id))
        return Feed(kind, owner_id, name, start, end, tuple(found))
