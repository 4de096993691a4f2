"""Turning a use case's refusal into an HTTP answer: the same status for the same reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, status

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


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error answers that carry ``{"detail": "..."}``."""
    words = {
        403: "You may not do this",
        404: "Not found",
        422: "Refused: the detail says what and where; nothing was changed",
    }
    return {code: {"model": ErrorPublic, "description": words.get(code, "")} for code in codes}
