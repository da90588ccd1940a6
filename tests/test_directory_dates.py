"""The directory's date (bot.directory_dates): Congresses, stale days, the worker's alerts.

Runs on the real directory (``data/legislators.yaml``: the 119th Congress, built from the
upstream snapshot of 2026-06-15, every House term ending 2027-01-03) and on a change of
Congress made from the same snapshot (``tests/changeover.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import legislators_import as importer
from bot.campaign import load_calendar
from bot.compose import Plan, plan
from bot.directory_dates import (
    REFRESH_COMMAND,
    DirectoryDates,
    congress_number,
    congress_start,
    directory_alerts,
    directory_facts,
    ordinal,
    staleness,
)
from bot.legislators import Directory
from tests.changeover import make_changeover
from tests.conftest import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "legislators.yaml"
MOODY, SCOTT = "M001244", "S001217"  # FL senators: appointed to 2026-11-03; elected to 2031
NEWEST_WITHOUT_X = "G000607"  # CA-1, sworn in 2026-06-10, five days before the snapshot


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The shipped directory (no overrides)."""
    return Directory.load(SHIPPED)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    """The directory a week into the 120th Congress (see tests/changeover.py)."""
    folder = make_changeover(tmp_path_factory.mktemp("upstream") / "congress-legislators")
    document, _ = importer.build(importer.read_dir(folder))
    return Directory.from_yaml(importer.render(document), "changeover.yaml")


def calendar_plan(directory: Directory, posts: str, recess: tuple[str, str]) -> Plan:
    """Plan a small calendar (New York time) against a directory."""
    text = (
        'campaign:\n  name: T\n  hashtag: "#RecessReachOut"\n  timezone: America/New_York\n'
        f"  recess:\n    - {{from: {recess[0]}, until: {recess[1]}}}\n"
        "  x_username: RecessReachOut\nposts:\n" + posts
    )
    return plan(load_calendar(text.encode(), "cal.yaml"), directory)


def approved_alaska(day: str) -> str:
    """An approved post @-tagging Alaska's senators (Sullivan's term ends 2027-01-03)."""
    return (
        f'  - {{id: ak, date: {day}, time: "10:00", tagging: approved, approved_by: Jordan,\n'
        '     targets: {states: [AK], chamber: senate}, text: "{{ handles }} thank you"}\n'
    )


# --- Congresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1935, 1, 3), 74),
        (date(2025, 1, 2), 118),
        (date(2025, 1, 3), 119),
        (date(2026, 6, 15), 119),
        (date(2027, 1, 2), 119),
        (date(2027, 1, 3), 120),
        (date(2027, 8, 2), 120),
        (date(2028, 12, 31), 120),
        (date(2029, 1, 3), 121),
    ],
)
def test_congress_number(day: date, expected: int) -> None:
    """A Congress runs from January 3 of an odd year to January 2 two years later."""
    assert expected == congress_number(day)


def test_congress_start_is_the_first_day_of_its_number() -> None:
    """congress_start is the day congress_number starts counting a Congress."""
    assert [(date(2027, 1, 3), 120, 119)] == [
        (
            congress_start(120),
            congress_number(congress_start(120)),
            congress_number(date(2027, 1, 2)),
        )
    ]


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (111, "111th"), (112, "112th"), (119, "119th"), (120, "120th"),
     (121, "121st"), (122, "122nd"), (123, "123rd")],
)  # fmt: skip
def test_ordinal(number: int, expected: str) -> None:
    """Congresses are named 119th, 121st, 122nd, 123rd (but 111th, 112th, 113th)."""
    assert expected == ordinal(number)


def test_the_shipped_directory_holds_the_119th_congress(directory: Directory) -> None:
    """The shipped data: built 2026-06-15 (the upstream commit), House terms of the 119th."""
    assert (119, datetime(2026, 6, 15, 19, 26, 56, tzinfo=UTC)) == (
        DirectoryDates(directory).loaded,
        directory.built_at,
    )


def test_the_changed_directory_holds_the_120th_congress(changed: Directory) -> None:
    """After the changeover the newest House terms start 2027-01-03: the 120th is loaded."""
    assert (120, datetime(2027, 1, 10, 17, 0, tzinfo=UTC)) == (
        DirectoryDates(changed).loaded,
        changed.built_at,
    )


# --- staleness for a day ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "ended", "new_congress"),
    [
        (date(2026, 8, 4), (), False),
        (date(2026, 11, 2), (), False),
        (date(2026, 11, 3), (MOODY,), False),  # a term's last day counts as ended
        (date(2027, 1, 2), (MOODY,), False),
        (date(2027, 1, 3), (MOODY,), True),
        (date(2027, 8, 5), (MOODY,), True),
        (date(2031, 1, 3), (MOODY, SCOTT), True),
    ],
)
def test_staleness_of_florida_senators(
    directory: Directory, day: date, ended: tuple[str, ...], new_congress: bool
) -> None:
    """Terms end on their end day; from 2027-01-03 the day is in a Congress not loaded."""
    found = staleness(directory, day, directory.select(states=["FL"], chamber="senate"))
    assert (ended, new_congress, bool(ended) or new_congress) == (
        tuple(m.bioguide_id for m in found.ended),
        found.new_congress,
        found.stale,
    )


def test_every_house_term_has_ended_in_the_new_congress(directory: Directory) -> None:
    """On 2027-01-03 every House member of the shipped directory is past the term's end."""
    house = directory.by_chamber("house")
    assert (437, 437) == (len(house), len(staleness(directory, date(2027, 1, 3), house).ended))


@pytest.mark.parametrize(
    ("bioguide", "handles", "expected"),
    [
        (NEWEST_WITHOUT_X, True, (NEWEST_WITHOUT_X,)),
        (NEWEST_WITHOUT_X, False, ()),  # tagging: none uses no handle
        ("K000384", True, ()),  # Sen. Kaine: no handle, but in office since long before
        ("S001217", True, ()),  # a handle
    ],
)
def test_members_without_a_handle_who_just_started(
    directory: Directory, bioguide: str, handles: bool, expected: tuple[str, ...]
) -> None:
    """Only members who began the term shortly before the data was built are flagged."""
    member = directory.get(bioguide)
    assert member is not None
    found = staleness(directory, date(2026, 9, 1), [member], handles=handles)
    assert expected == tuple(m.bioguide_id for m in found.unhandled)


@pytest.mark.parametrize(
    ("committees", "expected"),
    [(["SSCM39"], ("SSCM39",)), (["SSJU27", "HSFA"], ("SSJU27",)), (["HSFA"], ())],
)
def test_committees_without_members(
    directory: Directory, committees: list[str], expected: tuple[str, ...]
) -> None:
    """Two Senate subcommittees of the snapshot have no members; House Foreign Affairs has 50."""
    assert expected == staleness(directory, date(2026, 9, 1), committees=committees).emptied


def test_a_changeover_empties_the_house_committees(changed: Directory) -> None:
    """Right after a changeover House committees are empty, and Florida's members without a
    handle all began a term within the 120 days: Sen. Moody (won 2026-11-03), the newcomer
    in FL-1 and Rep. Fine (re-elected)."""
    found = staleness(changed, date(2027, 8, 5), changed.by_state("FL"), ["HSFA", "SSFR"])
    assert (("HSFA",), (MOODY, "Z000001", "F000484"), (), False) == (
        found.emptied,
        tuple(m.bioguide_id for m in found.unhandled),
        found.ended,
        found.new_congress,
    )


def test_note_names_the_congress_the_ended_terms_and_the_command(directory: Directory) -> None:
    """A preview note: the Congress held, who is out of office and the refresh command."""
    senators = directory.select(states=["FL"], chamber="senate")
    note = staleness(directory, date(2027, 8, 5), senators).note()
    assert (
        "directory out of date for 2027-08-05: it holds the 119th Congress; term ended: "
        f"Sen. Ashley Moody (2026-11-03) — run: {REFRESH_COMMAND}"
    ) == note
    assert None is staleness(directory, date(2026, 8, 5), senators).note()


# --- alerts for the worker ----------------------------------------------------------------


def shipped_plan(directory: Directory) -> Plan:
    """The shipped calendar (August 2027) planned against a directory."""
    data = (PROJECT_ROOT / "config" / "calendar.yaml").read_bytes()
    return plan(load_calendar(data, "config/calendar.yaml"), directory)


def test_alerts_for_the_shipped_calendar_are_few_and_name_the_command(
    directory: Directory,
) -> None:
    """Before the recess: a Congress missing and terms ended, each once, with the command."""
    alerts = directory_alerts(
        directory, shipped_plan(directory).posts, datetime(2027, 8, 1, tzinfo=UTC)
    )
    assert 3 == len(alerts), alerts
    assert all(REFRESH_COMMAND in alert for alert in alerts)
    assert alerts[0].startswith("the legislator directory holds the 119th Congress")
    assert "fall in the 120th, which began 2027-01-03" in alerts[0]
    assert "7 calendar posts" in alerts[1]


def test_no_alerts_once_every_post_is_past(directory: Directory) -> None:
    """Posts no longer due are not alerted about."""
    after = datetime(2027, 9, 8, tzinfo=UTC)
    assert [] == directory_alerts(directory, shipped_plan(directory).posts, after)


def test_no_alerts_inside_the_current_congress(directory: Directory) -> None:
    """A calendar inside the 119th Congress, against its directory: nothing to alert."""
    result = calendar_plan(directory, approved_alaska("2026-08-04"), ("2026-08-03", "2026-09-07"))
    assert [] == directory_alerts(directory, result.posts, datetime(2026, 8, 1, tzinfo=UTC))


def test_alert_for_an_approved_post_that_will_be_skipped(directory: Directory) -> None:
    """An approved post @-tagging a senator whose term has ended is alerted as skipped."""
    result = calendar_plan(directory, approved_alaska("2027-08-03"), ("2027-08-02", "2027-09-06"))
    alerts = directory_alerts(directory, result.posts, datetime(2027, 8, 1, tzinfo=UTC))
    skipped = [a for a in alerts if "approved" in a]
    assert [
        "1 approved post @-tag a member whose term has ended: skipped until the directory "
        f"is refreshed ({REFRESH_COMMAND})"
    ] == skipped


def test_after_the_refresh_the_approved_post_is_not_alerted(changed: Directory) -> None:
    """The refreshed directory gives Sen. Sullivan his new term: no alert at all."""
    result = calendar_plan(changed, approved_alaska("2027-08-03"), ("2027-08-02", "2027-09-06"))
    assert [] == directory_alerts(changed, result.posts, datetime(2027, 8, 1, tzinfo=UTC))


# --- what update says about the dates -----------------------------------------------------


def test_facts_on_the_day_the_shipped_data_was_built(directory: Directory) -> None:
    """On 2026-06-15: the Congress and its House term end; two subcommittees without members."""
    assert [
        "the directory holds the 119th Congress (data of 2026-06-15), whose House terms end "
        "2027-01-03",
        "committees without members: 2, 0 of them full committees (SSCM39 and SSJU27)",
    ] == directory_facts(directory, date(2026, 6, 15))


def test_facts_after_the_changeover_with_the_old_data(directory: Directory) -> None:
    """In 2027 the old data says the 120th began and names whose term has ended."""
    facts = directory_facts(directory, date(2027, 1, 10))
    assert facts[1] == (
        "the 120th Congress began 2027-01-03: the upstream data has not caught up yet; "
        "run this again in a few days"
    )
    # every House term (437) and 35 Senate terms (33 end 2027-01-03, 2 on 2026-11-03)
    assert facts[2].startswith("members listed whose term has ended by 2027-01-10: 472 (")


def test_facts_after_a_refresh(changed: Directory) -> None:
    """A refreshed directory: the 120th Congress; House committees still to be refilled."""
    facts = directory_facts(changed, date(2027, 1, 10))
    house = [c for c in changed.committees.values() if c.chamber == "house"]
    assert [
        "the directory holds the 120th Congress (data of 2027-01-10), whose House terms end "
        "2029-01-03",
    ] == facts[:1]
    assert facts[1].startswith(
        f"committees without members: {len(house) + 2}, "
        f"{sum(not c.parent_id for c in house)} of them full committees ("
    )
