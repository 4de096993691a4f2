"""The command centre's forms about who takes part: hand off an incident role (or remove an
expert), set the conference bridge, follow the incident (get its CAN reports) or stop.
Each calls one use case as the signed-in user; refusals as ``command_forms`` says.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ondeck.services import command, command_centre, roles
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.command_forms import act, back
from ondeck.web.ui.session import SignedIn, notify

router = APIRouter(include_in_schema=False)


@router.post("/incidents/{incident_id}/command/roles")
async def hand_off(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    role: Annotated[str, Form()] = "",
    person: Annotated[str, Form(alias="user")] = "",
    remove: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Give ``role`` to the person with email ``user`` (the old holder is told); with
    ``remove``, they stop being a subject-matter expert."""
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        {"role": role, "user": person},
        roles.hand_off,
        role=role,
        user=person,
        remove=bool(remove),
    )
    if isinstance(outcome, Response):
        return outcome
    holder = next((h for h in outcome if h.role.value == role and h.email == person), None)
    if remove:
        notify(request, f"{person} is no longer a subject-matter expert.")
    elif holder is not None:
        notify(request, f"{holder.name} is now {holder.role.label}.")
    return back(incident_id, "roles")


@router.post("/incidents/{incident_id}/command/bridge")
async def set_bridge(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    bridge: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Set the conference bridge (an http(s) URL; blank removes it)."""
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        {"bridge": bridge},
        command.set_bridge,
        url=bridge,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "Bridge set." if outcome.bridge_url else "Bridge removed.")
    return back(incident_id, "bridge")


@router.post("/incidents/{incident_id}/command/follow")
async def follow(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Follow the incident: its CAN reports come to you, never its pages."""
    outcome = await act(
        request, container, user, incident_id, csrf_token, {}, command_centre.follow
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "You follow this incident: its CAN reports come to you.")
    return back(incident_id, "roles")


@router.post("/incidents/{incident_id}/command/unfollow")
async def unfollow(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Stop following the incident."""
    outcome = await act(
        request, container, user, incident_id, csrf_token, {}, command_centre.unfollow
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "You no longer follow this incident.")
    return back(incident_id, "roles")
