"""The status page over HTTP, on SQLite and PostgreSQL: a stage change proposes a draft,
participants edit and publish it, the public page, JSON and Atom feed (fetched without a
token) show published updates only, subscribers get them by real email and webhook, and
nothing internal ever reaches the public."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, update

from ondeck.adapters.db.tables import status_subscribers
from ondeck.adapters.signing import HmacCalendarSigner
from ondeck.services.ports import StatusSubscriberRecord
from ondeck.services.status_subscriptions import confirm_url
from tests.api.support import Site, fresh_database, running_site
from tests.channels.local_provider import Provider, Reply, local_provider
from tests.conftest import ROUTING_KEY, Mailbox, smtp_server, text_body

INTERNAL_SERVICE = "svc-internal-quokka"
INTERNAL_TITLE = "SECRET-TITLE-disk-full-on-db-7731"
CAN_TEXT = "CAN-SECRET-platypus-replica-lag"
DRAFT_TEXT = "DRAFT-NEVER-PUBLIC-wombat"
ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
  - {{email: grace@example.com, name: Grace Hopper}}
  - {{email: linus@example.com, name: Linus Torvalds}}
  - {{email: sam@example.com, name: Sam Rivers}}
escalation_policies:
  - name: Heads
    levels:
      - {{escalate_after: 1h, targets: [{{user: grace@example.com}}, {{user: linus@example.com}}]}}
services:
  - name: {INTERNAL_SERVICE}
    escalation_policy: Heads
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
    status_page:
      name: Checkout
      components: [Payments, {{name: Order history, description: Past orders and receipts}}]
  - name: Billing backend
    escalation_policy: Heads
"""
PEOPLE = ["ada", "grace", "linus", "sam"]
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class World:
    site: Site
    mailbox: Mailbox
    hooks: Provider


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp(f"status-{request.param}")
    with (
        smtp_server() as mailbox,
        local_provider(lambda _request: Reply(200, "ok")) as hooks,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            ORG,
            [f"{who}@example.com" for who in PEOPLE],
            directory,
            ONDECK_SMTP_URL=mailbox.url,
            ONDECK_STATUS_PRIVATE_WEBHOOKS="1",  # the test's webhook receiver is on loopback
        ) as site,
    ):
        yield World(site, mailbox, hooks)


def declared(site: Site, title: str = INTERNAL_TITLE) -> int:
    """A new incident on the public service, acknowledged by Grace, who declares it."""
    key = uuid.uuid4().hex
    sent = site.anonymous.post(
        "/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": key,
            "payload": {"summary": title, "source": "db-7", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    found = site.as_("ada").get("/api/v1/incidents", params={"limit": 500}).json()["data"]
    incident_id = int(next(i["id"] for i in found if i["dedup_key"] == key))
    assert site.as_("grace").post(f"/api/v1/incidents/{incident_id}/acknowledge").is_success
    answer = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/declare", json={"engineer": "linus@example.com"}
    )
    assert answer.status_code == 200, answer.text
    return incident_id


def stage(site: Site, incident_id: int, to: str) -> None:
    moved = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/stage", json={"stage": to, "reason": "test"}
    )
    assert moved.status_code == 200, moved.text


def updates(site: Site, incident_id: int) -> list[dict[str, Any]]:
    listed = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/status-updates")
    assert listed.status_code == 200, listed.text
    data: list[dict[str, Any]] = listed.json()["data"]
    return data


def publish(site: Site, incident_id: int, update_id: int, who: str = "grace") -> httpx.Response:
    return site.as_(who).post(f"/api/v1/incidents/{incident_id}/status-updates/{update_id}/publish")


def public(site: Site) -> dict[str, Any]:
    answer = site.anonymous.get("/status.json")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def component_ids(site: Site) -> dict[str, int]:
    groups = public(site)["groups"]
    return {f"{g['name']}: {c['name']}": c["id"] for g in groups for c in g["components"]}


def kinds(site: Site, incident_id: int) -> list[str]:
    entries = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
    return [entry["kind"] for entry in entries]


def status_kinds(site: Site, incident_id: int) -> list[str]:
    """The timeline's status-update entries alone: the engine may note deliveries between
    them at any moment."""
    return [kind for kind in kinds(site, incident_id) if kind.startswith("status_update")]


def test_the_public_page_lists_only_services_given_a_status_page_under_their_public_name(
    world: World,
) -> None:
    body = public(world.site)
    groups = {g["name"]: [c["name"] for c in g["components"]] for g in body["groups"]}
    assert groups == {"Checkout": ["Payments", "Order history"]}
    payments = body["groups"][0]["components"][0]
    assert len(payments["days"]) == 90
    assert body["groups"][0]["components"][1]["description"] == "Past orders and receipts"


def test_an_incident_whose_update_names_no_component_still_changes_the_headline(
    world: World,
) -> None:
    # Second in this module: the tests before it publish nothing, so the page starts clear.
    site = world.site
    assert public(site)["headline"] == "All systems operational"
    incident_id = declared(site)
    written = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/status-updates",
        json={
            "title": "Some logins fail",
            "body": "Some customers cannot sign in.",
            "status": "investigating",
            "impact": "partial_outage",
            "components": [],
        },
    )
    assert written.status_code == 201, written.text
    assert publish(site, incident_id, written.json()["id"]).status_code == 200

    body = public(site)
    assert [i["title"] for i in body["active_incidents"]] == ["Some logins fail"]
    assert {c["state"] for g in body["groups"] for c in g["components"]} == {"operational"}
    assert body["headline"] == "Some systems are affected"
    assert body["state"] == "partial_outage"
    assert "All systems operational" not in site.anonymous.get("/status").text

    resolved = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/status-updates",
        json={
            "title": "Logins work again",
            "body": "Everyone can sign in again.",
            "status": "resolved",
            "impact": "operational",
        },
    )
    assert publish(site, incident_id, resolved.json()["id"]).status_code == 200
    assert public(site)["headline"] == "All systems operational"


def test_publish_with_edits_saves_and_publishes_in_one_step_and_a_bad_edit_does_neither(
    world: World,
) -> None:
    site = world.site
    incident_id = declared(site)
    stage(site, incident_id, "assemble")
    draft = updates(site, incident_id)[-1]
    path = f"/api/v1/incidents/{incident_id}/status-updates/{draft['id']}/publish"

    refused = site.as_("grace").post(
        path, json={"title": "Fixed", "status": "resolved", "impact": "major_outage"}
    )
    assert refused.status_code == 422 and refused.json()["detail"].startswith("impact:")
    assert updates(site, incident_id) == [draft]
    assert "status_update_edited" not in kinds(site, incident_id)

    done = site.as_("grace").post(path, json={"title": "Slow checkout", "impact": "major_outage"})
    assert done.status_code == 200, done.text
    assert done.json()["title"] == "Slow checkout" and done.json()["published"] is True
    assert status_kinds(site, incident_id)[-2:] == [
        "status_update_edited",
        "status_update_published",
    ]
    shown = [i["title"] for i in public(site)["active_incidents"]]
    assert "Slow checkout" in shown
    stage(site, incident_id, "verify")
    _resolve(site, incident_id, updates(site, incident_id)[-1]["id"])


def test_a_stage_change_proposes_a_draft_that_stays_private_until_published(
    world: World,
) -> None:
    site = world.site
    incident_id = declared(site)
    stage(site, incident_id, "assemble")

    (draft,) = updates(site, incident_id)
    assert draft["status"] == "investigating" and draft["published"] is False
    assert draft["title"] == "Degraded service: Checkout"
    assert draft["impact"] == "degraded_performance"
    assert sorted(draft["components"]) == sorted(component_ids(site).values())
    assert "Payments and Order history" in draft["body"]
    assert INTERNAL_TITLE not in draft["title"] + draft["body"]
    assert "status_update_proposed" in kinds(site, incident_id)
    body = public(site)
    shown = [
        u["id"] for i in body["active_incidents"] + body["past_incidents"] for u in i["updates"]
    ]
    assert draft["id"] not in shown

    # Still investigating, but customers hear about the new stage: the unpublished draft is
    # replaced in place by Verify's, so there is one current draft rather than a pile.
    stage(site, incident_id, "verify")
    (replaced,) = updates(site, incident_id)
    assert replaced["id"] == draft["id"] and replaced["stage"] == "verify"
    assert replaced["status"] == "investigating" and replaced["published"] is False
    assert "assessing how many customers are affected" in replaced["body"]
    assert replaced["body"] != draft["body"]
    assert _timeline_text(site, incident_id)[-1].startswith("Status page draft replaced for verify")
    assert publish(site, incident_id, replaced["id"]).status_code == 200

    # A published update is never touched: each later stage proposes a new draft, and a
    # move that keeps the status (Dispatch to Mitigate) still has its own words.
    stage(site, incident_id, "dispatch")
    dispatched = updates(site, incident_id)[-1]
    assert dispatched["id"] != replaced["id"] and dispatched["stage"] == "dispatch"
    assert dispatched["status"] == "identified" and "specialists" in dispatched["body"]
    stage(site, incident_id, "mitigate")
    listed = updates(site, incident_id)
    assert [u["published"] for u in listed] == [True, False]
    assert listed[0]["body"] == replaced["body"] and listed[0]["stage"] == "verify"
    assert listed[1]["id"] == dispatched["id"] and listed[1]["stage"] == "mitigate"
    assert listed[1]["status"] == "identified" and "applying a fix" in listed[1]["body"]
    _resolve(site, incident_id, listed[1]["id"])


def _resolve(site: Site, incident_id: int, draft_id: int) -> None:
    """Publish the draft as resolved, so that the incident leaves the page's present state
    (the tests share one site)."""
    done = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/status-updates/{draft_id}/publish",
        json={"status": "resolved", "title": "Resolved: Checkout", "body": "All good again."},
    )
    assert done.status_code == 200, done.text
    assert done.json()["impact"] == "operational"


def _timeline_text(site: Site, incident_id: int) -> list[str]:
    entries = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
    return [str(entry["message"]) for entry in entries]


def _link(mail: Any, part: str, site: Site) -> str:
    """The path of the link in ``mail``'s text that contains ``part``."""
    text = text_body(mail)
    return str(next(word for word in text.split() if part in word)).removeprefix(site.server.url)


def confirmed_email(world: World, prefix: str) -> str:
    """A new email subscriber who followed the link in the confirmation email."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"
    made = world.site.anonymous.post("/status/subscribe", json={"address": email})
    assert made.status_code == 201, made.text
    (mail,) = world.mailbox.wait_for(email)
    confirmed = world.site.anonymous.post(_link(mail, "/status/confirm/", world.site))
    assert confirmed.status_code == 200, confirmed.text
    return email


def test_a_published_update_is_public_in_the_page_the_json_and_the_feed_and_reaches_subscribers(
    world: World,
) -> None:
    site = world.site
    email = confirmed_email(world, "customer")
    pending = f"pending-{uuid.uuid4().hex[:8]}@example.org"  # never follows its link
    hook = f"{world.hooks.url}/hooks/{uuid.uuid4().hex[:8]}"
    for address in (pending, hook):
        made = site.anonymous.post("/status/subscribe", json={"address": address})
        assert made.status_code == 201, made.text
    incident_id = declared(site)
    stage(site, incident_id, "assemble")
    draft = updates(site, incident_id)[-1]
    payments = component_ids(site)["Checkout: Payments"]
    edited = site.as_("grace").patch(
        f"/api/v1/incidents/{incident_id}/status-updates/{draft['id']}",
        json={
            "title": "Card payments failing",
            "body": "Some card payments fail. Retrying usually works.",
            "impact": "major_outage",
            "components": [payments],
        },
    )
    assert edited.status_code == 200, edited.text
    published = publish(site, incident_id, draft["id"])
    assert published.status_code == 200, published.text
    assert published.json()["published_by"] == "grace@example.com"
    assert status_kinds(site, incident_id)[-2:] == [
        "status_update_edited",
        "status_update_published",
    ]

    body = public(site)
    assert body["headline"] == "Major outage" and body["state"] == "major_outage"
    (active,) = [i for i in body["active_incidents"] if i["title"] == "Card payments failing"]
    assert active["status"] == "investigating"
    assert active["components"] == ["Checkout: Payments"]
    assert active["updates"][0]["body"] == "Some card payments fail. Retrying usually works."
    states = {c["name"]: c["state"] for c in body["groups"][0]["components"]}
    assert states == {"Payments": "major_outage", "Order history": "operational"}
    today = body["groups"][0]["components"][0]["days"][-1]
    assert today["worst"] == "major_outage"

    html = site.anonymous.get("/status")
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert "Card payments failing" in html.text and "Major outage" in html.text

    feed = site.anonymous.get("/status/feed.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith(
        "application/atom+xml"
    )
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert "[Investigating] Card payments failing" in titles

    (_confirmation, mail) = world.mailbox.wait_for(email, count=2)
    assert "Card payments failing" in str(mail["Subject"])
    text = text_body(mail)
    assert "Some card payments fail." in text and "Checkout: Payments" in text
    unsubscribe = next(
        word for word in text.split() if "/status/unsubscribe/" in word
    ).removeprefix(site.server.url)
    delivered = _wait_for_hook(world.hooks, hook)
    assert "Card payments failing" in delivered
    for sent in (mail.as_string(), delivered):  # customers never learn the internal incident
        assert INTERNAL_TITLE not in sent and INTERNAL_SERVICE not in sent
    assert mail["X-Ondeck-Incident"] is None and '"incident"' not in delivered

    # The unsubscribe link: GET only asks, POST removes; a forged one removes nothing.
    assert site.anonymous.get(unsubscribe).status_code == 200
    assert site.anonymous.post(unsubscribe[:-3] + "xyz").status_code == 404
    assert site.anonymous.post(unsubscribe).status_code == 200
    stage(site, incident_id, "dispatch")
    second = updates(site, incident_id)[-1]
    assert publish(site, incident_id, second["id"]).status_code == 200
    _wait_for_hook(world.hooks, hook, count=2)
    assert len(world.mailbox.to(email)) == 2  # the confirmation and the one update
    assert len(world.mailbox.to(pending)) == 1  # only its confirmation: it never confirmed
    entries = ET.fromstring(site.anonymous.get("/status/feed.atom").content).findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}title", "").startswith("[Identified]")


def _wait_for_hook(hooks: Provider, path_url: str, count: int = 1) -> str:
    """The body of the ``count``-th webhook call to ``path_url`` (waits up to 15 s)."""
    path = path_url.removeprefix(hooks.url)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = [r for r in hooks.requests() if r.path == path]
        if len(got) >= count:
            return got[-1].body.decode()
        time.sleep(0.05)
    raise AssertionError(f"expected {count} webhook call(s) to {path}")


def test_bad_edits_and_outsiders_get_a_clear_error_and_change_nothing(world: World) -> None:
    site = world.site
    incident_id = declared(site)
    stage(site, incident_id, "assemble")
    draft = updates(site, incident_id)[-1]
    base = f"/api/v1/incidents/{incident_id}/status-updates"

    def edit(update_id: int, who: str = "grace", **body: Any) -> httpx.Response:
        return site.as_(who).patch(f"{base}/{update_id}", json=body)

    unknown = edit(999_999, title="x")
    assert unknown.status_code == 404 and "no status update 999999" in unknown.json()["detail"]
    outsider = edit(draft["id"], who="sam", title="Sam was here")
    assert outsider.status_code == 403 and "not a participant" in outsider.json()["detail"]
    assert publish(site, incident_id, draft["id"], who="sam").status_code == 403
    for body, field in (
        ({"status": "on fire"}, "status"),
        ({"impact": "meh"}, "impact"),
        ({"title": "   "}, "title"),
        ({"components": [987_654]}, "components"),
        ({"status": "resolved", "impact": "major_outage"}, "impact"),
    ):
        refused = edit(draft["id"], **body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["detail"].startswith(f"{field}:"), refused.text
    written = site.as_("sam").post(
        base, json={"title": "t", "body": "b", "status": "identified", "impact": "major_outage"}
    )
    assert written.status_code == 403
    assert updates(site, incident_id) == [draft]

    assert publish(site, incident_id, draft["id"]).status_code == 200
    again = publish(site, incident_id, draft["id"])
    assert again.status_code == 409 and "already published" in again.json()["detail"]
    late = edit(draft["id"], title="Rewritten history")
    assert late.status_code == 409
    assert updates(site, incident_id)[-1]["title"] == draft["title"]
    elsewhere = site.as_("ada").get("/api/v1/incidents/999999/status-updates")
    assert elsewhere.status_code == 404
    assert site.anonymous.get(base).status_code == 401


def test_a_participant_writes_an_update_by_hand_and_it_resolves_the_incident_publicly(
    world: World,
) -> None:
    site = world.site
    incident_id = declared(site)
    order_history = component_ids(site)["Checkout: Order history"]
    written = site.as_("linus").post(
        f"/api/v1/incidents/{incident_id}/status-updates",
        json={
            "title": "Order history slow",
            "body": "Order history pages load slowly.",
            "status": "identified",
            "impact": "degraded_performance",
            "components": [order_history],
        },
    )
    assert written.status_code == 201, written.text
    assert publish(site, incident_id, written.json()["id"], who="linus").status_code == 200
    fixed = site.as_("linus").post(
        f"/api/v1/incidents/{incident_id}/status-updates",
        json={
            "title": "Order history slow",
            "body": "Fixed.",
            "status": "resolved",
            "impact": "operational",
            "components": [order_history],
        },
    )
    assert publish(site, incident_id, fixed.json()["id"], who="linus").status_code == 200

    body = public(site)
    past = [i for i in body["past_incidents"] if i["title"] == "Order history slow"]
    assert len(past) == 1 and past[0]["status"] == "resolved"
    assert [u["body"] for u in past[0]["updates"]] == ["Fixed.", "Order history pages load slowly."]
    assert all(i["title"] != "Order history slow" for i in body["active_incidents"])


def test_an_email_subscription_is_confirmed_by_its_signed_link_before_it_gets_anything(
    world: World,
) -> None:
    site, client = world.site, world.site.anonymous
    address = f"optin-{uuid.uuid4().hex[:8]}@example.org"
    first = client.post("/status/subscribe", json={"address": address})
    assert first.status_code == 201, first.text
    assert first.json()["confirmed"] is False and first.json()["created"] is True
    assert "Check your email" in first.json()["message"]
    (mail,) = world.mailbox.wait_for(address)
    assert "Confirm your subscription" in str(mail["Subject"])
    assert mail["X-Ondeck-Incident"] is None
    older = _link(mail, "/status/confirm/", site)
    assert older not in site.server.log_path.read_text()  # it acts without a sign-in

    # Asking again while unconfirmed is no error: a fresh link, and the older one stops.
    time.sleep(1.1)  # links are dated to the second
    again = client.post("/status/subscribe", json={"address": address})
    assert again.status_code == 200 and again.json()["confirmed"] is False
    (_first, second) = world.mailbox.wait_for(address, count=2)
    link = _link(second, "/status/confirm/", site)
    assert link != older
    assert client.get(link).status_code == 200  # GET only asks: mail scanners prefetch
    assert client.post(older).status_code == 404
    assert client.post(link[:-3] + "xyz").status_code == 404  # forged
    confirmed = client.post(link)
    assert confirmed.status_code == 200 and "Subscribed" in confirmed.text
    assert client.post(link).status_code == 200  # confirming twice is harmless

    # Once confirmed, asking again sends nothing and changes nothing.
    known = client.post("/status/subscribe", json={"address": address})
    assert known.status_code == 200 and known.json()["confirmed"] is True
    time.sleep(0.5)
    assert len(world.mailbox.to(address)) == 2

    hook = client.post("/status/subscribe", json={"address": f"{world.hooks.url}/h/optin"})
    assert hook.status_code == 201 and hook.json()["confirmed"] is True  # no mailbox to ask


def test_an_unconfirmed_link_expires_and_a_new_request_works(world: World) -> None:
    site, client = world.site, world.site.anonymous
    address = f"late-{uuid.uuid4().hex[:8]}@example.org"
    assert client.post("/status/subscribe", json={"address": address}).status_code == 201
    (mail,) = world.mailbox.wait_for(address)
    link = _link(mail, "/status/confirm/", site)
    late = _age_request(site, address, days=8)  # as if asked eight days ago: that day's link
    expired = client.post(late)
    assert expired.status_code == 404 and "expired" in expired.text
    assert client.post(link).status_code == 404  # the email's link names another request
    again = client.post("/status/subscribe", json={"address": address})
    assert again.status_code == 200, again.text
    (_old, fresh) = world.mailbox.wait_for(address, count=2)
    assert client.post(_link(fresh, "/status/confirm/", site)).status_code == 200


def _age_request(site: Site, address: str, *, days: int) -> str:
    """Date the subscriber's request ``days`` ago; the confirmation link it got then."""
    engine = create_engine(site.server.env["ONDECK_DATABASE_URL"])
    asked = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
    try:
        with engine.begin() as conn:
            subscriber_id: int = conn.execute(
                update(status_subscribers)
                .where(status_subscribers.c.address == address)
                .values(created_at=asked)
                .returning(status_subscribers.c.id)
            ).scalar_one()
    finally:
        engine.dispose()
    signer = HmacCalendarSigner(site.server.env["ONDECK_SECRET_KEY"])
    record = StatusSubscriberRecord(subscriber_id, "email", address, asked)
    return confirm_url(signer=signer, base_url="", subscriber=record)


def test_subscribing_checks_the_address(world: World) -> None:
    client = world.site.anonymous
    for bad in ("not an address", "ftp://example.org/hook", ""):
        refused = client.post("/status/subscribe", json={"address": bad})
        assert refused.status_code == 422, refused.text
        assert "address" in refused.text
    form = client.post(
        "/status/subscribe",
        data={"address": f"form-{uuid.uuid4().hex[:8]}@example.org"},
        headers={"accept": "text/html"},
    )
    assert form.status_code == 201 and "Check your email" in form.text


def test_nothing_internal_reaches_the_public_page_json_or_feed(world: World) -> None:
    site = world.site
    incident_id = declared(site)
    stage(site, incident_id, "assemble")
    can = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/can-reports",
        json={"conditions": CAN_TEXT, "actions": CAN_TEXT, "needs": CAN_TEXT},
    )
    assert can.status_code == 201, can.text
    proposed = updates(site, incident_id)[-1]
    assert publish(site, incident_id, proposed["id"]).status_code == 200
    site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/status-updates",
        json={
            "title": DRAFT_TEXT,
            "body": DRAFT_TEXT,
            "status": "identified",
            "impact": "major_outage",
            "components": [],
        },
    ).raise_for_status()

    responses = [site.anonymous.get(path).text for path in ("/status", "/status.json")]
    responses.append(site.anonymous.get("/status/feed.atom").text)
    assert proposed["title"] in responses[1]
    for text in responses:
        for secret in (
            INTERNAL_TITLE,
            INTERNAL_SERVICE,
            "Billing backend",
            CAN_TEXT,
            DRAFT_TEXT,
            "grace@example.com",
            "Grace Hopper",
            "linus@example.com",
            "db-7",
            "stage_changed",
        ):
            assert secret not in text, secret
