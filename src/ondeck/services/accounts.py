"""Who is calling: API bearer tokens and web passwords.

Tokens are 32 random bytes shown once; only their SHA-256 is stored. Passwords are
hashed with scrypt (standard library) and a per-password salt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ondeck.services.errors import NotFound, Unauthorized
from ondeck.services.ports import Clock, Person, UnitOfWorkFactory

TOKEN_PREFIX = "odk_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, uow: UnitOfWorkFactory, clock: Clock, email: str, name: str = "") -> str:
    """A new bearer token for the user with ``email``; the only time it is visible."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow() as work:
        person = work.directory.person_by_email(email)
        if person is None:
            raise NotFound(f"no user with email {email!r}")
        work.directory.add_token(
            user_id=person.id, token_hash=_token_hash(token), name=name, at=clock.now()
        )
        work.commit()
    return token


def authenticate_token(*, uow: UnitOfWorkFactory, token: str) -> Person:
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("not an ondeck API token")
    with uow(read_only=True) as work:
        person = work.directory.user_for_token(_token_hash(token))
    if person is None:
        raise Unauthorized("unknown or revoked API token")
    return person


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _password_matches(password: str, stored: str) -> bool:
    scheme, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(computed.hex(), digest)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def set_password(*, uow: UnitOfWorkFactory, email: str, password: str) -> None:
    if len(password) < 8:
        raise Unauthorized("a password needs at least 8 characters")
    with uow() as work:
        person = work.directory.person_by_email(email)
        if person is None:
            raise NotFound(f"no user with email {email!r}")
        work.directory.set_password_hash(person.id, hash_password(password))
        work.commit()


def authenticate_password(*, uow: UnitOfWorkFactory, email: str, password: str) -> Person:
    """The person, or Unauthorized; takes the same time whether or not the email exists."""
    with uow(read_only=True) as work:
        person = work.directory.person_by_email(email.strip().lower())
        stored = work.directory.password_hash(person.id) if person else None
    if not _password_matches(password, stored or _DUMMY_HASH) or person is None or not stored:
        raise Unauthorized("wrong email or password")
    return person
