"""What pages show: durations, times in the viewer's zone, secrets masked, links made safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ondeck.domain.org import (
    IntegrationSpec,
    LayerSpec,
    RuleSpec,
    ScheduleSpec,
    ServiceSpec,
    UserSpec,
)
from ondeck.services.people import OnCall
from ondeck.services.ports import Person
from ondeck.web.ui.present import (
    Clockface,
    alert_links,
    contact_text,
    link_text,
    mask,
    safe_href,
    schedule_rows,
    service_rows,
    span,
    user_rows,
)

NOW = datetime(2026, 3, 3, 14, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=12, seconds=3), "12m 3s"),
        (timedelta(hours=3, minutes=4, seconds=59), "3h 4m"),
        (timedelta(days=2, hours=5), "2d 5h"),
        (timedelta(days=1, minutes=5), "1d"),
        (timedelta(seconds=-5), "0s"),
    ],
)
def test_a_span_shows_at_most_its_two_largest_units(delta: timedelta, shown: str) -> None:
    assert span(delta) == shown


def test_times_today_show_the_clock_and_other_days_show_the_date_in_the_viewers_zone() -> None:
    clock = Clockface(now=NOW, timezone="America/New_York")

    assert clock.when(NOW - timedelta(minutes=5)) == "09:00:09"
    assert clock.when(NOW - timedelta(days=1)) == "Mon 2 Mar 09:05"
    assert clock.full(NOW) == "2026-03-03 09:05:09 EST"
    assert clock.age(NOW - timedelta(minutes=90)) == "1h 30m"


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    assert Clockface(now=NOW, timezone="Mars/Olympus").full(NOW) == "2026-03-03 14:05:09 UTC"


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("0123456789abcdef0123456789abcdef", "…cdef"), ("am-checkout-secret", "…cret"), ("abc", "…")],
)
def test_a_key_is_shown_by_its_last_four_characters_only(secret: str, shown: str) -> None:
    assert mask(secret) == shown


def test_services_carry_masked_keys_and_only_safe_runbook_links() -> None:
    spec = ServiceSpec(
        name="Checkout API",
        escalation_policy="Payments default",
        runbook_url="javascript:alert(1)",
        integrations=(IntegrationSpec("events_v2", "0123456789abcdef0123456789abcdef"),),
    )

    (row,) = service_rows([spec])

    assert row.runbook_url == ""
    assert [(i.kind, i.key_hint) for i in row.integrations] == [("events_v2", "…cdef")]
    assert "0123456789abcdef" not in repr(row)


def test_webhook_addresses_are_shown_by_host_because_their_paths_hold_tokens() -> None:
    hook = "https://hooks.slack.example/services/T000/B000/XXXXSECRET"
    user = UserSpec(
        email="ada@example.com",
        name="Ada",
        notification_rules=(RuleSpec(contact=hook, after=timedelta(minutes=5)),),
    )

    (row,) = user_rows([user])

    assert contact_text("webhook", hook) == "hooks.slack.example/…"
    assert contact_text("email", "ada@example.com") == "ada@example.com"
    assert row.rules == ("hooks.slack.example/… after 5m",)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://grafana.example/d/1", "https://grafana.example/d/1"),
        ("HTTP://grafana.example", "HTTP://grafana.example"),
        ("javascript:alert(1)", ""),
        ("data:text/html,hi", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_http_links_are_clickable(url: str | None, safe: str) -> None:
    assert safe_href(url) == safe


def test_alert_links_keep_the_safe_ones_with_their_text() -> None:
    details = {
        "client": "Grafana",
        "client_url": "https://grafana.example/alert/7",
        "links": [["https://status.example", "Status"], ["javascript:x", "Evil"], ["https://a.b"]],
    }

    assert alert_links(details) == [
        ("https://grafana.example/alert/7", "Grafana"),
        ("https://status.example", "Status"),
        ("https://a.b", "https://a.b"),
    ]
    assert link_text("https://runbooks.example/checkout/") == "runbooks.example/checkout"


def _person(name: str) -> Person:
    return Person(
        id=1, email="x@example.com", name=name, timezone="UTC", role="user", contacts=(), rules=()
    )


@pytest.mark.parametrize(
    ("viewer_zone", "for_viewer"),
    [
        ("America/New_York", ""),
        ("Europe/London", "14:00 GMT"),
        ("Asia/Tokyo", "23:00 JST"),
        ("Australia/Sydney", "Mon 23 Nov 01:00 AEDT"),
    ],
)
def test_a_handoff_is_shown_in_the_schedules_zone_and_in_the_viewers_when_it_differs(
    viewer_zone: str, for_viewer: str
) -> None:
    on_call = OnCall(
        schedule_id=1,
        schedule="Platform on call",
        timezone="America/New_York",
        now=(_person("Grace Hopper"),),
        next_change=datetime(2026, 11, 22, 14, 0, tzinfo=UTC),
        next=(_person("Linus Torvalds"),),
    )
    spec = ScheduleSpec(
        name="Platform on call",
        timezone="America/New_York",
        layers=(
            LayerSpec(
                name="Daily",
                start=datetime(2020, 1, 6, 9, 0),
                rotation=timedelta(days=1),
                participants=("grace@example.com", "nobody@example.com"),
            ),
        ),
    )
    viewer = Clockface(now=datetime(2026, 11, 22, 10, 0, tzinfo=UTC), timezone=viewer_zone)

    (row,) = schedule_rows(
        [on_call], {spec.name: spec}, {"grace@example.com": "Grace Hopper"}, viewer
    )

    assert (row.now, row.next) == (("Grace Hopper",), ("Linus Torvalds",))
    assert row.handoff_local == "Sun 22 Nov 09:00 EST"
    assert row.handoff_viewer == for_viewer
    assert row.handoff_in == "4h"
    assert row.layers[0].participants == ("Grace Hopper", "nobody@example.com")
