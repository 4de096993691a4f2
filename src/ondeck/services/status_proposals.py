"""Proposing a customer-facing status update when a major incident changes stage.

Called by ``command.change_stage`` inside its unit of work, so the stage move and the
proposal commit together. A proposal is a draft: it is never public until the incident
manager (or another participant) publishes it (``status_updates.publish_update``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ondeck.domain.stages import Stage
from ondeck.domain.status_updates import propose
from ondeck.services import timeline
from ondeck.services.ports import IncidentRecord, StatusUpdateRecord, UnitOfWork


def propose_for_stage(
    work: UnitOfWork, *, incident: IncidentRecord, stage: Stage, actor: str, now: datetime
) -> int | None:
    """Propose the update for the move into ``stage``: the stage's own words for customers
    (``STAGE_BODIES``) about the public components of the incident's service, with the
    stage's status; returns the draft's id.

    Every move proposes, even one that keeps the status (Dispatch to Mitigate): customers
    hear at each stage. When the incident's latest update is still an unpublished draft,
    that draft is replaced in place (same id, now about ``stage``), so the incident manager
    has one current draft rather than a pile; a published update is never touched. The
    impact carries over from the latest update. Proposes nothing (None) when the incident's
    service is not on the status page.
    """
    components = [c for c in work.status.components() if c.service_id == incident.service_id]
    if not components:
        return None
    earlier = work.status.updates(incident.id)
    latest = earlier[-1] if earlier else None
    proposal = propose(
        stage,
        group=components[0].group,
        components=[c.name for c in components],
        previous_impact=latest.impact if latest is not None else None,
    )
    draft = StatusUpdateRecord(
        id=0,
        incident_id=incident.id,
        stage=stage,
        status=proposal.status,
        title=proposal.title,
        body=proposal.body,
        impact=proposal.impact,
        components=tuple(c.id for c in components),
        proposed_at=now,
        proposed_by=actor,
    )
    described = f"({proposal.status.value}, {proposal.impact.label.lower()}): {proposal.title!r}"
    if latest is not None and not latest.published:
        update_id = latest.id
        work.status.save_update(replace(draft, id=update_id))
        message = f"Status page draft replaced for {stage.value.replace('_', ' ')} {described}"
    else:
        update_id = work.status.add_update(draft)
        message = f"Status page update proposed for {stage.value.replace('_', ' ')} {described}"
    work.incidents.add_timeline(
        incident.id,
        at=now,
        kind=timeline.STATUS_UPDATE_PROPOSED,
        actor=actor,
        message=f"{message}; publish it to make it public",
        data={"update_id": update_id, "status": proposal.status.value, "stage": stage.value},
    )
    return update_id
