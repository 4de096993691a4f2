"""Percentiles, including over samples that are only known to be at least some value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantile:
    seconds: float
    at_least: bool = False
    """True when the value is a lower bound (it fell among samples that never completed)."""

    def text(self, unit: str = "ms") -> str:
        value = self.seconds * 1000 if unit == "ms" else self.seconds
        sign = "≥ " if self.at_least else ""
        return f"{sign}{value:,.0f} {unit}" if value >= 10 else f"{sign}{value:,.1f} {unit}"

    def as_json(self) -> dict[str, float | bool]:
        return {"seconds": round(self.seconds, 6), "at_least": self.at_least}


def quantile(done: Sequence[float], q: float, pending: Sequence[float] = ()) -> Quantile | None:
    """The ``q`` quantile (nearest rank) of completed samples and lower bounds of pending ones.

    ``pending`` holds, for samples that had not completed when measuring stopped, how long
    they had waited so far; if the quantile falls on one of them it is marked ``at_least``.
    """
    merged = sorted([(value, False) for value in done] + [(value, True) for value in pending])
    if not merged:
        return None
    rank = max(math.ceil(q * len(merged)) - 1, 0)
    value, bound = merged[rank]
    return Quantile(value, at_least=bound)


def histogram_quantile(buckets: Sequence[tuple[float, float]], q: float) -> Quantile | None:
    """Prometheus' ``histogram_quantile``: cumulative ``(upper bound, count)`` buckets.

    Linear interpolation inside the bucket; in the ``+Inf`` bucket the answer is the
    highest finite bound, marked ``at_least``.
    """
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return Quantile(lower_bound, at_least=True)
            if count == lower_count:
                return Quantile(bound)
            share = (rank - lower_count) / (count - lower_count)
            return Quantile(lower_bound + (bound - lower_bound) * share)
        lower_bound, lower_count = bound, count
    return None
