"""`ondeck apply` and `ondeck export` for how schedules run week to week: handoffs,
restrictions, default starts, fairness limits, overrides, exemptions and leave.

Files are applied through the real CLI; the schedule timeline (which has no command yet) is
read back through a unit of work, as the web app reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ondeck.bootstrap import Container, bootstrap
from ondeck.config import Settings
from ondeck.domain.schedules import AwayKind
from ondeck.domain.trades import Period, TradeKind, TradeRequest, TradeStatus
from ondeck.services.ports import AbsenceRecord, OverrideRecord, ScheduleEvent
from tests.conftest import SECRET, ondeck_env, run_cli

NOW = datetime.now(UTC)
YEAR = NOW.year + 1
"""Every time in these files is in the coming year, so nothing has ended when they apply."""
NEXT = YEAR + 1
EVER = datetime(1970, 1, 1, tzinfo=UTC)
FOREVER = datetime.max.replace(tzinfo=UTC)


def last_sunday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


CLOCKS_BACK = last_sunday_of_october(YEAR)
"""London's clocks go back at 02:00 BST that day, so 01:00–02:00 happens twice."""

ORG = f"""\
users:
  - email: ada@example.com
    name: Ada Lovelace
    timezone: Europe/London
    unavailable:
      - {{from: {YEAR}-12-21, to: {NEXT}-01-04, reason: Holiday in Lisbon}}
  - email: grace@example.com
    name: Grace Hopper
    timezone: America/New_York
    unavailable:
      - {{from: {YEAR}-07-01T18:00, to: {YEAR}-07-15T08:00, reason: Sabbatical}}
  - {{email: linus@example.com, name: Linus Torvalds, timezone: Europe/Helsinki}}
schedules:
  - name: Payments primary
    timezone: Europe/London
    max_share: 40
    layers:
      - name: Weekly
        start: 2026-11-02
        handoff: "09:30"
        participants: [ada@example.com, grace@example.com, linus@example.com]
      - name: Nights
        start: 2026-11-02T22:00
        rotation: 1d
        participants: [linus@example.com, grace@example.com]
        restrictions:
          - {{days: [mon, tue, wed, thu, fri], from: 22:00, to: 06:00}}
          - {{days: [sat, sun]}}
    overrides:
      - {{user: grace@example.com, from: {YEAR}-12-24T09:00, to: {YEAR}-12-27T09:00, note: Ada's wedding}}
      - {{user: linus@example.com, from: {CLOCKS_BACK}T00:30, to: {CLOCKS_BACK}T01:30+00:00}}
    exemptions:
      - {{user: linus@example.com, reason: "Medical, until further notice"}}
      - {{user: grace@example.com, from: {NEXT}-02-01, to: {NEXT}-03-01, layer: Weekly, reason: Parental leave}}
  - name: Payments secondary
    timezone: America/New_York
    layers:
      - {{name: Backup, start: 2026-11-02, participants: [ada@example.com]}}
  - name: Search
    timezone: UTC
    layers:
      - {{name: Weekly, start: 2026-11-02, participants: [linus@example.com]}}
"""  # noqa: E501
"""Every new field; Ada is listed in both Payments schedules, not in Search."""

REASONS = ("Holiday in Lisbon", "Sabbatical", "Medical", "Parental leave")


def export(env: dict[str, str]) -> str:
    return run_cli(env, "export").stdout


def apply_text(env: dict[str, str], text: str) -> None:
    run_cli(env, "apply", "-f", "-", input_text=text)


@contextmanager
def opened(database_url: str) -> Iterator[Container]:
    container = bootstrap(Settings(database_url=database_url, secret_key=SECRET))
    try:
        yield container
    finally:
        container.close()


def events(database_url: str, schedule: str) -> list[ScheduleEvent]:
    """The schedule's timeline, oldest first."""
    with opened(database_url) as c, c.uow(read_only=True) as work:
        schedule_id = work.schedules.id_by_name(schedule)
        assert schedule_id is not None
        return list(reversed(work.schedules.events(schedule_id, limit=1000)))


def overrides(database_url: str, schedule: str) -> list[OverrideRecord]:
    """Every override of the schedule, ended or not."""
    with opened(database_url) as c, c.uow(read_only=True) as work:
        schedule_id = work.schedules.id_by_name(schedule)
        assert schedule_id is not None
        return work.schedules.overrides(schedule_id, start=EVER, end=FOREVER)


def absences(database_url: str) -> list[AbsenceRecord]:
    with opened(database_url) as c, c.uow(read_only=True) as work:
        return work.schedules.absences()


def test_everything_a_schedule_says_survives_export_and_apply_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    env = ondeck_env(database_url)
    elsewhere = ondeck_env(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    apply_text(env, ORG)
    exported = export(env)
    timeline = events(database_url, "Payments primary")

    apply_text(env, exported)
    apply_text(elsewhere, exported)

    assert export(env) == exported
    assert export(elsewhere) == exported
    assert events(database_url, "Payments primary") == timeline
    for line in (
        "  max_share: 40\n",
        '    start: 2026-11-02\n    handoff: "09:30"\n    rotation: 1w\n',
        '    start: 2026-11-02\n    handoff: "22:00"\n    rotation: 1d\n',
        '    - {days: [mon, tue, wed, thu, fri], from: "22:00", to: "06:00"}\n',
        "    - {days: [sat, sun]}\n",
        f"  - {{user: grace@example.com, from: '{YEAR}-12-24T09:00', to: '{YEAR}-12-27T09:00', "
        "note: Ada's wedding}\n",
        f"  - {{user: linus@example.com, from: '{CLOCKS_BACK}T00:30', "
        f"to: '{CLOCKS_BACK}T01:30+00:00'}}\n",
        "  - {user: linus@example.com, reason: 'Medical, until further notice'}\n",
        f"  - {{user: grace@example.com, from: {NEXT}-02-01, to: {NEXT}-03-01, layer: Weekly, "
        "reason: Parental leave}\n",
        f"  - {{from: {YEAR}-12-21, to: {NEXT}-01-04, reason: Holiday in Lisbon}}\n",
        f"  - {{from: '{YEAR}-07-01T18:00', to: '{YEAR}-07-15T08:00', reason: Sabbatical}}\n",
    ):
        assert line in exported
    assert exported.count("max_share") == 1
    assert exported.count("restrictions:") == 1


def latest_monday_handoff(timezone: str, handoff: time, now: datetime) -> datetime:
    """Worked out by hand: this week's Monday at the handoff, or last week's if still ahead."""
    local = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    start = datetime.combine(local.date() - timedelta(days=local.weekday()), handoff)
    return start if start <= local else start - timedelta(weeks=1)


NO_START = """\
users:
  - {{email: ada@example.com, name: Ada Lovelace}}
  - {{email: grace@example.com, name: Grace Hopper}}
schedules:
  - name: Support
    timezone: {timezone}
    layers:
      - name: Weekly
        participants: [ada@example.com, grace@example.com]
{extra}"""


@pytest.mark.parametrize(
    ("timezone", "handoff"),
    [("Europe/London", None), ("Pacific/Auckland", time(18, 30))],
    ids=["default handoff in London", "evening handoff in Auckland"],
)
def test_a_new_layer_without_a_start_begins_at_the_latest_monday_handoff_and_stays_there(
    sqlite_url: str, timezone: str, handoff: time | None
) -> None:
    env = ondeck_env(sqlite_url)
    text = NO_START.format(
        timezone=timezone, extra=f'        handoff: "{handoff:%H:%M}"\n' if handoff else ""
    )
    before = datetime.now(UTC)
    apply_text(env, text)
    after = datetime.now(UTC)
    exported = export(env)

    apply_text(env, text)

    starts = {latest_monday_handoff(timezone, handoff or time(9), at) for at in (before, after)}
    assert any(
        f'    start: {start.date()}\n    handoff: "{start:%H:%M}"\n    rotation: 1w\n' in exported
        for start in starts
    ), exported
    assert all(start.weekday() == 0 for start in starts)
    assert export(env) == exported
    on_call = run_cli(env, "oncall", "--schedule", "Support").stdout
    assert "Ada Lovelace" in next(line for line in on_call.splitlines() if "Support" in line)


def test_a_stored_layer_without_a_start_in_the_file_keeps_its_start_date_at_the_files_handoff(
    sqlite_url: str,
) -> None:
    env = ondeck_env(sqlite_url)
    apply_text(env, NO_START.format(timezone="Europe/London", extra="        start: 2026-11-02\n"))

    apply_text(env, NO_START.format(timezone="Europe/London", extra='        handoff: "10:00"\n'))

    assert '    start: 2026-11-02\n    handoff: "10:00"\n' in export(env)
    assert events(sqlite_url, "Support")[-1].message == (
        "Layers changed by ondeck apply: Weekly now every 1w from Mon 2 Nov 2026 10:00: "
        "Ada Lovelace → Grace Hopper"
    )


def _day(year: int, month: int, day: int) -> str:
    """``Thu 24``: a day as timeline messages write it."""
    return _day_of(date(year, month, day))


def _day_of(day: date) -> str:
    return f"{day:%a} {day.day}"


def test_every_change_apply_makes_lands_on_the_schedules_timeline_without_any_reason(
    sqlite_url: str,
) -> None:
    env = ondeck_env(sqlite_url)
    apply_text(env, ORG)
    changed = ORG.replace("    max_share: 40\n", "").replace(
        "        participants: [ada@example.com, grace@example.com, linus@example.com]\n",
        "        rotation: 2w\n        participants: [ada@example.com, linus@example.com]\n",
    )

    apply_text(env, changed)
    apply_text(env, changed)

    primary = events(sqlite_url, "Payments primary")
    assert {e.actor for e in primary} == {"ondeck apply"}
    assert [e.kind for e in primary] == [
        "schedule_created",
        "layers_changed",
        *["consent_recorded"] * 3,
        *["override_added"] * 2,
        *["exemption_added"] * 2,
        *["leave_added"] * 2,
        "settings_changed",
        "layers_changed",
    ]
    assert [e.message for e in primary if e.kind != "consent_recorded"] == [
        "Schedule created by ondeck apply, in time zone Europe/London",
        "Layers changed by ondeck apply: Weekly now every 1w from Mon 2 Nov 2026 09:30: "
        "Ada Lovelace → Grace Hopper → Linus Torvalds; Nights now every 1d from Mon 2 Nov 2026 "
        "22:00, only Mon–Fri 22:00–06:00 and Sat–Sun all day: Linus Torvalds → Grace Hopper",
        f"Override added by ondeck apply: Grace Hopper on call {_day(YEAR, 12, 24)} Dec {YEAR} "
        f"09:00 – {_day(YEAR, 12, 27)} Dec {YEAR} 09:00 Europe/London",
        f"Override added by ondeck apply: Linus Torvalds on call {_day_of(CLOCKS_BACK)} "
        f"{CLOCKS_BACK:%b %Y} 00:30 – {_day_of(CLOCKS_BACK)} {CLOCKS_BACK:%b %Y} 01:30 "
        "Europe/London",
        "Exemption added by ondeck apply: Linus Torvalds is exempt from this schedule until "
        "further notice",
        "Exemption added by ondeck apply: Grace Hopper is exempt from layer 'Weekly' "
        f"{_day(NEXT, 2, 1)} Feb {NEXT} 00:00 – {_day(NEXT, 3, 1)} Mar {NEXT} 00:00 "
        "Europe/London",
        f"Leave added by ondeck apply: Ada Lovelace is on leave {_day(YEAR, 12, 21)} Dec {YEAR} "
        f"00:00 – {_day(NEXT, 1, 4)} Jan {NEXT} 00:00 Europe/London",
        f"Leave added by ondeck apply: Grace Hopper is on leave {_day(YEAR, 7, 1)} Jul {YEAR} "
        f"23:00 – {_day(YEAR, 7, 15)} Jul {YEAR} 13:00 Europe/London",
        "Fairness limit changed by ondeck apply: 40% → 50%",
        "Layers changed by ondeck apply: Weekly now every 2w from Mon 2 Nov 2026 09:30: "
        "Ada Lovelace → Linus Torvalds",
    ]
    assert (
        "Consent of Grace Hopper recorded by ondeck apply "
        "(listed in a rotation by an administrator)" in {e.message for e in primary}
    )
    secondary = [e.message for e in events(sqlite_url, "Payments secondary")]
    search = [e.kind for e in events(sqlite_url, "Search")]
    assert secondary[-1] == (
        f"Leave added by ondeck apply: Ada Lovelace is on leave {_day(YEAR, 12, 20)} Dec {YEAR} "
        f"19:00 – {_day(NEXT, 1, 3)} Jan {NEXT} 19:00 America/New_York"
    )
    assert search == ["schedule_created", "layers_changed", "consent_recorded"]
    for schedule in ("Payments primary", "Payments secondary", "Search"):
        for event in events(sqlite_url, schedule):
            for reason in REASONS:
                assert reason not in event.message
                assert reason not in str(event.data)


def one_line(text: str, *needles: str) -> str:
    """The one line of ``text`` holding every needle."""
    [line] = [line for line in text.splitlines(keepends=True) if all(n in line for n in needles)]
    return line


def test_overrides_exemptions_and_leave_follow_the_file_and_what_has_ended_stays_as_history(
    sqlite_url: str,
) -> None:
    env = ondeck_env(sqlite_url)
    apply_text(env, ORG)
    now = datetime.now(UTC)
    with opened(sqlite_url) as c, c.uow() as work:
        primary = work.schedules.id_by_name("Payments primary")
        ada = work.directory.person_by_email("ada@example.com")
        grace = work.directory.person_by_email("grace@example.com")
        linus = work.directory.person_by_email("linus@example.com")
        assert primary is not None and ada and grace and linus
        month_ago = now - timedelta(days=30)
        ended = work.schedules.add_override(
            schedule_id=primary,
            user_id=ada.id,
            start=now - timedelta(days=7),
            end=now - timedelta(days=6),
            note="",
            by="ada@example.com",
            at=month_ago,
        )
        under_way = work.schedules.add_override(
            schedule_id=primary,
            user_id=linus.id,
            start=now - timedelta(hours=1),
            end=now + timedelta(days=1),
            note="",
            by="ada@example.com",
            at=month_ago,
        )
        window = Period(datetime(YEAR, 11, 1, tzinfo=UTC), datetime(YEAR, 11, 2, tzinfo=UTC))
        trade = work.schedules.add_trade(
            schedule_id=primary,
            request=TradeRequest(TradeKind.COVER, ada.id, window, colleague=grace.id),
            note="",
            at=now,
        )
        work.schedules.answer_trade(trade, status=TradeStatus.ACCEPTED, by=grace.id, at=now)
        traded = work.schedules.add_override(
            schedule_id=primary,
            user_id=grace.id,
            start=window.start,
            end=window.end,
            note=f"trade #{trade}",
            by="grace@example.com",
            at=now,
            trade_id=trade,
        )
        ended_exemption = work.schedules.add_absence(
            user_id=ada.id,
            schedule_id=primary,
            layer=None,
            kind=AwayKind.EXEMPT,
            start=None,
            end=now - timedelta(days=1),
            reason="",
            by="ada@example.com",
            at=month_ago,
        )
        work.commit()
    before = {o.id: o for o in overrides(sqlite_url, "Payments primary")}
    [clocks_back] = [i for i, o in before.items() if o.user_id == linus.id and i != under_way]
    exported = export(env)
    holiday = one_line(exported, "Holiday in Lisbon")
    edited = exported.replace("note: Ada's wedding", "note: Ada and Bob's wedding")
    edited = edited.replace(one_line(exported, "linus@example.com", f"{CLOCKS_BACK}"), "")
    edited = edited.replace(one_line(exported, "linus@example.com", f"from: '{now:%Y-%m}"), "")
    edited = edited.replace(one_line(exported, "Parental leave"), "")
    edited = edited.replace("  unavailable:\n" + holiday, "  unavailable: []\n")

    apply_text(env, edited)
    timeline = events(sqlite_url, "Payments primary")
    apply_text(env, edited)

    after = {o.id: o for o in overrides(sqlite_url, "Payments primary")}
    again = export(env)
    assert set(after) == set(before) - {clocks_back}
    assert after[ended] == before[ended]
    assert after[traded] == before[traded]
    assert after[traded].trade_id == trade
    assert after[under_way].start == before[under_way].start
    assert now < after[under_way].end < datetime.now(UTC)
    assert [o.note for o in after.values() if o.user_id == grace.id] == [
        "Ada and Bob's wedding",
        f"trade #{trade}",
    ]
    assert f"note: 'trade #{trade}'" in again
    assert "note: Ada and Bob's wedding" in again
    assert "Parental leave" not in again
    assert "Holiday in Lisbon" not in again
    assert "Medical, until further notice" in again
    assert str(CLOCKS_BACK) not in again
    assert ended_exemption in {a.id for a in absences(sqlite_url)}
    assert [(e.kind, e.message.split(" by ")[0]) for e in timeline[-5:]] == [
        ("override_removed", "Override removed"),
        ("override_removed", "Override ended early"),
        ("override_changed", "Override note changed"),
        ("exemption_removed", "Exemption removed"),
        ("leave_removed", "Leave removed"),
    ]
    assert events(sqlite_url, "Payments primary") == timeline
    assert events(sqlite_url, "Payments secondary")[-1].kind == "leave_removed"
    assert [e.kind for e in events(sqlite_url, "Search")][-1] == "consent_recorded"


def test_an_override_or_leave_that_ended_before_it_was_applied_is_ignored_as_history(
    sqlite_url: str,
) -> None:
    env = ondeck_env(sqlite_url)
    text = ORG.replace(f"{YEAR}-12-24T09:00, to: {YEAR}", "2020-12-24T09:00, to: 2020").replace(
        f"{YEAR}-12-21, to: {NEXT}", "2020-12-21, to: 2021"
    )

    apply_text(env, text)

    exported = export(env)
    assert "2020-12-2" not in exported
    assert "Ada's wedding" not in exported
    assert "Holiday in Lisbon" not in exported
    assert all(o.start.year != 2020 for o in overrides(sqlite_url, "Payments primary"))
    assert all(a.start is None or a.start.year != 2020 for a in absences(sqlite_url))
