"""`ondeck status-update list|write|edit|publish` on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ondeck.bootstrap import bootstrap
from ondeck.config import Settings
from ondeck.services import status_page
from tests.cli.test_incident_command import incident
from tests.config.test_apply import EXAMPLE_ORG
from tests.conftest import SECRET, ondeck_env, run_cli

RUNBOOK = "    runbook_url: https://runbooks.example/checkout\n"
ORG = EXAMPLE_ORG.replace(
    RUNBOOK, RUNBOOK + "    status_page: {name: Checkout, components: [Payments, Receipts]}\n"
)


@pytest.fixture
def env(database_url: str) -> Iterator[dict[str, str]]:
    assert ORG != EXAMPLE_ORG
    environment = ondeck_env(database_url)
    run_cli(environment, "apply", "-f", "-", input_text=ORG)
    yield environment


def public_titles(env: dict[str, str]) -> list[str]:
    c = bootstrap(Settings(database_url=env["ONDECK_DATABASE_URL"], secret_key=SECRET))
    try:
        page = status_page.public_page(uow=c.uow, clock=c.clock)
    finally:
        c.close()
    return [i.title for i in page.active]


def test_a_stage_change_proposes_a_draft_that_is_edited_and_published_from_the_command_line(
    env: dict[str, str],
) -> None:
    number = str(incident(env))
    run_cli(env, "ack", number, "--as", "grace@example.com")
    run_cli(env, "declare", number, "--as", "ada@example.com")
    run_cli(env, "stage", number, "assemble", "--as", "ada@example.com")

    listed = run_cli(env, "status-update", "list", number).stdout
    assert "(draft) — investigating, degraded_performance" in listed
    assert "title: Degraded service: Checkout" in listed
    found = re.search(r"update (\d+) \(draft\)", listed)
    assert found is not None
    update = found.group(1)
    receipts = re.search(r"Checkout: Receipts \[(\d+)\]", listed)
    assert receipts is not None

    edited = run_cli(
        env,
        "status-update",
        "edit",
        number,
        update,
        "--title",
        "Receipts delayed",
        "--impact",
        "partial_outage",
        "--component",
        receipts.group(1),
        "--as",
        "ada@example.com",
    ).stdout
    assert "title: Receipts delayed" in edited
    assert "components: Checkout: Receipts" in edited
    assert public_titles(env) == []

    published = run_cli(
        env, "status-update", "publish", number, update, "--as", "grace@example.com"
    ).stdout
    assert "published" in published and "by grace@example.com" in published
    assert public_titles(env) == ["Receipts delayed"]

    again = run_cli(env, "status-update", "publish", number, update, check=False)
    assert again.returncode == 1 and "already published" in again.stderr

    # Each later stage tells customers again: a new draft, which the next move replaces.
    run_cli(env, "stage", number, "verify", "--as", "ada@example.com")
    verify = run_cli(env, "status-update", "list", number).stdout
    drafts = re.findall(r"update (\d+) \(draft\)", verify)
    assert len(drafts) == 1 and drafts[0] != update
    assert "stage: verify" in verify and "assessing how many customers" in verify
    run_cli(env, "stage", number, "dispatch", "--as", "ada@example.com", "--reason", "found it")
    dispatch = run_cli(env, "status-update", "list", number).stdout
    assert re.findall(r"update (\d+) \(draft\)", dispatch) == drafts
    assert "stage: dispatch" in dispatch and "assessing how many" not in dispatch
    assert "(draft) — identified" in dispatch
    assert public_titles(env) == ["Receipts delayed"]


def test_bad_input_exits_2_and_refusals_exit_1_changing_nothing(env: dict[str, str]) -> None:
    number = str(incident(env))
    run_cli(env, "ack", number, "--as", "grace@example.com")
    run_cli(env, "declare", number, "--as", "ada@example.com")
    written = run_cli(
        env,
        "status-update",
        "write",
        number,
        "--title",
        "Slow checkout",
        "--body",
        "Checkout is slow.",
        "--status",
        "investigating",
        "--impact",
        "degraded_performance",
    ).stdout
    found = re.search(r"update (\d+) \(draft\)", written)
    assert found is not None
    update = found.group(1)
    before = run_cli(env, "status-update", "list", number).stdout

    bad = run_cli(env, "status-update", "edit", number, update, "--status", "fine", check=False)
    assert bad.returncode == 2 and "error: status: unknown 'fine'" in bad.stderr
    unknown = run_cli(env, "status-update", "edit", number, "999999", "--title", "x", check=False)
    assert unknown.returncode == 1 and "no status update 999999" in unknown.stderr
    outsider = run_cli(
        env,
        "status-update",
        "publish",
        number,
        update,
        "--as",
        "cto@example.com",
        check=False,
    )
    assert outsider.returncode == 1 and "not a participant" in outsider.stderr
    assert run_cli(env, "status-update", "list", number).stdout == before
    assert public_titles(env) == []
