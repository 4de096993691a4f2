"""Creating and changing a schedule's rotations over the API, with the file's rules: the
seeds' defaults for new rotations, all or nothing, admins only, every change on its timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import ondeck_env, run_cli

ORG = """
users:
  - {email: ada@example.com, name: Ada Lovelace, timezone: Europe/London, role: admin}
  - {email: grace@example.com, name: Grace Hopper, timezone: America/New_York}
  - {email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki}
"""

SCHEDULE: dict[str, Any] = {
    "name": "Platform",
    "timezone": "Europe/London",
    "layers": [
        {
            "name": "Weekly",
            "participants": ["ada@example.com", "grace@example.com", "linus@example.com"],
        },
        {
            "name": "Weekends",
            "participants": ["grace@example.com", "linus@example.com"],
            "rotation": "1d",
            "start": "2026-01-03",
            "restrictions": [{"days": ["sat", "sun"]}],
        },
    ],
}


def _token(env: dict[str, str], email: str) -> str:
    return run_cli(env, "token", "create", "--user", email).stdout.strip().splitlines()[-1]


def test_an_admin_creates_a_schedule_whose_new_rotation_turns_weekly_from_the_latest_monday(
    database_url: str, start_server: Any
) -> None:
    env = ondeck_env(database_url)
    run_cli(env, "apply", "-f", "-", input_text=ORG)
    ada, grace = _token(env, "ada@example.com"), _token(env, "grace@example.com")
    server = start_server(env)
    before = datetime.now(UTC)

    with server.client(ada) as admin, server.client(grace) as user:
        refused = user.post("/api/v1/schedules", json=SCHEDULE)
        bad = admin.post(
            "/api/v1/schedules",
            json=SCHEDULE | {"layers": [{"name": "Weekly", "participants": ["nobody@x.org"]}]},
        )
        misshapen = admin.post("/api/v1/schedules", json={"name": "Platform", "layers": 3})
        untouched = admin.get("/api/v1/schedules").json()
        created = admin.post("/api/v1/schedules", json=SCHEDULE)
        again = admin.post("/api/v1/schedules", json=SCHEDULE)
        schedule_id = created.json()["id"]
        events = admin.get(f"/api/v1/schedules/{schedule_id}/events").json()
        events_again = admin.get(f"/api/v1/schedules/{schedule_id}/events").json()
        checks = admin.get(f"/api/v1/schedules/{schedule_id}/check").json()

    assert refused.status_code == 403
    assert refused.json() == {"detail": "only an admin can create or change a schedule's rotations"}
    assert bad.status_code == 422
    assert bad.json() == {"detail": "layers[0].participants[0]: no user with email 'nobody@x.org'"}
    assert misshapen.status_code == 422
    assert "timezone: required field is missing" in misshapen.json()["detail"]
    assert "layers: " in misshapen.json()["detail"]
    assert untouched["count"] == 0

    assert created.status_code == 200, created.text
    body = created.json()
    weekly, weekends = body["layers"]
    assert weekly["rotation"] == 7 * 24 * 3600
    start = datetime.fromisoformat(weekly["start"])
    assert start.weekday() == 0 and (start.hour, start.minute) == (9, 0)
    local_now = before.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)
    assert timedelta(0) <= local_now - start < timedelta(weeks=1)
    assert weekends == {
        "name": "Weekends",
        "start": "2026-01-03T09:00:00",
        "rotation": 86400,
        "participants": ["grace@example.com", "linus@example.com"],
        "handoff": "09:00:00",
        "restrictions": [{"days": [5, 6], "start": "00:00:00", "end": "00:00:00"}],
    }
    assert again.json() == body
    messages = [e["message"] for e in events["data"]]
    assert "Schedule created by ada@example.com, in time zone Europe/London" in messages
    assert any(m.startswith("Layers changed by ada@example.com: ") for m in messages)
    assert any(
        m == "Consent of Grace Hopper recorded by ada@example.com "
        "(listed in a rotation by an administrator)"
        for m in messages
    )
    assert events_again["count"] == events["count"]
    assert [f["layer"] for f in checks["data"] if f["code"] == "few_people"] == ["Weekends"]
