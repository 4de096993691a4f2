"""In a real browser, signed out: the public status page with an active incident and its
published update, on a desktop and a phone; a visitor subscribes from the page and is asked
to confirm by email.

Full-page screenshots are written to ``artifacts/ui/status-page-*.png``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import run_cli
from tests.ui.browsing import DESKTOP, PHONE, Tab
from tests.ui.command_support import STATUS_ORG, STORE_KEY
from tests.ui.support import EMAIL, prepare

INTERNAL_TITLE = "search-indexer OOM on node ix-3"


@pytest.mark.slow
def test_a_visitor_sees_the_incident_and_its_update_and_subscribes_on_desktop_and_phone(
    browser: Browser, sqlite_url: str, start_server: Any
) -> None:
    env = prepare(sqlite_url, more=STATUS_ORG)
    server = start_server(env)
    sent = httpx.post(
        f"{server.url}/v2/enqueue",
        json={
            "routing_key": STORE_KEY,
            "event_action": "trigger",
            "dedup_key": uuid.uuid4().hex,
            "payload": {"summary": INTERNAL_TITLE, "source": "ix-3", "severity": "critical"},
        },
    )
    assert sent.status_code == 202, sent.text
    listed = run_cli(env, "incidents").stdout
    found = re.search(r"(\d+) │ triggered .*" + re.escape(INTERNAL_TITLE), listed)
    assert found is not None, listed
    number = found.group(1)
    run_cli(env, "ack", number, "--as", EMAIL)
    run_cli(env, "declare", number, "--as", EMAIL)
    run_cli(env, "stage", number, "assemble", "--as", EMAIL)
    drafts = run_cli(env, "status-update", "list", number).stdout
    draft = re.search(r"update (\d+) \(draft\)", drafts)
    assert draft is not None, drafts
    run_cli(
        env,
        "status-update",
        "edit",
        number,
        draft.group(1),
        "--title",
        "Search results missing",
        "--body",
        "Some searches return no results. Browsing and checkout work normally.",
        "--impact",
        "partial_outage",
    )
    run_cli(env, "status-update", "publish", number, draft.group(1), "--as", EMAIL)

    desktop, phone = browser.new_context(**DESKTOP), browser.new_context(**PHONE)
    try:
        visitor = Tab(desktop, server.url, "desktop")
        visitor.open("/status")
        page = visitor.page
        expect(page.locator("h1")).to_have_text("Some systems are affected")
        incident = page.locator(".status-incident")
        expect(incident.locator("h3")).to_have_text("Search results missing")
        expect(incident.locator(".update-status")).to_have_text("Investigating")
        expect(incident).to_contain_text("Some searches return no results.")
        group = page.locator(".status-group", has_text="Shop")
        expect(group.locator(".component")).to_have_count(2)
        expect(group.locator(".component", has_text="Basket").locator(".state")).to_have_text(
            "Partial outage"
        )
        basket = group.locator(".component").first
        expect(basket.locator(".bar")).to_have_count(90)
        expect(basket.locator(".bars-legend")).to_contain_text(re.compile(r"99\.\d\d% uptime"))
        expect(page.get_by_text(INTERNAL_TITLE)).to_have_count(0)
        visitor.shoot("status-page")

        page.get_by_label("Email address or webhook URL").fill("visitor@example.org")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator("h1")).to_have_text("Check your email")
        expect(page.locator("main")).to_contain_text(
            "We sent a confirmation link to visitor@example.org."
        )

        on_phone = Tab(phone, server.url, "phone")
        on_phone.open("/status")
        expect(on_phone.page.locator(".status-incident h3")).to_have_text("Search results missing")
        width = on_phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], "the status page scrolls sideways on a phone"
        on_phone.shoot("status-page")

        assert visitor.errors == [] and on_phone.errors == []
    finally:
        desktop.close()
        phone.close()
