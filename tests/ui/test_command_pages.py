"""The incident page as a major incident's command centre, over HTTP against a real server on
SQLite and PostgreSQL: declaring, the stage bar and checklist, moving stage (a reason when
items are missing), CAN reports, loss estimates; refusals show the error and change nothing."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.ui.command_support import STATUS_ORG, STORE_KEY
from tests.ui.support import (
    GRACE,
    OTHERS,
    csrf_from,
    incident_id,
    prepare,
    serving,
    set_passwords,
    sign_in,
    trigger,
)


@pytest.fixture(scope="module")
def site(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The test organisation with a service on the public status page, served."""
    with serving(prepare(module_database_url, more=STATUS_ORG), tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def grace_signs_in(module_database_url: str, site: Server) -> str:  # noqa: ARG001
    """Grace has a password (once ``site`` has applied the organisation); she takes no part
    in new incidents (the first level pages Ada's schedule and waits an hour)."""
    set_passwords(module_database_url, OTHERS, GRACE)
    return GRACE


@pytest.fixture
def ada(site: Server) -> Iterator[httpx.Client]:
    """Ada (an admin, on call) signed in."""
    with httpx.Client(base_url=site.url) as client:
        sign_in(client)
        yield client


def _incident(site: Server, client: httpx.Client, **routing: str) -> int:
    title = f"Checkout down {uuid.uuid4().hex[:8]}"
    trigger(site, dedup_key=title, summary=title, **routing)
    return incident_id(client, title)


def _text(response: httpx.Response) -> str:
    """The page's text with entities decoded (quotes in messages arrive as &#39;)."""
    return html.unescape(response.text)


def _post(client: httpx.Client, number: int, form: str, **fields: str) -> httpx.Response:
    token = csrf_from(client.get(f"/incidents/{number}").text)
    return client.post(f"/incidents/{number}/command/{form}", data={"csrf_token": token, **fields})


def _declared(site: Server, client: httpx.Client, **routing: str) -> int:
    number = _incident(site, client, **routing)
    declared = _post(client, number, "declare")
    assert declared.status_code == 303, declared.text
    return number


def _entries(client: httpx.Client, number: int, kind: str) -> list[dict[str, Any]]:
    timeline = client.get(f"/incidents/{number}/timeline.json").json()
    return [e for e in timeline["entries"] if e["kind"] == kind]


def _current_stage(page: str) -> str:
    found = re.search(r'data-stage="([a-z_]+)" aria-current="step"', page)
    assert found is not None, "the stage bar marks no current stage"
    return found.group(1)


def test_an_incident_that_is_not_major_offers_to_declare_it(
    site: Server, ada: httpx.Client
) -> None:
    number = _incident(site, ada)

    page = ada.get(f"/incidents/{number}")

    assert page.status_code == 200
    assert f'action="/incidents/{number}/command/declare"' in page.text
    assert "Declare major incident" in page.text
    assert 'id="stage-bar"' not in page.text


def test_declaring_opens_the_command_centre_with_stage_bar_checklist_and_forms(
    site: Server, ada: httpx.Client
) -> None:
    number = _incident(site, ada)

    declared = _post(ada, number, "declare")
    page = ada.get(declared.headers["location"])
    text = _text(page)

    assert declared.status_code == 303
    assert declared.headers["location"] == f"/incidents/{number}#command"
    assert "Declared a major incident; incident manager ada@example.com." in text
    assert "Declare major incident" not in text
    assert "Major incident · Detect" in text
    assert "Severity not set yet: estimate the loss" in text
    assert re.search(r"Next CAN report due at \d\d:\d\d:\d\d \(in 2\dm", text)
    assert _current_stage(page.text) == "detect"
    stages = re.findall(r'<span class="step-name">([^<]+)</span>', text)
    assert stages == [
        "Detect", "Assemble", "Verify", "Dispatch", "Mitigate", "Repair", "Review", "Action items"
    ]  # fmt: skip
    assert "✗</span> Someone acknowledged the page" in text
    assert "Reason for moving on without: Someone acknowledged the page" in text
    assert "Move to Assemble" in text
    for form in ("stage", "can-report", "loss-estimate"):
        assert f'action="/incidents/{number}/command/{form}"' in text
    assert re.search(r'data-role="incident_manager">Ada Lovelace <span class="meta">ada@', text)
    assert len(_entries(ada, number, "declared")) == 1


def test_moving_on_with_items_missing_and_no_reason_shows_the_error_and_changes_nothing(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    refused = _post(ada, number, "stage", stage="assemble", reason="  ")
    after = ada.get(f"/incidents/{number}")

    assert refused.status_code == 409
    assert 'class="error" role="alert"' in refused.text
    assert (
        "moving from detect to assemble leaves acknowledged undone; give a reason to move on anyway"
    ) in _text(refused)
    assert _current_stage(after.text) == "detect"
    assert _entries(ada, number, "stage_changed") == []


def test_moving_on_with_a_reason_marks_the_stage_done_and_goes_on_the_timeline(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    moved = _post(ada, number, "stage", stage="assemble", reason="paged by phone, not acked")
    page = ada.get(moved.headers["location"])
    text = _text(page)

    assert moved.status_code == 303
    assert "Moved to Assemble." in text
    assert _current_stage(page.text) == "assemble"
    assert re.search(r'step-done" data-stage="detect">\s*<span class="step-name">Detect', text)
    assert 'Stage: <span data-field="stage">Assemble</span>' in text
    [entry] = _entries(ada, number, "stage_changed")
    assert entry["message"] == (
        "Stage detect → assemble; moved on without acknowledged; reason: paged by phone, not acked"
    )


def test_an_unknown_stage_is_refused_naming_the_field(site: Server, ada: httpx.Client) -> None:
    number = _declared(site, ada)

    refused = _post(ada, number, "stage", stage="panic", reason="why not")

    assert refused.status_code == 422
    assert "stage: unknown stage 'panic'" in _text(refused)
    assert _entries(ada, number, "stage_changed") == []


def test_a_can_report_shows_as_the_latest_and_on_the_timeline(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    posted = _post(
        ada,
        number,
        "can-report",
        conditions="Checkout fails for 30% of users",
        actions="Rolling back release 42",
        needs="A database expert",
    )
    page = ada.get(posted.headers["location"])
    text = _text(page)

    assert posted.status_code == 303
    assert posted.headers["location"] == f"/incidents/{number}#can"
    assert re.search(r"CAN report posted\. The next one is due at \d\d:\d\d:\d\d\.", text)
    latest = text[text.index('id="latest-can"') :]
    assert "by ada@example.com, during Detect" in latest
    for part in ("Checkout fails for 30% of users", "Rolling back release 42", "A database expert"):
        assert part in latest
    assert "✓</span> Someone acknowledged" not in text  # still not acknowledged
    [entry] = _entries(ada, number, "can_report")
    assert entry["message"].startswith("CAN report. Conditions: Checkout fails for 30% of users")


def test_a_can_report_with_a_blank_part_is_refused_and_keeps_what_was_typed(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    refused = _post(
        ada, number, "can-report", conditions="Still failing", actions="Bisecting", needs=" "
    )

    assert refused.status_code == 422
    assert "needs" in _text(refused).split('role="alert">')[1].split("</p>")[0]
    assert ">Still failing</textarea>" in refused.text
    assert ">Bisecting</textarea>" in refused.text
    assert _entries(ada, number, "can_report") == []
    assert "No CAN report yet." in ada.get(f"/incidents/{number}").text


def test_a_loss_estimate_sets_severity_at_the_top_and_lists_the_history(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    first = _post(ada, number, "loss-estimate", cost_per_hour="500", users_affected="20")
    second = _post(
        ada,
        number,
        "loss-estimate",
        cost_per_hour="12,500",
        revenue_per_hour="2500",
        users_affected="300",
        journey="blocked",
        note="card payments fail",
    )
    page = ada.get(second.headers["location"])
    text = _text(page)

    assert (first.status_code, second.status_code) == (303, 303)
    assert "Loss estimate recorded. Severity: High — restore immediately." in text
    head = text[text.index('class="command-head"') : text.index('id="stage-bar"')]
    assert "High — restore immediately" in head
    assert "Latest estimate: 15,000 per hour, 300 users, journey blocked" in head
    history = re.findall(r"<strong>([^<]+)</strong>", text[text.index('class="estimates"') :])
    assert history == ["High — restore immediately", "Low — when possible, to the backlog"]
    assert "card payments fail" in text
    changes = [e["message"] for e in _entries(ada, number, "severity_changed")]
    assert [change.split(";")[0] for change in changes] == [
        "Severity none → low",
        "Severity low → high",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cost_per_hour": "lots"}, "Cost per hour: 'lots' is not a number"),
        ({"users_affected": "2.5"}, "Users affected: '2.5' is not a whole number"),
        ({"users_affected": "nan"}, "Users affected: 'nan' is not a whole number"),
        ({"cost_per_hour": "inf"}, "cost_per_hour"),
        ({"revenue_per_hour": "-10"}, "revenue_per_hour"),
        ({"journey": "sideways"}, "journey: unknown 'sideways'"),
    ],
)
def test_a_bad_loss_estimate_is_refused_naming_the_field(
    site: Server, ada: httpx.Client, fields: dict[str, str], message: str
) -> None:
    number = _declared(site, ada)

    refused = _post(ada, number, "loss-estimate", **fields)

    assert refused.status_code == 422
    assert message in _text(refused)
    assert _entries(ada, number, "loss_estimated") == []


def test_someone_who_takes_no_part_is_refused_and_nothing_changes(
    site: Server, ada: httpx.Client, grace_signs_in: str
) -> None:
    number = _declared(site, ada)
    with httpx.Client(base_url=site.url) as grace:
        sign_in(grace, email=grace_signs_in, password=OTHERS)
        can = _post(grace, number, "can-report", conditions="c", actions="a", needs="n")
        stage = _post(grace, number, "stage", stage="assemble", reason="hurry")
        loss = _post(grace, number, "loss-estimate", cost_per_hour="1")
        role = _post(grace, number, "roles", role="incident_manager", user=GRACE)

    for refused in (can, stage, loss, role):
        assert refused.status_code == 403
        assert f"{GRACE} is not a participant of incident #{number}" in _text(refused)
    for kind in ("can_report", "stage_changed", "loss_estimated", "role_handed"):
        assert _entries(ada, number, kind) == []


def test_a_form_without_its_token_is_refused_and_changes_nothing(
    site: Server, ada: httpx.Client
) -> None:
    number = _incident(site, ada)

    forged = ada.post(f"/incidents/{number}/command/declare", data={"csrf_token": "forged"})
    page = ada.get(f"/incidents/{number}")

    assert forged.status_code == 403
    assert "Declare major incident" in page.text
    assert _entries(ada, number, "declared") == []


def test_declaring_twice_says_it_is_already_major(site: Server, ada: httpx.Client) -> None:
    number = _declared(site, ada)

    again = _post(ada, number, "declare")

    assert again.status_code == 409
    assert f"incident #{number} is already a major incident" in _text(again)
    assert len(_entries(ada, number, "declared")) == 1


def test_naming_the_experts_when_leaving_dispatch_needs_no_reason(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)
    skipped = _post(ada, number, "stage", stage="dispatch", reason="drill: straight to dispatch")
    at_dispatch = _text(ada.get(f"/incidents/{number}"))

    moved = _post(
        ada, number, "stage", stage="mitigate", experts="DBA on call, Payments lead", reason=""
    )
    page = _text(ada.get(f"/incidents/{number}"))

    assert skipped.status_code == 303
    assert "Experts to page" in at_dispatch
    assert "(not needed once you name them above)" in at_dispatch
    assert moved.status_code == 303
    assert _current_stage(page) == "mitigate"
    assert '<dd data-field="named-experts">DBA on call, Payments lead</dd>' in page
    assert [e["message"] for e in _entries(ada, number, "stage_changed")][-1] == (
        "Stage dispatch → mitigate"
    )


def _draft_id(page: str, number: int) -> int:
    found = re.search(rf'action="/incidents/{number}/command/status-updates/(\d+)"', page)
    assert found is not None, "the page shows no status-page draft"
    return int(found.group(1))


def test_a_stage_move_proposes_a_draft_that_is_edited_and_published_from_the_page(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada, routing_key=STORE_KEY)
    before = _text(ada.get(f"/incidents/{number}"))
    _post(ada, number, "stage", stage="assemble", reason="drill")
    page = _text(ada.get(f"/incidents/{number}"))
    draft = _draft_id(page, number)
    title = f"Basket errors {uuid.uuid4().hex[:6]}"

    published = _post(
        ada,
        number,
        f"status-updates/{draft}/publish",
        title=title,
        body="Some baskets fail to load. We are on it.",
        status="investigating",
        impact="partial_outage",
        components=re.findall(r'name="components" value="(\d+)" checked', page)[0],
    )
    after = _text(ada.get(published.headers["location"]))
    public = httpx.get(f"{site.url}/status", timeout=10)

    assert "No draft: moving to another stage proposes one." in before
    assert "Customers see nothing until it is published." in page
    assert f'formaction="/incidents/{number}/command/status-updates/{draft}/publish"' in page
    assert published.status_code == 303
    assert f"Published to the status page: {title}" in after
    assert f'action="/incidents/{number}/command/status-updates/{draft}"' not in after
    published_list = after[after.index('class="published"') :]
    assert f"<strong>Investigating</strong> · Partial outage<br>{title}" in published_list
    assert public.status_code == 200 and title in html.unescape(public.text)
    assert [e["kind"] for e in _entries(ada, number, "status_update_published")] == [
        "status_update_published"
    ]

    # The next stage proposes a new draft; the one after replaces it in place.
    _post(ada, number, "stage", stage="verify", reason="drill")
    verify = _text(ada.get(f"/incidents/{number}"))
    _post(ada, number, "stage", stage="dispatch", reason="drill")
    dispatch = _text(ada.get(f"/incidents/{number}"))
    assert _draft_id(verify, number) == _draft_id(dispatch, number) != draft
    assert "assessing how many customers are affected" in verify
    assert "assessing how many customers are affected" not in dispatch
    assert "specialists who can fix it" in dispatch
    proposed = [e["message"] for e in _entries(ada, number, "status_update_proposed")]
    assert proposed[-1].startswith("Status page draft replaced for dispatch"), proposed


def test_a_draft_the_rules_refuse_shows_the_error_and_is_neither_saved_nor_published(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada, routing_key=STORE_KEY)
    _post(ada, number, "stage", stage="assemble", reason="drill")
    draft = _draft_id(ada.get(f"/incidents/{number}").text, number)

    refused = _post(
        ada,
        number,
        f"status-updates/{draft}/publish",
        title="All fixed",
        body="Everything works again.",
        status="resolved",
        impact="major_outage",
    )
    public = httpx.get(f"{site.url}/status", timeout=10)

    assert refused.status_code == 422
    assert "impact: a resolved update says the components are operational again" in _text(refused)
    assert 'value="All fixed"' in refused.text  # the form as it was filled in
    assert "All fixed" not in public.text
    assert _entries(ada, number, "status_update_edited") == []
    assert _entries(ada, number, "status_update_published") == []


def test_an_update_can_be_written_by_hand_and_saved_as_a_draft(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)  # Checkout API is not on the status page

    page = _text(ada.get(f"/incidents/{number}"))
    saved = _post(
        ada,
        number,
        "status-updates",
        title="Checkout is slow",
        body="Paying takes longer than usual.",
        status="investigating",
        impact="degraded_performance",
    )
    after = _text(ada.get(f"/incidents/{number}"))

    assert "This incident's service is not on the status page" in page
    assert saved.status_code == 303
    assert "Status page draft saved. Customers see it once you publish it." in after
    assert 'value="Checkout is slow"' in after
    assert len(_entries(ada, number, "status_update_proposed")) == 1


def _roles(page: str) -> str:
    return page[page.index('id="roles"') : page.index('id="status-update"')]


def test_handing_off_roles_shows_the_new_holders_and_goes_on_the_timeline(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    engineer = _post(ada, number, "roles", role="incident_engineer", user=GRACE)
    after_engineer = _text(ada.get(f"/incidents/{number}"))
    expert = _post(ada, number, "roles", role="subject_matter_expert", user="linus@example.com")
    after_expert = _roles(_text(ada.get(f"/incidents/{number}")))
    removed = _post(
        ada, number, "roles", role="subject_matter_expert", user="linus@example.com", remove="yes"
    )
    after_removal = _text(ada.get(f"/incidents/{number}"))

    assert (engineer.status_code, expert.status_code, removed.status_code) == (303, 303, 303)
    assert "Grace Hopper is now incident engineer." in after_engineer
    assert re.search(
        r'data-role="incident_engineer">Grace Hopper <span class="meta">grace@example.com · '
        r"since \d\d:\d\d:\d\d, by ada@example.com",
        _roles(after_engineer),
    )
    assert "Remove Linus Torvalds as subject-matter expert" in after_expert
    assert "linus@example.com is no longer a subject-matter expert." in after_removal
    assert "Remove Linus Torvalds" not in _roles(after_removal)
    assert [e["message"] for e in _entries(ada, number, "role_handed")] == [
        "Grace Hopper made incident engineer by Ada Lovelace",
        "Linus Torvalds added as subject matter expert by Ada Lovelace",
        "Linus Torvalds removed as subject matter expert by Ada Lovelace",
    ]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"role": "incident_engineer", "user": "nobody@example.com"}, 422, "user: nobody has"),
        ({"role": "captain", "user": GRACE}, 422, "role: "),
        ({"role": "incident_manager", "user": "ada@example.com"}, 409, "ada@example.com "),
    ],
)
def test_a_hand_off_the_rules_refuse_shows_why_and_changes_nothing(
    site: Server, ada: httpx.Client, fields: dict[str, str], status: int, message: str
) -> None:
    number = _declared(site, ada)

    refused = _post(ada, number, "roles", **fields)

    assert refused.status_code == status
    assert message in _text(refused).split('role="alert">')[1]
    assert _entries(ada, number, "role_handed") == []


def test_the_bridge_given_on_declaring_is_joined_from_the_top_and_the_protocol_is_shown(
    site: Server, ada: httpx.Client
) -> None:
    number = _incident(site, ada)
    bridge = f"https://meet.example.com/incident-{number}"

    declared = _post(ada, number, "declare", bridge=bridge)
    page = _text(ada.get(f"/incidents/{number}"))

    assert declared.status_code == 303
    head = page[page.index('class="command-head"') : page.index('id="stage-bar"')]
    assert f'class="button primary join" href="{bridge}"' in head
    assert f"meet.example.com/incident-{number}" in page
    assert "<summary>Communication protocol</summary>" in page
    assert "The incident manager leads and speaks for the incident" in page
    assert [e["message"] for e in _entries(ada, number, "bridge_set")] == [
        f"Conference bridge: {bridge}"
    ]


def test_the_bridge_is_changed_from_the_page_and_a_bad_one_is_refused(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)

    refused = _post(ada, number, "bridge", bridge="javascript:alert(1)")
    changed = _post(ada, number, "bridge", bridge="https://bridge.example.org/room/7")
    page = ada.get(f"/incidents/{number}").text

    assert refused.status_code == 422
    assert "bridge: " in _text(refused).split('role="alert">')[1].split("</p>")[0]
    assert 'value="javascript:alert(1)"' in refused.text  # the form as it was filled in
    assert 'href="javascript:' not in refused.text  # never a link
    assert changed.status_code == 303
    assert "Bridge set." in page
    assert 'href="https://bridge.example.org/room/7"' in page
    assert [e["message"] for e in _entries(ada, number, "bridge_set")] == [
        "Conference bridge: https://bridge.example.org/room/7"
    ]


def test_anyone_signed_in_follows_an_incident_from_its_page_and_stops(
    site: Server, ada: httpx.Client, grace_signs_in: str
) -> None:
    number = _declared(site, ada)
    with httpx.Client(base_url=site.url) as grace:
        sign_in(grace, email=grace_signs_in, password=OTHERS)
        followed = _post(grace, number, "follow")
        following = _text(grace.get(f"/incidents/{number}"))
        stopped = _post(grace, number, "unfollow")
        after = _text(grace.get(f"/incidents/{number}"))

    assert (followed.status_code, stopped.status_code) == (303, 303)
    assert "You follow this incident: its CAN reports come to you." in following
    assert f'data-field="stakeholders">Grace Hopper ({GRACE})</span>' in following
    assert "Stop following" in following
    assert "You no longer follow this incident." in after
    assert 'data-field="stakeholders">none</span>' in after
    assert [e["kind"] for e in _entries(ada, number, "followed")] == ["followed"]
    assert [e["kind"] for e in _entries(ada, number, "unfollowed")] == ["unfollowed"]


def test_forms_for_an_unknown_incident_or_update_answer_not_found(
    site: Server, ada: httpx.Client
) -> None:
    number = _declared(site, ada)
    token = csrf_from(ada.get(f"/incidents/{number}").text)

    no_incident = ada.post(
        "/incidents/999999/command/can-report",
        data={"csrf_token": token, "conditions": "c", "actions": "a", "needs": "n"},
    )
    no_update = _post(ada, number, "status-updates/999999", title="t", body="b")

    assert no_incident.status_code == 404
    assert "no incident #999999" in no_incident.text
    assert no_update.status_code == 404
    assert f"incident #{number} has no status update 999999" in no_update.text
