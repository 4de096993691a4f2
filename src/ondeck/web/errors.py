"""Turning a use case's refusal into an HTTP answer: the same status for the same reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import HTTPException, status
from starlette.concurrency import run_in_threadpool

from ondeck.domain.errors import InvalidTransition
from ondeck.services.errors import (
    Forbidden,
    InvalidOrg,
    NotFound,
    Refused,
    ServiceError,
    Unauthorized,
)
from ondeck.web.schemas import ErrorPublic

STATUS = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Forbidden, status.HTTP_403_FORBIDDEN),
    (Refused, 422),
    (InvalidOrg, 422),
    (Unauthorized, status.HTTP_401_UNAUTHORIZED),
)


@contextmanager
def service_errors() -> Iterator[None]:
    """Map NotFound → 404, Forbidden → 403, Refused and InvalidOrg → 422, Unauthorized → 401,
    each with the use case's own words as ``detail``."""
    try:
        yield
    except ServiceError as error:
        for kind, code in STATUS:
            if isinstance(error, kind):
                raise HTTPException(code, str(error)) from error
        raise


T = TypeVar("T")


async def call_use_case(function: Callable[..., T], **kwargs: Any) -> T:
    """Run a use case off the event loop. Its refusals become HTTP answers as in
    ``service_errors``, and a move the rules refuse (InvalidTransition: a stage move without
    its reason, acting on an incident that is not a major one) is 409."""
    with service_errors():
        try:
            return await run_in_threadpool(function, **kwargs)
        except InvalidTransition as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error answers that carry ``{"detail": "..."}``."""
    words = {
        403: "You may not do this",
        404: "Not found",
        422: "Refused: the detail says what and where; nothing was changed",
    }
    return {code: {"model": ErrorPublic, "description": words.get(code, "")} for code in codes}
