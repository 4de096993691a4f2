"""Wire formats monitoring tools speak, decoded into AlertSignals. One module per format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rejected(Exception):
    """The body was refused; ``body`` is the provider-shaped JSON error to answer with."""

    body: dict[str, Any] = field(default_factory=dict)
    status_code: int = 400


TEXT_MAX = 1024
"""Longest summary or source the store keeps (PostgreSQL enforces it)."""


def clean_text(value: str, limit: int | None = None) -> str:
    """Text as the store can keep it: without NUL characters (PostgreSQL refuses them) and
    cut to ``limit`` characters when given."""
    text = value.replace("\x00", "")
    return text if limit is None else text[:limit]


def load_json(body: bytes) -> Any:
    """Parse a JSON body; raise ValueError for anything that is not JSON, including
    nesting too deep for the parser."""
    try:
        return json.loads(body)
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error
