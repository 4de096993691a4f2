"""What every command shares: the consoles, errors, settings, who acts, and reading times."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import NoReturn, overload
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain.errors import InvalidTransition
from ondeck.domain.rotation import wall_to_utc
from ondeck.services import people
from ondeck.services.errors import ServiceError
from ondeck.services.ports import Person
from ondeck.services.schedules import describe_moment

out = Console(width=None if sys.stdout.isatty() else 200)
"""Piped or redirected, tables keep their full text instead of being cut to 80 columns."""
err = Console(stderr=True, soft_wrap=True)

CLI_ADMIN = Person(
    id=0,
    email="cli",
    name="ondeck CLI",
    role="admin",
    timezone="UTC",
    contacts=(),
    rules=(),
)
"""Who acts without ``--as``: the command line has the database's full rights, so it acts as
an admin. Id 0 is never a user's; changes it makes are recorded as by ``cli``."""

TIME_EXAMPLES = "2026-11-22T09:00, 2026-11-22T09:00+01:00 or 2026-11-22"


def problem(message: str) -> None:
    """Print ``message`` as an error; it is plain text, never Rich markup (names may hold [])."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def fail(message: str, code: int = 1) -> NoReturn:
    problem(message)
    raise typer.Exit(code)


def say(text: str) -> None:
    """Print plain text (never markup, never wrapped): names may hold [] and lines stay whole."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def refusals(prefix: str = "") -> Iterator[None]:
    """A use case's refusal (not found, forbidden, breaks a rule, a move the rules refuse)
    is `error: …`, exit 1."""
    try:
        yield
    except (ServiceError, InvalidTransition) as error:
        fail(f"{prefix}{error}")


def _setting_problem(location: tuple[int | str, ...], message: str) -> str:
    variable = "ONDECK_" + "_".join(str(part) for part in location).upper()
    message = message.removeprefix("Value error, ")
    return message if message.startswith(variable) else f"{variable}: {message}"


def container() -> Container:
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(_setting_problem(e["loc"], e["msg"]) for e in error.errors())
        fail(f"settings are not usable: {problems}")
    return bootstrap(settings)


def acting(c: Container, as_user: str | None) -> Person:
    """The person a change is made as: the user ``--as`` names, or the CLI's admin."""
    if as_user is None:
        return CLI_ADMIN
    with refusals("--as: "):
        return people.person_by_email(uow=c.uow, email=as_user)


@overload
def read_time(option: str, text: str) -> datetime: ...
@overload
def read_time(option: str, text: None) -> None: ...
@overload
def read_time(option: str, text: str | None) -> datetime | None: ...
def read_time(option: str, text: str | None) -> datetime | None:
    """The ISO 8601 time or date (00:00) ``text`` given as ``option``; naive when it has no
    offset (see ``in_zone``). None when the option was not given."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} {text!r} is not an ISO 8601 time or date such as {TIME_EXAMPLES}")


def in_zone(moment: datetime, timezone: str) -> datetime:
    """``moment`` in UTC; a naive one is a wall-clock time in ``timezone`` (a time skipped or
    repeated by a daylight-saving change is read with the offset in force before it)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return wall_to_utc(moment, ZoneInfo(timezone))


def window(
    start_text: str | None,
    end_text: str | None,
    timezone: str,
    *,
    default_start: datetime,
    default_length: timedelta,
    longest: timedelta,
) -> tuple[datetime, datetime]:
    """``[--from, --to)`` read in ``timezone``: --from defaults to ``default_start``, --to to
    ``default_length`` after --from."""
    start_at, end_at = read_time("--from", start_text), read_time("--to", end_text)
    start = default_start if start_at is None else in_zone(start_at, timezone)
    end = start + default_length if end_at is None else in_zone(end_at, timezone)
    hint = "" if start_at is not None else " (--from defaults to now)"
    return checked_window(start, end, timezone, longest=longest, hint=hint)


def window_before(
    start_text: str | None,
    end_text: str | None,
    timezone: str,
    *,
    default_end: datetime,
    default_length: timedelta,
    longest: timedelta,
) -> tuple[datetime, datetime]:
    """``[--from, --to)`` read in ``timezone``: --to defaults to ``default_end``, --from to
    ``default_length`` before --to."""
    start_at, end_at = read_time("--from", start_text), read_time("--to", end_text)
    end = default_end if end_at is None else in_zone(end_at, timezone)
    start = end - default_length if start_at is None else in_zone(start_at, timezone)
    hint = "" if end_at is not None else " (--to defaults to now)"
    return checked_window(start, end, timezone, longest=longest, hint=hint)


def checked_window(
    start: datetime, end: datetime, timezone: str, *, longest: timedelta, hint: str = ""
) -> tuple[datetime, datetime]:
    """The window, unless --to is not after --from or it is longer than ``longest``."""
    if end <= start:
        fail(
            f"--to ({describe(end, timezone)}) is not after "
            f"--from ({describe(start, timezone)}){hint}"
        )
    if end - start > longest:
        fail(f"--from to --to spans more than {longest.days} days; ask for a shorter window")
    return start, end


def describe(moment: datetime, timezone: str) -> str:
    """``Mon 9 Nov 2026 09:00 Europe/London``: a moment on a schedule's or person's clock."""
    return f"{describe_moment(timezone, moment)} {timezone}"
