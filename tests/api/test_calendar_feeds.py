"""Calendar feeds as a calendar app sees them: a secret link, an iCalendar document whose
events are the schedule's shifts, UIDs that never change under the app, and links that
stop working when reset."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar, Event

from ondeck.domain.schedules import Layer, Override, Schedule, shifts
from tests.api.support import Site, iso, parse_time

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
FEED_WINDOW = 104 * DAY
"""Two weeks back and ninety days ahead."""


def _link(site: Site, who: str, path: str) -> dict[str, str]:
    answer = site.as_(who).get(f"/api/v1/{path}/calendar")
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


def _fetch(url: str) -> httpx.Response:
    """The feed as a calendar app asks for it: no API token, only the link."""
    return httpx.get(url, timeout=10)


def _events(url: str) -> tuple[Calendar, list[Event]]:
    answer = _fetch(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(answer.content)
    events = [e for e in calendar.walk("VEVENT") if isinstance(e, Event)]
    return calendar, events


def _span(event: Event) -> tuple[str, datetime, datetime]:
    email = str(event["ATTENDEE"]).removeprefix("mailto:")
    return email, event.decoded("DTSTART"), event.decoded("DTEND")


def _feed_schedule(site: Site) -> Schedule:
    """The Feed schedule as the domain computes it, from data the test controls: the layer
    in the organisation file and the overrides (trades' included) made over the API."""
    feed = site.schedules["Feed"]
    view = site.as_("ada").get(f"/api/v1/schedules/{feed}/timeline").json()
    [layer] = view["layers"]
    now = datetime.now(UTC)
    overrides = site.as_("ada").get(
        f"/api/v1/schedules/{feed}/overrides",
        params={"from": iso(now - 20 * DAY), "to": iso(now + 100 * DAY)},
    )
    return Schedule(
        name="Feed",
        timezone="UTC",
        layers=(
            Layer(
                name="Days",
                start=datetime.fromisoformat(layer["start"]),
                turn=timedelta(seconds=layer["rotation_seconds"]),
                participants=tuple(p["id"] for p in layer["participants"]),
            ),
        ),
        overrides=tuple(
            Override(
                o["id"],
                o["user"]["id"],
                parse_time(o["start"]),
                parse_time(o["end"]),
                trade=o["trade_id"],
            )
            for o in overrides.json()["data"]
        ),
    )


def _override_and_trade(site: Site) -> tuple[dict[str, Any], dict[str, Any]]:
    """An override for Grace at a fixed hour three days ahead, and Linus's next turn after
    five days covered by Ada in an accepted trade (made once per server)."""
    feed = site.schedules["Feed"]
    overrides = site.as_("ada").get(f"/api/v1/schedules/{feed}/overrides").json()["data"]
    trades = site.as_("ada").get(f"/api/v1/schedules/{feed}/trades").json()["data"]
    if trades:
        return next(o for o in overrides if o["trade_id"] is None), trades[0]
    now = datetime.now(UTC)
    fixed = (now + 3 * DAY).replace(minute=0, second=0, microsecond=0)
    override = site.as_("sam").post(
        f"/api/v1/schedules/{feed}/overrides",
        json={"user": "grace@example.com", "start": iso(fixed), "end": iso(fixed + 4 * HOUR)},
    )
    assert override.status_code == 201, override.text
    turns = (
        site.as_("ada")
        .get(
            f"/api/v1/schedules/{feed}/shifts",
            params={"from": iso(now + 5 * DAY), "to": iso(now + 9 * DAY)},
        )
        .json()["data"]
    )
    turn = next(
        s
        for s in turns
        if s["user"]["email"] == "linus@example.com" and parse_time(s["start"]) > now + 5 * DAY
    )
    start = parse_time(turn["start"])
    trade = site.as_("linus").post(
        f"/api/v1/schedules/{feed}/trades",
        json={
            "kind": "cover",
            "start": iso(start),
            "end": iso(start + 6 * HOUR),
            "colleague": "ada@example.com",
        },
    )
    assert trade.status_code == 201, trade.text
    accepted = site.as_("ada").post(f"/api/v1/trades/{trade.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    return override.json(), accepted.json()


def test_a_schedule_feed_has_one_event_per_shift_of_the_final_timeline(site: Site) -> None:
    override, trade = _override_and_trade(site)
    link = _link(site, "olive", f"schedules/{site.schedules['Feed']}")
    before = datetime.now(UTC)

    calendar, events = _events(link["url"])

    after = datetime.now(UTC)
    spans = sorted(_span(e) for e in events)
    first = min(start for _, start, _ in spans)
    last = max(end for _, _, end in spans)
    assert last - first == FEED_WINDOW
    assert before - 14 * DAY - timedelta(seconds=1) <= first <= after - 14 * DAY
    emails = {uid: f"{who}@example.com" for who, uid in site.users.items()}
    expected = sorted(
        (emails[s.user], s.start, s.end) for s in shifts(_feed_schedule(site), first, last)
    )
    assert spans == expected
    grace_override = (
        "grace@example.com",
        parse_time(override["start"]),
        parse_time(override["end"]),
    )
    assert grace_override in spans
    assert (
        "ada@example.com",
        parse_time(trade["start"]),
        parse_time(trade["start"]) + 6 * HOUR,
    ) in spans


def test_a_feed_speaks_the_format_calendar_apps_and_pagerduty_tools_expect(site: Site) -> None:
    override, trade = _override_and_trade(site)
    feed = site.schedules["Feed"]
    link = _link(site, "ada", f"schedules/{feed}")

    calendar, events = _events(link["url"])

    assert str(calendar["PRODID"]).startswith("-//ondeck//")
    assert str(calendar["PRODID"]).endswith("//EN")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "On call: Feed"
    names = {"ada": "Ada Lovelace", "grace": "Grace Hopper", "linus": "Linus Torvalds"}
    for event in events:
        email, start, end = _span(event)
        assert str(event["SUMMARY"]) == f"On Call - {names[email.split('@')[0]]} - Feed"
        assert str(event["URL"]) == f"{site.server.url}/schedules/{feed}"
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert start.utcoffset() == end.utcoffset() == timedelta(0)
        assert str(event["UID"]).endswith("@ondeck")
    by_start = {event.decoded("DTSTART"): str(event["DESCRIPTION"]) for event in events}
    assert by_start[parse_time(override["start"])] == f"Feed: override #{override['id']}"
    assert by_start[parse_time(trade["start"])] == f"Feed: trade #{trade['id']}"
    assert by_start[max(by_start)] == "Feed: rotation layer Days"
    assert b"TZID" not in _fetch(link["url"]).content  # UTC times only


def test_event_uids_stay_the_same_across_refreshes_as_the_window_moves(site: Site) -> None:
    override, _ = _override_and_trade(site)
    url = _link(site, "ada", f"schedules/{site.schedules['Feed']}")["url"]

    _, first = _events(url)
    time.sleep(1.1)
    _, second = _events(url)

    assert first[0].decoded("DTSTART") < second[0].decoded("DTSTART")  # the window moved
    uids = [str(e["UID"]) for e in first]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["UID"]) for e in second]
    fixed = parse_time(override["end"])
    assert [str(e["UID"]) for e in first if e.decoded("DTEND") == fixed] == [
        str(e["UID"]) for e in second if e.decoded("DTEND") == fixed
    ]


def test_a_persons_feed_has_their_shifts_on_every_schedule(site: Site) -> None:
    _override_and_trade(site)
    link = _link(site, "grace", f"users/{site.users['grace']}")
    before = datetime.now(UTC)

    calendar, events = _events(link["url"])

    after = datetime.now(UTC)
    assert str(calendar["X-WR-CALNAME"]) == "On call: Grace Hopper"
    assert {str(e["ATTENDEE"]) for e in events} == {"mailto:grace@example.com"}
    schedules = {str(e["SUMMARY"]).removeprefix("On Call - Grace Hopper - ") for e in events}
    assert schedules == {"Feed", "Changes", "Away", "Nights"}
    lo, hi = after - 14 * DAY, before + 90 * DAY
    in_feed = sorted(
        (start, end)
        for event in events
        if str(event["SUMMARY"]).endswith(" - Feed")
        for _, start, end in [_span(event)]
        if lo <= start and end <= hi
    )
    expected = [
        (s.start, s.end)
        for s in shifts(_feed_schedule(site), before - 14 * DAY, after + 90 * DAY)
        if s.user == site.users["grace"] and lo <= s.start and s.end <= hi
    ]
    assert in_feed == expected
    assert len(expected) > 30


def test_the_link_is_a_url_and_a_webcal_address_of_the_same_feed(site: Site) -> None:
    link = _link(site, "grace", f"users/{site.users['grace']}")

    prefix = f"{site.server.url}/calendars/users/{site.users['grace']}.ics?token="
    assert link["url"].startswith(prefix)
    assert len(link["url"]) > len(prefix) + 30
    assert link["webcal"] == "webcal://" + link["url"].removeprefix("http://")


def test_only_an_admin_reads_someone_elses_calendar_link_and_unknown_owners_are_not_found(
    site: Site,
) -> None:
    grace = site.users["grace"]

    by_linus = site.as_("linus").get(f"/api/v1/users/{grace}/calendar")
    by_ada = site.as_("ada").get(f"/api/v1/users/{grace}/calendar")
    unknown = site.as_("ada").get("/api/v1/users/999999/calendar")
    no_schedule = site.as_("ada").get("/api/v1/schedules/999999/calendar")

    assert by_linus.status_code == 403
    assert by_linus.json() == {"detail": "only an admin can read someone else's calendar link"}
    assert by_ada.status_code == 200
    assert by_ada.json() == _link(site, "grace", f"users/{grace}")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no user 999999"}
    assert no_schedule.status_code == 404
    assert no_schedule.json() == {"detail": "no schedule 999999"}


def test_a_wrong_token_and_an_unknown_owner_get_the_same_not_found(site: Site) -> None:
    url = _link(site, "ada", f"schedules/{site.schedules['Feed']}")["url"]
    token = url.split("token=")[1]
    base = f"{site.server.url}/calendars"

    answers = [
        _fetch(url[:-4] + "abcd"),
        _fetch(url.split("?")[0]),
        _fetch(f"{base}/schedules/999999.ics?token={token}"),
        _fetch(f"{base}/users/999999.ics?token={token}"),
        _fetch(f"{base}/users/{site.users['ada']}.ics?token={token}"),
        _fetch(f"{base}/schedules/feed.ics?token={token}"),
    ]

    assert {(a.status_code, a.text) for a in answers} == {(404, "no such calendar feed")}


def test_resetting_a_link_stops_the_old_one_at_once(site: Site) -> None:
    sam = site.users["sam"]
    old = _link(site, "sam", f"users/{sam}")["url"]
    assert _fetch(old).status_code == 200

    reset = site.as_("sam").post(f"/api/v1/users/{sam}/calendar/reset")

    assert reset.status_code == 200
    new = reset.json()["url"]
    assert new != old
    assert (_fetch(old).status_code, _fetch(old).text) == (404, "no such calendar feed")
    assert _fetch(new).status_code == 200
    assert _link(site, "sam", f"users/{sam}")["url"] == new


def test_only_an_admin_resets_a_schedule_link_or_someone_elses(site: Site) -> None:
    feed = site.schedules["Nights"]
    old = _link(site, "linus", f"schedules/{feed}")["url"]

    by_linus = site.as_("linus").post(f"/api/v1/schedules/{feed}/calendar/reset")
    on_grace = site.as_("linus").post(f"/api/v1/users/{site.users['grace']}/calendar/reset")
    by_ada = site.as_("ada").post(f"/api/v1/schedules/{feed}/calendar/reset")

    detail = "only an admin can reset someone else's or a schedule's calendar link"
    assert (by_linus.status_code, by_linus.json()) == (403, {"detail": detail})
    assert (on_grace.status_code, on_grace.json()) == (403, {"detail": detail})
    assert by_ada.status_code == 200
    assert _fetch(old).status_code == 404
    assert _fetch(by_ada.json()["url"]).status_code == 200


def test_feed_tokens_never_reach_the_server_log(site: Site) -> None:
    url = _link(site, "linus", f"users/{site.users['linus']}")["url"]
    token = url.split("token=")[1]

    assert _fetch(url).status_code == 200
    assert _fetch(url[:-4] + "abcd").status_code == 404

    assert token not in site.server.log()
    assert token[:-4] not in site.server.log()


def test_a_stand_in_shift_says_whom_it_stands_in_for(site: Site) -> None:
    start = datetime.now(UTC) + 20 * DAY
    end = start + 14 * DAY
    away = site.as_("ada").post(
        "/api/v1/absences",
        json={
            "user": "linus@example.com",
            "start": iso(start),
            "end": iso(end),
            "reason": "conference",
            "schedule": site.schedules["Nights"],
        },
    )
    assert away.status_code == 201, away.text
    link = _link(site, "grace", f"schedules/{site.schedules['Nights']}")

    _, events = _events(link["url"])

    during = [e for e in events if start <= e.decoded("DTSTART") and e.decoded("DTEND") <= end]
    assert {str(e["ATTENDEE"]) for e in during} == {"mailto:grace@example.com"}
    descriptions = {str(e["DESCRIPTION"]) for e in during}
    assert "Nights: rotation layer Nights" in descriptions
    assert "Nights: standing in for Linus Torvalds (rotation layer Nights)" in descriptions
