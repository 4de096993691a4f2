"""The server-rendered web UI: sign in, incidents with a live timeline, the organisation.

``create_app`` includes ``router``, installs ``login_required_handler`` for
``LoginRequired`` and adds the session middleware the pages rely on.
"""

from __future__ import annotations

from fastapi import APIRouter

from ondeck.web.ui import (
    auth,
    command,
    command_team,
    contacts,
    incidents,
    org,
    schedules,
    status_drafts,
)
from ondeck.web.ui.session import LoginRequired, login_required_handler

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(incidents.router)
router.include_router(command.router)
router.include_router(command_team.router)
router.include_router(status_drafts.router)
router.include_router(org.router)
router.include_router(schedules.router)
router.include_router(contacts.router)

__all__ = ["LoginRequired", "login_required_handler", "router"]
