"""Reading schedules over the API as an integrator does: the final timeline, the schedule
page's view, checks, a person's shifts and the fairness report, and the answers to bad
questions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ondeck.domain.schedules import Layer, Schedule, shifts
from tests.api.support import Site, iso, parse_time

DAY = timedelta(days=1)


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"from": iso(start), "to": iso(end)}


def _rotation(site: Site, schedule: str) -> Schedule:
    """The schedule as the domain sees it, built from what the server says about it."""
    view = site.as_("ada").get(f"/api/v1/schedules/{site.schedules[schedule]}/timeline").json()
    return Schedule(
        name=view["name"],
        timezone=view["timezone"],
        layers=tuple(
            Layer(
                name=layer["name"],
                start=datetime.fromisoformat(layer["start"]),
                turn=timedelta(seconds=layer["rotation_seconds"]),
                participants=tuple(p["id"] for p in layer["participants"]),
            )
            for layer in view["layers"]
        ),
    )


def _spans(body: dict[str, Any]) -> list[tuple[str, datetime, datetime]]:
    return [
        (s["user"]["email"], parse_time(s["start"]), parse_time(s["end"])) for s in body["data"]
    ]


def test_the_final_timeline_is_the_rotation_turn_by_turn(site: Site) -> None:
    now = datetime.now(UTC)
    start, end = now + 40 * DAY, now + 43 * DAY
    emails = {uid: f"{who}@example.com" for who, uid in site.users.items()}

    body = site.as_("olive").get(
        f"/api/v1/schedules/{site.schedules['Feed']}/shifts", params=_window(start, end)
    )

    assert body.status_code == 200
    expected = [
        (emails[s.user], s.start, s.end) for s in shifts(_rotation(site, "Feed"), start, end)
    ]
    assert _spans(body.json()) == expected
    assert len(expected) == 4  # three whole days cut by three handoffs
    assert body.json()["count"] == 4
    assert {s["source"]["kind"] for s in body.json()["data"]} == {"layer"}
    assert {s["source"]["layer"] for s in body.json()["data"]} == {"Days"}


def test_without_a_window_the_timeline_covers_the_next_fourteen_days(site: Site) -> None:
    before = datetime.now(UTC)

    data = site.as_("ada").get(f"/api/v1/schedules/{site.schedules['Away']}/shifts").json()["data"]

    first, last = parse_time(data[0]["start"]), parse_time(data[-1]["end"])
    assert before <= first <= datetime.now(UTC)
    assert last - first == 14 * DAY


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (
            {"from": "2026-01-01T00:00:00"},
            "'from' needs a time zone offset, e.g. 2026-11-22T09:00:00Z",
        ),
        (
            {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00"},
            "'to' needs a time zone offset, e.g. 2026-11-22T09:00:00Z",
        ),
        (
            {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "'to' must be after 'from'",
        ),
        (
            {"from": "2026-01-01T00:00:00Z", "to": "2027-02-05T00:00:01Z"},
            "the window from 'from' to 'to' is longer than 400 days",
        ),
    ],
)
@pytest.mark.parametrize("path", ["/schedules/{schedule}/shifts", "/users/{user}/shifts"])
def test_a_bad_window_is_refused_naming_the_parameter(
    site: Site, path: str, query: dict[str, str], detail: str
) -> None:
    url = "/api/v1" + path.format(schedule=site.schedules["Feed"], user=site.users["grace"])

    answer = site.as_("ada").get(url, params=query)

    assert answer.status_code == 422
    assert answer.json() == {"detail": detail}


def test_a_window_of_exactly_four_hundred_days_is_answered(site: Site) -> None:
    now = datetime.now(UTC)
    query = _window(now, now + 400 * DAY)

    answer = site.as_("ada").get(f"/api/v1/schedules/{site.schedules['Feed']}/shifts", params=query)

    assert answer.status_code == 200
    assert answer.json()["count"] >= 400  # a turn a day


@pytest.mark.parametrize(
    "path",
    [
        "shifts",
        "timeline",
        "check",
        "events",
        "overrides",
        "trades",
    ],
)
def test_an_unknown_schedule_is_not_found(site: Site, path: str) -> None:
    answer = site.as_("ada").get(f"/api/v1/schedules/999999/{path}")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "no schedule with id 999999"}


def test_the_timeline_shows_each_layer_with_its_restrictions_and_the_final_result(
    site: Site,
) -> None:
    now = datetime.now(UTC)
    window = _window(now, now + 7 * DAY)
    url = f"/api/v1/schedules/{site.schedules['Nights']}"

    view = site.as_("linus").get(f"{url}/timeline", params=window).json()

    [layer] = view["layers"]
    assert layer["name"] == "Nights"
    assert layer["start"] == "2020-01-06T18:00"
    assert layer["rotation_seconds"] == 7 * 24 * 3600
    assert layer["restrictions"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "09:00"}
    ]
    assert [p["email"] for p in layer["participants"]] == [
        "grace@example.com",
        "linus@example.com",
    ]
    assert layer["waiting"] == []
    assert view["final"] == site.as_("linus").get(f"{url}/shifts", params=window).json()["data"]
    assert view["final"] == layer["shifts"]
    assert 4 <= len(view["final"]) <= 6  # five weeknights, the window may cut one in two
    london = ZoneInfo("Europe/London")
    for shift in view["final"]:
        start, end = parse_time(shift["start"]), parse_time(shift["end"])
        assert start.astimezone(london).strftime("%H:%M") == "18:00" or start == now
        assert end.astimezone(london).strftime("%H:%M") == "09:00" or end == now + 7 * DAY
        assert start.astimezone(london).weekday() < 5 or start == now
    assert "gap" in {f["code"] for f in view["findings"]}
    on_call = [s["user"] for s in view["final"] if parse_time(s["start"]) <= now]
    assert view["on_call_now"] == on_call[:1]


def test_checking_a_schedule_finds_too_few_people_and_the_gaps(site: Site) -> None:
    found = site.as_("olive").get(f"/api/v1/schedules/{site.schedules['Nights']}/check").json()

    codes = {f["code"] for f in found["data"]}
    assert {"few_people", "gap"} <= codes
    assert found["count"] == len(found["data"])
    few = next(f for f in found["data"] if f["code"] == "few_people")
    assert few["level"] == "warning"
    assert few["message"]


def test_checking_every_schedule_lists_each_schedule_once(site: Site) -> None:
    found = site.as_("olive").get("/api/v1/schedule-checks").json()

    assert [item["schedule"]["name"] for item in found["data"]] == list(site.schedules)
    assert found["count"] == len(site.schedules)
    nights = next(i for i in found["data"] if i["schedule"]["name"] == "Nights")
    assert "few_people" in {f["code"] for f in nights["findings"]}


def test_a_persons_shifts_span_every_schedule_they_are_on(site: Site) -> None:
    now = datetime.now(UTC)
    start, end = now + 40 * DAY, now + 47 * DAY
    grace = site.users["grace"]

    body = site.as_("sam").get(f"/api/v1/users/{grace}/shifts", params=_window(start, end)).json()

    assert body["count"] == len(body["data"]) > 0
    assert {s["user"]["email"] for s in body["data"]} == {"grace@example.com"}
    assert {s["schedule"]["name"] for s in body["data"]} == {"Feed", "Changes", "Away", "Nights"}
    starts = [parse_time(s["start"]) for s in body["data"]]
    assert starts == sorted(starts)
    in_feed = [
        (parse_time(s["start"]), parse_time(s["end"]))
        for s in body["data"]
        if s["schedule"]["name"] == "Feed"
    ]
    expected = [
        (s.start, s.end) for s in shifts(_rotation(site, "Feed"), start, end) if s.user == grace
    ]
    assert in_feed == expected


def test_the_next_shift_is_the_first_to_start_after_now(site: Site) -> None:
    now = datetime.now(UTC)
    grace = site.users["grace"]
    ahead = site.as_("ada").get(
        f"/api/v1/users/{grace}/shifts", params=_window(now, now + 14 * DAY)
    )
    starting = [
        s for s in ahead.json()["data"] if parse_time(s["start"]) > now + timedelta(seconds=5)
    ]

    found = site.as_("ada").get(f"/api/v1/users/{grace}/next-shift").json()

    assert found["user"]["email"] == "grace@example.com"
    assert parse_time(found["start"]) > now
    assert found["start"] == starting[0]["start"]
    assert found["schedule"] == starting[0]["schedule"]


def test_someone_on_no_schedule_has_no_next_shift(site: Site) -> None:
    answer = site.as_("ada").get(f"/api/v1/users/{site.users['olive']}/next-shift")

    assert answer.status_code == 200
    assert answer.json() is None


@pytest.mark.parametrize("path", ["/users/999999/shifts", "/users/999999/next-shift"])
def test_an_unknown_user_is_not_found(site: Site, path: str) -> None:
    answer = site.as_("ada").get(f"/api/v1{path}")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "no user 999999"}


def _past_window() -> dict[str, str]:
    now = datetime.now(UTC)
    return _window(now - 10 * DAY, now - 7 * DAY)


def test_the_fairness_report_counts_each_persons_hours(site: Site) -> None:
    query = {"schedule": str(site.schedules["Feed"]), **_past_window()}

    body = site.as_("ada").get("/api/v1/reports/fairness", params=query).json()

    rows = body["data"]
    assert body["count"] == 3
    assert {r["email"] for r in rows} == {f"{w}@example.com" for w in ("ada", "grace", "linus")}
    assert {r["schedule"] for r in rows} == {"Feed"}
    assert sum(r["hours_on_call"] for r in rows) == pytest.approx(72, abs=0.05)
    assert {r["pages"] for r in rows} == {0}
    assert all(0 <= r["balance"] <= 100 for r in rows)
    assert parse_time(rows[0]["to"]) - parse_time(rows[0]["from"]) == 3 * DAY


def test_the_fairness_report_downloads_as_csv_with_the_same_rows(site: Site) -> None:
    query = {"schedule": str(site.schedules["Feed"]), **_past_window()}
    client = site.as_("ada")

    answer = client.get("/api/v1/reports/fairness.csv", params=query)
    rows = client.get("/api/v1/reports/fairness", params=query).json()["data"]

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    lines = answer.text.splitlines()
    assert lines[0] == (
        "schedule,from,to,email,name,timezone,hours_on_call,off_hours_hours,night_hours,"
        "weekend_hours,pages,night_pages,acknowledged,median_seconds_to_ack,hours_balance,"
        "off_hours_balance,pages_balance,balance"
    )
    parsed = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["email"], float(r["hours_on_call"])) for r in parsed] == [
        (r["email"], r["hours_on_call"]) for r in rows
    ]
    assert {r["median_seconds_to_ack"] for r in parsed} == {""}


def test_the_fairness_report_without_a_schedule_covers_every_schedule(site: Site) -> None:
    rows = site.as_("ada").get("/api/v1/reports/fairness").json()["data"]

    assert {r["schedule"] for r in rows} == set(site.schedules)
    assert parse_time(rows[0]["to"]) - parse_time(rows[0]["from"]) == 28 * DAY


def test_the_fairness_report_of_an_unknown_schedule_is_not_found(site: Site) -> None:
    for path in ("/api/v1/reports/fairness", "/api/v1/reports/fairness.csv"):
        answer = site.as_("ada").get(path, params={"schedule": "999999"})
        assert answer.status_code == 404
        assert answer.json() == {"detail": "no schedule with id 999999"}


ROUTES = [
    ("GET", "/api/v1/schedules/1/shifts"),
    ("GET", "/api/v1/schedules/1/timeline"),
    ("GET", "/api/v1/schedules/1/check"),
    ("GET", "/api/v1/schedule-checks"),
    ("GET", "/api/v1/schedules/1/events"),
    ("GET", "/api/v1/schedules/1/overrides"),
    ("POST", "/api/v1/schedules/1/overrides"),
    ("DELETE", "/api/v1/overrides/1"),
    ("GET", "/api/v1/schedules/1/trades"),
    ("POST", "/api/v1/schedules/1/trades"),
    ("POST", "/api/v1/trades/1/accept"),
    ("POST", "/api/v1/trades/1/decline"),
    ("POST", "/api/v1/trades/1/cancel"),
    ("GET", "/api/v1/absences"),
    ("POST", "/api/v1/absences"),
    ("DELETE", "/api/v1/absences/1"),
    ("POST", "/api/v1/schedules/1/invitations"),
    ("POST", "/api/v1/schedules/1/opt-in"),
    ("POST", "/api/v1/schedules/1/decline"),
    ("POST", "/api/v1/schedules/1/consents"),
    ("GET", "/api/v1/users/1/shifts"),
    ("GET", "/api/v1/users/1/next-shift"),
    ("GET", "/api/v1/reports/fairness"),
    ("GET", "/api/v1/reports/fairness.csv"),
    ("GET", "/api/v1/users/1/calendar"),
    ("POST", "/api/v1/users/1/calendar/reset"),
    ("GET", "/api/v1/schedules/1/calendar"),
    ("POST", "/api/v1/schedules/1/calendar/reset"),
]


def test_every_schedule_route_refuses_a_missing_or_wrong_token(site: Site) -> None:
    wrong = {"Authorization": "Bearer odk_wrong"}
    answers = {
        (method, path): (
            site.anonymous.request(method, path).status_code,
            site.anonymous.request(method, path, headers=wrong).status_code,
        )
        for method, path in ROUTES
    }

    assert answers == dict.fromkeys(ROUTES, (401, 401))


def test_every_schedule_route_is_described_in_the_openapi_document(site: Site) -> None:
    paths = httpx.get(f"{site.server.url}/openapi.json").json()["paths"]

    for method, path in ROUTES:
        documented = path.replace("/schedules/1", "/schedules/{schedule_id}")
        for name, placeholder in (
            ("users", "user_id"),
            ("overrides", "override_id"),
            ("trades", "trade_id"),
            ("absences", "absence_id"),
        ):
            documented = documented.replace(f"/{name}/1", f"/{name}/{{{placeholder}}}")
        operation = paths[documented][method.lower()]
        assert operation.get("description"), documented
        assert "schedules" in operation["tags"] or "reports" in operation["tags"]
