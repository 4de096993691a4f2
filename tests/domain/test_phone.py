"""Phone pages in the domain: SMS routes by country code, the text of an SMS, reply codes,
keypresses and delivery reports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.phone import (
    BUNDLE_LIMIT,
    SMS_LIMIT,
    PhoneAction,
    Reply,
    bundle_text,
    call_script,
    e164,
    keypress,
    page_text,
    parse_reply,
    parse_routes,
    receipt_outcome,
    shorten,
    trial_text,
)

ACK, RESOLVE, ESCALATE, SNOOZE = (
    PhoneAction.ACKNOWLEDGE,
    PhoneAction.RESOLVE,
    PhoneAction.ESCALATE,
    PhoneAction.SNOOZE,
)

# --- routes ----------------------------------------------------------------------------

ROUTES = "+44=gateway,twilio;+1=twilio;+1204=gateway;*=twilio,gateway"


@pytest.mark.parametrize(
    ("spec", "number", "expected"),
    [
        ("twilio,gateway", "+441234567890", ("twilio", "gateway")),
        ("gateway", "+15551234567", ("gateway",)),
        (ROUTES, "+441234567890", ("gateway", "twilio")),
        (ROUTES, "+44 1234 567890", ("gateway", "twilio")),
        (ROUTES, "+15551234567", ("twilio",)),
        (ROUTES, "+12045551234", ("gateway",)),  # the longest prefix wins
        (ROUTES, "+33123456789", ("twilio", "gateway")),
        (ROUTES, "0033123456789", ("twilio", "gateway")),
        ("+44=gateway;+1=twilio", "+33123456789", ("gateway", "twilio")),
        (" +44 = Gateway , twilio ; * = twilio ", "+441234567890", ("gateway", "twilio")),
        ("twilio;", "+441234567890", ("twilio",)),
    ],
)
def test_an_sms_goes_to_the_providers_of_the_longest_matching_country_prefix(
    spec: str, number: str, expected: tuple[str, ...]
) -> None:
    assert parse_routes(spec).providers_for(number) == expected


def test_routes_name_every_provider_once_in_order_of_first_mention() -> None:
    assert parse_routes(ROUTES).named == ("gateway", "twilio")


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("", "empty"),
        (" ; ", "empty"),
        ("44=twilio", "prefix"),
        ("+44a=twilio", "prefix"),
        ("+1234567=twilio", "prefix"),
        ("+44=twilio;+44=gateway", "twice"),
        ("twilio;*=gateway", "twice"),
        ("+44=", "not a provider"),
        ("+44=twilio,,gateway", "not a provider"),
        ("twilio,twilio", "names a provider twice"),
        ("Twi lio", "not a provider"),
        ("+44=gateway;*=twilio,vonage", "names vonage; the SMS providers are twilio, gateway"),
    ],
)
def test_malformed_routes_are_refused_naming_the_fault(spec: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        parse_routes(spec)


@given(st.from_regex(r"\+[0-9]{6,14}", fullmatch=True))
def test_every_number_gets_a_route_when_a_default_exists(number: str) -> None:
    assert parse_routes(ROUTES).providers_for(number) != ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+44 1234-567890", "+441234567890"), ("(555) 123", "+555123"), ("no digits", "")],
)
def test_phone_numbers_are_compared_in_e164(raw: str, expected: str) -> None:
    assert e164(raw) == expected


# --- what an SMS says ---------------------------------------------------------------------


def test_a_page_fits_one_segment_with_its_reply_codes() -> None:
    text = page_text(number=42, urgency="high", title="db down", service="checkout")
    assert text == (
        "ondeck #42 HIGH db down (checkout). Reply 42a ack, 42r resolve, 42e escalate, 42s snooze"
    )


@given(
    number=st.integers(min_value=1, max_value=999_999_999),
    urgency=st.sampled_from(["high", "low"]),
    title=st.text(min_size=1, max_size=400),
    service=st.text(min_size=1, max_size=200),
)
def test_any_page_fits_one_segment_and_keeps_its_codes(
    number: int, urgency: str, title: str, service: str
) -> None:
    text = page_text(number=number, urgency=urgency, title=title, service=service)
    assert len(text) <= SMS_LIMIT
    assert text.startswith(f"ondeck #{number} {urgency.upper()} ")
    assert text.endswith(f"{number}s snooze")
    assert "\n" not in text


def test_a_long_title_gives_way_with_an_ascii_ellipsis() -> None:
    text = page_text(number=7, urgency="low", title="x" * 300, service="payments")
    assert "x..." in text and "(payments)" in text
    assert len(text) <= SMS_LIMIT


def test_a_bundle_lists_incidents_while_they_fit_and_counts_the_rest() -> None:
    incidents = [(12 + i, f"db {i} down") for i in range(37)]
    text = bundle_text(incidents)
    assert text.startswith("ondeck: 37 incidents for you: #12 db 0 down, #13 db 1 down, ")
    assert len(text) <= BUNDLE_LIMIT
    listed = text.count("#") - 1  # the reply hint names #12 again
    assert f" and {37 - listed} more. Reply e.g. 12a to ack #12" in text


def test_a_small_bundle_lists_every_incident() -> None:
    assert bundle_text([(1, "a"), (2, "b")]) == (
        "ondeck: 2 incidents for you: #1 a, #2 b. Reply e.g. 1a to ack #1"
    )


@given(st.lists(st.tuples(st.integers(1, 10**9), st.text(max_size=100)), min_size=2))
def test_any_bundle_stays_within_two_segments(incidents: list[tuple[int, str]]) -> None:
    text = bundle_text(incidents)
    assert len(text) <= BUNDLE_LIMIT
    assert text.startswith(f"ondeck: {len(incidents)} incidents for you: ")


def test_a_test_message_says_so_and_acts_on_nothing() -> None:
    text = trial_text("Ada Lovelace")
    assert "test" in text and "Ada Lovelace" in text and "#0" in text
    assert len(text) <= SMS_LIMIT


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("a  b\nc", 10, "a b c"),
        ("abcdefghij", 8, "abcde..."),
        ("abc", 2, "ab"),
    ],
)
def test_shorten_cuts_on_one_line(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected


def test_a_call_reads_the_incident() -> None:
    assert call_script(number=42, urgency="high", title="db down", service="checkout") == (
        "This is ondeck. High urgency incident 42, on checkout: db down."
    )


# --- replies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42a", Reply(42, ACK)),
        ("42A", Reply(42, ACK)),
        (" 42 a ", Reply(42, ACK)),
        ("#42a", Reply(42, ACK)),
        ("42 ack", Reply(42, ACK)),
        ("42 Acknowledge", Reply(42, ACK)),
        ("42a.", Reply(42, ACK)),
        ("7r", Reply(7, RESOLVE)),
        ("7 resolve!", Reply(7, RESOLVE)),
        ("7e", Reply(7, ESCALATE)),
        ("7 esc", Reply(7, ESCALATE)),
        ("123456789s", Reply(123456789, SNOOZE)),
        ("4 2 a", Reply(42, ACK)),
        ("\t42\na\n", Reply(42, ACK)),
        ("a", None),
        ("ack", None),
        ("42", None),
        ("42x", None),
        ("42 ok", None),
        ("a42", None),
        ("0a", None),
        ("1234567890a", None),
        ("42a please", None),
        ("", None),
        ("-42a", None),
        ("４２a", None),  # full-width digits are not the ASCII the codes use
    ],
)
def test_reply_codes(text: str, expected: Reply | None) -> None:
    assert parse_reply(text) == expected


LETTERS = {"a": ACK, "r": RESOLVE, "e": ESCALATE, "s": SNOOZE}


@given(
    number=st.integers(min_value=1, max_value=999_999_999),
    letter=st.sampled_from(sorted(LETTERS)),
    upper=st.booleans(),
    before=st.sampled_from(["", " ", "  ", "\n", "#", " # "]),
    between=st.sampled_from(["", " ", "\t"]),
    after=st.sampled_from(["", " ", ".", "!\n"]),
)
def test_any_number_and_letter_reads_back_whatever_the_spacing_and_case(
    number: int, letter: str, upper: bool, before: str, between: str, after: str
) -> None:
    code = letter.upper() if upper else letter
    assert parse_reply(f"{before}{number}{between}{code}{after}") == Reply(number, LETTERS[letter])


@given(st.text())
def test_any_text_reads_as_a_reply_or_as_nothing(text: str) -> None:
    reply = parse_reply(text)
    assert reply is None or (reply.incident_number >= 1 and reply.action in PhoneAction)


# --- keypresses and delivery reports ----------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("1", ACK), ("2", RESOLVE), ("3", ESCALATE), ("4", SNOOZE), ("5", None), ("", None)],
)
def test_keys_on_a_call(digits: str, expected: PhoneAction | None) -> None:
    assert keypress(digits) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("delivered", True),
        ("read", True),
        ("completed", True),
        ("Delivered", True),
        ("undelivered", False),
        ("failed", False),
        ("busy", False),
        ("no-answer", False),
        ("canceled", False),
        ("queued", None),
        ("sent", None),
        ("sending", None),
        ("ringing", None),
        ("in-progress", None),
        ("", None),
    ],
)
def test_delivery_reports(status: str, expected: bool | None) -> None:
    assert receipt_outcome(status) == expected
