"""Value objects shared by the domain's functions. Identifiers are the store's integer ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Urgency(StrEnum):
    HIGH = "high"
    LOW = "low"


class AlertAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class TargetKind(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"
    TEAM = "team"


class IncidentRole(StrEnum):
    """The roles of a major incident's response: one incident manager (commander and
    communicator), one incident engineer (who fixes), any number of subject-matter experts."""

    INCIDENT_MANAGER = "incident_manager"
    INCIDENT_ENGINEER = "incident_engineer"
    SUBJECT_MATTER_EXPERT = "subject_matter_expert"

    @property
    def label(self) -> str:
        """How people read it: "incident manager"."""
        return self.value.replace("_", " ")

    @property
    def single(self) -> bool:
        """Whether one person at a time holds it (experts are any number)."""
        return self is not IncidentRole.SUBJECT_MATTER_EXPERT


@dataclass(frozen=True)
class AlertSignal:
    """One event from monitoring, already decoded from its wire format and validated."""

    action: AlertAction
    dedup_key: str
    summary: str = ""
    source: str = ""
    severity: Severity | None = None
    occurred_at: datetime | None = None
    client: str = ""
    client_url: str = ""
    links: tuple[tuple[str, str], ...] = ()
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    origin: str = "events_v2"


@dataclass(frozen=True)
class EscalationTarget:
    kind: TargetKind
    ref: int
    name: str
    role: IncidentRole | None = None
    """The incident role the target's people are paged to take, if any."""

    def to_json(self) -> dict[str, Any]:
        """The stored form; ``role`` only when there is one."""
        out: dict[str, Any] = {"kind": self.kind.value, "ref": self.ref, "name": self.name}
        return out | ({"role": self.role.value} if self.role else {})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EscalationTarget:
        """Reads ``to_json``'s form, and stored targets from before roles (no ``role``)."""
        role = data.get("role")
        return cls(
            TargetKind(data["kind"]),
            int(data["ref"]),
            str(data["name"]),
            IncidentRole(role) if role else None,
        )


@dataclass(frozen=True)
class EscalationLevel:
    escalate_after: timedelta
    targets: tuple[EscalationTarget, ...]


@dataclass(frozen=True)
class PolicySnapshot:
    """The escalation policy as it was when the incident triggered.

    ``repeat`` is how many more times the whole policy runs after its last level.
    """

    policy_id: int
    name: str
    repeat: int
    levels: tuple[EscalationLevel, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "name": self.name,
            "repeat": self.repeat,
            "levels": [
                {
                    "escalate_after": int(level.escalate_after.total_seconds()),
                    "targets": [t.to_json() for t in level.targets],
                }
                for level in self.levels
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicySnapshot:
        return cls(
            policy_id=int(data["policy_id"]),
            name=str(data["name"]),
            repeat=int(data["repeat"]),
            levels=tuple(
                EscalationLevel(
                    escalate_after=timedelta(seconds=int(level["escalate_after"])),
                    targets=tuple(EscalationTarget.from_json(t) for t in level["targets"]),
                )
                for level in data["levels"]
            ),
        )


@dataclass(frozen=True)
class ContactMethod:
    id: int
    kind: str
    address: str
    label: str = ""


@dataclass(frozen=True)
class NotificationRule:
    contact_method_id: int
    delay: timedelta
    urgency: Urgency | None = None
    """None: the rule applies to both urgencies."""
