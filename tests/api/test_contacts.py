"""Contact methods, test notifications, notification rules and working hours over the API,
on SQLite and PostgreSQL, with a real SMTP server receiving the test emails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.support import Site, fresh_database, running_site
from tests.conftest import Mailbox, free_port, smtp_server, text_body

DEAD_HOOK = f"http://127.0.0.1:{free_port()}/hook"
"""A webhook nobody listens on: every page and test to it fails."""

ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin,
     contact_methods: [{{type: email, address: ada@example.com}}]}}
  - {{email: grace@example.com, name: Grace Hopper, timezone: America/New_York,
     contact_methods: [{{type: email, address: grace@example.com}}]}}
  - {{email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki}}
  - {{email: sam@example.com, name: Sam Rivers,
     contact_methods: [{{type: webhook, address: "{DEAD_HOOK}"}}]}}
teams:
  - name: Support
    members: [linus@example.com]
    working_hours: ["Mon-Fri 07:00-15:00"]
schedules:
  - name: Sam's rota
    timezone: UTC
    layers:
      - {{name: Weekly, start: 2020-01-06T09:00, rotation: 1w, participants: [sam@example.com]}}
"""
PEOPLE = ["ada", "grace", "linus", "sam"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reach(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, Mailbox]]:
    directory = tmp_path_factory.mktemp(f"contacts-{request.param}")
    with (
        smtp_server() as mailbox,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            ORG,
            [f"{who}@example.com" for who in PEOPLE],
            directory,
            ONDECK_SMTP_URL=mailbox.url,
        ) as site,
    ):
        yield site, mailbox


def methods(site: Site, who: str, owner: str) -> dict[str, Any]:
    response = site.as_(who).get(f"/api/v1/users/{site.users[owner]}/contact-methods")
    assert response.status_code == 200, response.text
    return dict(response.json())


def add(site: Site, who: str, owner: str, **body: str) -> Any:
    return site.as_(who).post(f"/api/v1/users/{site.users[owner]}/contact-methods", json=body)


def test_a_person_adds_an_email_method_and_its_test_notification_arrives(
    reach: tuple[Site, Mailbox],
) -> None:
    site, mailbox = reach
    created = add(site, "grace", "grace", type="email", address="grace@home.example", label="home")
    assert created.status_code == 201, created.text
    method = created.json()
    assert (method["type"], method["address"], method["label"]) == (
        "email",
        "grace@home.example",
        "home",
    )
    assert (method["last_test"], method["working"]) == (None, None)

    tested = site.as_("grace").post(f"/api/v1/contact-methods/{method['id']}/test")

    assert tested.status_code == 200, tested.text
    assert (tested.json()["ok"], tested.json()["detail"]) == (True, "accepted by SMTP server")
    [mail] = mailbox.wait_for("grace@home.example")
    assert "Test notification" in str(mail["Subject"])
    assert "test notification" in text_body(mail).lower()
    listed = methods(site, "grace", "grace")
    assert [m["address"] for m in listed["data"]] == ["grace@example.com", "grace@home.example"]
    assert listed["data"][1]["last_test"]["ok"] is True
    assert listed["data"][1]["working"] is True
    assert listed["unreachable"] is None

    again = site.as_("grace").post(f"/api/v1/contact-methods/{method['id']}/test")
    assert again.status_code == 422
    assert again.json()["detail"].startswith("this method was tested moments ago; try again in")
    assert len(mailbox.to("grace@home.example")) == 1


def test_a_method_is_relabelled_moved_first_and_a_new_address_forgets_its_last_test(
    reach: tuple[Site, Mailbox],
) -> None:
    site, _ = reach
    ada = site.as_("ada")
    hook = add(site, "ada", "ada", type="webhook", address=DEAD_HOOK, label="old").json()
    assert ada.post(f"/api/v1/contact-methods/{hook['id']}/test").json()["ok"] is False

    moved = ada.patch(
        f"/api/v1/contact-methods/{hook['id']}", json={"label": "bridge", "position": 0}
    )
    readdressed = ada.patch(
        f"/api/v1/contact-methods/{hook['id']}", json={"address": "https://hooks.example/ada"}
    )
    bad = ada.patch(f"/api/v1/contact-methods/{hook['id']}", json={"position": 5})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["label"], moved.json()["working"]) == ("bridge", False)
    assert [m["label"] for m in methods(site, "ada", "ada")["data"]] == ["bridge", ""]
    assert readdressed.json()["last_test"] is None and readdressed.json()["working"] is None
    assert (bad.status_code, bad.json()["detail"]) == (422, "position: must be between 0 and 1")
    assert ada.delete(f"/api/v1/contact-methods/{hook['id']}").json()["rules_removed"] == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"type": "sms", "address": "07700 900123"},
            "address: '07700 900123' is not a phone number in international (E.164) form: + "
            "then the country code and number, 8 to 15 digits and nothing else, like "
            "+447700900123",
        ),
        (
            {"type": "pager", "address": "555"},
            "type: 'pager' is not a contact method type "
            "(email, mattermost, ntfy, slack, sms, teams, voice, webhook)",
        ),
        (
            {"type": "email", "address": "grace@example.com"},
            "address: their email method #2 already has this address",
        ),
        (
            {"type": "webhook", "address": "https://h.example/x", "label": "x" * 101},
            "label: is 101 characters long; at most 100 fit",
        ),
    ],
)
def test_a_bad_method_is_refused_naming_the_field_and_nothing_is_added(
    reach: tuple[Site, Mailbox], body: dict[str, str], detail: str
) -> None:
    site, _ = reach
    before = methods(site, "grace", "grace")["data"]
    own_email = next(m for m in before if m["address"] == "grace@example.com")

    refused = add(site, "grace", "grace", **body)

    assert refused.status_code == 422
    assert refused.json()["detail"] == detail.replace("#2", f"#{own_email['id']}")
    assert methods(site, "grace", "grace")["data"] == before


def test_only_the_person_or_an_admin_may_see_or_change_their_methods(
    reach: tuple[Site, Mailbox],
) -> None:
    site, _ = reach
    grace = site.users["grace"]
    email_id = methods(site, "grace", "grace")["data"][0]["id"]
    linus = site.as_("linus")
    attempts = [
        linus.get(f"/api/v1/users/{grace}/contact-methods"),
        linus.post(f"/api/v1/users/{grace}/contact-methods", json={"type": "sms", "address": "x"}),
        linus.patch(f"/api/v1/contact-methods/{email_id}", json={"label": "mine now"}),
        linus.delete(f"/api/v1/contact-methods/{email_id}"),
        linus.post(f"/api/v1/contact-methods/{email_id}/test"),
        linus.get(f"/api/v1/users/{grace}/notification-rules"),
        linus.put(f"/api/v1/users/{grace}/notification-rules", json={"rules": []}),
        linus.get(f"/api/v1/users/{grace}/working-hours"),
        linus.put(f"/api/v1/users/{grace}/working-hours", json={"working_hours": []}),
    ]

    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert attempts[0].json()["detail"] == (
        "only Grace Hopper or an admin may see or change their contact methods, notification "
        "rules and working hours"
    )
    assert methods(site, "ada", "grace")["data"][0]["label"] == ""
    assert site.anonymous.get(f"/api/v1/users/{grace}/contact-methods").status_code == 401
    assert site.as_("ada").get("/api/v1/users/999999/contact-methods").status_code == 404


def test_rules_per_urgency_are_kept_in_order_and_bad_ones_change_nothing(
    reach: tuple[Site, Mailbox],
) -> None:
    site, _ = reach
    linus = site.as_("linus")
    me = site.users["linus"]
    email = methods(site, "linus", "linus")["data"][0]["id"]
    sms = add(site, "linus", "linus", type="sms", address="+358401234567", label="mobile").json()
    rules = [
        {"contact_method_id": email, "after_minutes": 0, "urgency": "high"},
        {"contact_method_id": sms["id"], "after_minutes": 5, "urgency": "high"},
        {"contact_method_id": email, "after_minutes": 0, "urgency": "low"},
    ]

    put = linus.put(f"/api/v1/users/{me}/notification-rules", json={"rules": rules})

    assert put.status_code == 200, put.text
    stored = linus.get(f"/api/v1/users/{me}/notification-rules").json()["data"]
    assert [(r["contact_method_id"], r["after_minutes"], r["urgency"]) for r in stored] == [
        (email, 0, "high"),
        (sms["id"], 5, "high"),
        (email, 0, "low"),
    ]
    too_late = [{"contact_method_id": email, "after_minutes": 1441}]
    not_mine = [{"contact_method_id": email}, {"contact_method_id": 999999}]
    for bad, detail in [
        (too_late, "rules[0].after: must be between 0 and 1 day (1440 minutes)"),
        (
            not_mine,
            "rules[1].contact_method_id: 999999 is not one of Linus Torvalds's contact methods",
        ),
    ]:
        refused = linus.put(f"/api/v1/users/{me}/notification-rules", json={"rules": bad})
        assert (refused.status_code, refused.json()["detail"]) == (422, detail)
    assert linus.get(f"/api/v1/users/{me}/notification-rules").json()["data"] == stored

    removed = linus.delete(f"/api/v1/contact-methods/{sms['id']}")

    assert removed.status_code == 200, removed.text
    assert removed.json() == {
        "detail": "Removed sms +358401234567; the notification rule that used it was removed too.",
        "rules_removed": 1,
    }
    left = linus.get(f"/api/v1/users/{me}/notification-rules").json()["data"]
    assert [(r["contact_method_id"], r["urgency"]) for r in left] == [
        (email, "high"),
        (email, "low"),
    ]


def test_working_hours_come_from_the_person_then_the_team_then_the_default(
    reach: tuple[Site, Mailbox],
) -> None:
    site, _ = reach
    ada = site.as_("ada")
    linus, grace = site.users["linus"], site.users["grace"]

    teams = ada.get(f"/api/v1/users/{linus}/working-hours").json()
    default = ada.get(f"/api/v1/users/{grace}/working-hours").json()

    assert teams == {
        "working_hours": [],
        "effective": ["Mon-Fri 07:00-15:00"],
        "source": "team",
        "team": "Support",
        "timezone": "Europe/Helsinki",
        "low_urgency": "working_hours",
    }
    assert (default["effective"], default["source"]) == (["Mon-Fri 09:00-17:00"], "default")

    body = {"working_hours": ["Mon-Thu 08:00-16:00", "fri 8:00-12:00"], "low_urgency": "anytime"}
    put = site.as_("grace").put(f"/api/v1/users/{grace}/working-hours", json=body)

    assert put.status_code == 200, put.text
    mine = site.as_("grace").get(f"/api/v1/users/{grace}/working-hours").json()
    assert mine == {
        "working_hours": ["Mon-Thu 08:00-16:00", "Fri 08:00-12:00"],
        "effective": ["Mon-Thu 08:00-16:00", "Fri 08:00-12:00"],
        "source": "own",
        "team": None,
        "timezone": "America/New_York",
        "low_urgency": "anytime",
    }
    for bad, detail in [
        (
            {"working_hours": ["Mon-Fri 09:00-17:00", "Mon-Fry 09:00-17:00"]},
            "working_hours[1]: 'Mon-Fry 09:00-17:00': 'Fry' is not a day; write Mon, Tue, Wed, "
            "Thu, Fri, Sat or Sun (ranges like Mon-Fri, lists like Mon,Wed)",
        ),
        (
            {"working_hours": [], "low_urgency": "never"},
            "low_urgency: 'never' is not one of anytime, working_hours",
        ),
    ]:
        refused = site.as_("grace").put(f"/api/v1/users/{grace}/working-hours", json=bad)
        assert (refused.status_code, refused.json()["detail"]) == (422, detail)
    assert site.as_("grace").get(f"/api/v1/users/{grace}/working-hours").json() == mine


def test_a_person_whose_only_method_fails_its_test_is_reported_unreachable(
    reach: tuple[Site, Mailbox],
) -> None:
    site, _ = reach
    sam = site.as_("sam")
    [hook] = methods(site, "sam", "sam")["data"]
    schedule = site.schedules["Sam's rota"]
    before = site.as_("ada").get(f"/api/v1/schedules/{schedule}/check").json()["data"]
    assert "unreachable" not in {f["code"] for f in before}

    tested = sam.post(f"/api/v1/contact-methods/{hook['id']}/test")

    assert tested.status_code == 200, tested.text
    assert tested.json()["ok"] is False
    listed = methods(site, "sam", "sam")
    assert listed["data"][0]["working"] is False
    reason = "the last page or test notification to their only method failed"
    assert listed["unreachable"] == reason
    after = site.as_("ada").get(f"/api/v1/schedules/{schedule}/check").json()["data"]
    assert [f["message"] for f in after if f["code"] == "unreachable"] == [
        f"Sam Rivers has no working contact method: {reason} and they are on call now"
    ]


def test_the_contact_routes_are_documented(reach: tuple[Site, Mailbox]) -> None:
    site, _ = reach
    paths = site.anonymous.get("/openapi.json").json()["paths"]

    assert set(paths["/api/v1/users/{user_id}/contact-methods"]) == {"get", "post"}
    assert set(paths["/api/v1/contact-methods/{contact_id}"]) == {"patch", "delete"}
    assert set(paths["/api/v1/contact-methods/{contact_id}/test"]) == {"post"}
    assert set(paths["/api/v1/users/{user_id}/notification-rules"]) == {"get", "put"}
    assert set(paths["/api/v1/users/{user_id}/working-hours"]) == {"get", "put"}
    assert "403" in paths["/api/v1/contact-methods/{contact_id}/test"]["post"]["responses"]
