"""The organisation's major-incident settings without a database: bridge templates, what
is refused and why, and how the file's thresholds and cadence lay over the server's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ondeck.domain.can import Cadence
from ondeck.domain.major_incidents import (
    CadenceSettings,
    Destination,
    MajorIncidentSpec,
    ThresholdSettings,
    bridge_problem,
    bridge_url,
    incident_bridge_problem,
    problems,
)
from ondeck.domain.severity import Thresholds


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("https://meet.example.com/ondeck-{number}", "https://meet.example.com/ondeck-42"),
        ("https://meet.example.com/r/{id}?n={number}", "https://meet.example.com/r/7?n=42"),
        ("https://meet.example.com/war-room", "https://meet.example.com/war-room"),
        ("", ""),
    ],
)
def test_a_template_is_filled_with_the_incidents_number_and_id(template: str, url: str) -> None:
    assert bridge_url(template, number=42, incident_id=7) == url


@given(number=st.integers(1, 2**31 - 1), incident_id=st.integers(1, 2**31 - 1))
def test_every_incident_of_a_valid_template_gets_a_valid_bridge_of_its_own(
    number: int, incident_id: int
) -> None:
    template = "https://meet.example.com/ondeck-{number}-{id}"
    assert bridge_problem(template) is None
    url = bridge_url(template, number=number, incident_id=incident_id)
    assert url.endswith(f"-{number}-{incident_id}")
    assert incident_bridge_problem(url) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https://meet.example.com/{room}", "{room} is not a placeholder"),
        ("https://meet.example.com/{number", "is not a valid template"),
        ("meet.example.com/ondeck", "is not an http(s) URL"),
        ("ftp://meet.example.com/ondeck", "is not an http(s) URL"),
        ("https://meet.example.com/on deck", "must be one URL without spaces"),
        ("https://meet.example.com/" + "x" * 2000, "at most 2000 fit"),
    ],
)
def test_a_bad_bridge_says_what_is_wrong(value: str, problem: str) -> None:
    found = bridge_problem(value)
    assert found is not None and problem in found


def test_one_incidents_bridge_has_no_placeholders() -> None:
    found = incident_bridge_problem("https://meet.example.com/ondeck-{number}")
    assert found is not None and "without {placeholders}" in found
    assert incident_bridge_problem("https://meet.example.com/ondeck-42") is None


def test_the_files_thresholds_and_cadence_replace_the_servers_key_by_key() -> None:
    server = Thresholds(10_000, 1_000, 1_000, 100)
    assert ThresholdSettings(high_users=50, medium_users=5).over(server) == Thresholds(
        10_000, 1_000, 50, 5
    )
    assert ThresholdSettings().over(server) == server
    cadence = CadenceSettings(medium=timedelta(minutes=45)).over(Cadence())
    assert cadence == Cadence(medium=timedelta(minutes=45))


@pytest.mark.parametrize(
    ("spec", "paths"),
    [
        (MajorIncidentSpec(), []),
        (MajorIncidentSpec(announcement=Destination("slack", "C0ANNOUNCE")), []),
        (
            MajorIncidentSpec(announcement=Destination("slack", "U024BE7LH")),
            [],
        ),
        (
            MajorIncidentSpec(announcement=Destination("voice", "+447700900123")),
            ["announcement_channel"],
        ),
        (MajorIncidentSpec(protocol="a\x00b"), ["protocol"]),
        (
            MajorIncidentSpec(severity=ThresholdSettings(medium_users=5)),
            ["severity.high_users"],
        ),
        (
            MajorIncidentSpec(can=CadenceSettings(low=timedelta(days=8))),
            ["can_every.low"],
        ),
    ],
)
def test_problems_name_their_place_in_the_block(spec: MajorIncidentSpec, paths: list[str]) -> None:
    assert [path for path, _ in problems(spec)] == paths
