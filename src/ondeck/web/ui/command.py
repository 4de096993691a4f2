"""The incident page's command-centre forms for running a major incident: declare it, move
its stage, post a CAN report, record a loss estimate. Each posts with its CSRF token, calls
one use case of ``services.command`` as the signed-in user and goes back to the page with a
notice; refusals as ``command_forms`` says.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ondeck.services import command
from ondeck.web.deps import ContainerDep
from ondeck.web.ui.command_forms import FormError, act, back, form_error, number, whole
from ondeck.web.ui.command_panels import STAGE_NAMES
from ondeck.web.ui.command_view import severity_text
from ondeck.web.ui.session import SignedIn, clockface, notify

router = APIRouter(include_in_schema=False)


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
    outcome = await act(
        request,
        container,
        user,
        incident_id,
        csrf_token,
        {"bridge": bridge},
        command.declare,
        policy=container.command_policy,
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
    return back(incident_id, "command")


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
    outcome = await act(
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
    return back(incident_id, "stage")


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
    outcome = await act(
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
        policy=container.command_policy,
    )
    if isinstance(outcome, Response):
        return outcome
    due = clockface(container, user).when(outcome.next_due)
    notify(request, f"CAN report posted. The next one is due at {due}.")
    return back(incident_id, "can")


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
        return await form_error(request, container, user, incident_id, csrf_token, error, filled)
    outcome = await act(
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
        policy=container.command_policy,
    )
    if isinstance(outcome, Response):
        return outcome
    notify(
        request,
        f"Loss estimate recorded. Severity: {severity_text(outcome.severity, outcome.response)}.",
    )
    return back(incident_id, "loss")
