"""In a real browser, on a desktop and on a phone: Ada declares a major incident from its
page with a bridge, moves it to the next stage with a reason (its checklist is incomplete),
posts a CAN report, and sees both in the command centre and on the timeline; she hands the
incident engineer's role to Grace, which completes the checklist. The phone moves on to the
next stage (no reason asked) and posts a CAN report, in one column that never scrolls
sideways, and the desktop's live page offers to reload.

Screenshots: ``artifacts/ui/command-centre-desktop.png``, ``command-centre-phone.png``,
``stage-change.png`` and ``can-report.png``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.browsing import ARTIFACTS, DESKTOP, PHONE, Tab
from tests.ui.command_support import STATUS_ORG, STORE_KEY
from tests.ui.support import GRACE, prepare, trigger

BRIDGE = "https://meet.example.com/basket-down"


def _move(page: Page, target: str, reason: str | None = None) -> None:
    """Press Move to ``target``, giving ``reason`` for the checklist's missing items (None:
    the form asks for none)."""
    stage = page.locator("#stage")
    asked = stage.get_by_label("Reason for moving on without")
    if reason is None:
        expect(asked).to_have_count(0)
    else:
        asked.fill(reason)
    stage.get_by_role("button", name=f"Move to {target}").click()
    expect(page.locator(".notice")).to_have_text(f"Moved to {target}.")
    expect(page.locator('.stage-bar [aria-current="step"] .step-name')).to_have_text(target)


def _post_can(page: Page, conditions: str, actions: str, needs: str) -> None:
    form = page.locator("#can form")
    form.get_by_label("Conditions").fill(conditions)
    form.get_by_label("Actions").fill(actions)
    form.get_by_label("Needs").fill(needs)
    form.get_by_role("button", name="Post CAN report").click()
    expect(page.locator(".notice")).to_have_text(
        re.compile(r"^CAN report posted\. The next one is due at \d\d:\d\d:\d\d\.$")
    )
    latest = page.locator("#latest-can")
    for part in (conditions, actions, needs):
        expect(latest).to_contain_text(part)


def _timeline(page: Page, kind: str) -> Any:
    return page.locator(f'#timeline .entry[data-kind="{kind}"] .message')


def _shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.mark.slow
def test_ada_runs_a_major_incident_from_its_page_on_a_desktop_and_a_phone(
    browser: Browser, sqlite_url: str, start_server: Any
) -> None:
    server = start_server(prepare(sqlite_url, more=STATUS_ORG))
    title = f"Basket down {uuid.uuid4().hex[:6]}"
    trigger(server, dedup_key=title, summary=title, routing_key=STORE_KEY)
    desktop, phone = browser.new_context(**DESKTOP), browser.new_context(**PHONE)
    try:
        ada = Tab(desktop, server.url, "desktop")
        ada.sign_in()
        page = ada.page
        page.get_by_role("link", name=title).click()
        expect(page.locator("#stage-bar")).to_have_count(0)
        page.locator("#command").get_by_label("Bridge URL").fill(BRIDGE)
        page.get_by_role("button", name="Declare major incident").click()
        expect(page.locator(".notice")).to_contain_text("Declared a major incident")
        expect(page.locator('.stage-bar [aria-current="step"] .step-name')).to_have_text("Detect")
        expect(
            page.locator(".command-head").get_by_role("link", name="Join the bridge")
        ).to_have_attribute("href", BRIDGE)
        expect(page.locator(".checklist .missing")).to_have_text(
            re.compile("Someone acknowledged the page")
        )

        _move(page, "Assemble", "Grace is on the bridge, page not acked yet")
        expect(page.locator('.step[data-stage="detect"]')).to_have_class(re.compile("step-done"))
        expect(_timeline(page, "stage_changed")).to_have_text(
            "Stage detect → assemble; moved on without acknowledged; "
            "reason: Grace is on the bridge, page not acked yet"
        )
        expect(page.locator("#status-update .draft-note")).to_contain_text("Draft for Assemble")
        _shoot(page, "stage-change")

        _post_can(
            page,
            "Checkout fails for a third of card payments",
            "Rolling back release 42",
            "A payments database expert",
        )
        expect(_timeline(page, "can_report")).to_contain_text(
            "Conditions: Checkout fails for a third of card payments"
        )
        _shoot(page, "can-report")

        handoff = page.locator("#roles form.handoff")
        handoff.get_by_label("Role").select_option(label="Incident engineer")
        handoff.get_by_label("To").select_option(label=f"Grace Hopper ({GRACE})")
        handoff.get_by_role("button", name="Hand over").click()
        expect(page.locator(".notice")).to_have_text("Grace Hopper is now incident engineer.")
        expect(page.locator('#roles [data-role="incident_engineer"]')).to_contain_text(GRACE)
        expect(page.locator(".checklist .missing")).to_have_count(0)  # Assemble is complete
        _shoot(page, "command-centre-desktop")

        on_phone = Tab(phone, server.url, "phone")
        on_phone.sign_in()
        small = on_phone.page
        small.get_by_role("link", name=title).click()
        expect(small.locator("#latest-can")).to_contain_text("Rolling back release 42")
        _move(small, "Verify")  # nothing missing: no reason asked
        expect(_timeline(small, "stage_changed").last).to_have_text("Stage assemble → verify")
        _post_can(small, "Rollback done, errors falling", "Watching error rate", "Nothing now")
        expect(_timeline(small, "stage_changed")).to_have_count(2)
        expect(_timeline(small, "can_report")).to_have_count(2)
        expect(small.locator("#can details summary")).to_have_text("Earlier reports (1)")
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], "the command centre scrolls sideways"
        button = small.locator("#can").get_by_role("button", name="Post CAN report")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, "the button is too small to tap"
        _shoot(small, "command-centre-phone")

        changed = page.locator("#command-changed")
        expect(changed).to_be_visible()  # the desktop's live timeline saw the phone's changes
        expect(_timeline(page, "can_report")).to_have_count(2)
        changed.get_by_role("link", name="Reload").click()
        expect(page.locator('.stage-bar [aria-current="step"] .step-name')).to_have_text("Verify")
        expect(page.locator("#latest-can")).to_contain_text("Rollback done, errors falling")
        expect(changed).to_be_hidden()

        assert ada.errors == [] and on_phone.errors == []
    finally:
        desktop.close()
        phone.close()
