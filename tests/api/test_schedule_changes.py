"""Changing who is on call over the API: overrides, trades, absences and opting in, who may
do each, and the answers to bad requests (which change nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.support import Site, iso, parse_time

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _shifts(site: Site, schedule: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    answer = site.as_("ada").get(
        f"/api/v1/schedules/{site.schedules[schedule]}/shifts",
        params={"from": iso(start), "to": iso(end)},
    )
    assert answer.status_code == 200, answer.text
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


def _layer_shift_of(site: Site, schedule: str, who: str, after: datetime) -> dict[str, Any]:
    """The first whole turn of ``who`` in the rotation that starts after ``after``."""
    for shift in _shifts(site, schedule, after, after + 10 * DAY):
        if (
            shift["user"]["email"] == f"{who}@example.com"
            and shift["source"]["kind"] == "layer"
            and parse_time(shift["start"]) > after
        ):
            return shift
    raise AssertionError(f"{who} has no turn in {schedule} in the ten days after {after}")


# --- overrides ------------------------------------------------------------------------


def test_an_override_puts_someone_on_call_above_the_rotation(site: Site) -> None:
    schedule = site.schedules["Changes"]
    start = datetime.now(UTC) + 2 * DAY
    end = start + 3 * HOUR

    made = site.as_("grace").post(
        f"/api/v1/schedules/{schedule}/overrides",
        json={"user": "sam@example.com", "start": iso(start), "end": iso(end), "note": "cover"},
    )

    assert made.status_code == 201, made.text
    override = made.json()
    assert override["user"]["email"] == "sam@example.com"
    assert override["user"]["name"] == "Sam Rivers"
    assert override["created_by"] == "grace@example.com"
    assert override["note"] == "cover"
    [shift] = _shifts(site, "Changes", start, end)
    assert shift["user"]["email"] == "sam@example.com"
    assert shift["source"]["kind"] == "override"
    assert shift["source"]["override_id"] == override["id"]
    listed = site.as_("olive").get(
        f"/api/v1/schedules/{schedule}/overrides",
        params={"from": iso(start), "to": iso(end)},
    )
    assert listed.json() == {"data": [override], "count": 1}
    events = site.as_("olive").get(f"/api/v1/schedules/{schedule}/events").json()["data"]
    assert events[0]["kind"] == "override_added"
    assert "Grace Hopper put Sam Rivers on call" in events[0]["message"]
    assert events[0]["actor"] == "grace@example.com"


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"user": "nobody@example.com"}, 404, "no user with email 'nobody@example.com'"),
        ({"start": -3 * HOUR, "end": -HOUR}, 422, "the override is already over"),
        ({"start": 3 * HOUR, "end": HOUR}, 422, "the override must end after it starts"),
        (
            {"start": HOUR, "end": 400 * DAY},
            422,
            "an override lasts at most a year; change the rotation instead",
        ),
        ({"note": "x" * 501}, 422, "the note is 501 characters long; at most 500 fit"),
    ],
)
def test_a_bad_override_is_refused_with_the_reason_and_changes_nothing(
    site: Site, change: dict[str, Any], status: int, detail: str
) -> None:
    now = datetime.now(UTC)
    body: dict[str, Any] = {"user": "sam@example.com", "start": HOUR, "end": 2 * HOUR} | change
    for key in ("start", "end"):
        body[key] = iso(now + body[key])
    url = f"/api/v1/schedules/{site.schedules['Changes']}/overrides"
    everything = {"from": iso(now - DAY), "to": iso(now + 399 * DAY)}
    before = site.as_("ada").get(url, params=everything).json()

    answer = site.as_("ada").post(url, json=body)

    assert answer.status_code == status
    assert answer.json() == {"detail": detail}
    assert site.as_("ada").get(url, params=everything).json() == before


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"start": "2030-01-01T09:00:00"}, ["body", "start"]),
        ({"colour": "red"}, ["body", "colour"]),
        ({"user": None}, ["body", "user"]),
    ],
)
def test_an_override_body_that_does_not_parse_says_where(
    site: Site, body: dict[str, Any], where: list[str]
) -> None:
    full = {"user": "sam@example.com", "start": "2030-01-01T09:00:00Z"} | body
    full.setdefault("end", "2030-01-01T10:00:00Z")

    answer = site.as_("ada").post(
        f"/api/v1/schedules/{site.schedules['Changes']}/overrides", json=full
    )

    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [where]


def test_an_observer_cannot_change_a_schedule(site: Site) -> None:
    start = datetime.now(UTC) + DAY

    answer = site.as_("olive").post(
        f"/api/v1/schedules/{site.schedules['Changes']}/overrides",
        json={"user": "olive@example.com", "start": iso(start), "end": iso(start + HOUR)},
    )

    assert answer.status_code == 403
    assert answer.json() == {"detail": "observers can look but not change schedules"}


def test_an_override_on_an_unknown_schedule_is_not_found(site: Site) -> None:
    start = datetime.now(UTC) + DAY

    answer = site.as_("ada").post(
        "/api/v1/schedules/999999/overrides",
        json={"user": "sam@example.com", "start": iso(start), "end": iso(start + HOUR)},
    )

    assert answer.status_code == 404
    assert answer.json() == {"detail": "no schedule with id 999999"}


def _override(site: Site, who: str, start: datetime, end: datetime) -> dict[str, Any]:
    made = site.as_(who).post(
        f"/api/v1/schedules/{site.schedules['Changes']}/overrides",
        json={"user": f"{who}@example.com", "start": iso(start), "end": iso(end)},
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def test_removing_an_override_that_has_not_begun_deletes_it(site: Site) -> None:
    start = datetime.now(UTC) + 5 * DAY
    override = _override(site, "linus", start, start + HOUR)

    answer = site.as_("linus").delete(f"/api/v1/overrides/{override['id']}")

    assert answer.status_code == 204
    assert answer.content == b""
    shift = _shifts(site, "Changes", start, start + HOUR)[0]
    assert shift["source"]["kind"] == "layer"


def test_removing_an_override_under_way_ends_it_now(site: Site) -> None:
    now = datetime.now(UTC)
    override = _override(site, "linus", now - HOUR, now + 2 * HOUR)

    answer = site.as_("ada").delete(f"/api/v1/overrides/{override['id']}")

    assert answer.status_code == 200
    shortened = answer.json()
    assert shortened["start"] == override["start"]
    assert now <= parse_time(shortened["end"]) <= datetime.now(UTC)
    assert shortened["user"]["email"] == "linus@example.com"
    again = site.as_("ada").delete(f"/api/v1/overrides/{shortened['id']}")
    assert again.status_code == 422
    assert again.json() == {"detail": "this override is over; it stays as history"}


def test_only_its_maker_its_person_or_an_admin_may_remove_an_override(site: Site) -> None:
    start = datetime.now(UTC) + 6 * DAY
    override = _override(site, "linus", start, start + HOUR)

    answer = site.as_("grace").delete(f"/api/v1/overrides/{override['id']}")

    assert answer.status_code == 403
    assert answer.json() == {
        "detail": "only whoever made the override, the person on it or an admin can remove it"
    }
    missing = site.as_("ada").delete("/api/v1/overrides/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no override 999999"}


# --- trades ---------------------------------------------------------------------------


def _trade(site: Site, who: str, **body: Any) -> dict[str, Any]:
    made = site.as_(who).post(f"/api/v1/schedules/{site.schedules['Changes']}/trades", json=body)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def test_an_accepted_cover_puts_the_colleague_on_call_for_the_window(site: Site) -> None:
    turn = _layer_shift_of(site, "Changes", "grace", datetime.now(UTC) + 8 * DAY)
    start, end = parse_time(turn["start"]), parse_time(turn["end"])
    trade = _trade(
        site,
        "grace",
        kind="cover",
        start=turn["start"],
        end=turn["end"],
        colleague="linus@example.com",
        note="school play",
    )
    assert trade["status"] == "pending"
    assert trade["requester"]["email"] == "grace@example.com"
    assert trade["colleague"]["email"] == "linus@example.com"
    assert _shifts(site, "Changes", start, end)[0]["user"]["email"] == "grace@example.com"

    wrong = site.as_("ada").post(f"/api/v1/trades/{trade['id']}/accept")
    accepted = site.as_("linus").post(f"/api/v1/trades/{trade['id']}/accept")

    assert wrong.status_code == 422
    assert wrong.json() == {"detail": "this trade was not asked of you"}
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["answered_by"]["email"] == "linus@example.com"
    [shift] = _shifts(site, "Changes", start, end)
    assert shift["user"]["email"] == "linus@example.com"
    assert shift["source"]["kind"] == "trade"
    assert shift["source"]["trade_id"] == trade["id"]
    listed = site.as_("olive").get(f"/api/v1/schedules/{site.schedules['Changes']}/trades")
    assert listed.json()["data"][0]["id"] >= trade["id"]
    assert trade["id"] in {t["id"] for t in listed.json()["data"]}


def test_a_declined_trade_changes_nothing(site: Site) -> None:
    turn = _layer_shift_of(site, "Changes", "grace", datetime.now(UTC) + 3 * DAY)
    trade = _trade(
        site,
        "grace",
        kind="cover",
        start=turn["start"],
        end=turn["end"],
        colleague="linus@example.com",
    )

    by_other = site.as_("ada").post(f"/api/v1/trades/{trade['id']}/decline")
    declined = site.as_("linus").post(f"/api/v1/trades/{trade['id']}/decline")

    assert by_other.status_code == 403
    assert by_other.json() == {"detail": "only the colleague a trade names can decline it"}
    assert declined.json()["status"] == "declined"
    window = (parse_time(turn["start"]), parse_time(turn["end"]))
    assert _shifts(site, "Changes", *window)[0]["user"]["email"] == "grace@example.com"
    too_late = site.as_("linus").post(f"/api/v1/trades/{trade['id']}/accept")
    assert too_late.status_code == 422
    assert too_late.json() == {"detail": "this trade is declined, not pending"}


def test_a_pending_trade_can_be_withdrawn_only_by_whoever_asked_or_an_admin(site: Site) -> None:
    turn = _layer_shift_of(site, "Changes", "ada", datetime.now(UTC) + DAY)
    trade = _trade(site, "ada", kind="cover", start=turn["start"], end=turn["end"])
    assert trade["colleague"] is None

    by_other = site.as_("linus").post(f"/api/v1/trades/{trade['id']}/cancel")
    cancelled = site.as_("ada").post(f"/api/v1/trades/{trade['id']}/cancel")
    again = site.as_("ada").post(f"/api/v1/trades/{trade['id']}/cancel")

    assert by_other.status_code == 403
    assert by_other.json() == {
        "detail": "only whoever asked for the trade or an admin can cancel it"
    }
    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 422
    assert again.json() == {"detail": "this trade is cancelled, not pending"}


def test_a_trade_for_a_window_you_are_not_on_call_in_is_refused(site: Site) -> None:
    turn = _layer_shift_of(site, "Changes", "ada", datetime.now(UTC) + DAY)
    url = f"/api/v1/schedules/{site.schedules['Changes']}/trades"
    before = site.as_("grace").get(url).json()

    answer = site.as_("grace").post(
        url,
        json={
            "kind": "cover",
            "start": turn["start"],
            "end": turn["end"],
            "colleague": "linus@example.com",
        },
    )

    assert answer.status_code == 422
    assert answer.json() == {"detail": "you are not on call at any time in that window"}
    assert site.as_("grace").get(url).json() == before


def test_a_swap_needs_a_colleague_and_their_window(site: Site) -> None:
    turn = _layer_shift_of(site, "Changes", "grace", datetime.now(UTC) + DAY)

    answer = site.as_("grace").post(
        f"/api/v1/schedules/{site.schedules['Changes']}/trades",
        json={"kind": "swap", "start": turn["start"], "end": turn["end"]},
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "a swap needs a named colleague; "
        "a swap needs the colleague's window you take in return"
    }


def test_a_swap_accepted_trades_both_windows(site: Site) -> None:
    mine = _layer_shift_of(site, "Changes", "linus", datetime.now(UTC) + 12 * DAY)
    theirs = _layer_shift_of(site, "Changes", "ada", parse_time(mine["end"]))
    trade = _trade(
        site,
        "linus",
        kind="swap",
        start=mine["start"],
        end=mine["end"],
        colleague="ada@example.com",
        swap_start=theirs["start"],
        swap_end=theirs["end"],
    )

    site.as_("ada").post(f"/api/v1/trades/{trade['id']}/accept").raise_for_status()

    first = _shifts(site, "Changes", parse_time(mine["start"]), parse_time(mine["end"]))
    second = _shifts(site, "Changes", parse_time(theirs["start"]), parse_time(theirs["end"]))
    assert [s["user"]["email"] for s in first] == ["ada@example.com"]
    assert [s["user"]["email"] for s in second] == ["linus@example.com"]
    assert {s["source"]["trade_id"] for s in first + second} == {trade["id"]}


def test_an_unknown_trade_is_not_found(site: Site) -> None:
    for action in ("accept", "decline", "cancel"):
        answer = site.as_("ada").post(f"/api/v1/trades/999999/{action}")
        assert answer.status_code == 404
        assert answer.json() == {"detail": "no trade 999999"}


# --- absences -------------------------------------------------------------------------


def _absences(site: Site, who: str, **query: str) -> list[dict[str, Any]]:
    answer = site.as_(who).get("/api/v1/absences", params=query)
    assert answer.status_code == 200, answer.text
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


def test_an_exemption_hands_the_turns_to_a_stand_in_and_its_reason_stays_private(
    site: Site,
) -> None:
    start = datetime.now(UTC) + DAY
    end = start + 4 * DAY
    made = site.as_("grace").post(
        "/api/v1/absences",
        json={
            "user": "grace@example.com",
            "start": iso(start),
            "end": iso(end),
            "reason": "dentist",
            "schedule": site.schedules["Away"],
        },
    )
    assert made.status_code == 201, made.text
    absence = made.json()
    assert (absence["kind"], absence["reason"]) == ("exempt", "dentist")
    assert absence["schedule_id"] == site.schedules["Away"]

    reasons = {
        who: {a["id"]: a["reason"] for a in _absences(site, who, user="grace@example.com")}
        for who in ("grace", "ada", "linus", "olive")
    }

    assert reasons["grace"][absence["id"]] == reasons["ada"][absence["id"]] == "dentist"
    assert reasons["linus"][absence["id"]] == reasons["olive"][absence["id"]] == ""
    by_schedule = _absences(site, "linus", schedule=str(site.schedules["Away"]))
    assert [(a["id"], a["reason"]) for a in by_schedule] == [(absence["id"], "")]
    during = _shifts(site, "Away", start, end)
    assert "grace@example.com" not in {s["user"]["email"] for s in during}
    stand_ins = [s for s in during if s["source"]["kind"] == "stand_in"]
    assert stand_ins
    assert {s["source"]["standing_in_for"]["email"] for s in stand_ins} == {"grace@example.com"}
    events = site.as_("ada").get(f"/api/v1/schedules/{site.schedules['Away']}/events").json()
    assert events["data"][0]["kind"] == "absence_added"
    assert "dentist" not in str(events)


def test_only_the_person_or_an_admin_may_mark_someone_away_or_take_it_back(site: Site) -> None:
    start = datetime.now(UTC) + 30 * DAY
    body = {"user": "sam@example.com", "start": iso(start), "end": iso(start + DAY)}

    refused = site.as_("linus").post("/api/v1/absences", json=body)
    made = site.as_("ada").post("/api/v1/absences", json=body | {"reason": "training"})
    not_theirs = site.as_("linus").delete(f"/api/v1/absences/{made.json()['id']}")
    removed = site.as_("sam").delete(f"/api/v1/absences/{made.json()['id']}")

    assert refused.status_code == 403
    assert refused.json() == {"detail": "only an admin can mark someone else away"}
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["schedule_id"]) == ("leave", None)
    assert not_theirs.status_code == 403
    assert not_theirs.json() == {"detail": "only an admin can change someone else's absence"}
    assert removed.status_code == 204
    assert made.json()["id"] not in {a["id"] for a in _absences(site, "ada")}
    gone = site.as_("ada").delete(f"/api/v1/absences/{made.json()['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"no absence {made.json()['id']}"}


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        (
            {"end": None},
            422,
            "leave from every schedule needs an end; exempt them from one schedule to leave "
            "it open",
        ),
        ({"schedule": "Away", "layer": "Nope"}, 422, "no layer named 'Nope' in schedule 'Away'"),
        ({"user": "nobody@example.com"}, 404, "no user with email 'nobody@example.com'"),
        ({"schedule": 999999}, 404, "no schedule with id 999999"),
        ({"end": -DAY}, 422, "the absence is already over"),
    ],
)
def test_a_bad_absence_is_refused_with_the_reason_and_changes_nothing(
    site: Site, change: dict[str, Any], status: int, detail: str
) -> None:
    now = datetime.now(UTC)
    body: dict[str, Any] = {"user": "sam@example.com", "start": iso(now + DAY)}
    body["end"] = iso(now + 2 * DAY)
    for key, value in change.items():
        if isinstance(value, timedelta):
            body[key] = iso(now + value)
            body["start"] = iso(now - 2 * DAY)
        elif key == "schedule" and value == "Away":
            body[key] = site.schedules["Away"]
        else:
            body[key] = value
    before = _absences(site, "ada")

    answer = site.as_("ada").post("/api/v1/absences", json=body)

    assert answer.status_code == status
    assert answer.json() == {"detail": detail}
    assert _absences(site, "ada") == before


def test_absences_of_an_unknown_person_are_not_found(site: Site) -> None:
    answer = site.as_("ada").get("/api/v1/absences", params={"user": "nobody@example.com"})

    assert answer.status_code == 404
    assert answer.json() == {"detail": "no user with email 'nobody@example.com'"}


# --- opting in ------------------------------------------------------------------------


def test_an_invited_person_joins_the_rotation_only_when_they_opt_in(site: Site) -> None:
    schedule = site.schedules["Opt-in"]
    url = f"/api/v1/schedules/{schedule}"

    def layer() -> dict[str, Any]:
        found: dict[str, Any] = site.as_("ada").get(f"{url}/timeline").json()["layers"][0]
        return found

    events_before = site.as_("ada").get(f"{url}/events").json()["count"]

    by_user = site.as_("grace").post(
        f"{url}/invitations", json={"user": "sam@example.com", "layer": "Main"}
    )
    invited = site.as_("ada").post(
        f"{url}/invitations", json={"user": "sam@example.com", "layer": "Main"}
    )
    waiting = layer()
    declined = site.as_("sam").post(f"{url}/decline")
    declining = layer()
    joined = site.as_("sam").post(f"{url}/opt-in")
    after = layer()

    assert by_user.status_code == 403
    assert by_user.json() == {"detail": "only an admin can invite people to a rotation"}
    assert invited.status_code == 201
    assert invited.json() == {"schedule": "Opt-in", "user": "sam@example.com", "state": "invited"}
    assert "sam@example.com" not in [p["email"] for p in waiting["participants"]]
    assert [(w["user"]["email"], w["state"]) for w in waiting["waiting"]] == [
        ("sam@example.com", "invited")
    ]
    assert declined.json()["state"] == "declined"
    assert [(w["user"]["email"], w["state"]) for w in declining["waiting"]] == [
        ("sam@example.com", "declined")
    ]
    assert joined.json()["state"] == "consented"
    assert [p["email"] for p in after["participants"]][-1] == "sam@example.com"
    assert "sam@example.com" not in [w["user"]["email"] for w in after["waiting"]]
    events = site.as_("ada").get(f"{url}/events").json()
    added = events["count"] - events_before
    assert [e["kind"] for e in events["data"][:added]] == ["opted_in", "declined", "invited"]


def test_an_admin_records_consent_given_elsewhere_with_how_it_was_given(site: Site) -> None:
    url = f"/api/v1/schedules/{site.schedules['Opt-in']}"
    not_listed = site.as_("ada").post(
        f"{url}/consents", json={"user": "linus@example.com", "note": "said yes"}
    )
    site.as_("ada").post(
        f"{url}/invitations", json={"user": "linus@example.com", "layer": "Main"}
    ).raise_for_status()

    without_note = site.as_("ada").post(
        f"{url}/consents", json={"user": "linus@example.com", "note": " "}
    )
    by_user = site.as_("grace").post(
        f"{url}/consents", json={"user": "linus@example.com", "note": "said yes"}
    )
    recorded = site.as_("ada").post(
        f"{url}/consents", json={"user": "linus@example.com", "note": "agreed in our 1:1"}
    )

    assert not_listed.status_code == 422
    assert not_listed.json() == {
        "detail": "Linus Torvalds is not listed in any layer of 'Opt-in'; invite them first"
    }
    assert without_note.status_code == 422
    assert without_note.json() == {
        "detail": "say how they agreed (a note like 'agreed in our 1:1 on 20 Nov')"
    }
    assert by_user.status_code == 403
    assert by_user.json() == {"detail": "only an admin can record someone's consent"}
    assert recorded.status_code == 201
    assert recorded.json()["state"] == "consented"
    layer = site.as_("ada").get(f"{url}/timeline").json()["layers"][0]
    assert "linus@example.com" in [p["email"] for p in layer["participants"]]
    event = site.as_("ada").get(f"{url}/events").json()["data"][0]
    assert event["kind"] == "consent_recorded"
    assert "agreed in our 1:1" in event["message"]


def test_opting_in_needs_an_invitation_and_a_layer_that_exists(site: Site) -> None:
    url = f"/api/v1/schedules/{site.schedules['Opt-in']}"

    uninvited = site.as_("olive").post(f"{url}/opt-in")
    unknown_layer = site.as_("ada").post(
        f"{url}/invitations", json={"user": "sam@example.com", "layer": "Nope"}
    )
    not_listed = site.as_("grace").post(f"{url}/opt-in")

    assert uninvited.status_code == 403
    assert uninvited.json() == {"detail": "observers can look but not change schedules"}
    assert unknown_layer.status_code == 404
    assert unknown_layer.json() == {"detail": "no layer named 'Nope' in schedule 'Opt-in'"}
    assert not_listed.status_code == 422
    assert not_listed.json() == {
        "detail": "you are not listed in any layer of 'Opt-in'; ask an admin to invite you"
    }
