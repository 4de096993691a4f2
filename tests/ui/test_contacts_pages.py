"""A person's page over HTTP, as a browser without scripts uses it: contact methods, rules,
working hours, refusals that change nothing, and who may see whose page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server
from tests.ui.support import OTHERS, csrf_from, set_passwords, sign_in

GRACE = "grace@example.com"


@pytest.fixture
def ada(site: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        assert sign_in(client).status_code == 303
        yield client


def my_page(client: httpx.Client) -> tuple[str, httpx.Response]:
    """The signed-in person's page address and the page."""
    moved = client.get("/me")
    assert moved.status_code == 303
    here = moved.headers["location"]
    return here, client.get(here)


def post(client: httpx.Client, path: str, page: str, **fields: str | list[str]) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_from(page), **fields})


def methods_on(page: str) -> list[str]:
    return re.findall(r'<div class="address">([^<]*)</div>', page)


def test_my_notifications_page_lists_methods_and_says_why_no_page_would_reach_me(
    ada: httpx.Client,
) -> None:
    here, page = my_page(ada)

    assert page.status_code == 200
    assert re.fullmatch(r"/users/\d+", here)
    assert "<h1>My notifications</h1>" in page.text
    assert f'<a href="{here}" aria-current="page">My notifications</a>' in page.text
    assert methods_on(page.text) == ["ada@example.com"]
    assert (
        "No working contact method: this server does not deliver email (email is only logged "
        "until ONDECK_SMTP_URL is set)." in page.text
    )
    for urgency in ("high", "low"):
        rules = page.text.split(f'data-urgency="{urgency}"')[1].split("</fieldset>")[0]
        assert re.search(r'<option value="\d+" selected>email ada@example.com<', rules)
        assert "No rules" not in rules
    assert "Working hours: <strong>Mon-Fri 09:00-17:00</strong> (Europe/London; the default)." in (
        page.text
    )
    users = ada.get("/users").text
    assert f'<a href="{here}">Ada Lovelace</a>' in users


def test_a_bad_address_is_shown_with_the_form_as_filled_and_nothing_is_added(
    ada: httpx.Client,
) -> None:
    here, page = my_page(ada)

    refused = post(
        ada, f"{here}/contact-methods", page.text, kind="sms", address="0770 0900", label="cell"
    )

    assert refused.status_code == 200
    assert (
        "address: &#39;0770 0900&#39; is not a phone number in international (E.164) form"
        in refused.text
    )
    assert 'value="0770 0900"' in refused.text and 'value="cell"' in refused.text
    assert '<option value="sms" selected>' in refused.text
    assert methods_on(ada.get(here).text) == methods_on(page.text)


def test_adding_a_method_setting_rules_and_removing_it_takes_its_rules_with_it(
    ada: httpx.Client,
) -> None:
    here, page = my_page(ada)
    added = post(
        ada,
        f"{here}/contact-methods",
        page.text,
        kind="webhook",
        address="https://hooks.example/ada-bridge",
        label="bridge",
    )
    assert added.status_code == 303
    page = ada.get(here)
    assert "Added bridge (webhook https://hooks.example/ada-bridge)." in page.text
    bridge = re.search(
        r'data-method="(\d+)"[^>]*>\s*<div class="item-main">\s*<div '
        r'class="method-head">\s*<strong>bridge',
        page.text,
    )
    assert bridge is not None
    email = re.search(r'<option value="(\d+)"[^>]*>email ada@example.com<', page.text)
    assert email is not None

    saved = post(
        ada,
        f"{here}/notification-rules",
        page.text,
        high_contact=[email.group(1), bridge.group(1), ""],
        high_after=["0", "2.5", ""],
        low_contact=["", bridge.group(1)],
        low_after=["", "30"],
    )
    assert saved.status_code == 303
    page = ada.get(here)
    assert "Notification rules saved." in page.text
    high = page.text.split('data-urgency="high"')[1].split("</fieldset>")[0]
    assert re.search(rf'<option value="{bridge.group(1)}" selected>', high)
    assert 'value="2.5"' in high

    refused = post(
        ada,
        f"{here}/notification-rules",
        page.text,
        high_contact=[bridge.group(1)],
        high_after=["2000"],
    )
    assert "rules[0].after: must be between 0 and 1 day (1440 minutes)" in refused.text

    removed = post(ada, f"/contact-methods/{bridge.group(1)}/remove", page.text)
    assert removed.status_code == 303
    page = ada.get(here)
    assert (
        "Removed webhook https://hooks.example/ada-bridge; the 2 notification rules that used it "
        "were removed too." in page.text
    )
    assert "bridge" not in methods_on(page.text)
    post(
        ada,
        f"{here}/notification-rules",
        page.text,
        high_contact=[email.group(1)],
        high_after=["0"],
        low_contact=[email.group(1)],
        low_after=["0"],
    )


def test_working_hours_are_saved_and_bad_ones_refused_with_the_text_kept(
    ada: httpx.Client,
) -> None:
    here, page = my_page(ada)

    refused = post(
        ada,
        f"{here}/working-hours",
        page.text,
        working_hours="Mon-Fri 09:00-17:00\nSat 10:00-1",
        low_urgency="anytime",
    )
    saved = post(
        ada,
        f"{here}/working-hours",
        page.text,
        working_hours="Mon-Thu 08:00-16:00\n\nfri 8:00-12:00\n",
        low_urgency="anytime",
    )
    after = ada.get(here).text
    post(ada, f"{here}/working-hours", after, working_hours="", low_urgency="working_hours")

    assert "working_hours[1]: &#39;Sat 10:00-1&#39;: &#39;1&#39; is not a time of day" in (
        refused.text
    )
    assert "Mon-Fri 09:00-17:00\nSat 10:00-1</textarea>" in refused.text
    assert saved.status_code == 303
    assert "Working hours saved." in after
    assert ">Mon-Thu 08:00-16:00\nFri 08:00-12:00</textarea>" in after
    assert "Low-urgency pages come at any time." in after


def test_only_the_person_or_an_admin_may_open_their_page(site: Server, ada: httpx.Client) -> None:
    set_passwords(site.env["ONDECK_DATABASE_URL"], OTHERS, GRACE)
    here, _ = my_page(ada)
    users = ada.get("/users").text
    found = re.search(r'<a href="(/users/\d+)">Grace Hopper</a>', users)
    assert found is not None
    assert ada.get(found.group(1)).status_code == 200

    with httpx.Client(base_url=site.url, timeout=10) as grace:
        sign_in(grace, GRACE, OTHERS)
        theirs = grace.get(here)
        users_for_grace = grace.get("/users").text

    assert theirs.status_code == 403
    assert "only Ada Lovelace or an admin may see or change" in theirs.text
    assert '">Ada Lovelace</a>' not in users_for_grace
    assert f'<a href="{found.group(1)}">Grace Hopper</a>' in users_for_grace


def test_a_form_without_its_csrf_token_changes_nothing(ada: httpx.Client) -> None:
    here, page = my_page(ada)

    forged = ada.post(
        f"{here}/contact-methods", data={"kind": "email", "address": "evil@example.com"}
    )

    assert forged.status_code == 403
    assert methods_on(ada.get(here).text) == methods_on(page.text)


def test_signed_out_the_page_asks_to_sign_in(site: Server) -> None:
    response = httpx.get(f"{site.url}/users/1", timeout=10)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/users/1"
