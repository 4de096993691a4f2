"""Incident roles over the API, on SQLite and PostgreSQL, with real email: one level pages
both heads, each told their role; acknowledging takes the role; hand-offs tell the people
concerned and land on the timeline; bad input is refused naming what and changes nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.support import Site, fresh_database, running_site
from tests.conftest import ROUTING_KEY, Mailbox, smtp_server, text_body


def _person(who: str, name: str) -> str:
    return (
        f"  - {{email: {who}@example.com, name: {name}, contact_methods: [{{type: email, "
        f"address: {who}@example.com}}], notification_rules: [{{contact: email, after: 0m}}]}}\n"
    )


ORG = (
    "users:\n"
    "  - {email: ada@example.com, name: Ada Lovelace, role: admin}\n"
    + _person("grace", "Grace Hopper")
    + _person("linus", "Linus Torvalds")
    + _person("sam", "Sam Rivers")
    + _person("nina", "Nina Simone")
    + f"""escalation_policies:
  - name: Heads
    levels:
      - escalate_after: 1h
        targets:
          - {{user: grace@example.com, role: incident_manager}}
          - {{user: linus@example.com, role: incident_engineer}}
services:
  - name: Checkout API
    escalation_policy: Heads
    integrations: [{{type: events_v2, key: {ROUTING_KEY}}}]
"""
)
PEOPLE = ["ada", "grace", "linus", "sam", "nina"]


@dataclass
class Roles:
    site: Site
    mailbox: Mailbox


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def roles(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Roles]:
    directory = tmp_path_factory.mktemp(f"roles-{request.param}")
    with (
        smtp_server() as box,
        fresh_database(request.param, directory) as url,
        running_site(
            url,
            ORG,
            [f"{who}@example.com" for who in PEOPLE],
            directory,
            ONDECK_SMTP_URL=box.url,
            ONDECK_NOTIFY_LIMIT="100000",  # every page its own email, never a bundle
        ) as running,
    ):
        yield Roles(running, box)


def mails(box: Mailbox, who: str, words: str) -> list[str]:
    """The text of every email to ``who`` that contains ``words``, waiting for the first."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [text_body(m) for m in box.to(f"{who}@example.com") if words in text_body(m)]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no email to {who} with {words!r}")


def paged(roles: Roles) -> tuple[int, str]:
    """A new incident whose first level has paged Grace and Linus: (id, title)."""
    title = f"Checkout failing {uuid.uuid4().hex[:8]}"
    sent = roles.site.anonymous.post(
        "/v2/enqueue",
        json={
            "routing_key": ROUTING_KEY,
            "event_action": "trigger",
            "dedup_key": title,
            "payload": {"summary": title, "source": "t", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    found = roles.site.as_("ada").get("/api/v1/incidents", params={"limit": 500}).json()["data"]
    incident_id = int(next(i["id"] for i in found if i["dedup_key"] == title))
    mails(roles.mailbox, "grace", title)
    mails(roles.mailbox, "linus", title)
    return incident_id, title


def acknowledged(roles: Roles) -> int:
    """A paged incident that Grace and then Linus acknowledged."""
    incident_id, _title = paged(roles)
    for who in ("grace", "linus"):
        answer = roles.site.as_(who).post(f"/api/v1/incidents/{incident_id}/acknowledge")
        assert answer.status_code == 200, answer.text
    return incident_id


def held(roles: Roles, incident_id: int) -> list[tuple[str, str]]:
    answer = roles.site.as_("ada").get(f"/api/v1/incidents/{incident_id}/roles")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == len(body["data"])
    return sorted((h["role"], h["user"].split("@")[0]) for h in body["data"])


def timeline(roles: Roles, incident_id: int) -> list[str]:
    answer = roles.site.as_("ada").get(f"/api/v1/incidents/{incident_id}/timeline")
    return [entry["message"] for entry in answer.json()["data"]]


def hand(roles: Roles, incident_id: int, who: str, **body: Any) -> Any:
    return roles.site.as_(who).post(f"/api/v1/incidents/{incident_id}/roles", json=body)


def test_one_level_pages_both_heads_each_told_their_role(roles: Roles) -> None:
    _incident_id, title = paged(roles)

    [to_grace] = mails(roles.mailbox, "grace", title)
    [to_linus] = mails(roles.mailbox, "linus", title)

    assert "You are paged as incident manager." in to_grace
    assert "You are paged as incident engineer." in to_linus


def test_each_head_takes_the_role_their_page_asked_for_on_acknowledging(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "grace"),
    ]
    entries = timeline(roles, incident_id)
    assert "Grace Hopper took the incident manager role" in entries
    assert "Linus Torvalds took the incident engineer role" in entries


def test_acknowledging_again_takes_no_role_twice(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    again = roles.site.as_("grace").post(f"/api/v1/incidents/{incident_id}/acknowledge")

    assert again.status_code == 200
    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "grace"),
    ]
    assert timeline(roles, incident_id).count("Grace Hopper took the incident manager role") == 1


def test_a_hand_off_replaces_the_holder_tells_both_and_is_on_the_timeline(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    answer = hand(roles, incident_id, "grace", role="incident_manager", user="sam@example.com")

    assert answer.status_code == 200, answer.text
    assert sorted((h["role"], h["user"]) for h in answer.json()["data"]) == [
        ("incident_engineer", "linus@example.com"),
        ("incident_manager", "sam@example.com"),
    ]
    words = "Incident manager handed from Grace Hopper to Sam Rivers by Grace Hopper"
    assert words in timeline(roles, incident_id)
    assert mails(roles.mailbox, "sam", words)
    [told] = mails(roles.mailbox, "grace", words)
    assert "Acknowledge:" not in told


def test_experts_are_added_one_by_one_and_removed(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    for expert in ("sam", "nina"):
        answer = hand(
            roles, incident_id, "linus", role="subject_matter_expert", user=f"{expert}@example.com"
        )
        assert answer.status_code == 200, answer.text
    removed = hand(
        roles,
        incident_id,
        "nina",
        role="subject_matter_expert",
        user="sam@example.com",
        remove=True,
    )

    assert removed.status_code == 200, removed.text
    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "grace"),
        ("subject_matter_expert", "nina"),
    ]
    assert "Sam Rivers removed as subject matter expert by Nina Simone" in timeline(
        roles, incident_id
    )


def test_an_expert_added_is_summoned_to_join_on_every_high_urgency_method(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    answer = hand(roles, incident_id, "grace", role="subject_matter_expert", user="sam@example.com")

    assert answer.status_code == 200, answer.text
    [summons] = mails(roles.mailbox, "sam", "Grace Hopper asks you to join major incident")
    assert "as a subject-matter expert" in summons
    assert "Acknowledge:" not in summons  # nothing to acknowledge: the incident is owned
    assert "Summoned Sam Rivers as subject-matter expert (email)" in timeline(roles, incident_id)


def test_experts_named_at_dispatch_who_are_users_take_the_role_and_are_summoned(
    roles: Roles,
) -> None:
    incident_id = acknowledged(roles)
    declared = roles.site.as_("grace").post(f"/api/v1/incidents/{incident_id}/declare")
    assert declared.status_code == 200, declared.text
    site = roles.site.as_("grace")
    for stage in ("assemble", "verify", "dispatch"):
        moved = site.post(
            f"/api/v1/incidents/{incident_id}/stage", json={"stage": stage, "reason": "test"}
        )
        assert moved.status_code == 200, moved.text

    named = ["nina@example.com", "Dana from the database vendor"]
    moved = site.post(
        f"/api/v1/incidents/{incident_id}/stage",
        json={"stage": "mitigate", "experts": named},
    )
    assert moved.status_code == 200, moved.text
    again = site.post(
        f"/api/v1/incidents/{incident_id}/stage",
        json={"stage": "repair", "experts": named, "reason": "test"},
    )
    assert again.status_code == 200, again.text

    assert ("subject_matter_expert", "nina") in held(roles, incident_id)
    mails(roles.mailbox, "nina", "asks you to join major incident")
    entries = timeline(roles, incident_id)
    # Named twice, summoned once; a name that is not a user is only recorded.
    assert sum("Summoned Nina Simone" in entry for entry in entries) == 1
    assert not any("Summoned Dana" in entry for entry in entries)


def test_declaring_keeps_the_heads_who_took_their_roles(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    answer = roles.site.as_("ada").post(f"/api/v1/incidents/{incident_id}/declare")

    assert answer.status_code == 200, answer.text
    assert answer.json()["incident_manager"] == "grace@example.com"
    assert answer.json()["incident_engineer"] == "linus@example.com"
    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "grace"),
    ]


def test_the_manager_named_at_declaration_replaces_the_holder(roles: Roles) -> None:
    incident_id = acknowledged(roles)

    answer = roles.site.as_("grace").post(
        f"/api/v1/incidents/{incident_id}/declare", json={"manager": "sam@example.com"}
    )

    assert answer.status_code == 200, answer.text
    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "sam"),
    ]


@pytest.mark.parametrize(
    ("who", "body", "status", "words"),
    [
        (
            "grace",
            {"role": "commander", "user": "sam@example.com"},
            422,
            "role: unknown role 'commander'; one of incident_manager, incident_engineer",
        ),
        (
            "grace",
            {"role": "incident_manager", "user": "nobody@example.com"},
            422,
            "user: nobody has the email 'nobody@example.com'",
        ),
        (
            "nina",
            {"role": "incident_manager", "user": "nina@example.com"},
            403,
            "nina@example.com is not a participant",
        ),
        (
            "grace",
            {"role": "incident_manager", "user": "grace@example.com"},
            422,
            "grace@example.com already holds the incident manager role",
        ),
        (
            "grace",
            {"role": "incident_engineer", "user": "linus@example.com", "remove": True},
            422,
            "cannot be removed as incident engineer",
        ),
        (
            "grace",
            {"role": "subject_matter_expert", "user": "sam@example.com", "remove": True},
            422,
            "sam@example.com is not a subject-matter expert",
        ),
    ],
    ids=["unknown role", "unknown user", "not a participant", "no change", "head", "no expert"],
)
def test_a_bad_hand_off_is_refused_saying_why_and_changes_nothing(
    roles: Roles, who: str, body: dict[str, Any], status: int, words: str
) -> None:
    incident_id = acknowledged(roles)
    before = timeline(roles, incident_id)

    answer = hand(roles, incident_id, who, **body)

    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert held(roles, incident_id) == [
        ("incident_engineer", "linus"),
        ("incident_manager", "grace"),
    ]
    assert timeline(roles, incident_id) == before


def test_roles_of_an_unknown_incident_are_not_found_and_need_a_token(roles: Roles) -> None:
    assert roles.site.as_("ada").get("/api/v1/incidents/999999/roles").status_code == 404
    assert (
        hand(roles, 999999, "ada", role="incident_manager", user="sam@example.com").status_code
        == 404
    )
    assert roles.site.anonymous.get("/api/v1/incidents/1/roles").status_code == 401


def test_the_policies_listing_shows_the_role_each_target_pages_for(roles: Roles) -> None:
    listed = roles.site.as_("ada").get("/api/v1/escalation-policies").json()["data"]

    [heads] = [policy for policy in listed if policy["name"] == "Heads"]
    assert heads["levels"][0]["targets"] == [
        {"kind": "user", "name": "grace@example.com", "role": "incident_manager"},
        {"kind": "user", "name": "linus@example.com", "role": "incident_engineer"},
    ]
