"""The org file's ``major_incidents:`` block, read and written (``orgfile`` uses these).

```yaml
major_incidents:
  bridge: "https://meet.example.com/ondeck-{number}"   # fixed URL or template ({number}, {id})
  protocol: |
    The incident manager runs the bridge ...
  announcement_channel: {slack: C0ANNOUNCE}   # or {email: all@example.com}, {webhook: https://…}
  severity: {high_loss_per_hour: 10000, medium_loss_per_hour: 1000,
             high_users: 1000, medium_users: 100}
  can_every: {high: 30m, medium: 2h, low: 1d}
```

Shapes and types are checked here (the path of each problem is reported); what the values
mean (a URL, an address, the order of thresholds) is checked by ``domain.major_incidents``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr, field_validator

from ondeck.domain.durations import format_duration, parse_duration
from ondeck.domain.errors import InvalidDuration
from ondeck.domain.major_incidents import (
    CadenceSettings,
    Destination,
    MajorIncidentSpec,
    ThresholdSettings,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeverityIn(_Model):
    high_loss_per_hour: float | None = None
    medium_loss_per_hour: float | None = None
    high_users: int | None = None
    medium_users: int | None = None


def duration(value: Any) -> timedelta:
    """A period written as the org file writes them all: ``30s``, ``5m``, ``12h``, ``1d``."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("write a duration like 30s, 5m, 12h, 1d or 1w")
    if isinstance(value, int):
        raise ValueError(f"{value} has no unit; write a duration like {value}s or {value}m")
    try:
        return parse_duration(value)
    except InvalidDuration as error:
        raise ValueError(str(error)) from error


class CanEveryIn(_Model):
    high: timedelta | None = None
    medium: timedelta | None = None
    low: timedelta | None = None

    _periods = field_validator("high", "medium", "low", mode="before")(duration)


class MajorIncidentsIn(_Model):
    bridge: StrictStr = ""
    protocol: StrictStr = ""
    announcement_channel: dict[str, StrictStr] | None = None
    severity: SeverityIn | None = None
    can_every: CanEveryIn | None = None

    @field_validator("announcement_channel")
    @classmethod
    def _one_destination(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and len(value) != 1:
            raise ValueError(
                "name exactly one destination, like {slack: C0ANNOUNCE}, "
                "{email: all@example.com} or {webhook: https://hooks.example/ondeck}"
            )
        return value

    def spec(self) -> MajorIncidentSpec:
        destination = None
        if self.announcement_channel:
            [(kind, address)] = self.announcement_channel.items()
            destination = Destination(kind.strip().lower(), address.strip())
        severity = self.severity or SeverityIn()
        cadence = self.can_every or CanEveryIn()
        return MajorIncidentSpec(
            bridge=self.bridge.strip(),
            protocol=self.protocol.strip(),
            announcement=destination,
            severity=ThresholdSettings(
                high_loss_per_hour=severity.high_loss_per_hour,
                medium_loss_per_hour=severity.medium_loss_per_hour,
                high_users=severity.high_users,
                medium_users=severity.medium_users,
            ),
            can=CadenceSettings(
                high=cadence.high,
                medium=cadence.medium,
                low=cadence.low,
            ),
        )


def major_incidents_out(spec: MajorIncidentSpec) -> dict[str, Any]:
    """The block as ``MajorIncidentsIn`` reads it back (keys left unset are left out)."""
    out: dict[str, Any] = {}
    if spec.bridge:
        out["bridge"] = spec.bridge
    if spec.protocol:
        out["protocol"] = spec.protocol
    if spec.announcement is not None:
        out["announcement_channel"] = {spec.announcement.kind: spec.announcement.address}
    severity = {
        name: value
        for name in ("high_loss_per_hour", "medium_loss_per_hour", "high_users", "medium_users")
        if (value := getattr(spec.severity, name)) is not None
    }
    if severity:
        out["severity"] = severity
    periods = {
        name: format_duration(period)
        for name in ("high", "medium", "low")
        if (period := getattr(spec.can, name)) is not None
    }
    if periods:
        out["can_every"] = periods
    return out


def stored(value: dict[str, Any]) -> MajorIncidentSpec:
    """The block as stored (``major_incidents_out``'s shape) read back."""
    return MajorIncidentsIn.model_validate(value).spec()
