"""Changing who is on call from the schedule page in a real browser: Ada overrides and asks
Grace to cover; Grace, in a browser of her own, accepts.

Full-page screenshots of the schedule page on a desktop and a phone are written to
``artifacts/ui/schedule-*.png``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import run_cli
from tests.ui.browsing import DESKTOP, PHONE, Tab
from tests.ui.support import GRACE, OTHERS, SCHEDULE, TEAM_ORG, prepare


def _tomorrow(clock: str) -> str:
    day = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=1)
    return f"{day.isoformat()}T{clock}"


def _row(page: Page, key: str) -> Locator:
    return page.locator(f'[data-row="{key}"]')


@pytest.mark.slow
def test_ada_overrides_and_asks_grace_to_cover_and_grace_accepts_in_her_browser(
    browser: Browser, sqlite_url: str, start_server: Any
) -> None:
    env = prepare(sqlite_url, more=TEAM_ORG)
    run_cli(env, "user", "password", GRACE, "--password", OTHERS)
    server = start_server(env)
    ada_context, grace_context = browser.new_context(**DESKTOP), browser.new_context(**DESKTOP)
    phone_context = browser.new_context(**PHONE)
    try:
        ada = Tab(ada_context, server.url, "desktop")
        ada.sign_in()
        ada.open("/schedules")
        ada.page.get_by_role("link", name=SCHEDULE).first.click()
        page = ada.page
        expect(page.locator("h1")).to_have_text(SCHEDULE)
        expect(_row(page, "final").get_by_role("img").first).to_be_visible()

        page.get_by_text("Add an override").click()
        form = page.locator("#override-form")
        form.get_by_label("Who is on call").select_option(label="Ada Lovelace")
        form.get_by_label("From", exact=True).fill(_tomorrow("09:00"))
        form.get_by_label("To", exact=True).fill(_tomorrow("18:00"))
        form.get_by_label("Note").fill("release day")
        form.get_by_role("button", name="Add override").click()
        expect(page.locator(".notice")).to_contain_text("Override added")
        override = re.compile(r"^Ada Lovelace · .* 09:00 – .* 18:00 · override \(release day\)$")
        expect(_row(page, "overrides").get_by_role("img", name=override)).to_have_count(1)
        expect(page.locator("#changes")).to_contain_text("Ada Lovelace put Ada Lovelace on call")

        page.get_by_text("Ask for a trade").click()
        form = page.locator("#trade-form")
        expect(form.locator("[data-swap-only]")).to_be_hidden()
        form.get_by_label("Ask").select_option(label="Grace Hopper")
        form.get_by_label("Your window from").fill(_tomorrow("12:00"))
        form.get_by_label("Your window until").fill(_tomorrow("15:00"))
        form.get_by_label("Note").fill("school run")
        form.get_by_role("button", name="Ask", exact=True).click()
        expect(page.locator(".notice")).to_contain_text("Trade #1 asked")
        expect(page.locator('[data-trade="1"]')).to_contain_text("pending")
        asked = re.compile(r"trade #1 asked, not yet answered$")
        expect(_row(page, "overrides").get_by_role("img", name=asked)).to_have_count(1)
        expect(page.get_by_role("button", name="Cancel trade #1")).to_be_visible()

        grace = Tab(grace_context, server.url, "desktop")
        grace.sign_in(GRACE, OTHERS)
        grace.open(page.url.removeprefix(server.url))
        grace.page.get_by_role("button", name="Accept trade #1").click()
        expect(grace.page.locator(".notice")).to_have_text("Trade #1 accepted.")
        taken = re.compile(r"^Grace Hopper · .* 12:00 – .* 15:00 · trade #1$")
        expect(_row(grace.page, "final").get_by_role("img", name=taken)).to_have_count(1)
        expect(grace.page.locator("#changes")).to_contain_text("Trade #1: Grace Hopper accepted")

        page.reload()
        expect(_row(page, "final").get_by_role("img", name=taken)).to_have_count(1)
        expect(page.locator('[data-trade="1"]')).to_contain_text("accepted by Grace Hopper")
        expect(page.locator(".shift-list")).to_contain_text("trade #1")
        ada.shoot("schedule")

        phone = Tab(phone_context, server.url, "phone")
        phone.sign_in()
        phone.open(page.url.removeprefix(server.url))
        expect(_row(phone.page, "final").get_by_role("img", name=taken)).to_have_count(1)
        phone.shoot("schedule")
        assert ada.errors == [] and grace.errors == [] and phone.errors == []
    finally:
        for context in (ada_context, grace_context, phone_context):
            context.close()
