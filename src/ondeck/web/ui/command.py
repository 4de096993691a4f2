"""The incident page's command-centre forms: declare a major incident, move its stage, post
a CAN report, record a loss estimate, hand off a role, set the conference bridge, follow the
incident (get its CAN reports), write, save and publish a status-page update.

Every form posts with its CSRF token, calls one use case of ``services.command`` as the
signed-in user and goes back to the incident page with a notice. A refusal shows the page
again with the use case's message (naming the field), the form as it was filled in, and
status 403 (not a participant), 409 (the rules refuse it) or 422 (bad input); nothing has
changed then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ondeck.bootstrap import Container
from ondeck.domain.errors import InvalidTransition
from ondeck.services import command, command_centre, roles, status_updates
from ondeck.services.errors import Forbidden, NotFound, Refused
from ondeck.services.ports import Person
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.command_view import STAGE_NAMES, severity_text
from ondeck.web.ui.incidents import show_incident
from ondeck.web.ui.session import EXPIRED, SignedIn, clockface, csrf_ok, notify, refused

router = APIRouter(include_in_schema=False)

T = TypeVar("T")


class FormError(Exception):
    """A form value that could not be read; the message names the field."""


def policy(container: Container) -> command.Policy:
    """The organisation's severity thresholds and CAN cadence, from its settings."""
    settings = container.settings
    return command.Policy(settings.severity_thresholds, settings.can_cadence)


def number(label: str, text: str) -> float:
    """``text`` as a number (blank is 0; ``12,500`` is 12500); FormError naming ``label``."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        return 0.0
    try:
        return float(cleaned)
    except ValueError:
        raise FormError(f"{label}: {text.strip()!r} is not a number") from None


def whole(label: str, text: str) -> int:
    """``text`` as a whole number (blank is 0); FormError naming ``label``."""
    value = number(label, text)
    if value != int(value):
        raise FormError(f"{label}: {text.strip()!r} is not a whole number")
    return int(value)


async def _act(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    csrf: str,
    filled: dict[str, str],
    use_case: Callable[..., T],
    /,
    **kwargs: Any,
) -> T | Response:
    """Run ``use_case`` as ``user``; on refusal, the incident page with the error instead."""
    if not csrf_ok(request, csrf):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    try:
        return await run_in_threadpool(
            use_case,
            uow=container.uow,
            clock=container.clock,
            incident_id=incident_id,
            actor=user,
            **kwargs,
        )
    except NotFound as missing:
        return refused(request, user, "No such incident", str(missing), 404)
    except Forbidden as error:
        problem, status = str(error), 403
    except command.BadInput as error:
        problem, status = str(error), 422
    except (InvalidTransition, Refused) as error:
        problem, status = str(error), 409
    return await show_incident(
        request, container, user, incident_id, error=problem, status_code=status, filled=filled
    )


async def _form_error(
    request: Request,
    container: Container,
    user: Person,
    incident_id: int,
    csrf: str,
    error: FormError,
    filled: dict[str, str],
) -> Response:
    """The incident page with a form value's error (422), the form as it was filled in."""
    if not csrf_ok(request, csrf):
        return refused(request, user, "Nothing was changed", EXPIRED, 403)
    return await show_incident(
        request, container, user, incident_id, error=str(error), status_code=422, filled=filled
    )


def _back(incident_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{incident_id}#{anchor}", status_code=303)


@router.post("/incidents/{incident_id}/command/declare")
async def declare(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    bridge: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Declare a major incident; the declarer becomes its incident manager unless someone
    already holds the role. A blank ``bridge`` takes the organisation's."""
    outcome = await _act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        {"bridge": bridge},
        command.declare,
        policy=policy(container),
        bridge=bridge.strip() or None,
    )
    if isinstance(outcome, Response):
        return outcome
    due = clockface(container, user).when(outcome.command.next_can_due)
    notify(
        request,
        f"Declared a major incident; incident manager {outcome.manager or 'none'}. "
        f"The first CAN report is due at {due}.",
    )
    return _back(incident_id, "command")


@router.post("/incidents/{incident_id}/command/stage")
async def change_stage(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    stage: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    experts: Annotated[str | None, Form()] = None,
    rca_owner: Annotated[str | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Move to ``stage``; ``experts`` (comma-separated) and ``rca_owner`` when the form has
    them. Moving on with checklist items missing, or back, needs ``reason``."""
    filled = {
        "stage": stage,
        "reason": reason,
        "experts": experts or "",
        "rca_owner": rca_owner or "",
    }
    outcome = await _act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        command.change_stage,
        stage=stage,
        reason=reason,
        experts=experts.split(",") if experts is not None else None,
        rca_owner=rca_owner,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, f"Moved to {STAGE_NAMES[outcome.command.stage]}.")
    return _back(incident_id, "stage")


@router.post("/incidents/{incident_id}/command/can-report")
async def post_can_report(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    conditions: Annotated[str, Form()] = "",
    actions: Annotated[str, Form()] = "",
    needs: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Post a CAN report (conditions, actions, needs; none may be blank)."""
    filled = {"conditions": conditions, "actions": actions, "needs": needs}
    outcome = await _act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        command.post_can_report,
        conditions=conditions,
        actions=actions,
        needs=needs,
        policy=policy(container),
    )
    if isinstance(outcome, Response):
        return outcome
    due = clockface(container, user).when(outcome.next_due)
    notify(request, f"CAN report posted. The next one is due at {due}.")
    return _back(incident_id, "can")


@router.post("/incidents/{incident_id}/command/loss-estimate")
async def add_loss_estimate(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    cost_per_hour: Annotated[str, Form()] = "",
    revenue_per_hour: Annotated[str, Form()] = "",
    users_affected: Annotated[str, Form()] = "",
    security_impact: Annotated[str, Form()] = "",
    journey: Annotated[str, Form()] = "unaffected",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record a loss estimate; it sets severity and the response method."""
    filled = {
        "cost_per_hour": cost_per_hour,
        "revenue_per_hour": revenue_per_hour,
        "users_affected": users_affected,
        "security_impact": security_impact,
        "journey": journey,
        "note": note,
    }
    try:
        amounts = {
            "cost_per_hour": number("Cost per hour", cost_per_hour),
            "revenue_per_hour": number("Revenue lost per hour", revenue_per_hour),
            "users_affected": whole("Users affected", users_affected),
        }
    except FormError as error:
        return await _form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await _act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        command.add_loss_estimate,
        **amounts,
        security_impact=bool(security_impact),
        journey=journey,
        note=note,
        policy=policy(container),
    )
    if isinstance(outcome, Response):
        return outcome
    notify(
        request,
        f"Loss estimate recorded. Severity: {severity_text(outcome.severity, outcome.response)}.",
    )
    return _back(incident_id, "loss")


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
        return await _form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await _act(
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
    return _back(incident_id, "status-update")


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
        return await _form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await _act(
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
    return _back(incident_id, "status-update")


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
    """Publish the draft as shown: it is saved first (``edit_update``, which changes nothing
    when the text is as stored), then published to the public page and its subscribers
    (``publish_update``). A refused save publishes nothing."""
    filled = _update_form(title, body, status, impact, components)
    try:
        chosen = _component_ids(components)
    except FormError as error:
        return await _form_error(request, container, user, incident_id, csrf_token, error, filled)
    saved = await _act(
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
    if isinstance(saved, Response):
        return saved
    outcome = await _act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        filled,
        status_updates.publish_update,
        update_id=update_id,
        signer=container.calendars,
        base_url=container.links.base_url,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, f"Published to the status page: {outcome.title}")
    return _back(incident_id, "status-update")


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
    outcome = await _act(
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
    return _back(incident_id, "roles")


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
    outcome = await _act(
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
    return _back(incident_id, "bridge")


@router.post("/incidents/{incident_id}/command/follow")
async def follow(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Follow the incident: its CAN reports come to you, never its pages."""
    outcome = await _act(
        request, container, user, incident_id, csrf_token, {}, command_centre.follow
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "You follow this incident: its CAN reports come to you.")
    return _back(incident_id, "roles")


@router.post("/incidents/{incident_id}/command/unfollow")
async def unfollow(
    request: Request,
    container: ContainerDep,
    user: SignedIn,
    incident_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Stop following the incident."""
    outcome = await _act(
        request, container, user, incident_id, csrf_token, {}, command_centre.unfollow
    )
    if isinstance(outcome, Response):
        return outcome
    notify(request, "You no longer follow this incident.")
    return _back(incident_id, "roles")
