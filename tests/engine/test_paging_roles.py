"""Paging for incident roles, driven by hand on both databases: the seeds' one-schedule
organisation (``examples/major-incidents.yaml``) pages the incident manager and engineer
together, each page row and each page carrying its role; acknowledging takes the role."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ondeck.adapters.db.tables import outbox
from ondeck.domain.model import IncidentRole
from ondeck.services import actions, people, roles
from ondeck.services.actions import Action
from ondeck.services.ports import Person
from tests.conftest import ROUTING_KEY
from tests.engine.harness import Harness

EXAMPLE = Path(__file__).parents[2] / "examples" / "major-incidents.yaml"
CHECKOUT_KEY = "5eed0000000000000000000000000001"


def apply_example(harness: Harness) -> None:
    """The example as shipped, its Checkout API listening on the harness's routing key; the
    rotas start at the harness's Monday 09:00: Ada manages, Grace engineers."""
    text = EXAMPLE.read_text()
    assert CHECKOUT_KEY in text
    harness.apply(text.replace(CHECKOUT_KEY, ROUTING_KEY))


def person(harness: Harness, who: str) -> Person:
    return people.person_by_email(uow=harness.container.uow, email=f"{who}@example.com")


def page_roles(harness: Harness, incident_id: int, level: int = 0) -> dict[str, str | None]:
    """Each address the level paged and the role its outbox row asked for."""
    with harness.container.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.address, outbox.c.role).where(
                outbox.c.incident_id == incident_id,
                outbox.c.purpose == "page",
                outbox.c.level == level,
            )
        ).all()
        conn.rollback()
    return {row.address: row.role for row in rows}


def acknowledge(harness: Harness, incident_id: int, who: str) -> actions.Outcome:
    return actions.act(
        uow=harness.container.uow,
        clock=harness.clock,
        incident_id=incident_id,
        person=person(harness, who),
        action=Action.ACKNOWLEDGE,
        via="test",
    )


def paged(harness: Harness, key: str) -> int:
    apply_example(harness)
    incident_id = harness.trigger(key)
    harness.advance()
    for message in harness.claim():
        harness.deliver(message)
    return incident_id


def test_level_one_pages_manager_and_engineer_together_each_with_their_role(
    harness: Harness,
) -> None:
    incident_id = paged(harness, "db-down")

    assert page_roles(harness, incident_id) == {
        "ada@example.com": "incident_manager",
        "grace@example.com": "incident_engineer",
    }
    said = {page.address: page.role_text for page in harness.email.pages}
    assert said == {
        "ada@example.com": "You are paged as incident manager.",
        "grace@example.com": "You are paged as incident engineer.",
    }


def test_each_head_takes_their_role_on_acknowledging_even_after_the_other(
    harness: Harness,
) -> None:
    incident_id = paged(harness, "db-down")

    first = acknowledge(harness, incident_id, "grace")
    harness.clock.advance(seconds=30)
    second = acknowledge(harness, incident_id, "ada")

    assert first.summary.endswith("; you are the incident engineer")
    assert second.summary.endswith("; you are the incident manager")
    held = roles.holders(uow=harness.container.uow, incident_id=incident_id)
    assert [(h.role, h.email) for h in held] == [
        (IncidentRole.INCIDENT_ENGINEER, "grace@example.com"),
        (IncidentRole.INCIDENT_MANAGER, "ada@example.com"),
    ]
    assert harness.kinds(incident_id).count("role_taken") == 2


def test_someone_not_paged_for_a_role_takes_none_on_acknowledging(harness: Harness) -> None:
    incident_id = paged(harness, "db-down")

    outcome = acknowledge(harness, incident_id, "linus")

    assert outcome.summary.startswith("Acknowledged")
    assert roles.holders(uow=harness.container.uow, incident_id=incident_id) == []


def test_a_level_without_roles_pages_without_them(harness: Harness) -> None:
    incident_id = paged(harness, "db-down")
    harness.clock.advance(minutes=5)
    harness.advance()

    assert page_roles(harness, incident_id, level=1) == {
        f"{who}@example.com": None for who in ("ada", "margaret", "grace", "linus")
    }
