"""The web UI over HTTP against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import ROUTING_KEY, Server
from tests.ui.support import EMAIL, PASSWORD, csrf_from, incident_id, sign_in, trigger

PAGES = ["/", "/incidents", "/incidents/1", "/services", "/escalation-policies", "/schedules"]


def _new_incident(site: Server, client: httpx.Client) -> tuple[int, str]:
    title = f"Checkout error rate {uuid.uuid4().hex[:8]}"
    trigger(site, dedup_key=title, summary=title)
    return incident_id(client, title), title


def _status(client: httpx.Client, number: int) -> str:
    response = client.get(f"/incidents/{number}/timeline.json")
    assert response.status_code == 200
    return str(response.json()["status"])


@pytest.mark.parametrize("path", [*PAGES, "/users", "/incidents?status=all", "/schedules/1"])
def test_every_page_sends_a_signed_out_browser_to_sign_in_and_back(site: Server, path: str) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = client.get(path)

    location = urlsplit(response.headers["location"])
    assert response.status_code == 303
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [path]}


def test_the_live_timeline_answers_401_not_a_redirect_when_signed_out(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = client.get("/incidents/1/timeline.json")

    assert response.status_code == 401
    assert response.json() == {"detail": "sign in first"}


def test_signing_in_leads_to_the_page_that_was_asked_for(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = sign_in(client, next_path="/schedules")
        schedules = client.get("/schedules")

    assert response.status_code == 303
    assert response.headers["location"] == "/schedules"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert PASSWORD not in response.headers["location"]
    assert schedules.status_code == 200
    assert "Payments primary" in schedules.text
    assert "Ada Lovelace" in schedules.text


@pytest.mark.parametrize("email", [EMAIL, "nobody@example.com"])
def test_a_wrong_password_is_refused_without_telling_whether_the_email_exists(
    site: Server, email: str
) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = sign_in(client, email=email, password="not-the-password")
        after = client.get("/incidents")

    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert after.status_code == 303


def test_sign_in_without_the_form_token_is_refused(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        after = client.get("/incidents")

    assert response.status_code == 403
    assert after.status_code == 303


def test_sign_in_never_redirects_to_another_site(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        response = sign_in(client, next_path="//evil.example/steal")

    assert response.status_code == 303
    assert response.headers["location"] == "/incidents"


def test_signing_out_ends_the_session(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        token = csrf_from(client.get("/incidents").text)
        signed_out = client.post("/logout", data={"csrf_token": token})
        after = client.get("/incidents")

    assert signed_out.status_code == 303
    assert after.status_code == 303


def test_the_incident_list_shows_open_incidents_and_filters_by_status(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, title = _new_incident(site, client)
        open_list = client.get("/incidents")
        resolved_list = client.get("/incidents", params={"status": "resolved"})

    assert open_list.status_code == 200
    assert title in open_list.text
    assert f'action="/incidents/{number}/acknowledge"' in open_list.text
    assert "Checkout API" in open_list.text
    assert title not in resolved_list.text


def test_the_incident_page_shows_what_a_responder_needs(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, title = _new_incident(site, client)
        page = client.get(f"/incidents/{number}")

    assert page.status_code == 200
    for expected in (
        title,
        "Checkout API",
        "https://runbooks.example/checkout",
        "Payments default",
        "triggered",
        "incident.js",
    ):
        assert expected in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_an_unknown_incident_is_a_page_that_says_so(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        page = client.get("/incidents/999999")

    assert page.status_code == 404
    assert "No such incident" in page.text


def test_acknowledging_without_the_form_token_is_refused_and_changes_nothing(
    site: Server,
) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, _ = _new_incident(site, client)
        missing = client.post(f"/incidents/{number}/acknowledge")
        forged = client.post(f"/incidents/{number}/acknowledge", data={"csrf_token": "forged"})
        status = _status(client, number)

    assert missing.status_code == 403
    assert forged.status_code == 403
    assert status == "triggered"


def test_the_acknowledge_button_acknowledges_as_the_signed_in_user(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, _ = _new_incident(site, client)
        token = csrf_from(client.get(f"/incidents/{number}").text)
        acted = client.post(
            f"/incidents/{number}/acknowledge",
            data={"csrf_token": token, "back": f"/incidents/{number}"},
        )
        page = client.get(acted.headers["location"])
        timeline = client.get(f"/incidents/{number}/timeline.json").json()

    assert acted.status_code == 303
    assert acted.headers["location"] == f"/incidents/{number}"
    assert f"Acknowledged #{number} (" in page.text
    assert timeline["status"] == "acknowledged"
    assert timeline["acknowledged"].startswith(EMAIL)
    acknowledged = [e for e in timeline["entries"] if e["kind"] == "acknowledged"]
    assert [e["message"] for e in acknowledged] == [f"Acknowledged by {EMAIL} via web"]


def test_snooze_and_escalate_buttons_act_and_the_page_lists_the_messages(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, _ = _new_incident(site, client)
        token = csrf_from(client.get(f"/incidents/{number}").text)
        snoozed = client.post(
            f"/incidents/{number}/snooze", data={"csrf_token": token, "minutes": "15"}
        )
        after_snooze = client.get(snoozed.headers["location"]).text
        escalated = client.post(f"/incidents/{number}/escalate", data={"csrf_token": token})
        after_escalate = client.get(escalated.headers["location"]).text
        unknown = client.post(f"/incidents/{number}/shrug", data={"csrf_token": token})
        timeline = client.get(f"/incidents/{number}/timeline.json").json()

    assert (snoozed.status_code, escalated.status_code) == (303, 303)
    assert f"Snoozed #{number} (" in after_snooze
    assert f"Escalated #{number} (" in after_escalate
    assert 'class="notifications"' in after_escalate  # the delivery states panel
    assert unknown.status_code == 422
    kinds = [entry["kind"] for entry in timeline["entries"]]
    assert "acknowledged" in kinds and "escalated_manually" in kinds
    assert timeline["status"] == "triggered"


def test_acknowledging_a_resolved_incident_says_why_with_409(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, _ = _new_incident(site, client)
        token = csrf_from(client.get(f"/incidents/{number}").text)
        resolved = client.post(f"/incidents/{number}/resolve", data={"csrf_token": token})
        refused = client.post(f"/incidents/{number}/acknowledge", data={"csrf_token": token})

    assert resolved.status_code == 303
    assert refused.status_code == 409
    assert 'class="error"' in refused.text
    assert "resolved" in refused.text


def test_the_live_timeline_returns_only_entries_after_the_given_id(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        number, _ = _new_incident(site, client)
        everything = client.get(f"/incidents/{number}/timeline.json").json()["entries"]
        first = everything[0]["id"]
        newer = client.get(f"/incidents/{number}/timeline.json", params={"after_id": first})
        missing = client.get("/incidents/999999/timeline.json")

    assert everything[0]["kind"] == "triggered"
    newer_ids = [e["id"] for e in newer.json()["entries"]]
    assert first not in newer_ids
    assert newer_ids[: len(everything) - 1] == [e["id"] for e in everything[1:]]
    assert newer_ids == sorted(newer_ids)
    assert missing.status_code == 404


def test_the_services_page_shows_only_the_end_of_integration_keys(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        page = client.get("/services")

    assert page.status_code == 200
    assert "Checkout API" in page.text
    assert "…cdef" in page.text and "…cret" in page.text
    assert ROUTING_KEY not in page.text
    assert "am-checkout-secret" not in page.text


def test_the_organisation_pages_show_policies_and_people(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        policies = client.get("/escalation-policies")
        users = client.get("/users")

    assert "Payments default" in policies.text
    for expected in ("Payments primary", "Cee Tee", "escalates after 1h", "last level"):
        assert expected in policies.text
    assert "Used by Checkout API." in policies.text
    for expected in ("Grace Hopper", "America/New_York", "admin", "ada@example.com immediately"):
        assert expected in users.text
