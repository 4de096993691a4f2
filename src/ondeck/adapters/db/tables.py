"""The schema, in SQLAlchemy Core. Every timer the paging guarantee depends on is a row here.

Timestamps are stored as timezone-aware UTC (``UtcDateTime``), so SQLite and PostgreSQL
round-trip the same aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("role", String(20), nullable=False, server_default="user"),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("calendar_generation", Integer, nullable=False, server_default="0"),
    # Weekly wall-clock windows in the user's zone, one per line ("Mon-Fri 09:00-17:00");
    # empty: the team's, or the default. Low-urgency pages wait for them.
    Column("working_hours", Text, nullable=False, server_default=""),
    # "working_hours" (low urgency waits for them) or "anytime".
    Column("low_urgency", String(20), nullable=False, server_default="working_hours"),
)

contact_methods = Table(
    "contact_methods",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("address", String(2000), nullable=False),
    Column("label", String(100), nullable=False, server_default=""),
    # The last test notification: when, whether the provider took it, and what it said.
    Column("tested_at", UtcDateTime, nullable=True),
    Column("test_ok", Boolean, nullable=True),
    Column("test_detail", Text, nullable=False, server_default=""),
    UniqueConstraint("user_id", "kind", "address", name="uq_contact_methods_user_kind_address"),
)

notification_rules = Table(
    "notification_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column(
        "contact_method_id",
        ForeignKey("contact_methods.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("delay_seconds", Integer, nullable=False),
    Column("urgency", String(10), nullable=True),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("working_hours", Text, nullable=False, server_default=""),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)

schedules = Table(
    "schedules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("max_share", Integer, nullable=False, server_default="50"),
    Column("calendar_generation", Integer, nullable=False, server_default="0"),
)

schedule_layers = Table(
    "schedule_layers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("start_local", String(32), nullable=False),
    Column("turn_seconds", Integer, nullable=False),
    Column("participants", JSON, nullable=False),
    Column("restrictions", JSON, nullable=False, server_default=text("'[]'")),
)

rotation_consents = Table(
    "rotation_consents",
    metadata,
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(10), nullable=False),
    Column("recorded_by", String(320), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
)

schedule_trades = Table(
    "schedule_trades",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("kind", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("requester_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("colleague_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("start_at", UtcDateTime, nullable=False),
    Column("end_at", UtcDateTime, nullable=False),
    Column("swap_start_at", UtcDateTime, nullable=True),
    Column("swap_end_at", UtcDateTime, nullable=True),
    Column("note", String(500), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answered_by_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)

schedule_overrides = Table(
    "schedule_overrides",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("start_at", UtcDateTime, nullable=False),
    Column("end_at", UtcDateTime, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("trade_id", ForeignKey("schedule_trades.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(320), nullable=False, server_default=""),
    Index("ix_schedule_overrides_schedule_end", "schedule_id", "end_at"),
)

absences = Table(
    "absences",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=True),
    Column("layer", String(200), nullable=True),
    Column("kind", String(10), nullable=False),
    Column("start_at", UtcDateTime, nullable=True),
    Column("end_at", UtcDateTime, nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(320), nullable=False, server_default=""),
)

schedule_events = Table(
    "schedule_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(320), nullable=False, server_default=""),
    Column("message", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

escalation_policies = Table(
    "escalation_policies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("repeat", Integer, nullable=False, server_default="0"),
    Column("levels", JSON, nullable=False),
)

services = Table(
    "services",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("team_id", ForeignKey("teams.id", ondelete="SET NULL"), nullable=True),
    Column(
        "escalation_policy_id",
        ForeignKey("escalation_policies.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("runbook_url", String(2000), nullable=False, server_default=""),
    Column("urgency", String(10), nullable=True),
    # A chat channel (Slack channel id) that gets one message per incident, kept up to date.
    Column("chat_channel", String(200), nullable=False, server_default=""),
)

integrations = Table(
    "integrations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("dedup_key", String(255), nullable=False),
    Column("title", String(1024), nullable=False),
    Column("status", String(20), nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("severity", String(20), nullable=True),
    Column("source", String(1024), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("acknowledged_by", String(320), nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("resolved_by", String(320), nullable=True),
    Column("alert_count", Integer, nullable=False, server_default="1"),
    Column("last_alert_at", UtcDateTime, nullable=False),
    Column("policy", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Index(
        "uq_incidents_open_dedup",
        "service_id",
        "dedup_key",
        unique=True,
        sqlite_where=text("status != 'resolved'"),
        postgresql_where=text("status != 'resolved'"),
    ),
    Index("ix_incidents_status_created", "status", "created_at"),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(320), nullable=False, server_default=""),
    Column("message", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("loop", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    # A snoozed incident's timer: when due, the incident is triggered again at ``level``.
    Column("snoozed", Boolean, nullable=False, server_default=text("false")),
    # 0, or when the incident was triggered again (ms since the epoch): it keeps the pages of
    # a re-triggered incident apart from the first round's in their idempotency keys.
    Column("round", BigInteger, nullable=False, server_default="0"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # None: an announcement to the service's chat channel, not a page to a person.
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("contact_method_id", ForeignKey("contact_methods.id", ondelete="SET NULL")),
    Column("kind", String(32), nullable=False),
    Column("address", String(2000), nullable=False),
    Column("level", Integer, nullable=False),
    Column("loop", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("deliver_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("deadline", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    # The schedule that put this person on call for the page, if one did (fairness reports).
    Column("schedule_id", ForeignKey("schedules.id", ondelete="SET NULL"), nullable=True),
    # The provider's id for the message (Twilio SID, Slack ts, ...), for delivery receipts.
    Column("provider_ref", String(200), nullable=False, server_default=""),
    Column("delivered_at", UtcDateTime, nullable=True),
    # Storm control: the message that carried this one in a bundle, and when it was first held.
    Column("bundle_id", Id, nullable=True),
    Column("held_at", UtcDateTime, nullable=True),
    # What the message is: "page" (wakes someone, storm-controlled), "announcement" (a chat
    # channel's message), "can_reminder", "can_report" (to a stakeholder), "broadcast" (a
    # declaration to the announcement channel) or "status_update" (to a status subscriber).
    Column("purpose", String(20), nullable=False, server_default="page"),
    # The incident role the page asked its person to take (incident_manager, ...), if any.
    Column("role", String(30), nullable=True),
    # A notice's own words ({"subject", "text", "url"}) for every purpose but "page" and
    # "announcement", whose text is made from the incident when they are sent.
    Column("payload", JSON, nullable=True),
    Index("ix_outbox_state_deliver_at", "state", "deliver_at"),
    Index("ix_outbox_user_kind_sent", "user_id", "kind", "sent_at"),
    Index("ix_outbox_user_kind_state", "user_id", "kind", "state", "held_at"),
    Index("ix_outbox_bundle", "bundle_id"),
    Index("ix_outbox_schedule_sent", "schedule_id", "sent_at"),
)

change_events = Table(
    "change_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("summary", String(1024), nullable=False),
    Column("source", String(1024), nullable=False, server_default=""),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("details", JSON, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
)


chat_posts = Table(
    "chat_posts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("provider", String(32), nullable=False),
    Column("channel", String(200), nullable=False),
    # The provider's handle on the message (Slack: its ts), to update it in place.
    Column("ref", String(200), nullable=False),
    UniqueConstraint("incident_id", "provider", "channel", name="uq_chat_posts_incident_channel"),
)

inbound_refusals = Table(
    "inbound_refusals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("incident_id", ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True),
    Column("reason", Text, nullable=False),
)

# Major incidents (incident command): the declaration, stage and severity of each (who holds
# which role: incident_roles).
incident_command = Table(
    "incident_command",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("declared_at", UtcDateTime, nullable=False),
    Column("declared_by", String(320), nullable=False),
    # Named experts (people or groups, not necessarily users); the heads and the experts
    # who are users hold their roles in incident_roles.
    Column("experts", JSON, nullable=False),
    Column("rca_owner", String(320), nullable=False, server_default=""),
    Column("stage", String(20), nullable=False),
    Column("stage_at", UtcDateTime, nullable=False),
    Column("severity", String(10), nullable=True),
    Column("response", String(30), nullable=True),
    Column("next_can_due", UtcDateTime, nullable=False),
    # The conference bridge of the incident's virtual command centre; empty: none.
    Column("bridge_url", String(2000), nullable=False, server_default=""),
)

# Who holds which incident role: one incident manager, one incident engineer, any number of
# subject-matter experts. A hand-off replaces the holder; the timeline keeps the history.
incident_roles = Table(
    "incident_roles",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(30), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
    Column("assigned_by", String(320), nullable=False, server_default=""),
)

# Non-responders following an incident: they get its CAN reports, never its pages.
incident_stakeholders = Table(
    "incident_stakeholders",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)

stage_transitions = Table(
    "stage_transitions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("from_stage", String(20), nullable=True),
    Column("to_stage", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(320), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("missing", JSON, nullable=False),
)

can_reports = Table(
    "can_reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("author", String(320), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("conditions", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("needs", Text, nullable=False),
    Column("next_due", UtcDateTime, nullable=False),
)

loss_estimates = Table(
    "loss_estimates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(320), nullable=False),
    Column("cost_per_hour", Float, nullable=False),
    Column("revenue_per_hour", Float, nullable=False),
    Column("users_affected", BigInteger, nullable=False),
    Column("security_impact", Boolean, nullable=False),
    Column("journey", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("response", String(30), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

# The CAN reminder timer of each major incident: one row, claimed when due.
can_reminders = Table(
    "can_reminders",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("due_at", UtcDateTime, nullable=False, index=True),
)


# Organisation settings from the org file (major incidents: bridge, protocol, announcement
# channel, severity thresholds, CAN cadence). A key absent here falls back to the defaults.
org_settings = Table(
    "org_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

# The public status page's components, grouped under the service they belong to.
status_components = Table(
    "status_components",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    # The public name of the service's group on the page (never the internal service name
    # unless the org file gives it).
    Column("group_name", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    UniqueConstraint("service_id", "name", name="uq_status_components_service_name"),
)

# Customer-facing updates about an incident. Proposed (from a template) when its stage
# changes; public only once the incident manager publishes them. Nothing internal is here:
# the public title, text and impact are written for customers.
status_updates = Table(
    "status_updates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("stage", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("impact", String(30), nullable=False),
    Column("components", JSON, nullable=False),
    Column("proposed_at", UtcDateTime, nullable=False),
    Column("proposed_by", String(320), nullable=False, server_default=""),
    Column("published_at", UtcDateTime, nullable=True, index=True),
    Column("published_by", String(320), nullable=False, server_default=""),
)

# People and systems who asked to hear about the status page's published updates.
status_subscribers = Table(
    "status_subscribers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("address", String(2000), nullable=False),
    # When a subscription was last requested (an email's confirmation link is issued then).
    Column("created_at", UtcDateTime, nullable=False),
    # None: an email subscription whose confirmation link was not followed yet (gets nothing).
    Column("confirmed_at", UtcDateTime, nullable=True),
    UniqueConstraint("kind", "address", name="uq_status_subscribers_kind_address"),
)
