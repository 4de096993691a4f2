"""One server per database for every schedule API test in this package.

Starting a server takes seconds, so the schedule tests share one per database. Each test
works on a schedule (or a stretch of time) no other test changes, or reads what it needs
from the server first, so the tests hold in any order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.api.support import Site, fresh_database, handoff_far_from, running_site

PEOPLE = ["ada", "grace", "linus", "sam", "olive"]
"""Ada is an admin, Olive an observer, the rest plain users."""


def schedules_org(now: datetime) -> str:
    """Four schedules, each with a use of its own:

    - Feed (UTC): a daily rotation of Ada, Grace and Linus, handing off twelve hours away
      from now's time of day; the calendar tests add an override and a trade to it.
    - Changes (Europe/London): the same rotation, for overrides and trades.
    - Away (UTC): the same rotation, for absences and stand-ins.
    - Nights (Europe/London): Grace and Linus, weeknights 18:00–09:00 only.
    - Opt-in (UTC): Ada alone, for invitations and consent.
    """
    start = handoff_far_from(now)
    trio = "[ada@example.com, grace@example.com, linus@example.com]"
    return f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, timezone: Europe/London, role: admin,
     contact_methods: [{{type: email, address: ada@example.com}}]}}
  - {{email: grace@example.com, name: Grace Hopper, timezone: America/New_York,
     contact_methods: [{{type: email, address: grace@example.com}}]}}
  - {{email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki,
     contact_methods: [{{type: email, address: linus@example.com}}]}}
  - {{email: sam@example.com, name: Sam Rivers, timezone: UTC}}
  - {{email: olive@example.com, name: Olive Observer, timezone: UTC, role: observer}}
schedules:
  - name: Feed
    timezone: UTC
    layers:
      - {{name: Days, start: {start}, rotation: 1d, participants: {trio}}}
  - name: Changes
    timezone: Europe/London
    layers:
      - {{name: Days, start: {start}, rotation: 1d, participants: {trio}}}
  - name: Away
    timezone: UTC
    layers:
      - {{name: Days, start: {start}, rotation: 1d, participants: {trio}}}
  - name: Nights
    timezone: Europe/London
    layers:
      - name: Nights
        start: 2020-01-06T18:00
        rotation: 1w
        participants: [grace@example.com, linus@example.com]
        restrictions: [{{days: [mon, tue, wed, thu, fri], from: "18:00", to: "09:00"}}]
  - name: Opt-in
    timezone: UTC
    layers:
      - {{name: Main, start: 2020-01-06T09:00, rotation: 1w, participants: [ada@example.com]}}
"""


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The schedules organisation served on SQLite, then on PostgreSQL (logging at info, so
    a test can tell that feed tokens stay out of the log)."""
    directory = tmp_path_factory.mktemp(f"schedules-{request.param}")
    now = datetime.now(UTC)
    with (
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            schedules_org(now),
            [f"{who}@example.com" for who in PEOPLE],
            directory,
            ONDECK_LOG_LEVEL="info",
        ) as running,
    ):
        yield running
