"""Configuration as code: apply an organisation file idempotently, export it back."""

from __future__ import annotations

from ondeck.domain.org import OrgSpec, validate
from ondeck.services.errors import InvalidOrg
from ondeck.services.ports import Clock, UnitOfWorkFactory


def apply_org(*, uow: UnitOfWorkFactory, clock: Clock, spec: OrgSpec) -> dict[str, int]:
    """Validate everything first; apply all of it in one transaction or none of it."""
    with uow() as work:
        problems = validate(
            spec, work.org.existing_names(), key_owners=work.org.integration_owners()
        )
        if problems:
            raise InvalidOrg([str(problem) for problem in problems])
        counts = work.org.apply(spec, at=clock.now())
        work.commit()
        return counts


def export_org(*, uow: UnitOfWorkFactory) -> OrgSpec:
    with uow(read_only=True) as work:
        return work.org.export()
