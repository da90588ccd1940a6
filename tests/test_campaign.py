"""The campaign calendar: strict loading, every error located, occurrences in UTC.

Most tests append one post to HEAD, an 8-line campaign, so the post's keys sit on known lines:
``id`` on line 9 (value at column 9), then ``date`` (10), ``time`` (11), ``text`` (12) and
any extra key from line 13, each value at column ``len(key) + 7``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.campaign import (
    MAX_CALENDAR_BYTES,
    MAX_OCCURRENCES,
    MAX_POSTS,
    Calendar,
    District,
    Targets,
    json_schema,
    load_calendar,
    load_calendar_file,
    occurrences,
    parse_duration,
)
from bot.campaign_schema import CALENDAR_FIELDS, POST_FIELDS, TARGETS_FIELDS, Field
from bot.errors import CalendarError, Problem
from tests.conftest import FIXTURES, NOT_REGULAR_FILES, PROJECT_ROOT, needs_posix
from tests.congress_feeds import official

VALID = FIXTURES / "calendars" / "valid.yaml"
DOCS = PROJECT_ROOT / "docs" / "calendar.md"
SCHEMA_FILE = PROJECT_ROOT / "config" / "calendar.schema.json"
HEAD = """\
campaign:
  name: Test
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - {from: 2027-08-02, until: 2027-09-06}
  x_username: RecessReachOut
posts:
"""
BASE = {"id": "a", "date": "2027-08-03", "time": '"09:30"', "text": "hello"}


def post(**fields: str | None) -> str:
    """Return one post item: BASE with fields replaced (in place) or added (at the end).

    A value of None leaves the key out. Keys that are Python keywords go in via **{...}.
    """
    merged = {**BASE, **fields}
    return "  - " + "\n    ".join(f"{k}: {v}" for k, v in merged.items() if v is not None) + "\n"


def all_fields(fields: tuple[Field, ...] = CALENDAR_FIELDS) -> list[Field]:
    """Return every field of the table, depth first."""
    return [f for field in fields for f in (field, *all_fields(field.fields))]


def load(
    text: str | bytes,
    *,
    max_bytes: int = MAX_CALENDAR_BYTES,
    max_posts: int = MAX_POSTS,
    max_occurrences: int = MAX_OCCURRENCES,
) -> Calendar:
    """Load a calendar given as text or bytes, named cal.yaml."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_calendar(
        data, "cal.yaml", max_bytes=max_bytes, max_posts=max_posts, max_occurrences=max_occurrences
    )


def problems(text: str | bytes, **limits: int) -> list[Problem]:
    """Return the problems a calendar raises (failing the test when it loads)."""
    with pytest.raises(CalendarError) as caught:
        load(text, **limits)
    return caught.value.problems


def load_or_calendar_error(data: bytes) -> None:
    """Load data; a CalendarError is fine, any other exception fails the test."""
    try:
        load_calendar(data, "fuzz.yaml")
    except CalendarError as error:
        assert error.problems


def assert_one_problem(text: str | bytes, line: int, column: int, phrase: str) -> None:
    """Assert exactly one problem, at line:column, whose text contains phrase."""
    found = problems(text)
    assert [(line, column)] == [(p.line, p.column) for p in found], [str(p) for p in found]
    assert phrase in str(found[0])


# --- the valid calendar --------------------------------------------------------------------


def test_valid_calendar_loads_with_every_key() -> None:
    """The fixture using every key loads with no warning into the model compose relies on."""
    calendar = load_calendar_file(VALID)
    campaign = calendar.campaign
    assert ("#RecessReachOut", "America/New_York") == (campaign.hashtag, campaign.timezone_name)
    assert "#RecessReachOut -is:retweet" == campaign.search_query
    assert (date(2027, 8, 2), date(2027, 9, 6)) == (
        campaign.recess[0].first_day,
        campaign.recess[0].last_day,
    )
    assert (timedelta(minutes=30), "intent", 8, 2) == (
        calendar.defaults.late_ok,
        calendar.defaults.tagging,
        calendar.defaults.caps.posts_per_day,
        calendar.defaults.caps.tagged_posts_per_day,
    )
    assert () == calendar.warnings
    expected_ids = ["kickoff", "weekly-call", "state-prompts", "committee-thanks", "daily-reminder"]
    assert expected_ids == [p.id for p in calendar.posts]


@pytest.mark.parametrize(
    ("post_id", "attribute", "expected"),
    [
        ("kickoff", "local_time", time(9, 30)),
        ("kickoff", "targets", Targets(chamber="both", line=26, column=7)),
        ("weekly-call", "local_time", time(17, 45)),
        ("weekly-call", "weekdays", frozenset({0})),
        ("weekly-call", "except_dates", frozenset({date(2027, 9, 6)})),
        ("weekly-call", "text", "Monday call-in, {{ date }}: ask your members to co-sponsor the\n"
         "Human Trafficking Prioritization Act. {{ hashtag }}"),
        ("state-prompts", "for_each", "state"),
        ("committee-thanks", "local_time", time(9, 5)),
        ("committee-thanks", "weekdays", frozenset({1, 3})),
        ("committee-thanks", "late_ok", timedelta(hours=1, minutes=30)),
        ("committee-thanks", "approved_by", "Jordan Lee (GR director)"),
        ("committee-thanks", "targets", Targets(
            states=("FL", "NY", "PR"), districts=(District("FL", 20), District("AK", 0)),
            party=("Democrat", "Republican"), committees=("HSFA", "SSFR", "HSFA14"),
            bioguide_ids=("S000033",), exclude=("C001098",), line=55, column=7)),
        ("daily-reminder", "weekdays", frozenset(range(7))),
        ("daily-reminder", "enabled", False),
        ("daily-reminder", "tagging", "intent"),
    ],
)  # fmt: skip
def test_valid_calendar_values(post_id: str, attribute: str, expected: object) -> None:
    """Each value is read from its raw text into the right type (defaults filled in)."""
    spec = load_calendar_file(VALID).post(post_id)
    assert spec is not None
    assert expected == getattr(spec, attribute)


@pytest.mark.parametrize(
    ("text_line", "expected"),
    [
        ('    text: "Quoted {{ x }}"\n', (12, 12)),
        ("    text: Plain {{ x }}\n", (12, 11)),
        ("    text: |\n\n      Block {{ x }}\n", (14, 7)),
        ("    text: >-\n        Folded {{ x }}\n", (13, 9)),
    ],
    ids=["quoted", "plain", "block-after-blank-line", "folded"],
)
def test_text_position_points_at_its_first_character(
    text_line: str, expected: tuple[int, int]
) -> None:
    """text_line/text_column locate the template's first character, for compose's errors."""
    spec = load(HEAD + post(text=None) + text_line).posts[0]
    assert expected == (spec.text_line, spec.text_column)


def test_positions_locate_each_value_and_list_item() -> None:
    """positions maps keys, list items and target items to 1-based (line, column)."""
    spec = load(HEAD + post(targets="{states: [FL, NY]}")).posts[0]
    expected = {"id": (9, 9), "time": (11, 11), "targets": (13, 14), "targets.states[1]": (13, 28)}
    assert expected == {key: spec.positions[key] for key in expected}


# --- error kinds from the issue, one test per kind ------------------------------------------


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({"time": "14:30"}, "local_time", time(14, 30)),
        ({"time": "9:30"}, "local_time", time(9, 30)),
        ({"time": "23:59"}, "local_time", time(23, 59)),
        ({"time": "00:00"}, "local_time", time(0, 0)),
        ({"id": "010"}, "id", "010"),
        ({"id": "0x1f"}, "id", "0x1f"),
        ({"text": "Yes"}, "text", "Yes"),
        ({"text": "NO"}, "text", "NO"),
        ({"text": "12:30"}, "text", "12:30"),
        ({"text": "2027-08-03"}, "text", "2027-08-03"),
        ({"enabled": "false"}, "enabled", False),
    ],
)
def test_scalars_yaml_would_retype_are_read_as_written(
    fields: dict[str, str], attribute: str, expected: object
) -> None:
    """Sexagesimal times, octal-looking ids and yes/no text keep their raw meaning."""
    assert expected == getattr(load(HEAD + post(**fields)).posts[0], attribute)


@pytest.mark.parametrize(
    ("fields", "line", "column", "phrase"),
    [
        ({"time": "1:5"}, 11, 11, "use HH:MM, e.g. 09:05"),
        ({"time": "24:00"}, 11, 11, "use HH:MM, e.g. 09:05"),
        ({"time": "9.30"}, 11, 11, "use HH:MM, e.g. 09:05"),
        ({"time": "0930"}, 11, 11, "use HH:MM, e.g. 09:05"),
        ({"time": "9:30 AM"}, 11, 11, "use HH:MM, e.g. 09:05"),
        ({"enabled": "yes"}, 13, 14, "must be true or false, not 'yes'"),
        ({"enabled": "NO"}, 13, 14, "must be true or false, not 'NO'"),
        ({"enabled": "on"}, 13, 14, "must be true or false, not 'on'"),
        ({"enabled": "True"}, 13, 14, "must be true or false, not 'True'"),
        ({"date": "2027-08-03 09:30:00"}, 10, 11, "use date + time"),
        ({"date": "2027-08-03T09:30:00Z"}, 10, 11, "use date + time"),
    ],
)
def test_scalars_yaml_would_retype_are_refused_when_wrong(
    fields: dict[str, str], line: int, column: int, phrase: str
) -> None:
    """1:5, 24:00, 9.30, yes/NO/on and datetimes are errors, never silently converted."""
    assert_one_problem(HEAD + post(**fields), line, column, phrase)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (HEAD + post(text="Join #RecessReachOut today"), 12, 16),
        (HEAD + post(text="#RecessReachOut starts now"), 12, 11),
        (HEAD + post(text="Call now   #RecessReachOut"), 12, 22),
        (HEAD + post(tagging="approved", approved_by="Jo #GR"), 14, 21),
        (HEAD.replace('"#RecessReachOut"', "#RecessReachOut") + post(), 3, 12),
    ],
    ids=["middle", "whole-value", "after-spaces", "approved_by", "hashtag"],
)
def test_unquoted_text_cut_at_hash_is_an_error(text: str, line: int, column: int) -> None:
    """' #' starts a YAML comment: the cut is reported at the '#' with 'put it in quotes'."""
    assert_one_problem(text, line, column, "was cut at '#'")
    assert "in quotes" in problems(text)[0].hint


@pytest.mark.parametrize(
    ("value", "column", "phrase"),
    [
        ("@SenSmith call today", 11, "cannot start with '@'"),
        ("`code` here", 11, "cannot start with '`'"),
        ("%50 more calls", 11, "cannot start with '%'"),
        ("*important* call", 11, "'*' or '&' cannot start a value"),
        ("&more to come", 11, "anchor '&more' is not allowed"),
        ("!Important call", 11, "tag '!Important' is not allowed"),
        ("{name} call today", 11, "read as a list or mapping"),
        ("[URGENT] call today", 11, "read as a list or mapping"),
        ("[URGENT]", 11, "YAML reads a list"),
        ("| call today", 11, "must start on the next line"),
        ("> call today", 11, "must start on the next line"),
    ],
)
def test_value_starting_with_an_indicator_is_an_error(value: str, column: int, phrase: str) -> None:
    """A value starting with a YAML indicator is located at its first character."""
    assert_one_problem(HEAD + post(text=value), 12, column, phrase)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (HEAD + post(text="Reminder: call your senator"), 12, 19),
        (HEAD + post(text="Call today. Note: recess ends soon"), 12, 27),
        (HEAD.replace("name: Test", "name: Recess: August"), 2, 15),
        (HEAD + post(tagging="approved", approved_by="GR: Jordan"), 14, 20),
    ],
    ids=["text", "text-later", "campaign-name", "approved_by"],
)
def test_text_containing_colon_space_is_an_error(text: str, line: int, column: int) -> None:
    """Unquoted ': ' inside a value is located at the colon, with a hint to quote the text."""
    assert_one_problem(text, line, column, "text contains ': '")


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post() + "posts:\n" + post(id="b"), 13, 1,
         "'posts' appears twice in the calendar (first on line 8)"),
        (HEAD.replace("  name: Test\n", "  name: Test\n  name: Other\n") + post(), 3, 3,
         "'name' appears twice in campaign (first on line 2)"),
        (HEAD + post() + "    text: again\n", 13, 5,
         "'text' appears twice in post 'a' (first on line 12)"),
        (HEAD + post(targets="{chamber: senate, chamber: house}"), 13, 32,
         "'chamber' appears twice in targets of post 'a'"),
        (HEAD.replace("{from: 2027-08-02,", "{from: 2027-08-02, from: 2027-08-03,") + post(),
         6, 26, "'from' appears twice in recess window 1"),
    ],
    ids=["top", "campaign", "post", "targets", "recess"],
)  # fmt: skip
def test_duplicate_keys_are_errors_at_every_level(
    text: str, line: int, column: int, phrase: str
) -> None:
    """A repeated key is reported at the second one, naming the first one's line."""
    assert_one_problem(text, line, column, phrase)


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post(txt="hi"), 13, 5, "'txt' is not a field of post 'a' — did you mean 'text'?"),
        (HEAD + post(tiem="10:00"), 13, 5, "did you mean 'time'?"),
        (HEAD + post(on="2027-08-03"), 13, 5, "post 'a' — did you mean 'date'?"),
        (HEAD.replace("timezone:", "timezon:") + post(), 4, 3, "did you mean 'timezone'?"),
        (HEAD + post(targets="{chambr: senate}"), 13, 15, "did you mean 'chamber'?"),
        (HEAD.replace("posts:", "post:") + post(), 8, 1, "did you mean 'posts'?"),
    ],
    ids=["txt", "tiem", "on", "timezon", "chambr", "post"],
)  # fmt: skip
def test_unknown_keys_suggest_the_right_one(text: str, line: int, column: int, phrase: str) -> None:
    """An unknown key is located at the key and suggests the closest known key."""
    found = [(p.line, p.column) for p in problems(text) if phrase in str(p)]
    assert [(line, column)] == found


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post().replace("    text", "\ttext"), 12, 1, "line starts with a Tab"),
        (HEAD + post(text="\thello"), 12, 11, "line contains a Tab"),
        (HEAD + post(text="hello\tworld"), 12, 16, "line contains a Tab"),
    ],
    ids=["indent", "after-colon", "inside-text"],
)
def test_tabs_are_errors(text: str, line: int, column: int, phrase: str) -> None:
    """Every Tab is located (YAML forbids them in indentation; libyaml and PyYAML disagree)."""
    assert_one_problem(text, line, column, phrase)


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post(text="&intro hello"), 12, 11, "anchor '&intro' is not allowed"),
        (HEAD + post(text="*intro"), 12, 11, "alias '*intro' is not allowed"),
        (HEAD + post(text="!!str hello"), 12, 11, "tag 'tag:yaml.org,2002:str' is not allowed"),
        (HEAD + post(text="!local hello"), 12, 11, "tag '!local' is not allowed"),
        (HEAD + post() + "---\n" + HEAD, 13, 1, "a second document ('---') is not allowed"),
    ],
    ids=["anchor", "alias", "standard-tag", "local-tag", "second-document"],
)
def test_anchors_aliases_tags_and_documents_are_errors(
    text: str, line: int, column: int, phrase: str
) -> None:
    """Anchors, aliases, tags and a second document are refused where they start."""
    assert_one_problem(text, line, column, phrase)


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (HEAD.encode() + post(text='"Don\x00t wait"').encode().replace(b"\x00", b"\x92"), 12, 15),
        (HEAD.replace("Test", "Caf\x00").encode().replace(b"\x00", b"\xe9"), 2, 12),
        ((HEAD + post(text='"\u2014 \x00"')).encode().replace(b"\x00", b"\x92"), 12, 14),
    ],
    ids=["cp1252-apostrophe", "latin1-e-acute", "after-multibyte-dash"],
)
def test_non_utf8_bytes_are_located_from_the_byte_offset(
    data: bytes, line: int, column: int
) -> None:
    """A Windows-1252 save is reported at the character (not byte) where decoding failed."""
    assert_one_problem(data, line, column, "the file is not UTF-8")


@pytest.mark.parametrize(
    ("char", "column"),
    [("\x0b", 13), ("\x00", 13), ("\x1b", 13), ("\x7f", 13), ("\x85", 13), ("\u2028", 13)],
    ids=["vertical-tab", "nul", "escape", "delete", "next-line", "line-separator"],
)
def test_control_characters_are_errors(char: str, column: int) -> None:
    """Invisible characters pasted from word processors are located and named."""
    assert_one_problem(HEAD + post(text=f"he{char}llo"), 12, column, "invisible control character")


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post(date="2027-02-30"), 10, 11, "is not a real date (day is out of range"),
        (HEAD + post(date="2027-13-01"), 10, 11, "is not a real date (month must be in 1..12)"),
        (HEAD + post(date="2027-8-3"), 10, 11, "'2027-8-3' is not YYYY-MM-DD"),
        (HEAD + post(date="08/03/2027"), 10, 11, "'08/03/2027' is not YYYY-MM-DD"),
        (HEAD + post(date="1999-08-03"), 10, 11, "is not between 2000 and 2100"),
        (HEAD.replace("{from: 2027-08-02", "{from: 2027/08/02") + post(), 6, 14, "YYYY-MM-DD"),
    ],
    ids=["feb-30", "month-13", "no-zero-padding", "us-style", "year-1999", "recess-slashes"],
)
def test_invalid_dates_are_errors(text: str, line: int, column: int, phrase: str) -> None:
    """Dates must be real days written YYYY-MM-DD (no bare ValueError ever escapes)."""
    assert_one_problem(text, line, column, phrase)


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("12:60", "time '12:60' is not HH:MM — use HH:MM, e.g. 09:05"),
        ("noon", "time 'noon' is not HH:MM"),
        ("-1:00", "time '-1:00' is not HH:MM"),
        ('"9:3"', "time '9:3' is not HH:MM"),
        ("09:30:00", "time '09:30:00' is not HH:MM"),
        ("'12h30'", "time '12h30' is not HH:MM"),
        ('""', "time is empty"),
    ],
)
def test_times_outside_hh_mm_are_errors(value: str, phrase: str) -> None:
    """Only HH:MM on a 24-hour clock is a time (H:MM too); the hint shows the format."""
    assert_one_problem(HEAD + post(time=value), 11, 11, phrase)


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post(date="2027-03-14", time='"02:30"'), 11, 11,
         "02:30 on Sunday 2027-03-14 does not exist in America/New_York"),
        (HEAD + post(date="2027-11-07", time='"01:30"'), 11, 11,
         "01:30 on Sunday 2027-11-07 happens twice in America/New_York (clocks fall back): "
         "at 05:30 and 06:30 UTC — pick another time, e.g. 02:00"),
        (HEAD + post(date=None, time='"02:30"', every="sunday",
                     **{"from": "2027-03-01", "until": "2027-03-31"}), 10, 11,
         "on Sunday 2027-03-14 does not exist in America/New_York: clocks jump forward — pick "
         "another time, e.g. 03:00, or add 2027-03-14 to except"),
        (HEAD + post(date=None, time='"01:15"', every="day",
                     **{"from": "2027-11-01", "until": "2027-11-10"}), 10, 11,
         "01:15 on Sunday 2027-11-07 happens twice"),
        (HEAD.replace("America/New_York", "Europe/London")
         + post(date="2027-03-28", time='"01:30"'), 11, 11, "does not exist in Europe/London"),
    ],
    ids=["gap", "fold", "weekly-gap", "daily-fold", "london-gap"],
)  # fmt: skip
def test_local_times_a_dst_change_skips_or_repeats_are_errors(
    text: str, line: int, column: int, phrase: str
) -> None:
    """Nonexistent and ambiguous local times are located at the time, naming the day."""
    found = problems(text)
    assert [(line, column)] == [(p.line, p.column) for p in found]
    assert phrase in str(found[0])


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"\n\n", b"---\n", b"# a\n\n# b\n"])
def test_empty_or_comment_only_calendar_is_an_error(data: bytes) -> None:
    """An empty calendar is an error, never "delete every post"."""
    assert [(0, 0, "the calendar is empty")] == [
        (p.line, p.column, p.message) for p in problems(data)
    ]


@pytest.mark.parametrize(
    ("data", "limits", "where", "phrase"),
    [
        (b"# " + b"x" * MAX_CALENDAR_BYTES, {}, (0, 0), "over the 524,288-byte limit"),
        ((HEAD + post()).encode(), {"max_bytes": 100}, (0, 0), "over the 100-byte limit"),
        ((HEAD + post() + post(id="b")).encode(), {"max_posts": 1}, (9, 3),
         "posts has 2 entries, over the 1 limit"),
        ((HEAD + "".join(f"  - {{id: p{n}, date: 2027-08-03, time: '09:30', text: t{n}}}\n"
                         for n in range(MAX_POSTS + 1))).encode(), {}, (9, 3),
         "over the 5,000 limit"),
        ((HEAD + post(date=None, every="day", **{"from": "2027-08-02", "until": "2027-08-31"}))
         .encode(), {"max_occurrences": 10}, (9, 3), "the calendar plans over 10 posts"),
    ],
    ids=["bytes-default", "bytes-parameter", "posts-parameter", "posts-default", "occurrences"],
)  # fmt: skip
def test_size_and_count_caps(
    data: bytes, limits: dict[str, int], where: tuple[int, int], phrase: str
) -> None:
    """Files over the byte cap, the post cap or the occurrence cap are refused plainly."""
    found = problems(data, **limits)
    assert [where] == [(p.line, p.column) for p in found]
    assert phrase in found[0].message


# --- the rules between keys -----------------------------------------------------------------


EVERY = {"date": None, "every": "monday", "from": "2027-08-02", "until": "2027-08-30"}


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + post() + post(), 13, 9, "id 'a' is used twice (first on line 9)"),
        (HEAD + post(**{**EVERY, "until": "2027-08-01"}), 14, 12,
         "until 2027-08-01 is before from 2027-08-02"),
        (HEAD + post(**{**EVERY, "until": "2028-09-01"}), 14, 12, "repeats for more than 366"),
        (HEAD + post(**{**EVERY, "except": "[2027-08-02, 2027-08-09, 2027-08-16, 2027-08-23, "
                                            "2027-08-30]"}), 12, 12, "never goes out: no monday"),
        (HEAD + post(**{**EVERY, "from": None}), 12, 12, "a repeating post needs 'from'"),
        (HEAD + post(every="monday"), 13, 12, "has both date (once) and every (repeating)"),
        (HEAD + post(**{"from": "2027-08-02"}), 13, 11, "from is only for repeating posts"),
        (HEAD + post(date=None), 9, 5, "post 'a' has no date and no every"),
        (HEAD + post(late_ok="30"), 13, 14, "late_ok '30' is not a duration"),
        (HEAD + post(late_ok="1.5h"), 13, 14, "e.g. 15m, 2h or 1h30m"),
        (HEAD + post(late_ok="25h"), 13, 14, "late_ok '25h' is over 24h"),
        (HEAD + post(tagging="approved"), 13, 14, "tagging: approved but no approved_by"),
        (HEAD + post(tagging="Approved"), 13, 14, "did you mean 'approved'?"),
        (HEAD + post(every="mondays", date=None, **{"from": "2027-08-02", "until": "2027-08-09"}),
         12, 12, "did you mean 'monday'?"),
        (HEAD + post(text='""'), 12, 11, "text is empty"),
        (HEAD + post(time=None), 9, 5, "post 'a' is missing 'time'"),
        (HEAD + post(id="Kick Off"), 9, 9, "id 'Kick Off' must be a-z, 0-9"),
        (HEAD.replace("America/New_York", "america/new_york") + post(), 4, 13,
         "did you mean 'America/New_York'?"),
        (HEAD.replace("x_username: RecessReachOut", "x_username: '@x'") + post(), 7, 15,
         "write it without @"),
        (HEAD.replace("    - {from: 2027-08-02, until: 2027-09-06}\n", "") + post(), 5, 10,
         "recess must be a list"),
        (HEAD.replace("    - {from: 2027-08-02, until: 2027-09-06}", "    []") + post(), 6, 5,
         "recess has no entries"),
        (HEAD + "  []\n", 9, 3, "posts has no entries"),
    ],
    ids=["same-id", "until-before-from", "too-long", "all-excepted", "no-from", "date-and-every",
         "from-with-date", "no-schedule", "late-ok-no-unit", "late-ok-decimal", "late-ok-25h",
         "approved-no-approver", "tagging-case", "every-plural", "empty-text", "missing-time",
         "id-not-slug", "timezone-case", "username-at", "no-recess", "empty-recess", "no-posts"],
)  # fmt: skip
def test_rules_between_keys(text: str, line: int, column: int, phrase: str) -> None:
    """Each cross-field rule is reported once, where the fix goes."""
    assert_one_problem(text, line, column, phrase)


@pytest.mark.parametrize(
    ("targets", "column", "phrase"),
    [
        ("{states: [FL, XX]}", 28, "'XX' is not a US state or territory code"),
        ("{states: [fl]}", 24, "did you mean 'FL'?"),
        ("{districts: [fl-20]}", 27, "'fl-20' is not a congressional district"),
        ("{districts: [ZZ-3]}", 27, "'ZZ-3' is not a congressional district"),
        ("{districts: [FL-99]}", 27, "'FL-99' is not a congressional district"),
        ("{committees: [HFA]}", 28, "'HFA' is not a committee id"),
        ("{bioguide_ids: [s000033]}", 30, "'s000033' is not a bioguide id"),
        ("{exclude: [S00003]}", 25, "'S00003' is not a bioguide id"),
        ("{chamber: senate, districts: [FL-1]}", 24, "districts are House seats"),
        ("{party: democrat}", 22, "did you mean 'Democrat'?"),
        ("{}", 14, "targets is empty"),
    ],
)
def test_targets_are_checked_for_form(targets: str, column: int, phrase: str) -> None:
    """State codes, districts, committee and bioguide id formats are checked here."""
    assert_one_problem(HEAD + post(targets=targets), 13, column, phrase)


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    """Problems are collected over the whole file, not just the first one."""
    text = HEAD + post(time="25:00", enabled="yes") + post(id="b", txt="x", date="2027-02-30")
    expected = [(11, 11), (13, 14), (15, 11), (18, 5)]
    assert expected == [(p.line, p.column) for p in problems(text)]


@pytest.mark.parametrize(
    ("text", "warnings"),
    [
        (HEAD + post(date="2027-07-30"), [(10, 11, "post 'a' is outside every recess window")]),
        (HEAD + post(date=None, every="day", **{"from": "2027-07-30", "until": "2027-08-03"}),
         [(12, 12, "outside every recess window on 3 day(s), first 2027-07-30")]),
        (HEAD + post(approved_by="Jo"), [(13, 18, "approved_by does nothing without tagging")]),
        (HEAD + post(text=None) + "    text: Line one\n      line two\n",
         [(12, 11, "YAML joins them with spaces")]),
        (HEAD + post(**{**EVERY, "except": "[2027-08-03]"}),
         [(15, 14, "post 'a' does not go out on 2027-08-03 anyway")]),
        ("defaults:\n  caps: {posts_per_day: 1}\n" + HEAD + post() + post(id="b"),
         [(2, 25, "1 day(s) plan more than 1 post(s) (first 2027-08-03: 2)")]),
    ],
    ids=["outside-recess", "repeat-outside-recess", "unused-approver", "folded-text",
         "unused-except", "over-cap"],
)  # fmt: skip
def test_warnings_do_not_stop_the_calendar(text: str, warnings: list[tuple[int, int, str]]) -> None:
    """Warnings are located like errors but the calendar still loads."""
    found = load(text).warnings
    assert [w[:2] for w in warnings] == [(w.line, w.column) for w in found]
    assert all(phrase in str(w) for (_, _, phrase), w in zip(warnings, found, strict=True))


@pytest.mark.parametrize(
    ("line", "attribute", "expected"),
    [
        ("    date: 2027-08-03   # Tuesday", "date", date(2027, 8, 3)),
        ("    time: 14:30 # after lunch", "local_time", time(14, 30)),
        ("    id: a # the first", "id", "a"),
        ("    enabled: false  # paused", "enabled", False),
        ("    late_ok: 1h # generous", "late_ok", timedelta(hours=1)),
        (
            '    text: "Join #RecessReachOut" # quoted, then a comment',
            "text",
            "Join #RecessReachOut",
        ),
    ],
)
def test_comments_after_values_are_fine(line: str, attribute: str, expected: object) -> None:
    """A comment after a date, time, id or quoted text is ignored (only unquoted text is cut)."""
    key = line.split(":")[0].strip()
    text = HEAD + post(**{key: None}) + line + "\n"
    assert expected == getattr(load(text).posts[0], attribute)


ODD_VALUES = ["", "~", "[]", "{}", "[a, b]", "{a: b}", "x", "-1", "0", "true", "'x'",
              "\n      - a\n      - b", "\n      a: b", "? [a]\n      : b",
              "[monday, day]"]  # fmt: skip


@pytest.mark.parametrize("key", [f.key for f in all_fields() if f in POST_FIELDS])
def test_any_value_of_the_wrong_shape_gives_only_calendar_errors(key: str) -> None:
    """Lists, mappings, nulls and numbers where any post key expects something else never
    escape as anything but a located CalendarError (or load, when they happen to be valid)."""
    repeating = {"date": None, "every": "monday", "from": "2027-08-02", "until": "2027-08-09"}
    for value in ODD_VALUES:
        for extra in ({}, repeating):
            load_or_calendar_error((HEAD + post(**{**extra, key: value})).encode())


def test_unreadable_file_is_a_calendar_error(tmp_path: Path) -> None:
    """A missing file is a CalendarError naming the path, with a hint."""
    with pytest.raises(CalendarError) as caught:
        load_calendar_file(tmp_path / "missing.yaml")
    assert "cannot read the calendar" in str(caught.value)
    assert "settings: calendar" in caught.value.problems[0].hint


# --- nothing but CalendarError ----------------------------------------------------------------


def test_every_truncation_of_the_valid_calendar_raises_only_calendar_error() -> None:
    """Cutting the file at every byte offset never escapes as anything but CalendarError."""
    data = VALID.read_bytes()
    for end in range(len(data)):
        load_or_calendar_error(data[:end])


def test_mutated_calendars_raise_only_calendar_error() -> None:
    """Seeded random character flips, line drops and swaps only ever raise CalendarError."""
    rng = random.Random(20270802)
    data = VALID.read_bytes()
    alphabet = [*b"#:@-|>'\"[]{}&*!%`\t\n 0123456789aZ,?", 0x00, 0x92, 0xE2, 0xFF]
    lines = data.splitlines(keepends=True)
    for _ in range(1500):
        mutant = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            mutant[rng.randrange(len(mutant))] = rng.choice(alphabet)
        load_or_calendar_error(bytes(mutant))
    for _ in range(300):
        shuffled = list(lines)
        index = rng.randrange(len(shuffled))
        if rng.random() < 0.5:
            del shuffled[index]
        else:
            shuffled.insert(rng.randrange(len(shuffled)), shuffled[index])
        load_or_calendar_error(b"".join(shuffled))


# --- occurrences in UTC -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "local", "expected_utc"),
    [
        ("America/New_York", "2027-08-02", "09:30", "2027-08-02T13:30:00+00:00"),
        ("America/New_York", "2027-03-13", "09:00", "2027-03-13T14:00:00+00:00"),
        ("America/New_York", "2027-03-14", "03:30", "2027-03-14T07:30:00+00:00"),
        ("America/New_York", "2027-11-07", "02:30", "2027-11-07T07:30:00+00:00"),
        ("America/New_York", "2027-11-07", "00:59", "2027-11-07T04:59:00+00:00"),
        ("America/Los_Angeles", "2027-08-02", "23:45", "2027-08-03T06:45:00+00:00"),
        ("America/Phoenix", "2027-03-14", "02:30", "2027-03-14T09:30:00+00:00"),
        ("Pacific/Honolulu", "2027-08-02", "00:00", "2027-08-02T10:00:00+00:00"),
        ("Europe/London", "2027-10-31", "02:00", "2027-10-31T02:00:00+00:00"),
    ],
)
def test_local_times_convert_to_utc(zone: str, day: str, local: str, expected_utc: str) -> None:
    """date + time in the campaign zone becomes one aware UTC instant (DST-aware)."""
    text = HEAD.replace("America/New_York", zone) + post(date=day, time=f'"{local}"')
    (occurrence,) = occurrences(load(text))
    assert expected_utc == occurrence.at_utc.isoformat()
    assert (ZoneInfo(zone), f"a@{expected_utc}") == (occurrence.local_at.tzinfo, occurrence.key)


def test_a_daily_post_keeps_its_local_time_across_a_dst_change() -> None:
    """09:00 every day stays 09:00 local, so its UTC hour moves at the change."""
    text = HEAD + post(date=None, every="day", **{"from": "2027-03-12", "until": "2027-03-16"})
    hours = [
        (o.local_at.hour, o.at_utc.hour) for o in occurrences(load(text.replace("09:30", "09:00")))
    ]
    assert [(9, 14), (9, 14), (9, 13), (9, 13), (9, 13)] == hours


def test_occurrences_are_chronological_and_filtered_by_a_utc_window() -> None:
    """start is inclusive, end exclusive, any aware zone; disabled posts only on request."""
    calendar = load_calendar_file(VALID)
    everything = occurrences(calendar, include_disabled=True)
    assert everything == sorted(everything, key=lambda o: o.at_utc)
    assert 16 == len(everything)
    assert 11 == len(occurrences(calendar))
    eastern = ZoneInfo("America/New_York")
    window = occurrences(calendar, datetime(2027, 8, 3, 9, 5, tzinfo=eastern),
                         datetime(2027, 8, 5, 13, 5, tzinfo=UTC))  # fmt: skip
    assert [
        "committee-thanks@2027-08-03T13:05:00+00:00",
        "state-prompts@2027-08-03T16:00:00+00:00",
    ] == [o.key for o in window]
    assert datetime(2027, 8, 3, 14, 35, 59, tzinfo=UTC) == window[0].latest_at_utc


def test_occurrences_refuse_naive_bounds() -> None:
    """A naive datetime is a programming error: ValueError, not a silent zone guess."""
    with pytest.raises(ValueError, match="aware"):
        occurrences(load_calendar_file(VALID), datetime(2027, 8, 3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0m", timedelta(0)), ("15m", timedelta(minutes=15)), ("2h", timedelta(hours=2)),
     ("1h30m", timedelta(minutes=90)), ("90m", timedelta(minutes=90)), ("24h", timedelta(days=1))],
)  # fmt: skip
def test_parse_duration(text: str, expected: timedelta) -> None:
    """Durations are hours and/or minutes."""
    assert expected == parse_duration(text)


@pytest.mark.parametrize("text", ["", "30", "1.5h", "30 m", "1m30h", "h", "m", "1d", "-5m"])
def test_parse_duration_refuses_other_forms(text: str) -> None:
    """Anything else is a ValueError (the loader turns it into a located problem)."""
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


# --- schema and docs ------------------------------------------------------------------------------


def test_committed_json_schema_is_generated_from_the_field_table() -> None:
    """config/calendar.schema.json is what scripts/gen_calendar_schema.py writes today."""
    generated = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"  # as the script
    assert generated == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "run scripts/gen_calendar_schema.py"
    )
    assert "http://json-schema.org/draft-07/schema#" == json_schema()["$schema"]


@pytest.mark.parametrize("key", sorted({f.key for f in all_fields()}))
def test_every_key_is_documented_for_staff(key: str) -> None:
    """docs/calendar.md shows every key of the field table (as `key`)."""
    assert f"`{key}`" in DOCS.read_text(encoding="utf-8")


def docs_block(marker: str) -> str:
    """Return the fenced block that follows an HTML comment marker in docs/calendar.md."""
    match = re.search(
        rf"<!-- {marker} -->\s*```\w*\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S
    )
    assert match, marker
    return match.group(1)


def test_docs_example_calendar_loads_cleanly() -> None:
    """The example calendar in docs/calendar.md loads with no warning."""
    assert () == load(docs_block("example: calendar")).warnings


def test_docs_error_example_shows_the_real_output() -> None:
    """The documented error output is exactly what the loader says about the broken example."""
    found = problems(docs_block("example: broken"))
    expected = docs_block("output: broken").strip().splitlines()
    assert expected == [str(p).replace("cal.yaml", "config/calendar.yaml") for p in found]


# --- the tester's findings ------------------------------------------------------------------------

REPEATING = {"date": None, "every": "monday", "from": "2027-08-02", "until": "2027-08-30"}
# One calendar per list key of the table, with that list empty: key → (text, line, column,
# message). Post keys sit after id (9), time (10), text (11): every 12, from 13, until 14, ...
EMPTY_LISTS = {
    "every": (HEAD + post(**{**REPEATING, "every": "[]"}), 12, 12,
              "'every' is an empty list — remove the line or add at least one day"),
    "except": (HEAD + post(**{**REPEATING, "except": "[]"}), 15, 13,
               "'except' is an empty list — remove the line or add at least one date"),
    "states": (HEAD + post(targets="{states: []}"), 13, 23,
               "'states' is an empty list — remove the line or add at least one state"),
    "districts": (HEAD + post(targets="{districts: []}"), 13, 26,
                  "'districts' is an empty list — remove the line or add at least one district"),
    "party": (HEAD + post(targets="{party: []}"), 13, 22,
              "'party' is an empty list — remove the line or add at least one party"),
    "committees": (HEAD + post(targets="{committees: []}"), 13, 27, "'committees' is an empty "
                   "list — remove the line or add at least one committee"),
    "bioguide_ids": (HEAD + post(targets="{bioguide_ids: []}"), 13, 29, "'bioguide_ids' is an "
                     "empty list — remove the line or add at least one bioguide id"),
    "exclude": (HEAD + post(targets="{exclude: []}"), 13, 24,
                "'exclude' is an empty list — remove the line or add at least one bioguide id"),
    "recess": (HEAD.replace("    - {from: 2027-08-02, until: 2027-09-06}", "    []") + post(), 6,
               5, "recess has no entries — add one (to pause a post, set enabled: false)"),
    "posts": (HEAD + "  []\n", 9, 3,
              "posts has no entries — add one (to pause a post, set enabled: false)"),
}  # fmt: skip


@pytest.mark.parametrize("key", sorted(EMPTY_LISTS))
def test_an_empty_list_is_a_located_problem(key: str) -> None:
    """`except: []`, `targets: {states: []}`... are problems, never a post silently dropped
    while validate says "valid" (every list key of the table is in EMPTY_LISTS)."""
    text, line, column, message = EMPTY_LISTS[key]
    expected = [(line, column, message)]
    assert expected == [(p.line, p.column, f"{p.message} — {p.hint}") for p in problems(text)]


def test_every_list_key_of_the_table_is_checked_empty() -> None:
    """EMPTY_LISTS covers every key that takes a list, so a new one cannot be forgotten."""
    assert sorted({f.key for f in all_fields() if f.many}) == sorted(EMPTY_LISTS)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (HEAD + post(**{**REPEATING, "except": ""}), 15, 12,
         "'except' is empty — remove the line or add at least one date"),
        (HEAD + post(**{**REPEATING, "except": "\n    enabled: true"}), 15, 12,
         "'except' is empty — remove the line or add at least one date"),
        (HEAD + post(targets="\n      states:\n      chamber: senate"), 14, 14,
         "'states' is empty — remove the line or add at least one state"),
    ],
    ids=["except-at-the-end", "except-then-a-key", "states-then-a-key"],
)  # fmt: skip
def test_a_list_key_with_nothing_after_it_is_a_located_problem(
    text: str, line: int, column: int, message: str
) -> None:
    """A list key with no value at all (an empty block) is reported like an empty list."""
    expected = [(line, column, message)]
    assert expected == [(p.line, p.column, f"{p.message} — {p.hint}") for p in problems(text)]


@pytest.mark.parametrize("key", [f.key for f in POST_FIELDS if f.kind != "section"])
def test_a_post_is_never_dropped_without_a_problem(key: str) -> None:
    """Whatever a post key holds, the calendar either keeps the post or says why: it never
    loads with the post silently left out."""
    for value in [*ODD_VALUES, "''", "[[]]", "[~]"]:
        for extra in ({}, REPEATING):
            assert_kept_or_refused(HEAD + post(**{**extra, key: value}))


@pytest.mark.parametrize("key", [f.key for f in TARGETS_FIELDS])
def test_a_post_is_never_dropped_for_its_targets(key: str) -> None:
    """The same for every key of targets (`targets: {states: []}` dropped the post)."""
    for value in [*ODD_VALUES, "''", "[[]]", "[~]"]:
        value = value.replace("\n      ", "\n        ")  # block values nest under the key
        assert_kept_or_refused(HEAD + post(targets=f"\n      {key}: {value}"))


def assert_kept_or_refused(text: str) -> None:
    """Assert the calendar with one post either loads with that post or raises problems."""
    try:
        calendar = load(text)
    except CalendarError as error:
        assert error.problems
        return
    assert 1 == len(calendar.posts), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + post(text="Join us today and call\n      #RecessReachOut"), [(13, 7)]),
        (HEAD + post(text=">-\n      Join us today and call\n     #RecessReachOut"), [(14, 6)]),
        (HEAD + post(text="|\n      Join us today\n\n     # and call"), [(15, 6)]),
        (HEAD + post(intent_text="Call\n      #RecessReachOut"), [(14, 7)]),
        (HEAD + post(text="Call\n      #RecessReachOut\n      #SecondTag"), [(13, 7), (14, 7)]),
        (HEAD + post(text="Join us\n    # a comment at the key's column\n  # or left of it"), []),
        (HEAD + post(text="|\n      Join us\n      #RecessReachOut is text in a block"), []),
        (HEAD + post(text='"Join us"\n      # a comment after the closing quote'), []),
    ],
    ids=["plain", "folded-block", "literal-block", "intent-text", "two-lines", "at-the-key",
         "inside-a-block", "after-quotes"],
)  # fmt: skip
def test_a_hashtag_alone_on_the_next_line_is_not_dropped(
    text: str, expected: list[tuple[int, int]]
) -> None:
    """`#Tag` on its own line after unquoted or block text is a comment to YAML: the text
    would lose it, so it is located at the '#'. Comments at or left of the key are fine."""
    try:
        load(text)
        found = []
    except CalendarError as error:
        found = error.problems
    assert expected == [(p.line, p.column) for p in found]
    message = "this line starts with '#', so YAML reads it as a comment and drops it from the text"
    assert all(message == p.message for p in found)


@needs_posix
@pytest.mark.parametrize(("make", "phrase"), NOT_REGULAR_FILES)
def test_the_calendar_must_be_a_regular_file(
    tmp_path: Path, make: Callable[[Path], Path], phrase: str
) -> None:
    """`validate /dev/zero` ate memory and a FIFO hung: both are refused at once."""
    path = make(tmp_path)
    with pytest.raises(CalendarError) as caught:
        load_calendar_file(path)
    expected = [(str(path), 0, 0, f"cannot read the calendar: {path} {phrase}")]
    assert expected == [(p.file, p.line, p.column, p.message) for p in caught.value.problems]


def test_a_calendar_file_over_the_cap_is_refused_from_its_size(tmp_path: Path) -> None:
    """The size is checked before the file is read, and says how big the file is."""
    path = tmp_path / "cal.yaml"
    path.write_bytes(b"# " + b"x" * 200)
    with pytest.raises(CalendarError) as caught:
        load_calendar_file(path, max_bytes=100)
    assert ["the file is 202 bytes, over the 100-byte limit"] == [
        p.message for p in caught.value.problems
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ((HEAD + post()).replace("\n", "\r").replace("    time", "\ttime"),
         [(11, 1, "line starts with a Tab character")]),
        ((HEAD + post(text="Join #Tag")).replace("\n", "\r"),
         [(12, 16, "text was cut at '#': YAML reads ' #' as the start of a comment")]),
    ],
    ids=["tab", "cut-text"],
)  # fmt: skip
def test_old_mac_line_endings_are_located_by_line(
    text: str, expected: list[tuple[int, int, str]]
) -> None:
    """A file whose lines end with CR alone is located line by line (a Tab was at 1:227)."""
    assert expected == [(p.line, p.column, p.message) for p in problems(text)]


def test_an_old_mac_calendar_loads_like_the_same_file_with_lf() -> None:
    """CR-only line ends read exactly as LF: same posts, same positions."""
    text = HEAD + post(text="|\n      Line one\n      line two")
    assert load(text).posts == load(text.replace("\n", "\r")).posts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"' + "x" * 512 + '"', []),
        ('"' + "x" * 513 + '"', [(8, 17, "search_query is 513 characters, over X's limit of 512")]),
    ],
    ids=["512", "513"],
)
def test_search_query_is_at_most_512_characters(
    query: str, expected: list[tuple[int, int, str]]
) -> None:
    """X's recent search takes queries of up to 512 characters."""
    username = "x_username: RecessReachOut\n"
    text = HEAD.replace(username, f"{username}  search_query: {query}\n") + post()
    try:
        found = [(p.line, p.column, p.message) for p in load(text).warnings]
    except CalendarError as error:
        found = [(p.line, p.column, p.message) for p in error.problems]
    assert expected == found


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        ([("08-02", "08-10"), ("08-11", "09-06")], []),
        ([("08-02", "08-10"), ("08-10", "09-06")], [(7, 7, "recess window 2 overlaps window 1")]),
        ([("08-02", "09-06"), ("10-01", "10-09"), ("08-20", "08-21")],
         [(8, 7, "recess window 3 overlaps window 1")]),
    ],
    ids=["next-day", "same-day", "inside-the-first"],
)  # fmt: skip
def test_overlapping_recess_windows_are_a_warning(
    windows: list[tuple[str, str]], expected: list[tuple[int, int, str]]
) -> None:
    """Two recess windows sharing a day are probably a typo: a warning at the later one."""
    lines = "".join(f"    - {{from: 2027-{a}, until: 2027-{b}}}\n" for a, b in windows)
    text = HEAD.replace("    - {from: 2027-08-02, until: 2027-09-06}\n", lines) + post()
    assert expected == [(w.line, w.column, w.message) for w in load(text).warnings]


# --- recess windows named by Congress's official schedule ----------------------------------


def official_head(window: str) -> str:
    """HEAD with its recess window replaced (a 2026 calendar: the captures cover 2026)."""
    return HEAD.replace("{from: 2027-08-02, until: 2027-09-06}", window)


OCTOBER = post(date="2026-10-05")


@pytest.mark.parametrize(
    ("window", "first", "last"),
    [
        ("{official: house, includes: 2026-10-05}", "2026-10-02", "2026-11-08"),
        ("{official: senate, includes: 2026-10-05}", "2026-10-03", "2026-11-08"),
        ("{official: both, includes: 2026-10-05}", "2026-10-03", "2026-11-08"),
        ("{official: house, includes: 2026-10-03}", "2026-10-02", "2026-11-08"),  # a Saturday
    ],
)
def test_a_recess_window_can_name_the_official_one(window: str, first: str, last: str) -> None:
    """official + includes take the dates of the official window holding that day, with the
    weekends next to it (the House: 2026-10-02..11-06; the Senate: 2026-10-05..11-06)."""
    calendar = load_calendar(
        (official_head(window) + OCTOBER).encode(), "cal.yaml", official=official()
    )
    (recess,) = calendar.campaign.recess
    assert (first, last) == (str(recess.first_day), str(recess.last_day))
    assert window.split(",")[0].removeprefix("{official: ") == recess.official
    assert () == calendar.warnings


@pytest.mark.parametrize(
    ("window", "column", "phrase", "with_official"),
    [
        (
            "{official: house, includes: 2026-09-15}",
            35,
            "2026-09-15 is in no official House "
            "recess (data/congress-calendar.yaml) — pick a day inside one",
            True,
        ),
        (
            "{official: senate, includes: 2027-08-04}",
            36,
            "the official Senate schedule (data/congress-calendar.yaml) does not cover 2027 yet",
            True,
        ),
        (
            "{official: house, includes: 2026-10-05}",
            18,
            "recess window 1 names the official "
            "House window, but data/congress-calendar.yaml is missing",
            False,
        ),
        (
            "{official: house, from: 2026-10-05, until: 2026-10-09}",
            18,
            "has both from/until and official/includes",
            True,
        ),
        (
            "{official: house}",
            7,
            "recess window 1 needs from: and until:, or official: and includes:",
            True,
        ),
        ("{from: 2026-10-05}", 7, "needs from: and until:", True),
        (
            "{official: congress, includes: 2026-10-05}",
            18,
            "official must be one of house, senate, both, not 'congress'",
            True,
        ),
    ],
    ids=["not-in-a-window", "not-covered", "no-schedule", "both-forms", "half", "no-until", "bad"],
)
def test_a_named_official_window_that_cannot_be_found_is_an_error(
    window: str, column: int, phrase: str, with_official: bool
) -> None:
    """Each way naming the official window can fail is one error at its place."""
    data = (official_head(window) + OCTOBER).encode()
    with pytest.raises(CalendarError) as caught:
        load_calendar(data, "cal.yaml", official=official() if with_official else None)
    assert [(6, column)] == [(p.line, p.column) for p in caught.value.problems]
    assert phrase in str(caught.value.problems[0])


def test_typed_recess_windows_need_no_official_schedule() -> None:
    """from + until work as before, with or without the official schedule."""
    text = official_head("{from: 2026-10-05, until: 2026-10-09}") + OCTOBER
    with_it = load_calendar(text.encode(), "cal.yaml", official=official())
    assert with_it.campaign == load(text).campaign
    assert ("", None) == (with_it.campaign.recess[0].official, with_it.campaign.recess[0].includes)


def test_about_recess_is_read_as_a_boolean() -> None:
    """about_recess: true/false reaches the post; absent it is None (decided by the words)."""
    calendar = load(
        HEAD + post(about_recess="false") + post(id="b", about_recess="true") + post(id="c")
    )
    assert [False, True, None] == [p.about_recess for p in calendar.posts]
