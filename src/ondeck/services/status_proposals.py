"""Proposing a customer-facing status update when a major incident changes stage.

Called by ``command.change_stage`` inside its unit of work, so the stage move and the
proposal commit together. A proposal is a draft: it is never public until the incident
manager (or another participant) publishes it (``status_updates.publish_update``).
"""

from __future__ import annotations

from datetime import datetime

from ondeck.domain.stages import Stage
from ondeck.domain.status_updates import STAGE_STATUS, propose
from ondeck.services import timeline
from ondeck.services.ports import IncidentRecord, StatusUpdateRecord, UnitOfWork


def propose_for_stage(
    work: UnitOfWork, *, incident: IncidentRecord, stage: Stage, actor: str, now: datetime
) -> int | None:
    """Write a draft update for the move into ``stage`` from the stage's template, about the
    public components of the incident's service; returns its id.

    Proposes nothing (None) when the incident's service is not on the status page, or when
    the incident's latest update (draft or published) already says the same status: going
    from Dispatch to Mitigate, or Review to Action items, tells customers nothing new.
    """
    components = [c for c in work.status.components() if c.service_id == incident.service_id]
    if not components:
        return None
    earlier = work.status.updates(incident.id)
    status = STAGE_STATUS[stage]
    if earlier and earlier[-1].status is status:
        return None
    proposal = propose(
        stage,
        group=components[0].group,
        components=[c.name for c in components],
        previous_impact=earlier[-1].impact if earlier else None,
    )
    update_id = work.status.add_update(
        StatusUpdateRecord(
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
    )
    work.incidents.add_timeline(
        incident.id,
        at=now,
        kind=timeline.STATUS_UPDATE_PROPOSED,
        actor=actor,
        message=f"Status page update proposed ({proposal.status.value}, "
        f"{proposal.impact.label.lower()}): {proposal.title!r}; publish it to make it public",
        data={"update_id": update_id, "status": proposal.status.value},
    )
    return update_id
