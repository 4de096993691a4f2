"""The stages of a major incident, what each needs before the incident moves past it, and
the rule for moving between them.

Stages, in order: Detect → Assemble → Verify → Dispatch → Mitigate → Repair → Review →
Action items. A stage's checklist lists what must be true before the incident moves *past*
that stage:

- Detect: someone acknowledged the page (a human has the incident).
- Assemble: both heads are named: an incident manager (communicates) and an incident
  engineer (fixes).
- Verify: the first CAN report is posted and a severity is set from a loss estimate.
- Dispatch: the subject-matter experts to page are named.
- Mitigate ("fixed for now"): a CAN report posted during Mitigate says what the workaround is.
- Repair ("fixed for real"): the incident is resolved.
- Review: a root-cause-analysis owner is named.
- Action items: the last stage; nothing comes after it.

Moving forward with items missing (from the current stage's checklist and those of every
stage skipped) is allowed only with a reason; the missing items are returned so they can go
on the timeline. Moving backwards (mitigation did not hold, say) also needs a reason.
Staying in the same stage is refused.

Time to mitigate runs from detection to the first move into Repair or later; time to repair
from detection to the first move into Review or later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ondeck.domain.errors import DomainError, InvalidTransition


class Stage(StrEnum):
    DETECT = "detect"
    ASSEMBLE = "assemble"
    VERIFY = "verify"
    DISPATCH = "dispatch"
    MITIGATE = "mitigate"
    REPAIR = "repair"
    REVIEW = "review"
    ACTION_ITEMS = "action_items"


ORDER: tuple[Stage, ...] = tuple(Stage)


class UnknownStage(DomainError):
    """A stage name that is not one of the eight."""


class Item(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    MANAGER_NAMED = "incident_manager_named"
    ENGINEER_NAMED = "incident_engineer_named"
    FIRST_CAN_REPORT = "first_can_report"
    SEVERITY_SET = "severity_set"
    EXPERTS_NAMED = "experts_named"
    WORKAROUND_REPORTED = "workaround_reported"
    RESOLVED = "resolved"
    RCA_OWNER_NAMED = "rca_owner_named"


CHECKLIST: dict[Stage, tuple[Item, ...]] = {
    Stage.DETECT: (Item.ACKNOWLEDGED,),
    Stage.ASSEMBLE: (Item.MANAGER_NAMED, Item.ENGINEER_NAMED),
    Stage.VERIFY: (Item.FIRST_CAN_REPORT, Item.SEVERITY_SET),
    Stage.DISPATCH: (Item.EXPERTS_NAMED,),
    Stage.MITIGATE: (Item.WORKAROUND_REPORTED,),
    Stage.REPAIR: (Item.RESOLVED,),
    Stage.REVIEW: (Item.RCA_OWNER_NAMED,),
    Stage.ACTION_ITEMS: (),
}
"""What each stage needs before the incident moves past it."""


@dataclass(frozen=True)
class Facts:
    """What is known of the incident, as the checklist reads it."""

    acknowledged: bool = False
    manager: bool = False
    engineer: bool = False
    can_report_stages: frozenset[Stage] = frozenset()
    """The stages during which at least one CAN report was posted."""
    severity: bool = False
    experts: bool = False
    resolved: bool = False
    rca_owner: bool = False


def done(facts: Facts) -> frozenset[Item]:
    """The checklist items ``facts`` satisfy."""
    ticked = {
        Item.ACKNOWLEDGED: facts.acknowledged,
        Item.MANAGER_NAMED: facts.manager,
        Item.ENGINEER_NAMED: facts.engineer,
        Item.FIRST_CAN_REPORT: bool(facts.can_report_stages),
        Item.SEVERITY_SET: facts.severity,
        Item.EXPERTS_NAMED: facts.experts,
        Item.WORKAROUND_REPORTED: Stage.MITIGATE in facts.can_report_stages,
        Item.RESOLVED: facts.resolved,
        Item.RCA_OWNER_NAMED: facts.rca_owner,
    }
    return frozenset(item for item, ok in ticked.items() if ok)


def checklist(stage: Stage, facts: Facts) -> list[tuple[Item, bool]]:
    """The stage's checklist, each item with whether it is done."""
    ticked = done(facts)
    return [(item, item in ticked) for item in CHECKLIST[stage]]


def parse_stage(name: str) -> Stage:
    """The stage called ``name`` (case and ``-``/space/``_`` insensitive); UnknownStage else."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Stage(key)
    except ValueError:
        known = ", ".join(stage.value for stage in ORDER)
        raise UnknownStage(f"unknown stage {name!r}; stages are {known}") from None


@dataclass(frozen=True)
class Transition:
    """An allowed move; ``missing`` lists the checklist items left undone on the way."""

    source: Stage
    target: Stage
    reason: str
    missing: tuple[Item, ...]

    @property
    def backwards(self) -> bool:
        return ORDER.index(self.target) < ORDER.index(self.source)


def transition(current: Stage, target: Stage, *, facts: Facts, reason: str = "") -> Transition:
    """Move from ``current`` to ``target``, or raise InvalidTransition saying why not.

    Forward with every item of ``current`` and the stages skipped done: allowed. Forward with
    items missing, or backwards: allowed only with a non-blank ``reason``.
    """
    reason = reason.strip()
    if target is current:
        raise InvalidTransition(f"the incident is already in {current.value}")
    here, there = ORDER.index(current), ORDER.index(target)
    if there < here:
        if not reason:
            raise InvalidTransition(
                f"going back from {current.value} to {target.value} needs a reason"
            )
        return Transition(current, target, reason, ())
    ticked = done(facts)
    missing = tuple(
        item for stage in ORDER[here:there] for item in CHECKLIST[stage] if item not in ticked
    )
    if missing and not reason:
        raise InvalidTransition(
            f"moving from {current.value} to {target.value} leaves "
            f"{', '.join(item.value for item in missing)} undone; give a reason to move on anyway"
        )
    return Transition(current, target, reason, missing)


@dataclass(frozen=True)
class StageChange:
    """A recorded move: into ``stage`` at ``at``."""

    stage: Stage
    at: datetime


def _first_reaching(stage: Stage, changes: Iterable[StageChange]) -> datetime | None:
    floor = ORDER.index(stage)
    times = [change.at for change in changes if ORDER.index(change.stage) >= floor]
    return min(times) if times else None


def time_to_mitigate(detected_at: datetime, changes: Iterable[StageChange]) -> timedelta | None:
    """From detection to the first move into Repair or later (None: not mitigated yet)."""
    at = _first_reaching(Stage.REPAIR, changes)
    return None if at is None else at - detected_at


def time_to_repair(detected_at: datetime, changes: Iterable[StageChange]) -> timedelta | None:
    """From detection to the first move into Review or later (None: not repaired yet)."""
    at = _first_reaching(Stage.REVIEW, changes)
    return None if at is None else at - detected_at
