"""The one place that wires adapters into use cases, for the web app, the engine and the CLI."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from ondeck.adapters.channels.email import LogEmailChannel, SmtpEmailChannel
from ondeck.adapters.channels.webhook import WebhookChannel
from ondeck.adapters.db import migrate
from ondeck.adapters.db.engine import (
    InProcessWakeup,
    SqlUnitOfWorkFactory,
    create_db_engine,
    database_reachable,
)
from ondeck.adapters.db.wakeup import start_listener
from ondeck.adapters.signing import HmacCalendarSigner, ItsdangerousLinkSigner
from ondeck.config import Settings
from ondeck.services.paging import Links
from ondeck.services.ports import CalendarSigner, Channel, Clock, UnitOfWorkFactory, Wakeup


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    clock: Clock
    wakeup: Wakeup
    links: Links
    channels: dict[str, Channel]
    calendars: CalendarSigner
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def deliverable(self) -> frozenset[str]:
        """Contact method kinds this server can actually deliver (not merely log)."""
        return frozenset(
            kind
            for kind, channel in self.channels.items()
            if not isinstance(channel, LogEmailChannel)
        )

    def database_ok(self) -> bool:
        return database_reachable(self.engine)

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def listen_for_work(self) -> None:
        """Wake this process's engine when another process commits new work."""
        start_listener(self.engine, self.wakeup.notify, self._stop)

    def close(self) -> None:
        self._stop.set()
        self.engine.dispose()


def build_channels(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {
        "webhook": WebhookChannel(timeout=settings.delivery_timeout_seconds)
    }
    if settings.smtp_url:
        channels["email"] = SmtpEmailChannel(
            settings.smtp_url, settings.email_from, timeout=settings.delivery_timeout_seconds
        )
    else:
        channels["email"] = LogEmailChannel()
    return channels


def bootstrap(
    settings: Settings | None = None,
    *,
    channels: dict[str, Channel] | None = None,
    clock: Clock | None = None,
) -> Container:
    settings = settings or Settings()
    engine = create_db_engine(settings.database_url, pool_size=settings.delivery_workers + 4)
    wakeup = InProcessWakeup()
    signer = ItsdangerousLinkSigner(settings.secret_key, max_age_seconds=settings.link_ttl_seconds)
    return Container(
        settings=settings,
        engine=engine,
        uow=SqlUnitOfWorkFactory(engine, wakeup),
        clock=clock or SystemClock(),
        wakeup=wakeup,
        links=Links(signer=signer, base_url=settings.base_url),
        channels=channels if channels is not None else build_channels(settings),
        calendars=HmacCalendarSigner(settings.secret_key),
    )
