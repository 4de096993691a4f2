"""Running a major incident over the API, on SQLite and PostgreSQL: declare, stages with
their checklist, CAN reports, loss estimates and severity; bad input changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.support import Site, fresh_database, running_site
from tests.conftest import ROUTING_KEY

ORG = f"""
users:
  - {{email: ada@example.com, name: Ada Lovelace, role: admin}}
  - {{email: grace@example.com, name: Grace Hopper}}
  - {{email: linus@example.com, name: Linus Torvalds}}
  - {{email: sam@example.com, name: Sam Rivers}}
  - {{email: olive@example.com, name: Olive Observer, role: observer}}
teams:
  - {{name: Payments, members: [grace@example.com, linus@example.com]}}
escalation_policies:
  - name: Heads
    levels:
      - {{escalate_after: 1h, targets: [{{user: grace@example.com}}, {{user: linus@example.com}}]}}
services:
  - name: Checkout API
    team: Payments
    escalation_policy: Heads
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
"""
PEOPLE = ["ada", "grace", "linus", "sam", "olive"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp(f"command-{request.param}")
    with (
        fresh_database(request.param, directory) as url,
        running_site(url, ORG, [f"{who}@example.com" for who in PEOPLE], directory) as running,
    ):
        yield running


def trigger(site: Site) -> int:
    """A new incident on Checkout API, acknowledged by Grace."""
    key = uuid.uuid4().hex
    sent = site.anonymous.post(
        "/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": key,
            "payload": {"summary": "Checkout failing", "source": "t", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    found = site.as_("ada").get("/api/v1/incidents", params={"limit": 500}).json()["data"]
    incident_id = next(i["id"] for i in found if i["dedup_key"] == key)
    acked = site.as_("grace").post(f"/api/v1/incidents/{incident_id}/acknowledge")
    assert acked.status_code == 200, acked.text
    return int(incident_id)


def declared(site: Site) -> int:
    incident_id = trigger(site)
    answer = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/declare", json={"engineer": "linus@example.com"}
    )
    assert answer.status_code == 200, answer.text
    return incident_id


def state(site: Site, incident_id: int) -> dict[str, Any]:
    answer = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/command")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def kinds(site: Site, incident_id: int) -> list[str]:
    entries = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
    return [entry["kind"] for entry in entries]


def stage(site: Site, incident_id: int, who: str = "grace", **body: Any) -> Any:
    return site.as_(who).post(f"/api/v1/incidents/{incident_id}/stage", json=body)


def can(site: Site, incident_id: int, who: str = "grace", **parts: str) -> Any:
    report = {"conditions": "Checkout failing", "actions": "Rolling back", "needs": "Nothing"}
    return site.as_(who).post(f"/api/v1/incidents/{incident_id}/can-reports", json=report | parts)


def test_declaring_makes_the_declarer_incident_manager_in_detect(site: Site) -> None:
    incident_id = declared(site)
    body = state(site, incident_id)
    assert body["stage"] == "detect"
    assert body["incident_manager"] == "grace@example.com"
    assert body["incident_engineer"] == "linus@example.com"
    assert body["checklist"] == [{"item": "acknowledged", "done": True}]
    assert body["severity"] is None and body["latest_can"] is None
    assert "declared" in kinds(site, incident_id)

    again = site.as_("grace").post(f"/api/v1/incidents/{incident_id}/declare")
    assert again.status_code == 409
    assert "already a major incident" in again.json()["detail"]


def test_a_major_incident_runs_through_every_stage_to_action_items(site: Site) -> None:
    incident_id = declared(site)
    assert stage(site, incident_id, stage="assemble").status_code == 200
    assert stage(site, incident_id, stage="verify").status_code == 200
    assert can(site, incident_id).status_code == 201
    estimate = site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/loss-estimates",
        json={"revenue_per_hour": 25_000, "users_affected": 4_000, "journey": "blocked"},
    )
    assert estimate.status_code == 201, estimate.text
    assert estimate.json()["severity"] == "high"
    assert stage(site, incident_id, stage="dispatch").status_code == 200
    moved = stage(site, incident_id, stage="mitigate", experts=["Dana (payments DB)"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["experts"] == ["Dana (payments DB)"]
    assert can(site, incident_id, who="linus", actions="Traffic moved to EU").status_code == 201
    assert stage(site, incident_id, stage="repair").status_code == 200
    assert site.as_("linus").post(f"/api/v1/incidents/{incident_id}/resolve").status_code == 200
    assert stage(site, incident_id, stage="review").status_code == 200
    final = stage(site, incident_id, stage="action_items", rca_owner="linus@example.com")
    assert final.status_code == 200, final.text

    body = final.json()
    assert body["stage"] == "action_items" and body["rca_owner"] == "linus@example.com"
    assert body["severity"] == "high" and body["response"] == "restore_immediately"
    assert body["latest_can"]["actions"] == "Traffic moved to EU"
    assert body["time_to_mitigate_seconds"] is not None
    assert body["time_to_repair_seconds"] is not None
    assert kinds(site, incident_id).count("stage_changed") == 7
    moves = site.as_("sam").get(f"/api/v1/incidents/{incident_id}/stages").json()["data"]
    assert [move["target"] for move in moves] == [
        "detect",
        "assemble",
        "verify",
        "dispatch",
        "mitigate",
        "repair",
        "review",
        "action_items",
    ]
    assert moves[0]["source"] is None and moves[1]["by"] == "grace@example.com"


def test_revising_the_estimate_changes_severity_and_response_both_on_the_timeline(
    site: Site,
) -> None:
    incident_id = declared(site)
    path = f"/api/v1/incidents/{incident_id}/loss-estimates"
    first = site.as_("grace").post(path, json={"cost_per_hour": 20_000})
    assert (first.json()["severity"], first.json()["response"]) == ("high", "restore_immediately")
    second = site.as_("linus").post(path, json={"cost_per_hour": 500, "users_affected": 150})
    assert (second.json()["severity"], second.json()["response"]) == ("medium", "next_working_day")
    same = site.as_("grace").post(path, json={"users_affected": 120, "note": "fewer than thought"})
    assert same.json()["severity"] == "medium"

    history = site.as_("sam").get(path).json()["data"]
    assert [item["severity"] for item in history] == ["high", "medium", "medium"]
    seen = kinds(site, incident_id)
    assert seen.count("loss_estimated") == 3
    assert seen.count("severity_changed") == 2
    assert seen.count("response_changed") == 2
    assert state(site, incident_id)["response"] == "next_working_day"


def test_an_unknown_stage_is_refused_naming_the_field_and_nothing_changes(site: Site) -> None:
    incident_id = declared(site)
    answer = stage(site, incident_id, stage="fix-it", reason="because")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("stage: unknown stage 'fix-it'")
    assert state(site, incident_id)["stage"] == "detect"


def test_skipping_stages_without_a_reason_is_refused_and_with_one_is_recorded(
    site: Site,
) -> None:
    incident_id = declared(site)
    refused = stage(site, incident_id, stage="mitigate")
    assert refused.status_code == 409
    assert "first_can_report, severity_set, experts_named" in refused.json()["detail"]
    assert state(site, incident_id)["stage"] == "detect"
    assert "stage_changed" not in kinds(site, incident_id)

    allowed = stage(site, incident_id, stage="mitigate", reason="obvious fix, apply it now")
    assert allowed.status_code == 200
    entries = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline").json()["data"]
    moved = next(entry for entry in entries if entry["kind"] == "stage_changed")
    assert moved["actor"] == "grace@example.com"
    assert "moved on without first_can_report" in moved["message"]
    assert "obvious fix" in moved["message"]
    moves = site.as_("ada").get(f"/api/v1/incidents/{incident_id}/stages").json()["data"]
    assert moves[-1]["missing"] == ["first_can_report", "severity_set", "experts_named"]
    assert moves[-1]["reason"] == "obvious fix, apply it now"


def test_going_back_needs_a_reason(site: Site) -> None:
    incident_id = declared(site)
    assert stage(site, incident_id, stage="assemble").status_code == 200
    back = stage(site, incident_id, stage="detect")
    assert back.status_code == 409 and "needs a reason" in back.json()["detail"]
    assert stage(site, incident_id, stage="detect", reason="wrong call").status_code == 200


def test_a_negative_loss_is_refused_naming_the_field_and_nothing_changes(site: Site) -> None:
    incident_id = declared(site)
    path = f"/api/v1/incidents/{incident_id}/loss-estimates"
    answer = site.as_("grace").post(path, json={"cost_per_hour": -5})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "cost_per_hour: must not be negative (got -5)"
    unknown = site.as_("grace").post(path, json={"journey": "sideways"})
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("journey:")
    assert site.as_("grace").get(path).json()["data"] == []
    assert state(site, incident_id)["severity"] is None


def test_a_non_participant_cannot_post_a_can_report_and_nothing_changes(site: Site) -> None:
    incident_id = declared(site)
    refused = can(site, incident_id, who="sam")
    assert refused.status_code == 403
    assert "sam@example.com is not a participant" in refused.json()["detail"]
    assert stage(site, incident_id, who="sam", stage="assemble").status_code == 403
    path = f"/api/v1/incidents/{incident_id}/can-reports"
    assert site.as_("ada").get(path).json()["data"] == []
    assert "can_report" not in kinds(site, incident_id)
    assert can(site, incident_id, who="ada").status_code == 201  # admins may


def test_a_blank_part_of_a_can_report_is_refused_naming_it(site: Site) -> None:
    incident_id = declared(site)
    answer = can(site, incident_id, needs="   ")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "needs: must not be blank"


def test_unknown_and_undeclared_incidents(site: Site) -> None:
    assert site.as_("ada").get("/api/v1/incidents/999999/command").status_code == 404
    assert can(site, 999999, who="ada").status_code == 404
    plain = trigger(site)
    answer = can(site, plain)
    assert answer.status_code == 409 and "declare it first" in answer.json()["detail"]
    observer = site.as_("olive").post(f"/api/v1/incidents/{plain}/declare")
    assert observer.status_code == 403
    nobody = site.as_("grace").post(
        f"/api/v1/incidents/{plain}/declare", json={"manager": "nobody@example.com"}
    )
    assert nobody.status_code == 422 and nobody.json()["detail"].startswith("manager:")
