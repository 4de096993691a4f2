"""The command centre's status-page forms: write a draft update by hand, save the draft as
shown, publish it (saved first) to the public page and its subscribers. Each calls the use
cases of ``services.status_updates`` as the signed-in user; refusals as ``command_forms``
says.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ondeck.services import status_updates
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.command_forms import FormError, act, back, form_error
from ondeck.web.ui.session import SignedIn, notify

router = APIRouter(include_in_schema=False)


def _component_ids(chosen: list[str] | None) -> list[int]:
    """The ticked components' ids; FormError for a value that is not one."""
    ids = []
    for value in chosen or []:
        try:
            ids.append(int(value))
        except ValueError:
            raise FormError(f"components: {value!r} is not a status component") from None
    return ids


def _update_form(
    title: str, body: str, status: str, impact: str, components: list[str] | None
) -> dict[str, str]:
    return {
        "title": title,
        "body": body,
        "status": status,
        "impact": impact,
        "components": " ".join(components or []),
    }


@router.post("/incidents/{incident_id}/command/status-updates")
async def write_status_update(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    impact: Annotated[str, Form()] = "",
    components: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Write a new draft status-page update by hand; nothing is public until published."""
    filled = _update_form(title, body, status, impact, components)
    try:
        chosen = _component_ids(components)
    except FormError as error:
        return await form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        status_updates.write_update,
        title=title,
        body=body,
        status=status,
        impact=impact,
        components=chosen,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "Status page draft saved. Customers see it once you publish it.")
    return back(incident_id, "status-update")


@router.post("/incidents/{incident_id}/command/status-updates/{update_id}")
async def save_status_update(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    update_id: int,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    impact: Annotated[str, Form()] = "",
    components: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Save the draft as shown (title, status, impact, body, components)."""
    filled = _update_form(title, body, status, impact, components)
    try:
        chosen = _component_ids(components)
    except FormError as error:
        return await form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        status_updates.edit_update,
        update_id=update_id,
        title=title,
        body=body,
        status=status,
        impact=impact,
        components=chosen,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "Status page draft saved. Customers see it once you publish it.")
    return back(incident_id, "status-update")


@router.post("/incidents/{incident_id}/command/status-updates/{update_id}/publish")
async def publish_status_update(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    update_id: int,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    impact: Annotated[str, Form()] = "",
    components: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Publish the draft as shown: its fields, as edited, are saved and published in one
    transaction (``publish_update`` with ``Edits``), to the public page and its subscribers.
    A refused edit publishes nothing and saves nothing."""
    filled = _update_form(title, body, status, impact, components)
    try:
        chosen = _component_ids(components)
    except FormError as error:
        return await form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        status_updates.publish_update,
        update_id=update_id,
        signer=container.link_secrets,
        base_url=container.links.base_url,
        edits=status_updates.Edits(
            title=title, body=body, status=status, impact=impact, components=chosen
        ),
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, f"Published to the status page: {outcome.title}")
    return back(incident_id, "status-update")
