"""The schedule page over HTTP against a real server, on SQLite and PostgreSQL: the timeline,
the checks, and the forms that change who is on call, with who may use each."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import Server
from tests.ui.support import (
    BARBARA,
    EMAIL,
    GRACE,
    LINUS,
    MARGARET,
    OLGA,
    OTHERS,
    PASSWORD,
    SCHEDULE,
    TEAM_ORG,
    csrf_from,
    prepare,
    serving,
    set_passwords,
    sign_in,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def team(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = prepare(module_database_url, more=TEAM_ORG)
    set_passwords(module_database_url, OTHERS, GRACE, LINUS, OLGA, MARGARET)
    with serving(env, tmp_path_factory) as server:
        yield server


@contextmanager
def signed_in(site: Server, email: str = EMAIL) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        response = sign_in(client, email, PASSWORD if email == EMAIL else OTHERS)
        assert response.status_code == 303, response.text
        yield client


def schedule_path(client: httpx.Client) -> str:
    listing = client.get("/schedules").text
    found = re.search(r'<a href="(/schedules/\d+)">' + SCHEDULE + "</a>", listing)
    assert found is not None, "the schedule list does not link to the schedule's page"
    return found.group(1)


def wall(days: int, clock: str) -> str:
    """A ``datetime-local`` value ``days`` from today in London."""
    day = datetime.now(LONDON).date() + timedelta(days=days)
    return f"{day.isoformat()}T{clock}"


def post(client: httpx.Client, path: str, action: str, **fields: str) -> httpx.Response:
    """Submit one of the page's forms as a browser would, token and all."""
    token = csrf_from(client.get(path).text)
    return client.post(path + action, data={"csrf_token": token, "back": path, **fields})


def changes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<span class="message">([^<]*)</span>', page)]


def bars(page: str, row: str) -> list[str]:
    """The accessible titles of the bars in one row of the timeline."""
    start = page.index(f'data-row="{row}"')
    end = page.find('<div class="chart-row', start + 1)
    part = page[start : end if end > 0 else page.index("</section>", start)]
    return [html.unescape(m) for m in re.findall(r'role="img" aria-label="([^"]*)"', part)]


def error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def override_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-override="(\d+)"', page)}


def test_the_schedule_list_and_the_incidents_list_link_to_the_schedule_page(team: Server) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        incidents = client.get("/incidents").text
        users = client.get("/users").text

    assert 'class="oncall-strip"' in incidents
    assert f'<a href="{path}">' in incidents
    assert "Database on call" in incidents and "→" in incidents
    assert "Next shift" in users
    assert f'<a href="{path}">{SCHEDULE}</a>' in users
    assert "Payments primary</a>: on call now" in users


def test_the_page_shows_each_layer_the_overrides_and_the_final_row_with_the_checks(
    team: Server,
) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        invited = post(client, path, "/invitations", layer="Weekly", user_email="cto@example.com")
        page = client.get(path)

    assert invited.status_code == 303
    assert page.status_code == 200
    text = page.text
    assert "<h1>Database on call</h1>" in text
    for row in ("layer-0", "overrides", "final"):
        assert f'data-row="{row}"' in text
    final = bars(text, "final")
    assert final, "the final row has no bars"
    assert any("Grace Hopper · " in title for title in final)
    assert all(" – " in title for title in final)
    assert any(title.endswith("rotation Weekly") for title in bars(text, "layer-0"))
    assert 'class="now"' in text
    warnings, infos = text.find("finding finding-warning"), text.find("finding finding-info")
    assert 0 < warnings < infos
    assert "Cee Tee is listed in layer &#39;Weekly&#39; but has not opted in" in text
    assert "handoffs from Mon 5 Jan 2099 09:00; on call only Sat–Sun all day" in text
    assert "Waiting to opt in" in text and "Cee Tee" in text
    assert "On call now" in text and "Next handoff" in text and "Your next shift" in text
    assert f"{team.url}/calendars/users/1.ics?token=" in text
    assert re.search(rf"{team.url}/calendars/schedules/\d+\.ics\?token=", text)
    assert "schedule.js" in text
    assert "style=" not in text


def test_the_window_moves_by_whole_weeks_and_shows_one_to_eight(team: Server) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        three = client.get(path, params={"from": "2026-01-05", "weeks": "3"})
        clamped = client.get(path, params={"from": "no-date", "weeks": "99"})
        missing = client.get("/schedules/999999")

    assert "Mon 5 Jan – Sun 25 Jan 2026, Europe/London" in three.text
    assert f'href="{path}?from=2025-12-15&amp;weeks=3"' in three.text
    assert f'href="{path}?from=2026-01-26&amp;weeks=3"' in three.text
    assert clamped.status_code == 200
    assert '<option value="8" selected>' in clamped.text
    assert missing.status_code == 404
    assert "No such schedule" in missing.text


def test_an_override_from_the_form_is_on_the_timeline_and_in_the_changes(team: Server) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        done = post(
            client,
            path,
            "/overrides",
            user_email=LINUS,
            start=wall(1, "09:00"),
            end=wall(1, "17:00"),
            note="database upgrade",
        )
        page = client.get(done.headers["location"]).text
        again = client.get(path).text

    assert done.status_code == 303
    assert done.headers["location"] == path
    assert "Override added:" in page and "09:00" in page
    assert "Override added:" not in again, "the notice shows once"
    overrides = bars(page, "overrides")
    assert any(
        t.startswith("Linus Torvalds · ") and t.endswith("override (database upgrade)")
        for t in overrides
    )
    assert any("Linus Torvalds" in t and t.endswith("· override") for t in bars(page, "final"))
    added = [c for c in changes(page) if "put Linus Torvalds on call" in c]
    assert added and added[0].endswith("(database upgrade)")


def test_a_form_without_its_token_changes_nothing(team: Server) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        before = client.get(path).text
        fields = {"user_email": GRACE, "start": wall(1, "20:00"), "end": wall(1, "21:00")}
        missing = client.post(path + "/overrides", data={"back": path, **fields})
        forged = client.post(path + "/overrides", data={"csrf_token": "forged", **fields})
        after = client.get(path).text

    assert missing.status_code == 403 and forged.status_code == 403
    assert "Nothing was changed" in missing.text
    assert override_ids(after) == override_ids(before)
    assert changes(after) == changes(before)


BAD = [
    (wall(2, "10:00"), wall(2, "09:00"), "The override must end after it starts."),
    (wall(-3, "09:00"), wall(-3, "10:00"), "The override is already over."),
    ("tomorrow", wall(2, "09:00"), "The override's start 'tomorrow' is not a date and time."),
]


def test_bad_input_shows_the_use_cases_message_and_changes_nothing(team: Server) -> None:
    with signed_in(team) as client:
        path = schedule_path(client)
        before = client.get(path).text
        refused = [
            post(client, path, "/overrides", user_email=GRACE, start=start, end=end)
            for start, end, _ in BAD
        ]
        after = client.get(path).text

    for response, (_, end, message) in zip(refused, BAD, strict=True):
        assert response.status_code == 422
        assert error(response.text) == f"Nothing was changed: {message}"
        assert f'value="{end}"' in response.text, "the form keeps what was typed"
        assert '<details class="form-box" open>' in response.text
    assert override_ids(after) == override_ids(before)
    assert changes(after) == changes(before)


def test_an_observer_sees_everything_but_no_forms_and_is_refused_a_change(team: Server) -> None:
    with signed_in(team, OLGA) as client:
        path = schedule_path(client)
        page = client.get(path).text
        before = changes(page)
        token = csrf_from(page)
        refused = client.post(
            path + "/overrides",
            data={
                "csrf_token": token,
                "back": path,
                "user_email": OLGA,
                "start": wall(1, "22:00"),
                "end": wall(1, "23:00"),
            },
        )
        after = changes(client.get(path).text)

    assert 'data-row="final"' in page and "Checks" in page and "Calendar feeds" in page
    assert f'<form method="post" action="{path}' not in page
    assert refused.status_code == 403
    assert error(refused.text).endswith(": Observers can look but not change schedules.")
    assert after == before


def test_only_its_maker_its_person_or_an_admin_may_remove_an_override(team: Server) -> None:
    with signed_in(team) as ada, signed_in(team, LINUS) as linus, signed_in(team, GRACE) as grace:
        path = schedule_path(ada)
        before = override_ids(ada.get(path).text)
        window = {"start": wall(4, "10:00"), "end": wall(4, "11:00")}
        post(ada, path, "/overrides", user_email=GRACE, **window)
        (made,) = override_ids(ada.get(path).text) - before
        remove = f"{path}/overrides/{made}/remove"
        linus_page, grace_page = linus.get(path).text, grace.get(path).text
        refused = post(linus, path, f"/overrides/{made}/remove")
        removed = post(ada, path, f"/overrides/{made}/remove")
        page = ada.get(removed.headers["location"]).text

    assert f'action="{remove}"' not in linus_page
    assert f'action="{remove}"' in grace_page
    assert refused.status_code == 403
    assert "Only whoever made the override, the person on it or an admin" in error(refused.text)
    assert removed.status_code == 303
    assert "Override removed." in page
    assert made not in override_ids(page)
    assert any("removed the override putting Grace Hopper on call" in c for c in changes(page))


def test_a_trade_is_answered_only_by_the_colleague_it_names(team: Server) -> None:
    with signed_in(team) as ada, signed_in(team, LINUS) as linus, signed_in(team, GRACE) as grace:
        path = schedule_path(ada)
        window = {"start": wall(2, "09:00"), "end": wall(2, "18:00")}
        post(ada, path, "/overrides", user_email=EMAIL, **window)
        asked = post(
            ada,
            path,
            "/trades",
            kind="cover",
            colleague_email=GRACE,
            start=wall(2, "12:00"),
            end=wall(2, "15:00"),
        )
        notice = ada.get(asked.headers["location"]).text
        found = re.search(r"Trade #(\d+) asked", notice)
        assert found is not None, error(notice) or "no notice"
        trade = found.group(1)
        linus_page, grace_page = linus.get(path).text, grace.get(path).text
        not_linus = post(linus, path, f"/trades/{trade}/accept")
        not_his = post(linus, path, f"/trades/{trade}/cancel")
        accepted = post(grace, path, f"/trades/{trade}/accept")
        page = grace.get(accepted.headers["location"]).text

    assert f"/trades/{trade}/accept" not in linus_page
    assert f"/trades/{trade}/accept" in grace_page and f"/trades/{trade}/decline" in grace_page
    assert f"/trades/{trade}/cancel" not in grace_page
    pending = bars(notice, "overrides")
    assert any(t.endswith(f"trade #{trade} asked, not yet answered") for t in pending)
    assert not_linus.status_code == 422
    assert "This trade was not asked of you." in error(not_linus.text)
    assert not_his.status_code == 403
    assert accepted.status_code == 303
    assert f"Trade #{trade} accepted." in page
    final = bars(page, "final")
    assert any(t.startswith("Grace Hopper · ") and t.endswith(f"trade #{trade}") for t in final)
    assert any(c.startswith(f"Trade #{trade}: Grace Hopper accepted") for c in changes(page))


def test_a_reason_for_being_away_is_shown_only_to_admins_and_the_person(team: Server) -> None:
    reason = "hospital appointment"
    with (
        signed_in(team, GRACE) as grace,
        signed_in(team) as ada,
        signed_in(team, LINUS) as linus,
        signed_in(team, OLGA) as olga,
    ):
        path = schedule_path(grace)
        marked = post(
            grace,
            path,
            "/absences",
            user_email=GRACE,
            scope="schedule",
            start=wall(30, "00:00"),
            end=wall(32, "00:00"),
            reason=reason,
        )
        not_his = post(
            linus, path, "/absences", user_email=GRACE, scope="schedule", end=wall(40, "00:00")
        )
        seen = {who: c.get(path).text for who, c in (("grace", grace), ("ada", ada))}
        unseen = {who: c.get(path).text for who, c in (("linus", linus), ("olga", olga))}

    assert marked.status_code == 303
    assert not_his.status_code == 403
    assert "Only an admin can mark someone else away." in error(not_his.text)
    for page in (*seen.values(), *unseen.values()):
        assert "<b>Grace Hopper</b> exempt from this schedule" in page
    for page in seen.values():
        assert reason in page
    for page in unseen.values():
        assert reason not in page
    assert all(reason not in c for c in changes(seen["ada"]))


def test_someone_invited_opts_in_from_the_page(team: Server) -> None:
    with signed_in(team) as ada, signed_in(team, MARGARET) as margaret:
        path = schedule_path(ada)
        post(ada, path, "/invitations", layer="Weekly", user_email=MARGARET)
        invited = margaret.get(path).text
        joined = post(margaret, path, "/invitation", answer="join")
        page = margaret.get(joined.headers["location"]).text

    assert "You are listed in this schedule but not in its rotation yet (invited)" in invited
    assert 'value="join"' in invited
    assert "You are in the rotation." in page
    assert 'value="join"' not in page
    assert any(c == "Margaret Hamilton opted in to the rotation" for c in changes(page))


def test_an_admin_records_consent_and_only_an_admin_resets_the_schedules_feed(
    team: Server,
) -> None:
    with signed_in(team) as ada, signed_in(team, GRACE) as grace:
        path = schedule_path(ada)
        post(ada, path, "/invitations", layer="Weekly", user_email=BARBARA)
        recorded = post(ada, path, "/consents", user_email=BARBARA, note="agreed in our 1:1")
        page = ada.get(path).text
        feed = re.search(r"/calendars/users/1\.ics\?token=([\w-]+)", page)
        reset = post(ada, path, "/calendar/reset", kind="user")
        after = re.search(r"/calendars/users/1\.ics\?token=([\w-]+)", ada.get(path).text)
        grace_page = grace.get(path).text
        refused = post(grace, path, "/calendar/reset", kind="schedule")

    assert recorded.status_code == 303
    assert any("recorded Barbara Liskov's consent: agreed in our 1:1" in c for c in changes(page))
    assert reset.status_code == 303
    assert feed is not None and after is not None and feed.group(1) != after.group(1)
    assert "Reset my link" in grace_page and "Reset this schedule" not in grace_page
    assert refused.status_code == 403
    assert "Only an admin can reset" in error(refused.text)
