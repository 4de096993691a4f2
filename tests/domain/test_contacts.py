"""Which addresses each kind of contact method takes, and when a person cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.contacts import MethodState, address_problem, label_problem, why_unreachable

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "address"),
    [
        ("email", "ada@example.com"),
        ("email", "ada.lovelace+pages@mail.example.co.uk"),
        ("sms", "+447700900123"),
        ("voice", "+14155550100"),
        ("sms", "+12345678"),
        ("slack", "U024BE7LH"),
        ("slack", "W0123ABCDEF"),
        ("slack", "https://hooks.slack.com/services/T000/B000/XXXX"),
        ("slack", "http://127.0.0.1:8123/hook"),
        ("teams", "https://example.webhook.office.com/webhookb2/abc"),
        ("teams", "http://127.0.0.1:9000/teams"),
        ("mattermost", "https://chat.example/hooks/xyz"),
        ("webhook", "https://hooks.example/ada"),
        ("webhook", "http://localhost:8080/page"),
        ("ntfy", "ada-pages_01"),
        ("ntfy", "https://ntfy.example/ada"),
    ],
)
def test_good_addresses_are_taken(kind: str, address: str) -> None:
    assert address_problem(kind, address) is None


@pytest.mark.parametrize(
    ("kind", "address", "message"),
    [
        (
            "pager",
            "555",
            "'pager' is not a contact method type "
            "(email, mattermost, ntfy, slack, sms, teams, voice, webhook)",
        ),
        ("email", "", "must not be empty"),
        ("email", " ada@example.com", "must not start or end with spaces"),
        ("email", "ada@example", "'ada@example' is not an email address (like ada@example.com)"),
        ("email", "ada", "'ada' is not an email address (like ada@example.com)"),
        ("webhook", "https://x.example/\x00", "must be printable text on one line"),
        (
            "sms",
            "07700 900123",
            "'07700 900123' is not a phone number in international (E.164) form: + then the "
            "country code and number, 8 to 15 digits and nothing else, like +447700900123",
        ),
        (
            "voice",
            "+1234567",
            "'+1234567' is not a phone number in international (E.164) form: + then the "
            "country code and number, 8 to 15 digits and nothing else, like +447700900123",
        ),
        (
            "sms",
            "+1234567890123456",
            "'+1234567890123456' is not a phone number in international (E.164) form: + then "
            "the country code and number, 8 to 15 digits and nothing else, like +447700900123",
        ),
        (
            "slack",
            "@ada",
            "'@ada' is neither a Slack member ID (U or W then capital letters and digits, like "
            "U024BE7LH) nor a Slack incoming-webhook URL (https://hooks.slack.com/...)",
        ),
        (
            "slack",
            "https://evil.example/services/T0",
            "'https://evil.example/services/T0' is neither a Slack member ID (U or W then "
            "capital letters and digits, like U024BE7LH) nor a Slack incoming-webhook URL "
            "(https://hooks.slack.com/...)",
        ),
        (
            "teams",
            "outlook.office.com/webhook",
            "'outlook.office.com/webhook' is not a Microsoft Teams incoming-webhook URL: write "
            "an http:// or https:// URL",
        ),
        (
            "webhook",
            "ftp://files.example/x",
            "'ftp://files.example/x' is not a webhook URL: write an http:// or https:// URL",
        ),
        (
            "mattermost",
            "https:///hooks",
            "'https:///hooks' is not a Mattermost incoming-webhook URL: write an http:// or "
            "https:// URL",
        ),
        (
            "ntfy",
            "my topic",
            "'my topic' is neither an ntfy topic (1 to 64 letters, digits, - or _) nor a topic "
            "URL (https://ntfy.example/topic)",
        ),
        ("webhook", "https://x.example/" + "a" * 2000, "is 2018 characters long; at most 2000 fit"),
    ],
)
def test_bad_addresses_are_refused_saying_what_is_wanted(
    kind: str, address: str, message: str
) -> None:
    assert address_problem(kind, address) == message


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", None),
        ("work phone", None),
        ("x" * 101, "is 101 characters long; at most 100 fit"),
        ("two\nlines", "must be printable text on one line"),
    ],
)
def test_labels(label: str, message: str | None) -> None:
    assert label_problem(label) == message


@given(st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True))
def test_every_e164_number_is_a_phone_number(number: str) -> None:
    assert address_problem("sms", number) is None
    assert address_problem("voice", number) is None


@given(st.emails())
def test_every_ordinary_email_address_is_taken(address: str) -> None:
    local, _, domain = address.partition("@")
    if "." in domain and all(c.isalnum() or c in "-." for c in domain):
        assert address_problem("email", address) is None


def failed(at: datetime | None = T) -> MethodState:
    return MethodState("email", delivered_ok=False, delivered_at=at)


def worked(at: datetime | None = T) -> MethodState:
    return MethodState("email", delivered_ok=True, delivered_at=at)


LATER = T + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (MethodState("email"), None),
        (worked(), True),
        (failed(), False),
        (MethodState("email", tested_ok=True, tested_at=T), True),
        (MethodState("email", False, T, tested_ok=True, tested_at=LATER), True),
        (MethodState("email", True, LATER, tested_ok=False, tested_at=T), True),
        (MethodState("email", True, T, tested_ok=False, tested_at=LATER), False),
        (MethodState("email", False, LATER, tested_ok=True, tested_at=T), False),
    ],
    ids=[
        "never tried",
        "delivered",
        "delivery failed",
        "test worked",
        "a later test worked",
        "a later delivery worked",
        "a later test failed",
        "a later delivery failed",
    ],
)
def test_the_later_of_the_last_delivery_and_test_decides(
    state: MethodState, expected: bool | None
) -> None:
    assert state.last_outcome is expected


@pytest.mark.parametrize(
    ("methods", "deliverable", "expected"),
    [
        ([], {"email"}, "they have none"),
        ([MethodState("email")], {"email"}, None),
        ([worked()], {"email"}, None),
        (
            [failed()],
            {"email"},
            "the last page or test notification to their only method failed",
        ),
        (
            [failed(), MethodState("webhook", tested_ok=False, tested_at=T)],
            {"email", "webhook"},
            "the last page or test notification to each of their methods failed",
        ),
        ([failed(), MethodState("webhook")], {"email", "webhook"}, None),
        (
            [failed(), MethodState("sms")],
            {"email"},
            "the last page or test notification to each method this server delivers failed",
        ),
        (
            [MethodState("sms"), MethodState("voice")],
            {"email"},
            "this server does not deliver sms or voice",
        ),
        (
            [MethodState("email")],
            set(),
            "this server does not deliver email (email is only logged until ONDECK_SMTP_URL "
            "is set)",
        ),
    ],
    ids=[
        "no methods",
        "never tried",
        "delivered",
        "the only one failed",
        "every one failed",
        "one not yet tried",
        "the one delivered here failed",
        "none delivered here",
        "email only logged",
    ],
)
def test_why_a_person_cannot_be_reached(
    methods: list[MethodState], deliverable: set[str], expected: str | None
) -> None:
    assert why_unreachable(methods, deliverable) == expected
