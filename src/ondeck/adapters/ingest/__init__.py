"""Wire formats monitoring tools speak, decoded into AlertSignals. One module per format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rejected(Exception):
    """The body was refused; ``body`` is the provider-shaped JSON error to answer with."""

    body: dict[str, Any] = field(default_factory=dict)
    status_code: int = 400
