"""Settings read once from the environment (prefix ``ONDECK_``) and an optional ``.env`` file.

Unsafe values are refused at start rather than discovered at 4 am: a missing or
placeholder secret key, an SMTP URL that is not ``smtp://``, a base URL without a scheme.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changethis", "changeme", "secret"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ONDECK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///ondeck.db"
    secret_key: str = Field(
        default="",
        description="Signs acknowledge links and web sessions. At least 32 characters.",
        repr=False,
    )
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    email_from: str = "ondeck <ondeck@localhost>"
    link_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    delivery_attempts: int = Field(default=4, ge=1, le=20)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_workers: int = Field(default=8, ge=1, le=64)
    max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    log_level: str = "info"

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_strong(cls, value: str) -> str:
        if value.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "ONDECK_SECRET_KEY is not set; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if len(value) < 32:
            raise ValueError("ONDECK_SECRET_KEY must be at least 32 characters long")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_smtp(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("smtp", "smtps"):
            raise ValueError("ONDECK_SMTP_URL must look like smtp://host:port")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_has_scheme(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("ONDECK_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_is_supported(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme == "postgresql" or scheme == "postgres":
            return "postgresql+psycopg" + value[len(scheme) :]
        if scheme not in ("sqlite", "postgresql+psycopg"):
            raise ValueError(
                "ONDECK_DATABASE_URL must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
            )
        return value
