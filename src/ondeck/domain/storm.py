"""Storm control: how many messages one person may get on one channel, and when the next may go.

A storm (hundreds of incidents in a minute) must not become hundreds of text messages on
one phone. Each person gets at most ``limit.count`` messages per channel kind within any
``limit.window``; a page over the limit is held, never dropped, and when the window allows
the next message, every held page for that person and address goes out together as one
bundled message that lists each incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a storm limit allows at least one message")
        if self.window <= timedelta(0):
            raise ValueError("a storm window must be longer than zero")


def release_at(sent: Iterable[datetime], limit: Limit, now: datetime) -> datetime | None:
    """None when one more message may go at ``now``; else the moment the window next allows one.

    ``sent`` are the moments earlier messages to the same person and channel went out;
    only those within ``(now - window, now]`` count.
    """
    recent = sorted(moment for moment in sent if now - limit.window < moment <= now)
    if len(recent) < limit.count:
        return None
    # The oldest message that must leave the window before one more fits.
    return recent[len(recent) - limit.count] + limit.window


def messages_in_storm(arrivals: Iterable[datetime], limit: Limit) -> list[datetime]:
    """When messages go out for pages arriving at ``arrivals`` (sorted or not), with every
    page over the limit held and sent bundled at the next moment the window allows.

    The model the engine follows, for reasoning and tests: the number of messages in any
    window never exceeds ``limit.count``, and every arrival is carried by a message sent at
    or after it.
    """
    sent: list[datetime] = []
    release: datetime | None = None
    """When the held bundle goes; None while nothing is held."""
    for arrival in sorted(arrivals):
        if release is not None and release <= arrival:
            sent.append(release)
            release = None
        if release is not None:
            continue  # joins the held bundle
        release = release_at(sent, limit, arrival)
        if release is None:
            sent.append(arrival)
    if release is not None:
        sent.append(release)
    return sent
