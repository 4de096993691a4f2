"""The customer-facing updates of a major incident: list them, write one, edit a draft and
publish it to the public status page and its subscribers.

Who may write, edit and publish: the incident's participants (``command.participant``:
incident manager and engineer, whoever acknowledged it or was paged, admins); anyone else is
Forbidden and nothing changes. Published updates are immutable (InvalidTransition). Every
write, edit and publish lands on the incident's timeline with its actor. Bad input is
``command.BadInput`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ondeck.domain.errors import InvalidTransition
from ondeck.domain.status_page import ComponentState
from ondeck.domain.status_updates import (
    STAGE_STATUS,
    InvalidUpdate,
    UpdateStatus,
    check_components,
    check_text,
    parse_impact,
    parse_status,
)
from ondeck.services import notices, timeline
from ondeck.services.command import BadInput, participant
from ondeck.services.errors import NotFound
from ondeck.services.ports import (
    CalendarSigner,
    Clock,
    Person,
    StatusComponentRecord,
    StatusSubscriberRecord,
    StatusUpdateRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)

SUBSCRIBER_LINK = "status-subscriber"
"""The signer's ``kind`` for a subscriber's unsubscribe link."""


def updates(*, uow: UnitOfWorkFactory, incident_id: int) -> list[StatusUpdateRecord]:
    """Every update of the incident, drafts and published, oldest first (NotFound)."""
    with uow(read_only=True) as work:
        _incident_exists(work, incident_id)
        return work.status.updates(incident_id)


def drafts(*, uow: UnitOfWorkFactory, incident_id: int) -> list[StatusUpdateRecord]:
    """The incident's unpublished updates, oldest first (NotFound)."""
    return [u for u in updates(uow=uow, incident_id=incident_id) if not u.published]


def components(*, uow: UnitOfWorkFactory) -> list[StatusComponentRecord]:
    """Every public component an update may name, by group."""
    with uow(read_only=True) as work:
        return work.status.components()


def write_update(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    actor: Person,
    title: str,
    body: str,
    status: str,
    impact: str,
    components: list[int],
) -> StatusUpdateRecord:
    """Write a new draft update by hand (a participant only), at the incident's stage."""
    now = clock.now()
    with uow() as work:
        _incident, record = participant(work, incident_id, actor)
        draft = StatusUpdateRecord(
            id=0,
            incident_id=incident_id,
            stage=record.stage,
            status=STAGE_STATUS[record.stage],
            title="",
            body="",
            impact=ComponentState.OPERATIONAL,
            components=(),
            proposed_at=now,
            proposed_by=actor.email,
        )
        draft = _checked(work, draft, title, body, status, impact, components)
        update_id = work.status.add_update(draft)
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.STATUS_UPDATE_PROPOSED,
            actor=actor.email,
            message=f"Status page update written ({draft.status.value}): {draft.title!r}",
            data={"update_id": update_id, "status": draft.status.value},
        )
        work.commit()
        return replace(draft, id=update_id)


@dataclass(frozen=True)
class Edits:
    """The parts of a draft to change; None leaves a part as it is."""

    title: str | None = None
    body: str | None = None
    status: str | None = None
    impact: str | None = None
    components: list[int] | None = None


def edit_update(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    update_id: int,
    actor: Person,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
    impact: str | None = None,
    components: list[int] | None = None,
) -> StatusUpdateRecord:
    """Change the given parts of a draft (a participant only); None leaves a part as it is
    (but a draft set to resolved without an impact becomes operational). NotFound for an
    update not of this incident; InvalidTransition once it is published."""
    edits = Edits(title, body, status, impact, components)
    now = clock.now()
    with uow() as work:
        participant(work, incident_id, actor)
        after = _edited(work, incident_id, update_id, edits, actor=actor, now=now)
        work.commit()
        return after


def publish_update(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    incident_id: int,
    update_id: int,
    actor: Person,
    signer: CalendarSigner,
    base_url: str,
    edits: Edits | None = None,
) -> StatusUpdateRecord:
    """Publish a draft (a participant only), first applying ``edits`` as ``edit_update``
    does, all in one transaction: a bad edit (BadInput) publishes nothing. It shows on the
    public page and feed at once, and every confirmed subscriber gets it (a "status_update"
    notice by email or webhook, with their own unsubscribe link), each once whatever
    retries happen. Publishing twice is InvalidTransition."""
    now = clock.now()
    with uow() as work:
        participant(work, incident_id, actor)
        draft = _edited(work, incident_id, update_id, edits or Edits(), actor=actor, now=now)
        published = replace(draft, published_at=now, published_by=actor.email)
        work.status.save_update(published)
        named = {c.id: c for c in work.status.components()}
        subscribers = [s for s in work.status.subscribers() if s.confirmed]
        queued = sum(
            _notify(work, published, subscriber, named, signer=signer, base_url=base_url)
            for subscriber in subscribers
        )
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.STATUS_UPDATE_PUBLISHED,
            actor=actor.email,
            message=f"Status page update published ({published.status.value}): "
            f"{published.title!r}; sent to {queued} subscriber(s)",
            data={"update_id": update_id, "status": published.status.value, "sent": queued},
        )
        work.commit()
        return published


def _edited(
    work: UnitOfWork,
    incident_id: int,
    update_id: int,
    edits: Edits,
    *,
    actor: Person,
    now: datetime,
) -> StatusUpdateRecord:
    """The draft with ``edits`` applied, saved with a timeline entry naming what changed
    (nothing is written when nothing changes); the caller commits."""
    impact = edits.impact
    if impact is None and edits.status is not None and edits.status.strip().lower() == "resolved":
        impact = ComponentState.OPERATIONAL.value
    before = _draft(work, incident_id, update_id)
    after = _checked(
        work,
        before,
        before.title if edits.title is None else edits.title,
        before.body if edits.body is None else edits.body,
        before.status.value if edits.status is None else edits.status,
        before.impact.value if impact is None else impact,
        list(before.components) if edits.components is None else edits.components,
    )
    changed = [
        part
        for part in ("title", "body", "status", "impact", "components")
        if getattr(before, part) != getattr(after, part)
    ]
    if changed:
        work.status.save_update(after)
        work.incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.STATUS_UPDATE_EDITED,
            actor=actor.email,
            message=f"Status page draft edited ({', '.join(changed)}): {after.title!r}",
            data={"update_id": update_id, "changed": changed},
        )
    return after


def unsubscribe_url(*, signer: CalendarSigner, base_url: str, subscriber_id: int) -> str:
    """The signed link that removes subscriber ``subscriber_id`` (it never expires)."""
    token = signer.token(kind=SUBSCRIBER_LINK, owner_id=subscriber_id, generation=0)
    return f"{base_url}/status/unsubscribe/{subscriber_id}/{token}"


def _notify(
    work: UnitOfWork,
    update: StatusUpdateRecord,
    subscriber: StatusSubscriberRecord,
    named: dict[int, StatusComponentRecord],
    *,
    signer: CalendarSigner,
    base_url: str,
) -> bool:
    affected = [f"{named[c].group}: {named[c].name}" for c in update.components if c in named]
    lines = [update.body, ""]
    if affected:
        lines.append(f"Affected: {', '.join(affected)} ({update.impact.label.lower()})")
    lines.append(f"Status page: {base_url}/status")
    return notices.queue_notice(
        work,
        incident_id=update.incident_id,
        purpose=notices.STATUS_UPDATE,
        subject=f"[{update.status.label}] {update.title}",
        text="\n".join(lines),
        url=f"{base_url}/status",
        now=update.published_at or update.proposed_at,
        key=f"status:{update.id}:{subscriber.id}",
        kind=subscriber.kind,
        address=subscriber.address,
        unsubscribe_url=unsubscribe_url(
            signer=signer, base_url=base_url, subscriber_id=subscriber.id
        ),
    )


def _incident_exists(work: UnitOfWork, incident_id: int) -> None:
    if work.incidents.get(incident_id) is None:
        raise NotFound(f"no incident #{incident_id}")


def _draft(work: UnitOfWork, incident_id: int, update_id: int) -> StatusUpdateRecord:
    found = work.status.get_update(update_id, lock=True)
    if found is None or found.incident_id != incident_id:
        raise NotFound(f"incident #{incident_id} has no status update {update_id}")
    if found.published:
        raise InvalidTransition(
            f"status update {update_id} is already published, and published updates cannot "
            "change: write a new one instead"
        )
    return found


def _checked(
    work: UnitOfWork,
    base: StatusUpdateRecord,
    title: str,
    body: str,
    status: str,
    impact: str,
    chosen: list[int],
) -> StatusUpdateRecord:
    """``base`` with the given parts, each checked; BadInput names the first bad one."""
    try:
        clean_title, clean_body = check_text(title, body)
        parsed_status = parse_status(status)
        parsed_impact = parse_impact(impact)
        listed = check_components(chosen, (c.id for c in work.status.components()))
    except InvalidUpdate as error:
        raise BadInput(error.field, str(error)) from error
    if parsed_status is UpdateStatus.RESOLVED and parsed_impact is not ComponentState.OPERATIONAL:
        raise BadInput(
            "impact", "impact: a resolved update says the components are operational again"
        )
    return replace(
        base,
        title=clean_title,
        body=clean_body,
        status=parsed_status,
        impact=parsed_impact,
        components=listed,
    )
