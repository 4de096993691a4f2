"""A responder's incident in a real browser (Debian's Chromium driven by Playwright).

Full-page screenshots of the incident list, an incident and the schedules, on a desktop
and a phone, are written to ``artifacts/ui/`` for people to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.conftest import Mailbox, run_cli
from tests.ui.browsing import DESKTOP, PHONE, Tab
from tests.ui.support import EMAIL, prepare, trigger

SEARCH_KEY = "fedcba9876543210fedcba9876543210"

# Added on top of the test organisation so the screenshots show more than one of each.
MORE_ORG = f"""
users:
  - {{email: margaret@example.com, name: Margaret Hamilton, timezone: America/Los_Angeles}}
schedules:
  - name: Platform on call
    timezone: America/New_York
    layers:
      - name: Daily
        start: 2020-01-06T09:00
        rotation: 1d
        participants: [grace@example.com, linus@example.com, margaret@example.com]
escalation_policies:
  - name: Platform default
    repeat: 2
    levels:
      - escalate_after: 15m
        targets: [{{schedule: Platform on call}}]
      - escalate_after: 30m
        targets: [{{team: Payments}}, {{user: cto@example.com}}]
services:
  - name: Search
    team: Payments
    escalation_policy: Platform default
    urgency: low
    runbook_url: https://runbooks.example/search
    integrations:
      - {{type: events_v2, key: {SEARCH_KEY}}}
"""

CHECKOUT = "Checkout error rate 12%"
DISK = "Disk 91% full on search-db-2 (/var/lib/postgresql), growing 2% an hour"


def _contexts(browser: Browser) -> dict[str, BrowserContext]:
    return {"desktop": browser.new_context(**DESKTOP), "phone": browser.new_context(**PHONE)}


@pytest.mark.slow
def test_a_responder_watches_the_timeline_live_and_acknowledges_from_the_browser(
    browser: Browser, sqlite_url: str, mailbox: Mailbox, start_server: Any
) -> None:
    env = prepare(sqlite_url, smtp_url=mailbox.url, first="6s")
    run_cli(env, "apply", "-f", "-", input_text=MORE_ORG)
    server = start_server(env)
    contexts = _contexts(browser)
    try:
        desk = Tab(contexts["desktop"], server.url, "desktop")
        desk.sign_in()
        trigger(server, "checkout-5xx", CHECKOUT)
        trigger(server, "search-disk", DISK, routing_key=SEARCH_KEY, severity="warning")

        desk.page.reload()
        row = desk.page.locator("tr.incident-row", has_text=CHECKOUT)
        expect(row.locator(".status")).to_have_text("triggered")
        expect(desk.page.locator("tr.incident-row", has_text=DISK)).to_contain_text("low")
        desk.shoot("incidents")

        row.get_by_role("link", name=CHECKOUT).click()
        expect(desk.page.locator("h1")).to_have_text(CHECKOUT)
        desk.page.evaluate("window.loadedOnce = true")
        # The second level pages the CTO 6 s after the trigger: the entry must arrive live.
        live_entry = desk.page.locator('#timeline li.fresh[data-kind="notified"]')
        expect(live_entry.first).to_be_visible(timeout=20_000)
        expect(desk.page.locator("#live")).to_have_text("live")
        assert desk.page.evaluate("window.loadedOnce") is True, "the page was reloaded"
        expect(desk.page.locator("#timeline")).to_contain_text("Cee Tee")
        desk.shoot("incident")

        desk.page.locator(".actionbar button.ack").click()
        expect(desk.page.locator("#status-badge")).to_have_text("acknowledged")
        expect(desk.page.locator(".notice")).to_have_text(re.compile(r"^Acknowledged #1 \(.*\)\.$"))
        expect(desk.page.locator(".actionbar button.ack")).to_be_hidden()
        expect(desk.page.locator("#timeline")).to_contain_text(f"Acknowledged by {EMAIL} via web")

        phone = Tab(contexts["phone"], server.url, "phone")
        phone.sign_in()
        phone.shoot("incidents")
        phone.page.get_by_role("link", name=CHECKOUT).click()
        expect(phone.page.locator("#status-badge")).to_have_text("acknowledged")
        phone.shoot("incident")
        phone.page.emulate_media(color_scheme="dark")
        phone.shoot("incident-dark")
        phone.page.emulate_media(color_scheme="light")

        # Resolved on the desktop, the phone's open page follows without a reload.
        desk.open("/incidents")
        desk.page.get_by_role("link", name=CHECKOUT).click()
        desk.page.locator(".actionbar button.resolve").click()
        expect(desk.page.locator("#status-badge")).to_have_text("resolved")
        expect(phone.page.locator("#status-badge")).to_have_text("resolved", timeout=10_000)
        expect(phone.page.locator(".actionbar button.resolve")).to_be_hidden()
        expect(phone.page.locator('[data-field="resolved"]')).to_contain_text(EMAIL)

        for tab in (desk, phone):
            tab.open("/schedules")
            expect(tab.page.locator(".schedule", has_text="Payments primary")).to_contain_text(
                "Ada Lovelace"
            )
            tab.shoot("schedules")
            tab.open("/services")
            expect(tab.page.locator("tr", has_text="Search")).to_contain_text("…3210")
            tab.shoot("services")
            tab.open("/escalation-policies")
            expect(tab.page.locator(".policy", has_text="Platform default")).to_contain_text(
                "Repeats 2 more times"
            )
            tab.shoot("policies")
            tab.open("/users")
            expect(tab.page.locator("tr", has_text="Margaret Hamilton")).to_contain_text(
                "America/Los_Angeles"
            )
            tab.shoot("users")
        assert desk.errors == [] and phone.errors == []
    finally:
        for context in contexts.values():
            context.close()
