"""A service's ``status_page`` block in the org file: parsed, checked, applied by the real
``ondeck apply`` into the public page's components (on both databases) and exported back."""

from __future__ import annotations

import pytest

from ondeck.adapters.orgfile import OrgFileError, parse_org
from ondeck.domain.org import StatusComponentSpec, StatusPageSpec
from tests.conftest import ondeck_env, run_cli

BASE = """
users:
  - {email: ada@example.com, name: Ada Lovelace}
escalation_policies:
  - name: Default
    levels: [{escalate_after: 5m, targets: [{user: ada@example.com}]}]
services:
  - name: checkout-api
    escalation_policy: Default
"""


def with_page(block: str) -> str:
    return BASE + "".join(f"    {line}\n" for line in block.strip().splitlines())


def test_components_are_names_or_name_and_description() -> None:
    spec = parse_org(
        with_page("""
status_page:
  name: Checkout
  components: [Payments, {name: Order history, description: Past orders}]
""")
    )
    assert spec.services[0].status_page == StatusPageSpec(
        "Checkout",
        (StatusComponentSpec("Payments"), StatusComponentSpec("Order history", "Past orders")),
    )


def test_a_service_without_a_status_page_block_is_not_on_the_page() -> None:
    assert parse_org(BASE).services[0].status_page is None


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (
            "status_page: {name: '', components: [A]}",
            "services[0].status_page.name: must not be empty",
        ),
        (
            "status_page: {name: Checkout, components: []}",
            "services[0].status_page.components: list at least one component",
        ),
        (
            "status_page: {name: Checkout, components: [A, B, A]}",
            "services[0].status_page.components[2]: 'A' is listed twice",
        ),
        (
            "status_page: {name: Checkout, components: [{name: ' '}]}",
            "services[0].status_page.components[0].name: must not be empty",
        ),
        (
            "status_page: {name: Checkout, components: [A], colour: red}",
            "services[0].status_page.colour",
        ),
        ("status_page: {components: [A]}", "services[0].status_page.name"),
    ],
)
def test_a_bad_status_page_block_is_refused_naming_its_path(
    refusing_env: dict[str, str], block: str, problem: str
) -> None:
    env = refusing_env
    result = run_cli(env, "apply", "-f", "-", input_text=with_page(block), check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert problem in result.stderr
    assert "checkout-api" not in run_cli(env, "export").stdout


def test_a_shape_problem_is_found_before_anything_is_stored() -> None:
    with pytest.raises(OrgFileError) as caught:
        parse_org(with_page("status_page: {name: Checkout, components: 7}"), "org.yaml")
    assert "org.yaml: services[0].status_page.components" in str(caught.value)


def public_groups(env: dict[str, str]) -> tuple[str, dict[str, int]]:
    """What the public page lists (``Group: A, B``) and each component's id."""
    from ondeck.bootstrap import bootstrap
    from ondeck.config import Settings
    from ondeck.services import status_page
    from tests.conftest import SECRET

    c = bootstrap(Settings(database_url=env["ONDECK_DATABASE_URL"], secret_key=SECRET))
    try:
        page = status_page.public_page(uow=c.uow, clock=c.clock)
    finally:
        c.close()
    text = "; ".join(f"{g.name}: {', '.join(x.name for x in g.components)}" for g in page.groups)
    return text, {x.name: x.id for g in page.groups for x in g.components}


def test_apply_stores_the_components_keeps_their_ids_and_export_writes_them_back(
    database_url: str,
) -> None:
    env = ondeck_env(database_url)
    first = with_page("""
status_page:
  name: Checkout
  components: [Payments, {name: Order history, description: Past orders}]
""")
    run_cli(env, "apply", "-f", "-", input_text=first)
    listed, before = public_groups(env)
    assert listed == "Checkout: Payments, Order history"
    exported = run_cli(env, "export").stdout
    assert "status_page:" in exported and "{name: Order history, description: Past orders}" in (
        exported
    )
    run_cli(env, "apply", "-f", "-", input_text=exported)
    assert run_cli(env, "export").stdout == exported

    renamed = with_page("""
status_page:
  name: Shop
  components: [Order history, Refunds]
""")
    run_cli(env, "apply", "-f", "-", input_text=renamed)
    listed, after = public_groups(env)
    assert listed == "Shop: Order history, Refunds"
    assert after["Order history"] == before["Order history"]  # published updates still name it

    run_cli(env, "apply", "-f", "-", input_text=BASE)
    assert public_groups(env) == ("", {})
    assert "status_page" not in run_cli(env, "export").stdout
