"""The one place that wires adapters into use cases, for the web app, the engine and the CLI."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from ondeck.adapters.channels.chat import MattermostChannel, TeamsChannel
from ondeck.adapters.channels.email import LogEmailChannel, SmtpEmailChannel
from ondeck.adapters.channels.push import NtfyChannel
from ondeck.adapters.channels.slack import SlackChannel
from ondeck.adapters.channels.sms import HttpSmsGateway, SmsChannel, TwilioSms
from ondeck.adapters.channels.voice import TwilioVoiceChannel
from ondeck.adapters.channels.webhook import WebhookChannel
from ondeck.adapters.db import migrate
from ondeck.adapters.db.engine import (
    InProcessWakeup,
    SqlUnitOfWorkFactory,
    create_db_engine,
    database_reachable,
)
from ondeck.adapters.db.wakeup import start_listener
from ondeck.adapters.signing import (
    HmacCalendarSigner,
    HmacReplySigner,
    ItsdangerousLinkSigner,
)
from ondeck.adapters.twilio_callbacks import TwilioCallbacks
from ondeck.config import Settings
from ondeck.services.command import Policy
from ondeck.services.delivery import Links
from ondeck.services.phone import PhoneWebhooks
from ondeck.services.ports import (
    CalendarSigner,
    Channel,
    Clock,
    ReplySigner,
    UnitOfWorkFactory,
    Wakeup,
)


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
    replies: ReplySigner
    _stop: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def deliverable(self) -> frozenset[str]:
        """Contact method kinds this server can actually deliver (not merely log)."""
        return frozenset(
            kind
            for kind, channel in self.channels.items()
            if not isinstance(channel, LogEmailChannel)
        )

    @property
    def link_secrets(self) -> CalendarSigner:
        """The signer of long-lived link secrets that nothing stores (an HMAC of kind, owner
        and generation): status-page subscribers' unsubscribe and confirmation links use it.
        It is ``calendars`` (calendar feed links, its first use) under a name that says what
        it is; each use's ``kind`` keeps its tokens apart. Not a second key: calendar links
        already handed out keep working."""
        return self.calendars

    @property
    def command_policy(self) -> Policy:
        """The server's major-incident settings (severity thresholds, CAN cadence); the use
        cases lay the org file's ``major_incidents:`` block over them."""
        return Policy(self.settings.severity_thresholds, self.settings.can_cadence)

    @property
    def twilio(self) -> PhoneWebhooks:
        """Checks Twilio's signatures on its callbacks and answers them in TwiML."""
        return TwilioCallbacks(self.settings.twilio_auth_token)

    def database_ok(self) -> bool:
        return database_reachable(self.engine)

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def listen_for_work(self) -> None:
        """Wake this process's engine when another process commits new work."""
        start_listener(self.engine, self.wakeup.notify, self._stop)

    def start_inbound_mail(self) -> str:
        """Listen for replies to page emails on ``ONDECK_INBOUND_SMTP_URL`` until ``close()``;
        returns that URL. Raises OSError when its port is taken."""
        from ondeck.adapters.inbound_mail import Answer, InboundMailServer, InboundReply
        from ondeck.services.replies import handle_email_reply

        def on_reply(reply: InboundReply) -> Answer:
            result = handle_email_reply(
                uow=self.uow,
                clock=self.clock,
                replies=self.replies,
                recipients=reply.recipients,
                sender=reply.sender,
                body=reply.body,
            )
            return Answer(result.accepted, result.reason)

        url = self.settings.inbound_smtp_url
        server = InboundMailServer(
            url, domain=self.settings.reply_to.rpartition("@")[2], callback=on_reply
        )
        server.start()
        self._closers.append(server.stop)
        return url

    def close(self) -> None:
        self._stop.set()
        for stop in reversed(self._closers):
            stop()
        self._closers.clear()
        self.engine.dispose()


def build_channels(settings: Settings) -> dict[str, Channel]:
    """Every channel this installation can deliver on; a kind left out (SMS without a
    provider, say) fails at once and the page falls over to the person's next method."""
    timeout = settings.delivery_timeout_seconds
    base = settings.base_url
    channels: dict[str, Channel] = {
        "webhook": WebhookChannel(timeout=timeout, signing_secret=webhook_secret(settings)),
        "teams": TeamsChannel(timeout=timeout),
        "mattermost": MattermostChannel(
            actions_url=f"{base}/integrations/mattermost/actions", timeout=timeout
        ),
        "ntfy": NtfyChannel(
            server_url=settings.ntfy_url, token=settings.ntfy_token, timeout=timeout
        ),
        "slack": SlackChannel(
            bot_token=settings.slack_bot_token, api_url=settings.slack_api_url, timeout=timeout
        ),
    }
    if settings.smtp_url:
        channels["email"] = SmtpEmailChannel(
            settings.smtp_url, settings.email_from, timeout=timeout
        )
    else:
        channels["email"] = LogEmailChannel()
    sms: dict[str, TwilioSms | HttpSmsGateway] = {}
    if settings.twilio_account_sid and settings.twilio_auth_token:
        sms["twilio"] = TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            api_url=settings.twilio_api_url,
            status_callback=f"{base}/integrations/twilio/status",
            timeout=timeout,
        )
        channels["voice"] = TwilioVoiceChannel(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            api_url=settings.twilio_api_url,
            callback_url=f"{base}/integrations/twilio/voice",
            status_callback=f"{base}/integrations/twilio/status",
            timeout=timeout,
        )
    if settings.sms_gateway_url:
        sms["gateway"] = HttpSmsGateway(
            url=settings.sms_gateway_url,
            token=settings.sms_gateway_token,
            sender=settings.sms_gateway_from,
            timeout=timeout,
        )
    if sms:
        channels["sms"] = SmsChannel(sms, routes=settings.sms_providers)
    return channels


def webhook_secret(settings: Settings) -> str:
    """The key outbound webhooks are signed with: the configured one, else one derived from
    the secret key (``ondeck webhook-secret`` prints it for receivers)."""
    if settings.webhook_signing_secret:
        return settings.webhook_signing_secret
    return hmac.new(settings.secret_key.encode(), b"ondeck.webhook", hashlib.sha256).hexdigest()


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
    replies = HmacReplySigner(settings.secret_key)
    return Container(
        settings=settings,
        engine=engine,
        uow=SqlUnitOfWorkFactory(engine, wakeup),
        clock=clock or SystemClock(),
        wakeup=wakeup,
        links=Links(
            signer=signer,
            base_url=settings.base_url,
            replies=replies,
            reply_to=settings.reply_to,
        ),
        replies=replies,
        channels=channels if channels is not None else build_channels(settings),
        calendars=HmacCalendarSigner(settings.secret_key),
    )
