"""Who holds which incident role, and how that changes: taking the role a page asked for on
acknowledging, and handing a role to someone else.

One person at a time holds the incident manager role and one the incident engineer role;
any number hold the subject-matter expert role. People are known here by any hashable key
(the services use user ids); names for the timeline are given by the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ondeck.domain.errors import DomainError
from ondeck.domain.model import IncidentRole

Who = TypeVar("Who", bound=Hashable)

KNOWN = ", ".join(role.value for role in IncidentRole)


class UnknownRole(DomainError):
    """Not one of the incident roles; the message lists them."""


class RoleRefused(DomainError):
    """The change makes no sense (giving someone a role they hold, removing one they lack);
    the message reads after the person's name: "ada@example.com already holds ..."."""


@dataclass(frozen=True)
class Holding(Generic[Who]):
    role: IncidentRole
    who: Who


@dataclass(frozen=True)
class Change(Generic[Who]):
    """What a hand-off does to ``role``: ``added`` takes it (None: nobody), ``removed``
    give it up."""

    role: IncidentRole
    added: Who | None
    removed: tuple[Who, ...]


def parse_role(text: str) -> IncidentRole:
    """``incident_manager``, ``incident-manager`` or ``Incident manager``; UnknownRole
    naming the roles otherwise."""
    wanted = "_".join(text.strip().lower().replace("-", " ").split())
    try:
        return IncidentRole(wanted)
    except ValueError:
        raise UnknownRole(f"unknown role {text.strip()!r}; one of {KNOWN}") from None


def holders_of(holdings: Collection[Holding[Who]], role: IncidentRole) -> tuple[Who, ...]:
    return tuple(h.who for h in holdings if h.role is role)


def role_to_take(
    holdings: Collection[Holding[Who]], paged_for: IncidentRole | None, who: Who
) -> IncidentRole | None:
    """The role ``who`` takes on acknowledging, having been paged for ``paged_for``: that
    role if nobody holds it yet (for experts: if they are not one already), else None."""
    if paged_for is None:
        return None
    holders = holders_of(holdings, paged_for)
    if paged_for.single:
        return None if holders else paged_for
    return None if who in holders else paged_for


def hand_off(
    holdings: Collection[Holding[Who]], role: IncidentRole, who: Who, *, remove: bool = False
) -> Change[Who]:
    """Give ``role`` to ``who`` (the manager's and engineer's roles replace their holder;
    experts are added), or with ``remove`` take the expert role from ``who``.

    RoleRefused when ``who`` already holds the role, when removing an expert who is not one,
    or when removing a single-holder role (hand it to someone else instead).
    """
    holders = holders_of(holdings, role)
    if remove:
        if role.single:
            raise RoleRefused(
                f"cannot be removed as {role.label}; hand the role to someone else instead "
                "(only subject-matter experts are removed)"
            )
        if who not in holders:
            raise RoleRefused("is not a subject-matter expert of this incident")
        return Change(role, None, (who,))
    if who in holders:
        raise RoleRefused(f"already holds the {role.label} role")
    return Change(role, who, holders if role.single else ())


def handoff_text(change: Change[Who], *, names: dict[Who, str], by: str) -> str:
    """The timeline's words: "Incident manager handed from Ada to Bob by Ada"."""
    role = change.role.label
    if change.added is None:
        gone = ", ".join(names[w] for w in change.removed)
        return f"{gone} removed as {role} by {by}"
    new = names[change.added]
    if change.removed:
        old = ", ".join(names[w] for w in change.removed)
        return f"{role.capitalize()} handed from {old} to {new} by {by}"
    if change.role.single:
        return f"{new} made {role} by {by}"
    return f"{new} added as {role} by {by}"
