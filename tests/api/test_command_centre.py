"""A major incident's command centre over HTTP, on SQLite and PostgreSQL: the bridge from the
organisation's template, the broadcast of a declaration to a Slack channel (a stand-in
Slack), stakeholders who get CAN reports by real email (aiosmtpd) and never pages, the
org file's severity thresholds, and ``/ondeck declare`` signed the way Slack signs it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.support import Site, fresh_database, parse_time, running_site
from tests.api.test_slack_integration import COMMANDS, SIGNING_SECRET, command_body, sign
from tests.channels.fake_slack import TOKEN, FakeSlack, running_fake_slack
from tests.conftest import ROUTING_KEY, Mailbox, smtp_server, text_body

ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
  - email: grace@example.com
    name: Grace Hopper
    contact_methods: [{{type: email, address: grace@example.com}}]
  - email: linus@example.com
    name: Linus Torvalds
    contact_methods:
      - {{type: slack, address: U0LINUS}}
      - {{type: email, address: linus@example.com}}
  - {{email: sam@example.com, name: Sam Rivers}}
  - {{email: olive@example.com, name: Olive Observer, role: observer}}
escalation_policies:
  - name: Heads
    levels:
      - {{escalate_after: 1h, targets: [{{user: grace@example.com}}]}}
services:
  - name: Checkout API
    escalation_policy: Heads
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
major_incidents:
  bridge: "https://meet.example.com/ondeck-{{number}}"
  protocol: |
    The incident manager runs the bridge; everyone else listens first.
  announcement_channel: {{slack: C0PAYMENTS}}
  severity: {{high_loss_per_hour: 5000, medium_loss_per_hour: 500}}
  can_every: {{high: 15m}}
"""
PEOPLE = ["ada", "grace", "linus", "sam", "olive"]


@dataclass
class Centre:
    site: Site
    slack: FakeSlack
    mail: Mailbox

    def as_(self, who: str) -> httpx.Client:
        return self.site.as_(who)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def centre(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Centre]:
    directory = tmp_path_factory.mktemp(f"centre-{request.param}")
    with (
        running_fake_slack() as slack,
        smtp_server() as mail,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            ORG,
            [f"{who}@example.com" for who in PEOPLE],
            directory,
            ONDECK_SMTP_URL=mail.url,
            ONDECK_SLACK_BOT_TOKEN=TOKEN,
            ONDECK_SLACK_SIGNING_SECRET=SIGNING_SECRET,
            ONDECK_SLACK_API_URL=slack.api_url,
        ) as site,
    ):
        yield Centre(site, slack, mail)


def trigger(c: Centre, summary: str = "Checkout failing") -> dict[str, Any]:
    """A new incident of its own on Checkout API (Grace is paged for it)."""
    key = uuid.uuid4().hex
    sent = c.site.anonymous.post(
        "/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": key,
            "payload": {"summary": summary, "source": "t", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    found = c.as_("ada").get("/api/v1/incidents", params={"limit": 500}).json()["data"]
    return dict(next(i for i in found if i["dedup_key"] == key))


def declared(c: Centre, summary: str = "Checkout failing", **body: Any) -> dict[str, Any]:
    incident = trigger(c, summary)
    answer = c.as_("grace").post(f"/api/v1/incidents/{incident['id']}/declare", json=body)
    assert answer.status_code == 200, answer.text
    return incident


def command(c: Centre, incident_id: int) -> dict[str, Any]:
    answer = c.as_("sam").get(f"/api/v1/incidents/{incident_id}/command")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def entries(c: Centre, incident_id: int, kind: str) -> list[dict[str, Any]]:
    found = c.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
    return [entry for entry in found if entry["kind"] == kind]


def can(c: Centre, incident_id: int, **parts: str) -> httpx.Response:
    report = {"conditions": "Checkout failing", "actions": "Rolling back", "needs": "Nothing"}
    return c.as_("grace").post(f"/api/v1/incidents/{incident_id}/can-reports", json=report | parts)


def broadcasts(c: Centre, number: int) -> list[str]:
    """Texts of the messages posted to the announcement channel about incident ``number``."""
    return [
        str(seen.body.get("text", ""))
        for seen in c.slack.to("/api/chat.postMessage")
        if seen.body.get("channel") == "C0PAYMENTS" and f"#{number}" in str(seen.body.get("text"))
    ]


def wait_for(what: str, found: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not seen in {timeout}s: {what}")


def test_declaring_opens_the_command_centre_and_broadcasts_to_the_announcement_channel(
    centre: Centre,
) -> None:
    incident = declared(centre)
    number = incident["number"]
    body = command(centre, incident["id"])
    assert body["bridge_url"] == f"https://meet.example.com/ondeck-{number}"
    assert body["protocol"] == "The incident manager runs the bridge; everyone else listens first."

    [text] = wait_for("the broadcast", lambda: broadcasts(centre, number))
    assert f"Major incident #{number}: Checkout failing" in text
    assert "Incident manager (commander): Grace Hopper <grace@example.com>" in text
    assert "Severity: not assessed yet (the alert's: critical)" in text
    assert f"https://meet.example.com/ondeck-{number}" in text
    [bridge] = entries(centre, incident["id"], "bridge_set")
    assert bridge["message"] == f"Conference bridge: https://meet.example.com/ondeck-{number}"
    [broadcast] = entries(centre, incident["id"], "broadcast")
    assert broadcast["message"].startswith("Announced the declaration on slack C0PAYMENTS")
    sent = wait_for(
        "the broadcast's delivery",
        lambda: [
            e for e in entries(centre, incident["id"], "notified") if "broadcast" in e["message"]
        ],
    )
    assert sent[0]["data"]["purpose"] == "broadcast"


def test_a_bridge_given_at_declaration_or_later_replaces_the_template(centre: Centre) -> None:
    incident = declared(centre, bridge="https://bridge.example.com/room-7")
    assert command(centre, incident["id"])["bridge_url"] == "https://bridge.example.com/room-7"

    path = f"/api/v1/incidents/{incident['id']}/bridge"
    moved = centre.as_("grace").post(path, json={"url": "https://bridge.example.com/room-9"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["bridge_url"] == "https://bridge.example.com/room-9"
    assert [e["actor"] for e in entries(centre, incident["id"], "bridge_set")] == [
        "grace@example.com",
        "grace@example.com",
    ]


def test_a_bad_bridge_is_refused_naming_it_and_changes_nothing(centre: Centre) -> None:
    incident = trigger(centre)
    path = f"/api/v1/incidents/{incident['id']}"
    refused = centre.as_("grace").post(f"{path}/declare", json={"bridge": "meet me at noon"})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("bridge: ")
    assert centre.as_("grace").get(f"{path}/command").status_code == 409  # not declared

    centre.as_("grace").post(f"{path}/declare")
    before = command(centre, incident["id"])["bridge_url"]
    for url in ("ftp://files.example.com/x", "https://meet.example.com/{number}"):
        answer = centre.as_("grace").post(f"{path}/bridge", json={"url": url})
        assert answer.status_code == 422, url
        assert answer.json()["detail"].startswith("bridge: ")
    outsider = centre.as_("sam").post(f"{path}/bridge", json={"url": "https://x.example.com/"})
    assert outsider.status_code == 403
    assert command(centre, incident["id"])["bridge_url"] == before


def test_setting_the_bridge_of_an_incident_that_is_not_major_is_a_conflict(
    centre: Centre,
) -> None:
    incident = trigger(centre)
    answer = centre.as_("ada").post(
        f"/api/v1/incidents/{incident['id']}/bridge", json={"url": "https://x.example.com/"}
    )
    assert answer.status_code == 409
    assert "not a major incident" in answer.json()["detail"]


def test_stakeholders_get_each_can_report_by_email_and_never_a_page(centre: Centre) -> None:
    incident = declared(centre, summary="Payments slow")
    path = f"/api/v1/incidents/{incident['id']}/stakeholders"
    followed = centre.as_("sam").post(path)
    assert followed.status_code == 201, followed.text
    assert [s["email"] for s in followed.json()["data"]] == ["sam@example.com"]
    added = centre.as_("grace").post(path, json={"user": "linus@example.com"})
    assert [s["email"] for s in added.json()["data"]] == ["sam@example.com", "linus@example.com"]

    assert can(centre, incident["id"], needs="A DBA").status_code == 201
    [mail] = centre.mail.wait_for("sam@example.com")
    assert mail["Subject"] == f"[ondeck] CAN report: #{incident['number']} Payments slow"
    text = text_body(mail)
    assert "Conditions: Checkout failing" in text
    assert "Needs: A DBA" in text
    assert "Next update due: " in text
    assert "Acknowledge" not in text  # a notice asks nothing of its reader
    # Linus's first method is Slack, but notices go to his email method
    [to_linus] = centre.mail.wait_for("linus@example.com")
    assert to_linus["Subject"] == mail["Subject"]
    notified = centre.as_("sam").post(
        f"/api/v1/incidents/{incident['id']}/can-reports",
        json={"conditions": "I heard", "actions": "None", "needs": "News"},
    )
    assert notified.status_code == 403  # being sent a report makes nobody a participant
    [told] = entries(centre, incident["id"], "stakeholders_told")
    assert told["data"]["stakeholders"] == ["sam@example.com", "linus@example.com"]
    assert [e["data"]["user"] for e in entries(centre, incident["id"], "followed")] == [
        "sam@example.com",
        "linus@example.com",
    ]

    gone = centre.as_("sam").delete(f"{path}/sam@example.com")
    assert gone.status_code == 200
    assert [s["email"] for s in gone.json()["data"]] == ["linus@example.com"]
    assert can(centre, incident["id"], needs="Still a DBA").status_code == 201
    centre.mail.wait_for("linus@example.com", count=2)
    assert len(centre.mail.to("sam@example.com")) == 1  # unfollowed: no second report
    assert entries(centre, incident["id"], "unfollowed")[0]["data"]["user"] == "sam@example.com"


def test_following_is_refused_clearly_when_it_cannot_be_done(centre: Centre) -> None:
    incident = trigger(centre)
    path = f"/api/v1/incidents/{incident['id']}/stakeholders"
    observer = centre.as_("olive").post(path, json={"user": "sam@example.com"})
    assert observer.status_code == 403
    unknown = centre.as_("ada").post(path, json={"user": "nobody@example.com"})
    assert unknown.status_code == 404
    assert "nobody@example.com" in unknown.json()["detail"]
    missing = centre.as_("ada").post("/api/v1/incidents/999999/stakeholders")
    assert missing.status_code == 404
    assert centre.as_("ada").get(path).json()["data"] == []

    mine = centre.as_("olive").post(path)  # an observer may follow for themselves
    assert mine.status_code == 201
    again = centre.as_("olive").post(path)
    assert [s["email"] for s in again.json()["data"]] == ["olive@example.com"]
    assert len(entries(centre, incident["id"], "followed")) == 1
    anonymous = centre.site.anonymous.post(path)
    assert anonymous.status_code == 401


def test_the_org_files_thresholds_set_the_severity(centre: Centre) -> None:
    incident = declared(centre)
    path = f"/api/v1/incidents/{incident['id']}/loss-estimates"
    # 6,000 an hour is medium by the server's defaults (high from 10,000): high here
    estimate = centre.as_("grace").post(path, json={"cost_per_hour": 6_000})
    assert estimate.status_code == 201, estimate.text
    assert estimate.json()["severity"] == "high"
    lower = centre.as_("grace").post(path, json={"cost_per_hour": 600})
    assert lower.json()["severity"] == "medium"


def test_the_org_files_cadence_sets_when_the_first_can_report_is_due(centre: Centre) -> None:
    incident = declared(centre)
    body = command(centre, incident["id"])
    gap = parse_time(body["next_can_due"]) - parse_time(body["declared_at"])
    assert gap.total_seconds() == 15 * 60


def slash(c: Centre, text: str, member: str) -> str:
    body = command_body(text, member=member)
    answer = c.site.anonymous.post(COMMANDS, content=body, headers=sign(body))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["text"])


def test_declaring_from_slack_answers_with_the_bridge(centre: Centre) -> None:
    incident = trigger(centre, "Search down")
    number = incident["number"]
    answer = slash(centre, f"declare {number}", "U0LINUS")
    assert f"Incident #{number} Search down is a major incident" in answer
    assert f"https://meet.example.com/ondeck-{number}" in answer
    body = command(centre, incident["id"])
    assert body["declared_by"] == "linus@example.com"
    assert body["incident_manager"] == "linus@example.com"
    wait_for("the broadcast", lambda: broadcasts(centre, number))

    again = slash(centre, f"declare {number}", "U0LINUS")
    assert "already a major incident" in again
    stranger = slash(centre, f"declare {trigger(centre)['number']}", "U0NOBODY")
    assert "is not known to ondeck" in stranger
    assert "`/ondeck declare 42`" in slash(centre, "help", "U0LINUS")
    assert "is not an incident number" in slash(centre, "declare soon", "U0LINUS")


def test_a_forged_slack_declaration_declares_nothing(centre: Centre) -> None:
    incident = trigger(centre)
    body = command_body(f"declare {incident['number']}", member="U0LINUS")
    forged = centre.site.anonymous.post(
        COMMANDS, content=body, headers=sign(body, secret="not-the-signing-secret")
    )
    assert forged.status_code == 401
    answer = centre.as_("ada").get(f"/api/v1/incidents/{incident['id']}/command")
    assert answer.status_code == 409
