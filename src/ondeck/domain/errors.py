"""Errors the domain raises; each message says what is wrong in words a responder understands."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""


class InvalidDuration(DomainError):
    pass


class InvalidTransition(DomainError):
    """An incident cannot move to the requested status from the one it is in."""
