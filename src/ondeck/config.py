"""Settings read once from the environment (prefix ``ONDECK_``) and an optional ``.env`` file.

Unsafe values are refused at start rather than discovered at 4 am: a missing or
placeholder secret key, an SMTP URL that is not ``smtp://``, a base URL without a scheme.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ondeck.domain.can import Cadence
from ondeck.domain.phone import parse_routes
from ondeck.domain.severity import InvalidEstimate, Thresholds

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
    # The public status page's webhook subscribers may point at loopback and private
    # addresses (a closed network, tests); off, anyone could make ondeck post inside it.
    status_private_webhooks: bool = False

    # Acknowledge by email reply: the built-in inbound SMTP listener and the Reply-To address
    # pages carry (default: ondeck@<listener host>; point your MX or a forward at it).
    inbound_smtp_url: str = ""
    reply_to_address: str = ""

    # SMS and voice through Twilio; a generic HTTP SMS gateway as a second provider.
    twilio_account_sid: str = ""
    twilio_auth_token: str = Field(default="", repr=False)
    twilio_from_number: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    sms_gateway_url: str = ""
    sms_gateway_token: str = Field(default="", repr=False)
    sms_gateway_from: str = ""
    sms_providers: str = Field(
        default="twilio,gateway",
        description="Order in which SMS providers are tried; per country code with "
        "'+44=gateway,twilio;*=twilio,gateway'.",
    )

    # Slack: an app (bot token + signing secret) or incoming webhooks only.
    slack_bot_token: str = Field(default="", repr=False)
    slack_signing_secret: str = Field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"

    # Push through ntfy (self-hosted or ntfy.sh).
    ntfy_url: str = "https://ntfy.sh"
    ntfy_token: str = Field(default="", repr=False)

    # Outbound webhooks are signed with this key (default: derived from the secret key).
    webhook_signing_secret: str = Field(default="", repr=False)

    # Storm control: at most ``notify_limit`` messages per person and channel in
    # ``notify_window_seconds``; beyond that, pages wait and go out bundled.
    notify_limit: int = Field(default=3, ge=1, le=100_000)
    notify_window_seconds: int = Field(default=60, ge=1, le=3600)

    # Major incidents: the loss per hour and users affected from which severity is High or
    # Medium, and how often CAN reports are due at each severity.
    severity_high_loss_per_hour: float = Field(default=10_000.0, ge=0, le=1e12)
    severity_medium_loss_per_hour: float = Field(default=1_000.0, ge=0, le=1e12)
    severity_high_users: int = Field(default=1_000, ge=0)
    severity_medium_users: int = Field(default=100, ge=0)
    can_high_minutes: int = Field(default=30, ge=1, le=10_080)
    can_medium_minutes: int = Field(default=120, ge=1, le=10_080)
    can_low_minutes: int = Field(default=1_440, ge=1, le=10_080)

    @model_validator(mode="after")
    def _severity_thresholds_in_order(self) -> Settings:
        try:
            _ = self.severity_thresholds  # built to be checked: medium must not exceed high
        except InvalidEstimate as error:
            high = error.field.replace("medium", "high").upper()
            raise ValueError(
                f"ONDECK_SEVERITY_{error.field.upper()} must not exceed ONDECK_SEVERITY_{high}"
            ) from error
        return self

    @property
    def severity_thresholds(self) -> Thresholds:
        return Thresholds(
            high_loss_per_hour=self.severity_high_loss_per_hour,
            medium_loss_per_hour=self.severity_medium_loss_per_hour,
            high_users=self.severity_high_users,
            medium_users=self.severity_medium_users,
        )

    @property
    def can_cadence(self) -> Cadence:
        return Cadence(
            high=timedelta(minutes=self.can_high_minutes),
            medium=timedelta(minutes=self.can_medium_minutes),
            low=timedelta(minutes=self.can_low_minutes),
        )

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

    @field_validator("sms_providers")
    @classmethod
    def _sms_routes_are_readable(cls, value: str) -> str:
        parse_routes(value)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_smtp(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("smtp", "smtps"):
            raise ValueError("ONDECK_SMTP_URL must look like smtp://host:port")
        return value

    @field_validator("inbound_smtp_url")
    @classmethod
    def _inbound_smtp_url_is_smtp(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme != "smtp" or not parts.hostname or not parts.port):
            raise ValueError("ONDECK_INBOUND_SMTP_URL must look like smtp://127.0.0.1:2526")
        return value

    @property
    def reply_to(self) -> str:
        """The address page emails ask replies to go to; empty when replies are not read."""
        if not self.inbound_smtp_url:
            return ""
        if self.reply_to_address:
            return self.reply_to_address
        return f"ondeck@{urlsplit(self.inbound_smtp_url).hostname}"

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
