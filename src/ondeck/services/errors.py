"""Errors use cases raise for the entry points to map (HTTP status, CLI exit code)."""

from __future__ import annotations


class ServiceError(Exception):
    """The request was refused; nothing was changed."""


class NotFound(ServiceError):
    pass


class UnknownIntegrationKey(ServiceError):
    pass


class Unauthorized(ServiceError):
    pass


class InvalidOrg(ServiceError):
    """An organisation file broke the rules; ``problems`` lists each with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Forbidden(ServiceError):
    """The signed-in person may not do this; nothing was changed."""


class Refused(ServiceError):
    """The request breaks a rule (a window already over, a trade not asked of you, ...)."""
