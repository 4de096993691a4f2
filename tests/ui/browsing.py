"""Driving Debian's Chromium with Playwright: one tab per browser context, collecting the
errors its scripts raise, and screenshots for people to look at in ``artifacts/ui/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import REPO, REQUIRE_ALL
from tests.ui.support import EMAIL, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "artifacts" / "ui"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 860}}


def launch() -> Iterator[Browser]:
    """Chromium, headless; skipped (or failed with ONDECK_REQUIRE_ALL=1) when not installed."""
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_ALL:
            pytest.fail(reason)
        pytest.skip(f"{reason}; set ONDECK_REQUIRE_ALL=1 to fail instead")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()


class Tab:
    """One page in one browser context, collecting the errors its scripts raise."""

    def __init__(self, context: BrowserContext, base_url: str, device: str) -> None:
        self.page: Page = context.new_page()
        self.base_url = base_url
        self.device = device
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.on(
            "response",
            lambda response: (
                self.errors.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD) -> None:
        self.open("/incidents")
        expect(self.page).to_have_url(re.compile(r"/login\?next=/incidents$"))
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page).to_have_url(self.base_url + "/incidents")

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}-{self.device}.png", full_page=True)
