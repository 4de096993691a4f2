"""Migration 0005 moves the incident heads into incident_roles and back again on downgrade."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from ondeck.adapters.db import migrate


def _columns(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("incident_command")}
    finally:
        engine.dispose()


def test_the_heads_columns_go_on_upgrade_and_come_back_on_downgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        migrate.upgrade(engine)
        upgraded = _columns(database_url)
        migrate.downgrade(engine, "0004")
        downgraded = _columns(database_url)
        migrate.upgrade(engine)
    finally:
        engine.dispose()

    assert not {"manager_id", "engineer_id"} & upgraded
    assert {"manager_id", "engineer_id"} <= downgraded
    assert {"manager_id", "engineer_id"}.isdisjoint(_columns(database_url))
