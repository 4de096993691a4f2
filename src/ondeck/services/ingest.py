"""Alerts in: dedup within the service, open an incident, start its escalation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ondeck.domain.incidents import urgency_for
from ondeck.domain.model import AlertAction, AlertSignal, IncidentStatus
from ondeck.services import timeline
from ondeck.services.errors import UnknownIntegrationKey
from ondeck.services.incidents import change_status
from ondeck.services.ports import (
    Clock,
    DuplicateOpenIncident,
    Route,
    UnitOfWork,
    UnitOfWorkFactory,
)

DEDUP_RACE_RETRIES = 3


@dataclass(frozen=True)
class IngestOutcome:
    dedup_key: str
    incident_id: int | None
    result: str
    """created, deduplicated, acknowledged, resolved or ignored (nothing open for the key)."""


def ingest_signal(
    *, uow: UnitOfWorkFactory, clock: Clock, integration_key: str, signal: AlertSignal
) -> IngestOutcome:
    """Apply one signal durably: when this returns, the outcome is committed.

    Raises UnknownIntegrationKey when no service has ``integration_key``.
    """
    for _ in range(DEDUP_RACE_RETRIES):
        try:
            with uow() as work:
                route = work.directory.route_for_key(integration_key)
                if route is None:
                    raise UnknownIntegrationKey("no service has this integration key")
                outcome = _apply(work, route, signal, clock.now())
                work.commit()
                return outcome
        except DuplicateOpenIncident:
            continue
    raise RuntimeError("dedup race did not settle after retries")


@dataclass(frozen=True)
class IngestRequest:
    integration_key: str
    signal: AlertSignal


def ingest_batch(
    *, uow: UnitOfWorkFactory, clock: Clock, requests: Sequence[IngestRequest]
) -> list[IngestOutcome | UnknownIntegrationKey]:
    """Apply many signals in one transaction: one commit (one fsync) for the whole batch.

    Results are in request order; a request with an unknown key gets its error without
    affecting the others. If another process opens an incident with one of the batch's
    dedup keys at the same moment, the batch is rolled back and each request is applied
    on its own. Database errors propagate: nothing of the batch is stored.
    """
    try:
        with uow() as work:
            now = clock.now()
            results: list[IngestOutcome | UnknownIntegrationKey] = []
            for request in requests:
                route = work.directory.route_for_key(request.integration_key)
                if route is None:
                    results.append(UnknownIntegrationKey("no service has this integration key"))
                else:
                    results.append(_apply(work, route, request.signal, now))
            work.commit()
            return results
    except DuplicateOpenIncident:
        return [_apply_alone(uow=uow, clock=clock, request=request) for request in requests]


def _apply_alone(
    *, uow: UnitOfWorkFactory, clock: Clock, request: IngestRequest
) -> IngestOutcome | UnknownIntegrationKey:
    try:
        return ingest_signal(
            uow=uow, clock=clock, integration_key=request.integration_key, signal=request.signal
        )
    except UnknownIntegrationKey as error:
        return error


def record_change(
    *, uow: UnitOfWorkFactory, clock: Clock, integration_key: str, signal: AlertSignal
) -> int:
    """Store a change event on the service's record; nobody is paged."""
    with uow() as work:
        route = work.directory.route_for_key(integration_key)
        if route is None:
            raise UnknownIntegrationKey("no service has this integration key")
        now = clock.now()
        change_id = work.incidents.add_change_event(
            service_id=route.service_id,
            summary=signal.summary,
            source=signal.source,
            occurred_at=signal.occurred_at or now,
            received_at=now,
            details={"details": signal.details, "links": [list(link) for link in signal.links]},
        )
        work.commit()
        return change_id


def _apply(work: UnitOfWork, route: Route, signal: AlertSignal, now: datetime) -> IngestOutcome:
    incidents = work.incidents
    open_incident = incidents.open_by_dedup(route.service_id, signal.dedup_key)
    actor = f"{signal.origin}:{route.service_name}"
    if signal.action is AlertAction.TRIGGER:
        if open_incident is not None:
            incidents.record_repeat(open_incident.id, now)
            incidents.add_timeline(
                open_incident.id,
                at=now,
                kind=timeline.ALERT_REPEATED,
                actor=actor,
                message=f"Alert repeated: {signal.summary}",
                data={"details": signal.details},
            )
            return IngestOutcome(signal.dedup_key, open_incident.id, "deduplicated")
        policy = work.directory.policy_snapshot(route.policy_id)
        urgency = urgency_for(signal.severity, service_urgency=route.service_urgency)
        incident_id = incidents.create(
            service_id=route.service_id,
            dedup_key=signal.dedup_key,
            title=signal.summary,
            urgency=urgency,
            severity=signal.severity,
            source=signal.source,
            policy=policy,
            details={
                "details": signal.details,
                "links": [list(link) for link in signal.links],
                "client": signal.client,
                "client_url": signal.client_url,
                "occurred_at": signal.occurred_at.isoformat() if signal.occurred_at else None,
            },
            at=now,
        )
        incidents.add_timeline(
            incident_id,
            at=now,
            kind=timeline.TRIGGERED,
            actor=actor,
            message=f"Triggered by {signal.origin}: {signal.summary}",
            data={"severity": signal.severity, "urgency": urgency.value, "source": signal.source},
        )
        work.paging.start_escalation(incident_id, due_at=now)
        work.signal_work()
        return IngestOutcome(signal.dedup_key, incident_id, "created")

    if open_incident is None:
        return IngestOutcome(signal.dedup_key, None, "ignored")
    if signal.action is AlertAction.ACKNOWLEDGE:
        if open_incident.status is IncidentStatus.TRIGGERED:
            change_status(
                work,
                open_incident.id,
                IncidentStatus.ACKNOWLEDGED,
                actor=actor,
                message=f"Acknowledged by {signal.origin}",
                at=now,
            )
        return IngestOutcome(signal.dedup_key, open_incident.id, "acknowledged")
    change_status(
        work,
        open_incident.id,
        IncidentStatus.RESOLVED,
        actor=actor,
        message=f"Resolved by {signal.origin}",
        at=now,
    )
    return IngestOutcome(signal.dedup_key, open_incident.id, "resolved")
