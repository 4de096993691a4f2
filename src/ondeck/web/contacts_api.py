"""How people are reached, over the API: contact methods, test notifications, notification
rules and working hours.

Each route acts as the token's user: people manage their own, admins anyone's, and anyone
else is refused (403). A refusal names the field it is about and changes nothing (422).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ondeck.domain.model import NotificationRule, Urgency
from ondeck.domain.working_hours import window_text
from ondeck.services import contacts
from ondeck.services.ports import ContactRecord
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.errors import documented, service_errors
from ondeck.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1",
    tags=["contacts"],
    responses={401: {"model": ErrorPublic, "description": "Missing or invalid API token"}},
)

KINDS_HELP = "email, sms, voice, slack, teams, mattermost, ntfy or webhook"


class ContactMethodCreate(BaseModel):
    type: str = Field(description=KINDS_HELP, examples=["sms"])
    address: str = Field(
        description="email: an address; sms and voice: E.164 (+447700900123); slack: a member "
        "ID (U024BE7LH) or an incoming-webhook URL; teams, mattermost, webhook: a URL; "
        "ntfy: a topic or a topic URL",
        examples=["+447700900123"],
    )
    label: str = Field(default="", description="A name to tell methods apart", max_length=1000)


class ContactMethodUpdate(BaseModel):
    address: str | None = None
    label: str | None = None
    position: int | None = Field(default=None, description="0 puts it first")


class OutcomePublic(BaseModel):
    at: datetime
    ok: bool
    detail: str


class ContactMethodPublic(BaseModel):
    id: int
    user_id: int
    type: str
    address: str
    label: str
    position: int
    last_test: OutcomePublic | None
    last_delivery: OutcomePublic | None
    working: bool | None = Field(
        description="Whether the later of its last test and last page got through; null: "
        "neither has happened yet"
    )

    @classmethod
    def of(cls, record: ContactRecord) -> ContactMethodPublic:
        test = delivery = None
        if record.tested_at is not None and record.test_ok is not None:
            test = OutcomePublic(at=record.tested_at, ok=record.test_ok, detail=record.test_detail)
        if record.delivered_at is not None and record.delivered_ok is not None:
            delivery = OutcomePublic(
                at=record.delivered_at, ok=record.delivered_ok, detail=record.delivery_detail
            )
        return cls(
            id=record.id,
            user_id=record.user_id,
            type=record.kind,
            address=record.address,
            label=record.label,
            position=record.position,
            last_test=test,
            last_delivery=delivery,
            working=record.state().last_outcome,
        )


class ContactMethodsPublic(BaseModel):
    data: list[ContactMethodPublic]
    count: int
    unreachable: str | None = Field(
        description="Why no page would reach this person (no methods, none this server "
        "delivers, or every one's last page or test failed); null when one might"
    )


class RemovedPublic(BaseModel):
    detail: str
    rules_removed: int


class TestResultPublic(BaseModel):
    ok: bool
    permanent: bool
    detail: str
    contact_method: ContactMethodPublic


class RuleIn(BaseModel):
    contact_method_id: int
    after_minutes: int = Field(default=0, description="0 to 1440 (one day)")
    urgency: Literal["high", "low"] | None = Field(
        default=None, description="null: the rule applies to both urgencies"
    )


class RulesUpdate(BaseModel):
    rules: list[RuleIn]


class RulePublic(BaseModel):
    contact_method_id: int
    after_minutes: int
    after_seconds: int
    urgency: Literal["high", "low"] | None

    @classmethod
    def of(cls, rule: NotificationRule) -> RulePublic:
        seconds = int(rule.delay.total_seconds())
        return cls(
            contact_method_id=rule.contact_method_id,
            after_minutes=seconds // 60,
            after_seconds=seconds,
            urgency=rule.urgency.value if rule.urgency else None,
        )


class RulesPublic(BaseModel):
    data: list[RulePublic]
    count: int


class WorkingHoursUpdate(BaseModel):
    working_hours: list[str] = Field(
        description="Weekly windows in the person's time zone, like 'Mon-Fri 09:00-17:00', "
        "'22:00-06:00' or 'Sat-Sun'; empty: their team's, or Mon-Fri 09:00-17:00",
        examples=[["Mon-Fri 09:00-17:00"]],
    )
    low_urgency: str = Field(
        default="working_hours",
        description="working_hours: low-urgency pages wait for them; anytime: they do not",
    )


class WorkingHoursPublic(BaseModel):
    working_hours: list[str] = Field(description="The person's own; empty: none set")
    effective: list[str] = Field(description="What low-urgency pages wait for")
    source: Literal["own", "team", "default"]
    team: str | None
    timezone: str
    low_urgency: str

    @classmethod
    def of(cls, hours: contacts.Hours) -> WorkingHoursPublic:
        return cls(
            working_hours=[window_text(w) for w in hours.stored.own],
            effective=[window_text(w) for w in hours.windows],
            source=hours.source,
            team=hours.team or None,
            timezone=hours.timezone,
            low_urgency=hours.stored.low_urgency,
        )


# --- contact methods ---------------------------------------------------------------------


@router.get(
    "/users/{user_id}/contact-methods",
    response_model=ContactMethodsPublic,
    responses=documented(403, 404),
)
async def list_contact_methods(
    container: ContainerDep, user: ApiUser, user_id: int
) -> ContactMethodsPublic:
    """A person's contact methods in their order, each with its last test and last page."""
    with service_errors():
        found = await run_in_threadpool(
            contacts.view,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            deliverable=container.deliverable,
        )
    data = [ContactMethodPublic.of(m) for m in found.methods]
    return ContactMethodsPublic(data=data, count=len(data), unreachable=found.unreachable)


@router.post(
    "/users/{user_id}/contact-methods",
    response_model=ContactMethodPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented(403, 404, 422),
)
async def add_contact_method(
    container: ContainerDep, user: ApiUser, user_id: int, body: ContactMethodCreate
) -> ContactMethodPublic:
    """Add a contact method after the person's others. Send a test to see that it works."""
    with service_errors():
        record = await run_in_threadpool(
            contacts.add_method,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            kind=body.type,
            address=body.address,
            label=body.label,
        )
    return ContactMethodPublic.of(record)


@router.patch(
    "/contact-methods/{contact_id}",
    response_model=ContactMethodPublic,
    responses=documented(403, 404, 422),
)
async def update_contact_method(
    container: ContainerDep, user: ApiUser, contact_id: int, body: ContactMethodUpdate
) -> ContactMethodPublic:
    """Change a method's address or label, or move it; a new address forgets its last test."""
    with service_errors():
        record = await run_in_threadpool(
            contacts.update_method,
            uow=container.uow,
            actor=user,
            contact_id=contact_id,
            address=body.address,
            label=body.label,
            position=body.position,
        )
    return ContactMethodPublic.of(record)


@router.delete(
    "/contact-methods/{contact_id}",
    response_model=RemovedPublic,
    responses=documented(403, 404),
)
async def remove_contact_method(
    container: ContainerDep, user: ApiUser, contact_id: int
) -> RemovedPublic:
    """Remove a method and the notification rules that use it; the answer says how many."""
    with service_errors():
        removed = await run_in_threadpool(
            contacts.remove_method, uow=container.uow, actor=user, contact_id=contact_id
        )
    return RemovedPublic(detail=contacts.removal_text(removed), rules_removed=removed.rules_removed)


@router.post(
    "/contact-methods/{contact_id}/test",
    response_model=TestResultPublic,
    responses=documented(403, 404, 422),
)
async def test_contact_method(
    container: ContainerDep, user: ApiUser, contact_id: int
) -> TestResultPublic:
    """Send a test notification now and answer with what the provider said (`ok` false: it
    did not take it). It acts on nothing; at most one per method every 10 seconds (422)."""
    with service_errors():
        outcome = await run_in_threadpool(
            contacts.send_test,
            uow=container.uow,
            clock=container.clock,
            channels=container.channels,
            base_url=container.settings.base_url,
            actor=user,
            contact_id=contact_id,
        )
    return TestResultPublic(
        ok=outcome.delivery.ok,
        permanent=outcome.delivery.permanent,
        detail=outcome.delivery.detail,
        contact_method=ContactMethodPublic.of(outcome.method),
    )


# --- notification rules and working hours -----------------------------------------------


@router.get(
    "/users/{user_id}/notification-rules",
    response_model=RulesPublic,
    responses=documented(403, 404),
)
async def get_rules(container: ContainerDep, user: ApiUser, user_id: int) -> RulesPublic:
    """Which method after how long, per urgency. An urgency without rules uses the default:
    high, every method at once; low, email at once within working hours."""
    with service_errors():
        found = await run_in_threadpool(
            contacts.view,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            deliverable=container.deliverable,
        )
    data = [RulePublic.of(rule) for rule in found.rules]
    return RulesPublic(data=data, count=len(data))


@router.put(
    "/users/{user_id}/notification-rules",
    response_model=RulesPublic,
    responses=documented(403, 404, 422),
)
async def set_rules(
    container: ContainerDep, user: ApiUser, user_id: int, body: RulesUpdate
) -> RulesPublic:
    """Replace the person's rules with these, in this order."""
    changes = [
        contacts.RuleChange(
            contact_method_id=rule.contact_method_id,
            after=_minutes(rule.after_minutes),
            urgency=Urgency(rule.urgency) if rule.urgency else None,
        )
        for rule in body.rules
    ]
    with service_errors():
        stored = await run_in_threadpool(
            contacts.set_rules, uow=container.uow, actor=user, user_id=user_id, rules=changes
        )
    data = [RulePublic.of(rule) for rule in stored]
    return RulesPublic(data=data, count=len(data))


def _minutes(value: int) -> timedelta:
    """Minutes as a duration; far out-of-range values stay out of range for the use case."""
    return timedelta(minutes=max(min(value, 10**6), -(10**6)))


@router.get(
    "/users/{user_id}/working-hours",
    response_model=WorkingHoursPublic,
    responses=documented(403, 404),
)
async def get_working_hours(
    container: ContainerDep, user: ApiUser, user_id: int
) -> WorkingHoursPublic:
    """The windows low-urgency pages wait for, in the person's time zone, and where they come
    from: the person's own, their team's, or the default (Mon-Fri 09:00-17:00)."""
    with service_errors():
        found = await run_in_threadpool(
            contacts.view,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            deliverable=container.deliverable,
        )
    return WorkingHoursPublic.of(found.hours)


@router.put(
    "/users/{user_id}/working-hours",
    response_model=WorkingHoursPublic,
    responses=documented(403, 404, 422),
)
async def set_working_hours(
    container: ContainerDep, user: ApiUser, user_id: int, body: WorkingHoursUpdate
) -> WorkingHoursPublic:
    """Set the person's working hours and whether low urgency waits for them."""
    with service_errors():
        hours = await run_in_threadpool(
            contacts.set_hours,
            uow=container.uow,
            actor=user,
            user_id=user_id,
            working_hours=body.working_hours,
            low_urgency=body.low_urgency,
        )
    return WorkingHoursPublic.of(hours)
