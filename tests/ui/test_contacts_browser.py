"""In a real browser: Ada opens her page, adds an email contact method, presses Send test,
sees it sent on the page, and the email arrives at a real SMTP server.

Full-page screenshots of the page on a desktop and a phone are written to
``artifacts/ui/contacts-*.png``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import Mailbox
from tests.ui.browsing import DESKTOP, PHONE, Tab
from tests.ui.support import prepare

ADDRESS = "ada.phone@example.org"


@pytest.mark.slow
def test_ada_adds_an_email_method_sends_a_test_and_it_arrives(
    browser: Browser, sqlite_url: str, start_server: Any, mailbox: Mailbox
) -> None:
    server = start_server(prepare(sqlite_url, smtp_url=mailbox.url))
    desktop, phone = browser.new_context(**DESKTOP), browser.new_context(**PHONE)
    try:
        ada = Tab(desktop, server.url, "desktop")
        ada.sign_in()
        page = ada.page
        page.get_by_role("link", name="My notifications").click()
        expect(page.locator("h1")).to_have_text("My notifications")

        page.get_by_text("Add a contact method").click()
        form = page.locator("#add-method form")
        form.get_by_label("Type").select_option(label="Email")
        form.get_by_label("Address").fill(ADDRESS)
        form.get_by_label("Label").fill("phone inbox")
        form.get_by_role("button", name="Add method").click()
        expect(page.locator(".notice")).to_have_text(
            f"Added phone inbox (email {ADDRESS}). Send a test to see that it arrives."
        )
        method = page.locator(".method", has_text=ADDRESS)
        expect(method.locator(".tag")).to_have_text("not tried yet")
        expect(method.locator('[data-field="test"]')).to_have_text("none yet")

        method.get_by_role("button", name=f"Send a test to phone inbox (email {ADDRESS})").click()

        expect(page.locator(".notice")).to_have_text(
            f"Test notification sent to phone inbox (email {ADDRESS}): accepted by SMTP server."
        )
        expect(method.locator(".tag")).to_have_text("works")
        expect(method.locator('[data-field="test"]')).to_have_text(
            re.compile(r"^sent \d+s ago: accepted by SMTP server$")
        )
        [mail] = mailbox.wait_for(ADDRESS)
        assert "Test notification" in str(mail["Subject"])
        expect(page.locator(".reach-warning")).to_have_count(0)
        ada.shoot("contacts")

        on_phone = Tab(phone, server.url, "phone")
        on_phone.sign_in()
        on_phone.open("/me")
        expect(on_phone.page.locator("h1")).to_have_text("My notifications")
        expect(on_phone.page.locator(".method", has_text=ADDRESS).locator(".tag")).to_have_text(
            "works"
        )
        width = on_phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], "the page scrolls sideways on a phone"
        on_phone.shoot("contacts")

        assert ada.errors == [] and on_phone.errors == []
    finally:
        desktop.close()
        phone.close()
