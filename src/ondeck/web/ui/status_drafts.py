"""The command centre's status-page forms: write a draft update by hand, save the draft as
shown, publish it (saved first) to the public page and its subscribers. Each calls the use
cases of ``services.status_updates`` as the signed-in user; refusals as ``command_forms``
says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ondeck.bootstrap import Container
from ondeck.services import status_updates
from ondeck.services.ports import Person
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.command_forms import FormError, act, back, form_error
from ondeck.web.ui.session import SignedIn, notify

router = APIRouter(include_in_schema=False)


class UpdateForm(BaseModel):
    """A status update's fields as the incident page's forms post them."""

    title: str = ""
    body: str = ""
    status: str = ""
    impact: str = ""
    components: list[str] = []
    csrf_token: str = ""

    def filled(self) -> dict[str, str]:
        """The values to show again in the form when it is refused."""
        return {
            "title": self.title,
            "body": self.body,
            "status": self.status,
            "impact": self.impact,
            "components": " ".join(self.components),
        }

    def component_ids(self) -> list[int]:
        """The ticked components' ids; FormError for a value that is not one."""
        ids = []
        for value in self.components:
            try:
                ids.append(int(value))
            except ValueError:
                raise FormError(f"components: {value!r} is not a status component") from None
        return ids


UpdateFields = Annotated[UpdateForm, Form()]


async def _submit(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    form: UpdateForm,
    use_case: Callable[..., Any],
    **arguments: Any,
) -> Any:
    """Call ``use_case`` with the form's fields (as keyword arguments, or as ``edits`` when
    ``arguments`` names it as None); a Response when the form or the use case refused."""
    try:
        chosen = form.component_ids()
    except FormError as error:
        return await form_error(
            request, container, user, incident_id, form.csrf_token, error, form.filled()
        )
    fields: dict[str, Any] = {
        "title": form.title,
        "body": form.body,
        "status": form.status,
        "impact": form.impact,
        "components": chosen,
    }
    if "edits" in arguments:
        arguments["edits"] = status_updates.Edits(**fields)
    else:
        arguments |= fields
    return await act(
        request,
        container,
        user,
        incident_id,
        form.csrf_token,
        form.filled(),
        use_case,
        **arguments,
    )


@router.post("/incidents/{incident_id}/command/status-updates")
async def write_status_update(
    request: Request, container: ContainerDep, user: SignedIn, incident_id: int, form: UpdateFields
) -> Response:
    """Write a new draft status-page update by hand; nothing is public until published."""
    outcome = await _submit(
        request, container, user, incident_id, form, status_updates.write_update
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
    form: UpdateFields,
) -> Response:
    """Save the draft as shown (title, status, impact, body, components)."""
    outcome = await _submit(
        request,
        container,
        user,
        incident_id,
        form,
        status_updates.edit_update,
        update_id=update_id,
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
    form: UpdateFields,
) -> Response:
    """Publish the draft as shown: its fields, as edited, are saved and published in one
    transaction (``publish_update`` with ``Edits``), to the public page and its subscribers.
    A refused edit publishes nothing and saves nothing."""
    outcome = await _submit(
        request,
        container,
        user,
        incident_id,
        form,
        status_updates.publish_update,
        update_id=update_id,
        signer=container.link_secrets,
        base_url=container.links.base_url,
        edits=None,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, f"Published to the status page: {outcome.title}")
    return back(incident_id, "status-update")
