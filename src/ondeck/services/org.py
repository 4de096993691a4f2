"""Configuration as code: apply an organisation file idempotently, export it back."""

from __future__ import annotations

from datetime import datetime

from ondeck.domain.org import OrgSpec, validate
from ondeck.services.errors import InvalidOrg
from ondeck.services.ports import Clock, Consent, UnitOfWork, UnitOfWorkFactory

APPLY_ACTOR = "ondeck apply"


def apply_org(*, uow: UnitOfWorkFactory, clock: Clock, spec: OrgSpec) -> dict[str, int]:
    """Validate everything first; apply all of it in one transaction or none of it."""
    with uow() as work:
        problems = validate(
            spec, work.org.existing_names(), key_owners=work.org.integration_owners()
        )
        if problems:
            raise InvalidOrg([str(problem) for problem in problems])
        now = clock.now()
        counts = work.org.apply(spec, at=now)
        _record_consent_of_listed_people(work, spec, now)
        work.commit()
        return counts


def _record_consent_of_listed_people(work: UnitOfWork, spec: OrgSpec, now: datetime) -> None:
    """Listing someone in a rotation of an applied file is an administrator recording their
    consent; a person who declined stays out until they (or an admin) say otherwise."""
    for schedule in spec.schedules:
        schedule_id = work.schedules.id_by_name(schedule.name)
        if schedule_id is None:
            continue
        record = work.schedules.record(schedule_id)
        assert record is not None
        known = work.schedules.consents(schedule_id)
        for user_id in record.participants:
            if user_id in known:
                continue
            work.schedules.set_consent(
                schedule_id=schedule_id,
                user_id=user_id,
                state=Consent.CONSENTED,
                by=APPLY_ACTOR,
                at=now,
                note="listed in a rotation of an applied organisation file",
            )


def export_org(*, uow: UnitOfWorkFactory) -> OrgSpec:
    with uow(read_only=True) as work:
        return work.org.export()
