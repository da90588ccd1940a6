"""The legislator directory (bot.legislators) and its builder (bot.legislators_import).

Counts and queries run on the shipped ``data/legislators.yaml``; the builder runs on the
snapshot of the upstream files in ``tests/fixtures/congress-legislators/``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import yaml

from bot import legislators_import as importer
from bot.errors import ConfigError, DataError
from bot.legislators import Directory, Legislator, read_overrides
from tests.conftest import FIXTURES, PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "legislators.yaml"
SHIPPED_OVERRIDES = PROJECT_ROOT / "data" / "legislators-overrides.yaml"
UPSTREAM = FIXTURES / "congress-legislators"
STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY",
}  # fmt: skip


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The shipped directory with the shipped overrides, loaded once."""
    return Directory.load(SHIPPED, SHIPPED_OVERRIDES)


def upstream_x_ids() -> dict[str, str]:
    """Return bioguide id → twitter_id from the upstream fixture (ints parsed exactly)."""
    data = yaml.load((UPSTREAM / importer.SOCIAL).read_bytes(), Loader=yaml.CSafeLoader)
    return {
        e["id"]["bioguide"]: str(e["social"]["twitter_id"])
        for e in data
        if "twitter_id" in e.get("social", {})
    }


# The shipped directory: counts from the upstream README, measured on the snapshot.

COUNTS: list[tuple[str, Callable[[Directory], int], int]] = [
    ("current members", lambda d: len(d.members), 537),
    ("senators", lambda d: len(d.by_chamber("senate")), 100),
    ("House seats filled", lambda d: len(d.by_chamber("house")), 437),
    ("representatives", lambda d: sum(not m.delegate for m in d.by_chamber("house")), 431),
    ("delegates and resident commissioner", lambda d: sum(m.delegate for m in d.members), 6),
    ("with an X handle", lambda d: sum(bool(m.x) for m in d.members), 506),
    ("without an X handle", lambda d: len(d.without_x()), 31),
    ("with a numeric X id", lambda d: sum(bool(m.x_id) for m in d.members), 409),
    ("X ids above 2**53", lambda d: sum(int(m.x_id or 0) > 2**53 for m in d.members), 188),
    ("members of HSFA", lambda d: len(d.by_committee("HSFA")), 50),
    ("committees", lambda d: sum(not c.parent_id for c in d.committees.values()), 49),
    ("subcommittees", lambda d: sum(bool(c.parent_id) for c in d.committees.values()), 181),
    ("committee seats", lambda d: sum(len(m.committees) for m in d.members), 3879),
    ("Democrats", lambda d: len(d.by_party("D")), 260),
    ("Republicans", lambda d: len(d.by_party("republican")), 274),
    ("Independents", lambda d: len(d.by_party("Ind")), 3),
    ("members with a Mastodon account", lambda d: sum(bool(m.mastodon) for m in d.members), 13),
    ("members with no committee seat", lambda d: sum(not m.committees for m in d.members), 9),
]


@pytest.mark.parametrize(("what", "count", "expected"), COUNTS, ids=[c[0] for c in COUNTS])
def test_shipped_directory_counts(
    directory: Directory, what: str, count: Callable[[Directory], int], expected: int
) -> None:
    """The shipped directory holds exactly the snapshot's members, accounts and seats."""
    assert expected == count(directory)


def test_every_state_has_two_senators(directory: Directory) -> None:
    """Each of the 50 states has exactly two senators, and no territory has one."""
    senators = [m.state for m in directory.by_chamber("senate")]
    assert dict.fromkeys(STATES, 2) == {s: senators.count(s) for s in set(senators)}


def test_delegates_are_the_territories_at_large(directory: Directory) -> None:
    """Delegates are the six territories' House members, each with district 0."""
    delegates = {(m.state, m.district, m.chamber) for m in directory.members if m.delegate}
    expected = {(t, 0, "house") for t in ("AS", "DC", "GU", "MP", "PR", "VI")}
    assert expected == delegates


def test_vacancies_are_the_four_empty_house_seats(directory: Directory) -> None:
    """Seats with nobody in them come from the apportionment table: four in the snapshot."""
    assert ["CA-14", "FL-20", "GA-13", "TX-23"] == directory.vacancies()


def test_directory_order_is_state_then_senate_then_district(directory: Directory) -> None:
    """Members are in directory order, and the state order is exposed for expansion."""
    keys = [(m.state, m.chamber != "senate", m.district or 0) for m in directory.members]
    assert sorted(keys) == keys
    assert sorted(STATES | {"AS", "DC", "GU", "MP", "PR", "VI"}) == list(directory.states)


def test_members_without_official_name_get_first_and_last(directory: Directory) -> None:
    """The two members without ``official_full`` are named from first + last name."""
    names = {b: getattr(directory.get(b), "name", None) for b in ("M001246", "G000607")}
    assert {"M001246": "Analilia Mejia", "G000607": "James Gallagher"} == names


def test_all_x_ids_round_trip_through_yaml_and_json(directory: Directory) -> None:
    """Every numeric X id (409, 188 above 2**53) survives YAML and JSON as the same string."""
    expected = upstream_x_ids()
    pure = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))  # the pure-Python loader too
    from_yaml = {m["bioguide_id"]: m["x_id"] for m in pure["members"] if m["x_id"]}
    from_directory = {m.bioguide_id: m.x_id for m in directory.members if m.x_id}
    from_json = json.loads(json.dumps(from_directory))
    assert 409 == len(expected)
    assert expected == from_yaml
    assert expected == from_directory
    assert expected == from_json


def attr(member: Legislator | None, name: str) -> Any:
    """Return a member's attribute, or None when there is no member."""
    return getattr(member, name, None)


QUERIES: list[tuple[str, Callable[[Directory], Any], Any]] = [
    ("handle, any case, with @", lambda d: attr(d.by_x_handle("@senRICKscott"), "name"),
     "Rick Scott"),
    ("handle without @", lambda d: attr(d.by_x_handle("SenRickScott"), "bioguide_id"), "S001217"),
    ("numeric X id as int", lambda d: attr(d.by_x_id(131546062), "bioguide_id"), "S001217"),
    ("numeric X id above 2**53", lambda d: attr(d.by_x_id("1344325638983987201"), "x"),
     "RepKatCammack"),
    ("unknown handle", lambda d: d.by_x_handle("@nobody_here"), None),
    ("bioguide, lower case", lambda d: attr(d.get("s001217"), "name"), "Rick Scott"),
    ("find by @handle", lambda d: attr(d.find("@RepKatCammack"), "bioguide_id"), "C001039"),
    ("find by X id", lambda d: attr(d.find("131546062"), "bioguide_id"), "S001217"),
    ("find by bioguide", lambda d: attr(d.find("C001039"), "x"), "RepKatCammack"),
    ("by state", lambda d: len(d.by_state("fl")), 29),
    ("at-large district", lambda d: [m.seat for m in d.by_district("AK", 0)], ["AK-AL"]),
    ("vacant district", lambda d: d.by_district("FL", 20), ()),
    ("committee by name", lambda d: len(d.by_committee("house committee on foreign affairs")), 50),
    ("subcommittee by id, any case", lambda d: len(d.by_committee("hsfa14")), 13),
    ("shared subcommittee name", lambda d: len(d.committee_ids("Oversight and Investigations")) > 1,
     True),
    ("unknown committee", lambda d: d.by_committee("ZZZZ"), ()),
    ("senators by select", lambda d: [m.name for m in d.select(states=["FL"], chamber="senate")],
     ["Ashley Moody", "Rick Scott"]),
    ("seat label", lambda d: [m.bioguide_id for m in d.select(districts=["fl-2"])], ["D000628"]),
    ("delegate seat", lambda d: [m.state for m in d.select(districts=["DC-Del"])], ["DC"]),
    ("party and state", lambda d: {m.party for m in d.select(states=["TX"], party="D")},
     {"Democrat"}),
    ("exclude by handle and id",
     lambda d: len(d.select(states=["FL"], chamber="senate", exclude=["@SenRickScott", "M001244"])),
     0),
    ("bioguide ids, unknown ignored",
     lambda d: [m.bioguide_id for m in d.select(bioguide_ids=["S001217", "X999999"])], ["S001217"]),
    ("committee and chamber",
     lambda d: {m.chamber for m in d.select(committees=["HSFA", "SSFR"], chamber="senate")},
     {"senate"}),
]  # fmt: skip


@pytest.mark.parametrize(("what", "query", "expected"), QUERIES, ids=[q[0] for q in QUERIES])
def test_queries(
    directory: Directory, what: str, query: Callable[[Directory], Any], expected: Any
) -> None:
    """Each query answers from the indexes, case-insensitively, in directory order."""
    assert expected == query(directory)


def test_shipped_overrides_only_add_notes(directory: Directory) -> None:
    """The shipped overrides change no data: they only attach notes, and none is stale."""
    noted = [m for m in directory.members if m.bioguide_id in directory.upstream]
    assert [()] * 7 == [m.overridden for m in noted]
    assert all(m.note for m in noted)
    assert () == directory.stale_overrides


# Loading the directory file.


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("members: [", "not valid YAML"),
        ("just text", "not a reachout directory"),
        ("directory: {format: 2}\ncommittees: {}\nmembers: [{name: x}]\n", "damaged"),
        ("directory: {format: 2, built_at: soon}\ncommittees: {}\nmembers: []\n", "damaged"),
        ("directory: {format: 1}\ncommittees: {}\nmembers: []\n", "an older directory (format 1)"),
    ],
)
def test_a_broken_directory_file_is_a_data_error(tmp_path: Path, text: str, message: str) -> None:
    """A damaged directory file gives a DataError telling how to regenerate it."""
    path = tmp_path / "legislators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Directory.load(path)
    assert message in str(caught.value)
    assert "reachout legislators update --from" in caught.value.hint


def test_a_missing_directory_file_says_how_to_build_it(tmp_path: Path) -> None:
    """No directory file: a DataError whose hint is the update command."""
    with pytest.raises(DataError) as caught:
        Directory.load(tmp_path / "legislators.yaml")
    assert caught.value.hint.startswith("run: reachout legislators update --from")


# Overrides.


def load_with_overrides(tmp_path: Path, text: str, *, strict: bool = True) -> Directory:
    """Load the shipped directory with an overrides file holding ``text``."""
    path = tmp_path / "legislators-overrides.yaml"
    path.write_text(text, encoding="utf-8")
    return Directory.load(SHIPPED, path, strict_overrides=strict)


OVERRIDES_APPLIED: list[tuple[str, str, dict[str, Any]]] = [
    ("new handle drops the old id", "S001217:\n  x: '@RickScottFL'\n",
     {"x": "RickScottFL", "x_id": None, "overridden": ("x",)}),
    ("same handle keeps the id", "S001217:\n  x: senrickscott\n",
     {"x": "senrickscott", "x_id": "131546062"}),
    ("null untags", "S001217:\n  x: null\n", {"x": None, "x_id": None}),
    ("id above 2**53, unquoted, stays exact", "S001217:\n  x_id: 1344325638983987299\n",
     {"x": "SenRickScott", "x_id": "1344325638983987299"}),
    ("bluesky is lowercased", "S001217:\n  bluesky: '@SenRickScott.bsky.social'\n",
     {"bluesky": "senrickscott.bsky.social"}),
    ("mastodon", "S001217:\n  mastodon: '@rick@mastodon.social'\n",
     {"mastodon": "@rick@mastodon.social"}),
    ("note only", "S001217:\n  note: \"Checked: it's right\"\n",
     {"note": "Checked: it's right", "overridden": ()}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "text", "expected"), OVERRIDES_APPLIED, ids=[o[0] for o in OVERRIDES_APPLIED]
)
def test_overrides_are_merged_at_load(
    tmp_path: Path, what: str, text: str, expected: dict[str, Any]
) -> None:
    """Each override sets its fields on the member and is found by the new handle."""
    member = load_with_overrides(tmp_path, text).get("S001217")
    assert expected == {k: getattr(member, k) for k in expected}


OVERRIDE_PROBLEMS: list[tuple[str, str, str]] = [
    ("unknown bioguide id", "S001217:\n  note: ok\nZ999999:\n  x: Someone\n",
     "legislators-overrides.yaml:3:1: Z999999 is not a current member of Congress"),
    ("unknown field", "S001217:\n  twitter: SenRickScott\n",
     "legislators-overrides.yaml:2:3: 'twitter' is not a field of the override for S001217"),
    ("duplicate member", "S001217:\n  note: a\nS001217:\n  note: b\n",
     "legislators-overrides.yaml:3:1: S001217 appears twice (first on line 1)"),
    ("duplicate field", "S001217:\n  x: A\n  x: B\n",
     "legislators-overrides.yaml:3:3: 'x' appears twice in the override for S001217"),
    ("handle too long", "S001217:\n  x: ThisHandleIsMuchTooLong\n",
     "legislators-overrides.yaml:2:6: 'ThisHandleIsMuchTooLong' is not a valid 'x'"),
    ("id with letters", "S001217:\n  x_id: '12ab'\n",
     "legislators-overrides.yaml:2:9: '12ab' is not a valid 'x_id'"),
    ("bluesky without a domain", "S001217:\n  bluesky: rick\n",
     "legislators-overrides.yaml:2:12: 'rick' is not a valid 'bluesky'"),
    ("not a bioguide id", "Rick Scott:\n  x: SenRickScott\n",
     "legislators-overrides.yaml:1:1: 'Rick Scott' is not a bioguide id"),
    ("a list instead of a mapping", "- S001217\n",
     "legislators-overrides.yaml:1:1: the file must map bioguide ids to corrections"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "text", "expected"), OVERRIDE_PROBLEMS, ids=[o[0] for o in OVERRIDE_PROBLEMS]
)
def test_override_problems_are_located(tmp_path: Path, what: str, text: str, expected: str) -> None:
    """A bad override is a ConfigError at file:line:column, with a hint (exit code 2)."""
    with pytest.raises(ConfigError) as caught:
        load_with_overrides(tmp_path, text)
    problem = caught.value.problems[0]
    located = f"{Path(problem.file).name}:{problem.line}:{problem.column}: {problem.message}"
    assert expected == located[: len(expected)]
    assert problem.hint
    assert 2 == caught.value.exit_code


def test_stale_overrides_are_reported_when_not_strict(tmp_path: Path) -> None:
    """Non-strict loading keeps going and lists overrides that no longer apply."""
    text = "S001217:\n  x: SenRickScott\nZ999999:\n  x: Gone\nC001039:\n  note: fine\n"
    stale = load_with_overrides(tmp_path, text, strict=False).stale_overrides
    expected = [("S001217", "same as upstream", 1), ("Z999999", "not a current member", 3)]
    assert expected == [(s.override.bioguide_id, s.reason[:20], s.override.line) for s in stale]


def test_read_overrides_of_a_comments_only_file_is_empty() -> None:
    """The shipped example, with everything commented out, holds no overrides."""
    assert [] == read_overrides(b"# nothing yet\n# S001217:\n#   x: null\n", "overrides.yaml")


# Building the directory from upstream.


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A writable copy of the upstream snapshot."""
    folder = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, folder)
    return folder


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """A copy of the shipped directory, standing for the existing data/legislators.yaml."""
    path = tmp_path / "data" / "legislators.yaml"
    path.parent.mkdir()
    shutil.copyfile(SHIPPED, path)
    return path


def test_the_shipped_file_is_regenerated_byte_for_byte(output: Path) -> None:
    """Building from the snapshot gives exactly the shipped file: generation is deterministic."""
    document, warnings = importer.build(importer.read_dir(UPSTREAM))
    assert SHIPPED.read_text(encoding="utf-8") == importer.render(document)
    assert [] == warnings
    result = importer.update(importer.read_dir(UPSTREAM), output)
    assert (False, 537, []) == (result.written, result.members, result.changes)


def test_each_member_has_the_current_terms_dates(directory: Directory) -> None:
    """Every House term ends 2027-01-03; 428 began with the 119th Congress, 9 by special
    election; the directory was built at the upstream commit (2026-06-15 15:26:56 -0400)."""
    house = directory.by_chamber("house")
    began = [m.term_start.isoformat() == "2025-01-03" for m in house]
    assert ({"2027-01-03"}, 428, 9, "2026-06-15T19:26:56+00:00") == (
        {m.term_end.isoformat() for m in house},
        sum(began),
        began.count(False),
        directory.built_at.isoformat() if directory.built_at else None,
    )


def test_without_a_commit_date_the_update_time_is_kept_while_inputs_stay(
    upstream: Path, output: Path
) -> None:
    """Files without a known commit are stamped with the update's time; an update with the
    same files later keeps that stamp (the data was built then) and writes nothing."""
    shipped_at = Directory.load(output).built_at
    (upstream / "README.md").unlink()
    first, later = datetime(2027, 1, 10, 12, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)
    importer.update(importer.read_dir(upstream), output, now=first)
    assert shipped_at == Directory.load(output).built_at  # the same inputs as the shipped file
    output.unlink()
    assert importer.update(importer.read_dir(upstream), output, now=first).written
    again = importer.update(importer.read_dir(upstream), output, now=later)
    assert (False, first) == (again.written, Directory.load(output).built_at)


def test_an_emptied_membership_file_is_a_changeover_not_a_cut(upstream: Path) -> None:
    """A membership file of {} (every roster emptied, as when a Congress begins) builds."""
    (upstream / importer.MEMBERSHIP).write_text("{}\n", encoding="utf-8")
    document, _ = importer.build(importer.read_dir(upstream))
    assert [] == [m["bioguide_id"] for m in document["members"] if m.get("committees")]


def test_an_older_format_file_is_compared_and_replaced(output: Path) -> None:
    """A format 1 file (no term starts, no built_at) is read for the change report."""
    old = yaml.load(output.read_bytes(), Loader=yaml.CSafeLoader)
    old["directory"]["format"] = 1
    del old["directory"]["built_at"]
    for member in old["members"]:
        del member["term_start"]
    output.write_text(yaml.safe_dump(old, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError, match="an older directory"):
        Directory.load(output)
    result = importer.update(importer.read_dir(UPSTREAM), output)
    assert (True, "members starting a new term: 0") == (result.written, result.changes[2])
    assert "other members changed (committees, offices...): 0" == result.changes[-1]
    assert SHIPPED.read_bytes() == output.read_bytes()


def test_update_reports_what_changed(upstream: Path, output: Path) -> None:
    """Changed handles, ids and members are listed for review, then the file is replaced."""
    social = upstream / importer.SOCIAL
    text = social.read_text(encoding="utf-8")
    text = text.replace("twitter: SenRickScott", "twitter: RickScott2")
    social.write_text(text.replace("twitter_id: 131546062", "twitter_id: 42"), encoding="utf-8")
    result = importer.update(importer.read_dir(upstream), output)
    assert result.written
    assert [
        "members who left: 0",
        "members who arrived: 0",
        "members starting a new term: 0",
        "X handles changed: 1",
        "  S001217 Rick Scott (FL-Sen): SenRickScott -> RickScott2",
        "X ids changed: 1",
        "  S001217 Rick Scott (FL-Sen): 131546062 -> 42",
        "committees emptied: 0",
        "members without an X handle: 31 (was 31)",
        "other members changed (committees, offices...): 0",
    ] == result.changes
    assert "RickScott2" == attr(Directory.load(output).by_x_id("42"), "x")


def in_member(text: str, bioguide: str, old: str, new: str) -> str:
    """Return text with the first ``old`` after a member's bioguide id replaced by ``new``."""
    start = text.index(f"bioguide: {bioguide}")
    return text[:start] + text[start:].replace(old, new, 1)


# Jimmy Patronis (P000622, FL-1) has one term, so his first "district:" is his current one.
BAD_UPSTREAM: list[tuple[str, str, Callable[[str], str], str]] = [
    ("truncated mid-line", importer.LEGISLATORS,
     lambda t: t[: t.index("birthday: '1972-04-13'") + 13], "not valid YAML"),
    ("truncated at a line end", importer.LEGISLATORS,
     lambda t: t[: t.index("\n- id:", len(t) // 2) + 1], "the file looks truncated"),
    ("malformed YAML", importer.COMMITTEES,
     lambda t: t.replace("- type: house", "- type: [house", 1), "not valid YAML"),
    ("member with no terms", importer.LEGISLATORS,
     lambda t: in_member(t, "P000622", "  terms:", "  old_terms:"), "P000622 has no terms"),
    ("member without bioguide", importer.LEGISLATORS,
     lambda t: t.replace("bioguide: S001217", "bioguid: S001217"), "has no valid id.bioguide"),
    ("district is text", importer.LEGISLATORS,
     lambda t: in_member(t, "P000622", "district: 1\n", "district: one\n"), "'district'"),
    ("term start not a date", importer.LEGISLATORS,
     lambda t: in_member(t, "P000622", "start: '2025-04-02'", "start: '2025-02-30'"),
     "P000622's term start '2025-02-30' is not a date"),
    ("impossible House seat", importer.LEGISLATORS,
     lambda t: in_member(t, "P000622", "district: 1\n", "district: 99\n"),
     "seat FL-99 is taken or not a seat"),
    ("handle with a space", importer.SOCIAL,
     lambda t: t.replace("twitter: SenRickScott", "twitter: Sen Rick Scott"), "not an X handle"),
    ("seat for an unknown member", importer.MEMBERSHIP,
     lambda t: t.replace("bioguide: B001236", "bioguide: Z999999", 1), "Z999999 sits on SSAF"),
    ("seat on an unknown committee", importer.MEMBERSHIP,
     lambda t: "ZZZZ:\n- {name: X, party: majority, rank: 1, bioguide: B001236}\n" + t,
     "committee 'ZZZZ' is not in"),
    ("binary garbage", importer.SOCIAL, lambda t: "\x00\x01" + t, "not valid YAML"),
    ("a mapping instead of a list", importer.LEGISLATORS, lambda t: "a: 1\n",
     "the member list is missing or not valid"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "file", "damage", "message"), BAD_UPSTREAM, ids=[b[0] for b in BAD_UPSTREAM]
)
def test_bad_upstream_is_a_data_error_and_leaves_the_directory(
    upstream: Path,
    output: Path,
    what: str,
    file: str,
    damage: Callable[[str], str],
    message: str,
) -> None:
    """Broken upstream data is a DataError naming the file; the directory is untouched."""
    before = output.read_bytes()
    path = upstream / file
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        importer.update(importer.read_dir(upstream), output)
    assert message in str(caught.value)
    assert str(caught.value).startswith(file)
    assert before == output.read_bytes()
    assert ["legislators.yaml"] == sorted(p.name for p in output.parent.iterdir())


@pytest.mark.parametrize(
    ("damage", "line"),
    [
        (lambda t: in_member(t, "P000622", "  terms:", "  old_terms:"), "bioguide: P000622"),
        (lambda t: in_member(t, "P000622", "district: 1\n", "district: one\n"), "district: one"),
        (lambda t: t[: t.index("birthday: '1972-04-13'") + 13], None),
    ],
    ids=["no terms", "district is text", "truncated"],
)
def test_bad_upstream_errors_name_the_line(
    upstream: Path, damage: Callable[[str], str], line: str | None
) -> None:
    """A problem in upstream data is reported at the line of the member, field or cut."""
    path = upstream / importer.LEGISLATORS
    text = damage(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        importer.build(importer.read_dir(upstream))
    expected = text[: text.index(line)].count("\n") + 1 if line else text.count("\n") + 1
    reported = int(str(caught.value).split(":")[1])
    assert expected - 1 <= reported <= expected


def test_a_missing_upstream_file_is_a_data_error(upstream: Path) -> None:
    """A folder without the four files is a DataError listing what it must hold."""
    (upstream / importer.COMMITTEES).unlink()
    with pytest.raises(DataError) as caught:
        importer.read_dir(upstream)
    assert importer.COMMITTEES in caught.value.hint


def test_commit_is_read_from_the_snapshot_readme() -> None:
    """The snapshot README's commit and date are recorded in the generated file."""
    found = importer.read_dir(UPSTREAM)
    expected = ("dfa9622263dd4c8d08636926e498f1845704d7eb", "2026-06-15 15:26:56 -0400")
    assert expected == (found.commit, found.commit_date)


# Downloading with --url (responses fakes requests; pytest-socket blocks real sockets).

BASE = "https://example.test/congress-legislators"


def add_files(status: int = 200, etag: str = '"v1"') -> None:
    """Serve the four snapshot files (or empty answers with another status) at BASE."""
    for name in importer.UPSTREAM_FILES:
        body = (UPSTREAM / name).read_bytes() if status == 200 else b""
        responses.add(
            responses.GET, f"{BASE}/{name}", body=body, status=status, headers={"ETag": etag}
        )


def fetch(output: Path) -> importer.Upstream | None:
    """Download from BASE with the cache beside ``output``, retrying without backoff."""
    return importer.fetch(BASE, output, timeouts=(1.0, 1.0), backoff=0)


@responses.activate
def test_download_builds_and_a_second_run_costs_nothing(output: Path) -> None:
    """A download sends no conditions first, stores ETags, then 304s mean unchanged."""
    add_files()
    first = fetch(output)
    assert first is not None
    importer.update(first, output)
    importer.save_cache(output, BASE, first)
    responses.reset()
    for name in importer.UPSTREAM_FILES:
        responses.add(
            responses.GET,
            f"{BASE}/{name}",
            status=304,
            match=[responses.matchers.header_matcher({"If-None-Match": '"v1"'})],
        )
    assert None is fetch(output)
    assert 4 == len(responses.calls)


@responses.activate
def test_a_changed_file_refetches_the_unchanged_ones(output: Path) -> None:
    """When one file changed (200) and others did not (304), all bytes are fetched again."""
    add_files()
    first = fetch(output)
    assert first is not None
    importer.save_cache(output, BASE, first)
    responses.reset()
    for name in importer.UPSTREAM_FILES:
        status = 200 if name == importer.SOCIAL else 304
        body = (UPSTREAM / name).read_bytes() if status == 200 else b""
        responses.add(responses.GET, f"{BASE}/{name}", body=body, status=status)
    add_files()  # the unconditional second requests
    again = fetch(output)
    assert again is not None
    assert first.inputs_sha256() == again.inputs_sha256()


@responses.activate
def test_server_errors_are_retried(output: Path) -> None:
    """A 500 is retried (urllib3 Retry on the adapter) and the next answer is used."""
    for name in importer.UPSTREAM_FILES:
        responses.add(responses.GET, f"{BASE}/{name}", status=500)
    add_files()
    result = fetch(output)
    assert result is not None
    assert 8 == len(responses.calls)


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (lambda: responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}",
                               body=requests.ConnectionError("Name or service not known")),
         "cannot download"),
        (lambda: responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}",
                               body=requests.ConnectTimeout("timed out")), "no answer in"),
        (lambda: [responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}", status=503)
                  for _ in range(importer.RETRIES + 1)], "answered 503 Service Unavailable"),
        (lambda: responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}", status=404),
         "answered 404 Not Found"),
    ],
    ids=["offline", "timeout", "503 after retries", "404"],
)  # fmt: skip
@responses.activate
def test_network_failures_are_data_errors(
    output: Path, register: Callable[[], object], message: str
) -> None:
    """Offline, timeouts and HTTP errors are DataErrors with a hint; nothing is written."""
    before = output.read_bytes()
    register()
    with pytest.raises(DataError) as caught:
        fetch(output)
    assert message in str(caught.value)
    assert caught.value.hint
    assert before == output.read_bytes()


def test_write_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    """The file is replaced in one step and no temporary file is left behind."""
    path = tmp_path / "legislators.yaml"
    path.write_bytes(b"old")
    importer.write_atomic(path, b"new")
    assert (b"new", ["legislators.yaml"]) == (
        path.read_bytes(),
        [p.name for p in tmp_path.iterdir()],
    )


def test_a_legislator_is_a_frozen_value(directory: Directory) -> None:
    """Legislators are immutable values that compare by content."""
    member = directory.get("S001217")
    assert isinstance(member, Legislator)
    with pytest.raises(AttributeError):
        member.x = "changed"  # type: ignore[misc]
