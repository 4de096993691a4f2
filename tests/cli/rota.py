"""An organisation with weekly and daily rotations, and helpers to run many commands at once."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tests.conftest import run_cli

ROTA_ORG = """\
users:
  - {email: ada@example.com, name: Ada Lovelace, timezone: Europe/London, role: admin,
     contact_methods: [{type: webhook, address: https://hooks.example/ada}]}
  - {email: grace@example.com, name: Grace Hopper, timezone: America/New_York,
     contact_methods: [{type: webhook, address: https://hooks.example/grace}]}
  - {email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki,
     contact_methods: [{type: webhook, address: https://hooks.example/linus}]}
  - {email: cto@example.com, name: Cee Tee, timezone: UTC}
schedules:
  - name: Payments primary
    timezone: Europe/London
    layers:
      - {name: Weekly, start: 2020-01-06T09:00, rotation: 1w,
         participants: [ada@example.com, grace@example.com, linus@example.com]}
  - name: Checkout [beta]
    timezone: America/New_York
    layers:
      - {name: Daily, start: 2020-01-06T09:00, rotation: 1d,
         participants: [ada@example.com, grace@example.com]}
"""
"""Three reachable people in a healthy weekly rotation (webhooks always deliver), and a
two-person rotation (a name with Rich markup in it) that `schedule check` warns about."""

PRIMARY = "Payments primary"
BETA = "Checkout [beta]"
LONDON = ZoneInfo("Europe/London")
WEEKLY = ("Ada Lovelace", "Grace Hopper", "Linus Torvalds")


def weekly_holder(at: datetime) -> str:
    """Whose turn it is in Payments primary, worked out by hand: weekly from Monday
    2020-01-06 09:00 London."""
    local = at.astimezone(LONDON)
    days = (local.date() - date(2020, 1, 6)).days
    if local.time() < time(9, 0):
        days -= 1
    return WEEKLY[(days // 7) % 3]


def run_many(
    env: dict[str, str], *commands: tuple[str, ...]
) -> list[subprocess.CompletedProcess[str]]:
    """Run commands that do not depend on each other side by side (as processes they overlap;
    run in this process, as ``run_cli`` does by default, they take turns)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: run_cli(env, *args, check=False), commands))


def rows(output: str, *needles: str) -> list[str]:
    """The lines of a table that hold every needle."""
    return [line for line in output.splitlines() if all(n in line for n in needles)]
