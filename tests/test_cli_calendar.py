"""`reachout validate`, `preview` and `cost` on real files, through click."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.legislators import Directory
from bot.twitter_text import extract_mentions, weighted_length
from tests.conftest import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "config" / "calendar.yaml"
HEADER = """\
campaign:
  name: Test
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - from: 2027-08-02
      until: 2027-09-06
  x_username: RecessReachOut
posts:
"""


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def calendar(tmp_path: Path, posts: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(HEADER + posts, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


@pytest.fixture(scope="module")
def shipped_preview() -> list[dict[str, object]]:
    code, out, _ = invoke("preview", "--format", "json")
    assert 0 == code
    data = json.loads(out)
    assert isinstance(data, list)
    return data


def test_validate_shipped_calendar_is_clean() -> None:
    """The shipped calendar validates: exit 0 and a one-line summary with counts and span.
    Its only warnings say the directory (119th Congress) is out of date for August 2027, and
    that Congress's 2027 schedules are not published yet (its recess dates are unchecked)."""
    code, out, err = invoke("validate")
    assert 0 == code, err
    assert out.startswith("config/calendar.yaml: valid — 15 posts, 107 occurrences, ")
    assert "2027-08-02 09:30 EDT to 2027-09-06 10:00 EDT" in out
    refresh = ("reachout legislators update", "reachout congress-calendar update")
    assert [] == [line for line in err.splitlines() if not any(r in line for r in refresh)]


def test_shipped_preview_counts(
    shipped_preview: list[dict[str, object]], directory: Directory
) -> None:
    """Every planned post is previewed: one per state for each for_each post, in the plan."""
    counts = Counter(str(p["id"]) for p in shipped_preview)
    without_x = {"F000479", "M001243", "M001238", "K000384"}  # get a call-in post instead
    hsfa_states = {
        m.state
        for m in directory.by_committee("HSFA")
        if m.chamber == "house" and m.bioguide_id not in without_x
    }
    ssfr_states = {
        m.state for m in directory.by_committee("SSFR") if m.bioguide_id not in without_x
    }
    assert 8 == counts["senators-northeast"]
    assert 16 == counts["senators-south"]
    assert 12 == counts["senators-midwest"]
    assert 13 == counts["senators-west"]
    assert len(hsfa_states) == counts["house-foreign-affairs"]
    assert len(ssfr_states) == counts["senate-foreign-relations"]
    assert 4 == counts["postcard-challenge"]  # Mondays 2027-08-09 … 2027-08-30
    assert 5 == counts["district-meetings"]  # Thursdays 2027-08-05 … 2027-09-02
    assert 3 == counts["call-members-without-x"]  # PA (both senators), DE, VA
    # Every state's senators are reached once: by a regional post, or PA's by the call-in post.
    regional = [
        p
        for p in shipped_preview
        if str(p["id"]).startswith("senators-")
        or (p["target_group"] == "PA" and p["id"] == "call-members-without-x")
    ]
    assert sorted({m.state for m in directory.by_chamber("senate")}) == sorted(
        str(p["target_group"]) for p in regional
    )


def test_shipped_preview_targets_come_from_the_directory(
    shipped_preview: list[dict[str, object]], directory: Directory
) -> None:
    """Targets are the real members: a state's two senators, HSFA House members by state."""
    for post in shipped_preview:
        targets = post["targets"]
        assert isinstance(targets, list)
        members = [directory.get(t) for t in targets]
        assert all(m is not None for m in members)
        if str(post["id"]).startswith("senators-"):
            expected = sorted(
                m.bioguide_id
                for m in directory.select(states=[str(post["target_group"])], chamber="senate")
            )
            assert expected == sorted(targets)
        if post["id"] == "house-foreign-affairs":
            expected = sorted(
                m.bioguide_id
                for m in directory.by_committee("HSFA")
                if m.state == post["target_group"] and m.chamber == "house"
            )
            assert expected == sorted(targets)


def test_shipped_preview_texts_fit_and_tag_nobody(
    shipped_preview: list[dict[str, object]],
) -> None:
    """No text exceeds 280 weighted characters, none @mentions anyone, all are unique."""
    texts = [str(p["text"]) for p in shipped_preview]
    assert all(weighted_length(t) <= 280 for t in texts)
    assert [p["weighted_length"] for p in shipped_preview] == [weighted_length(t) for t in texts]
    assert [] == [t for t in texts if extract_mentions(t)]
    assert len(texts) == len(set(texts))
    assert {"intent", "none"} == {p["tagging"] for p in shipped_preview}


def test_preview_json_times_are_iso_with_offsets(
    shipped_preview: list[dict[str, object]],
) -> None:
    """`at` carries the local offset (EDT, -04:00) and `at_utc` the same instant in UTC."""
    kickoff = next(p for p in shipped_preview if p["id"] == "kickoff")
    assert "2027-08-02T09:30:00-04:00" == kickoff["at"]
    assert "2027-08-02T13:30:00Z" == kickoff["at_utc"]
    assert {
        "id",
        "at",
        "at_utc",
        "text",
        "weighted_length",
        "tagging",
        "targets",
        "warnings",
    } <= set(kickoff)


def test_preview_state_filter_and_range() -> None:
    """--state keeps posts about that state's members; --from/--to bound local days."""
    code, out, _ = invoke("preview", "--state", "FL", "--format", "json")
    posts = json.loads(out)
    assert 0 == code
    assert ["senators-south", "house-foreign-affairs", "senate-foreign-relations"] == [
        p["id"] for p in posts
    ]
    code, out, _ = invoke(
        "preview", "--from", "2027-08-30", "--to", "2027-08-30", "--format", "json"
    )
    assert ["last-week", "postcard-challenge"] == [p["id"] for p in json.loads(out)]


def test_preview_table_shows_the_warning_for_a_member_without_handle() -> None:
    """The table names a target left out of the intent link for lack of an X handle."""
    code, out, _ = invoke("preview", "--state", "FL", "--from", "2027-08-05", "--to", "2027-08-05")
    assert 0 == code
    assert "senators-south#FL" in out
    assert "! no X handle: Sen. Ashley Moody (M001244)" in out
    assert "intent post: @SenRickScott Welcome home!" in out


@pytest.mark.parametrize(
    ("posts", "expected"),
    [
        (
            '  - id: a\n    date: 2027-08-03\n    time: 12:3\n    text: "x {{ hashtag }}"\n',
            "::error file={f},line=12,col=11::",
        ),
        (
            '  - id: a\n    date: 2027-08-03\n    time: "12:30"\n    text: Join #RecessReachOut\n',
            "::error file={f},line=13,col=16::",
        ),
        (
            '  - id: a\n    date: 2027-08-03\n    time: "12:30"\n    text: "Hi {{ nme }}"\n',
            "::error file={f},line=13,col=15::",
        ),
    ],
    ids=["bad-time", "cut-text", "unknown-variable"],
)
def test_validate_github_format(tmp_path: Path, posts: str, expected: str) -> None:
    """--format github prints ::error lines with file, line and column; exit 1."""
    path = calendar(tmp_path, posts)
    code, out, _ = invoke("validate", str(path), "--format", "github")
    assert 1 == code
    assert expected.format(f=path) in out


def test_validate_text_errors_have_location_and_hint_and_no_traceback(tmp_path: Path) -> None:
    """Plain errors read FILE:LINE:COLUMN: problem — hint, all of them, never a traceback."""
    path = calendar(tmp_path, '  - id: a\n    date: 2027-02-30\n    time: "24:00"\n    text: "x"\n')
    code, out, err = invoke("validate", str(path))
    assert 1 == code
    assert f"error: {path}:11:11:" in err
    assert f"error: {path}:12:11:" in err
    assert " — " in err
    assert "Traceback" not in out + err


def test_calendar_option_and_environment(tmp_path: Path) -> None:
    """FILE, --calendar and REACHOUT_CALENDAR all name the calendar."""
    path = calendar(
        tmp_path,
        '  - id: a\n    date: 2027-08-03\n    time: "12:30"\n    text: "Hello {{ hashtag }}"\n',
    )
    for args, env in (
        ([str(path)], None),
        (["--calendar", str(path)], None),
        ([], {"REACHOUT_CALENDAR": str(path)}),
    ):
        code, out, _ = invoke("validate", *args, env=env)
        assert 0 == code
        assert "valid — 1 post, 1 occurrence" in out


def test_missing_calendar_is_a_clear_error(tmp_path: Path) -> None:
    """A calendar that does not exist is an error with a hint, exit 1."""
    code, _, err = invoke("validate", str(tmp_path / "nope.yaml"))
    assert 1 == code
    assert "cannot read the calendar" in err


def test_cost_of_the_shipped_calendar() -> None:
    """`cost` prices posts, URL posts and reads, and compares each month to the budget."""
    code, out, _ = invoke("cost", "--format", "json")
    data = json.loads(out)
    lines = {line["label"]: line for line in data["lines"]}
    assert 0 == code
    assert 89 == lines["posts with a URL"]["count"]  # the intent links: 49 + 22 + 18
    assert 18 == lines["posts"]["count"]
    assert 150 * 36 == lines["mention reads"]["count"]
    assert ["2027-08", "2027-09"] == [m["month"] for m in data["months"]]
    assert round(sum(line["dollars"] for line in data["lines"]), 4) == data["total_dollars"]
    assert data["fits"] is True


def test_cost_over_budget_exits_1() -> None:
    """A budget the forecast exceeds is reported per month and exits 1."""
    code, out, _ = invoke("cost", env={"REACHOUT_BUDGET_MONTHLY_DOLLARS": "10"})
    assert 1 == code
    assert "2027-08: $" in out and "OVER BUDGET" in out


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["preview", "--from", "2027-08-10", "--to", "2027-08-01"], "--from is after --to"),
        (["preview", "--to", "9999-12-31"], "use a date between 2000 and 2100"),
        (["preview", "--state", "ZZ"], "'ZZ' is not a USPS state code"),
        (["preview", "--state", ""], "'' is not a USPS state code"),
        (["validate", "config/calendar.yaml", "--calendar", "other.yaml"], "not both"),
    ],
    ids=["inverted-range", "far-future", "unknown-state", "empty-state", "file-and-option"],
)
def test_bad_arguments_are_usage_errors(args: list[str], phrase: str) -> None:
    """Odd arguments exit 2 with a usage message, never a traceback or a silent 0 posts."""
    code, _, err = invoke(*args)
    assert 2 == code
    assert phrase in err


def test_github_format_escapes_the_file_name(tmp_path: Path) -> None:
    """A ',' or ':' in the file name is escaped so the workflow command parses."""
    path = tmp_path / "my,cal:x.yaml"
    path.write_text(
        HEADER + '  - id: a\n    date: 2027-08-03\n    time: 12:3\n    text: "x"\n',
        encoding="utf-8",
    )
    code, out, _ = invoke("validate", str(path), "--format", "github")
    assert 1 == code
    assert f"file={str(path).replace(',', '%2C').replace(':', '%3A')},line=12,col=11::" in out


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("missing.yaml", "No such file or directory"),
        (".", "is not a regular file (it is a folder)"),
    ],
    ids=["missing", "directory"],
)
def test_a_named_do_not_tag_list_must_be_readable(tmp_path: Path, target: str, phrase: str) -> None:
    """A do-not-tag list that settings name but cannot be read stops validation (exit 2)."""
    code, _, err = invoke("validate", env={"REACHOUT_DO_NOT_TAG": str(tmp_path / target)})
    assert 2 == code
    assert "cannot read the do-not-tag list: " in err
    assert phrase in err


def test_cost_counts_only_recess_days(tmp_path: Path) -> None:
    """Collection reads are forecast for the recess windows' days, not the gap between them."""
    text = (
        HEADER.replace(
            "    - from: 2027-08-02\n      until: 2027-09-06\n",
            "    - from: 2027-08-02\n      until: 2027-08-06\n"
            "    - from: 2027-10-04\n      until: 2027-10-08\n",
        )
        + '  - id: a\n    date: 2027-08-03\n    time: "12:30"\n    text: "Hi {{ hashtag }}"\n'
    )
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = invoke("cost", str(path), "--format", "json")
    lines = {line["label"]: line for line in json.loads(out)["lines"]}
    assert 0 == code
    assert 150 * 10 == lines["mention reads"]["count"]


ONE = '  - id: a\n    date: 2027-08-03\n    time: "12:30"\n    text: "Hi {{ hashtag }}"\n'


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ((HEADER + ONE.replace('"12:30"', "1:5")).encode(), ":12:11:"),
        ((HEADER + ONE.replace('"Hi {{ hashtag }}"', "Join #RecessReachOut")).encode(), ":13:16:"),
        ((HEADER + ONE.replace('"Hi {{ hashtag }}"', "@SenRickScott hi")).encode(), ":13:11:"),
        ((HEADER + ONE.replace('"Hi {{ hashtag }}"', "Reminder: call")).encode(), ":13:19:"),
        ((HEADER + ONE + "    text: again\n").encode(), ":14:5:"),
        ((HEADER + ONE.replace("    time:", "    tiem:")).encode(), ":12:5:"),
        ((HEADER + ONE.replace("    date:", "\tdate:")).encode(), ":11:1:"),
        ((HEADER + ONE.replace("id: a", "id: &x a")).encode(), ":10:9:"),
        ((HEADER + ONE.replace("Hi", "Caf\x92")).encode("latin-1"), ":13:15:"),
        ((HEADER + ONE.replace("Hi", "Hi\x0b")).encode(), ":13:14:"),
        ((HEADER + ONE.replace("2027-08-03", "2027-02-30")).encode(), ":11:11:"),
        (
            (
                HEADER.replace("2027-08-02", "2027-03-01")
                + ONE.replace("2027-08-03", "2027-03-14").replace('"12:30"', '"02:30"')
            ).encode(),
            ":12:11:",
        ),
        (b"# nothing here\n", ":"),
        (b"x" * (600 * 1024), ":"),
    ],
    ids=[
        "time",
        "cut-hash",
        "at-sign",
        "colon-space",
        "duplicate-key",
        "unknown-key",
        "tab",
        "anchor",
        "not-utf8",
        "control-char",
        "invalid-date",
        "dst-gap",
        "empty",
        "too-big",
    ],
)
def test_every_kind_of_mistake_exits_1_with_a_location_and_no_traceback(
    tmp_path: Path, data: bytes, where: str
) -> None:
    """Each kind of calendar mistake: exit 1, FILE:LINE:COLUMN — hint, and no traceback."""
    path = tmp_path / "calendar.yaml"
    path.write_bytes(data)
    code, out, err = invoke("validate", str(path))
    assert 1 == code
    assert f"error: {path}{where}" in err
    assert " — " in err
    assert "Traceback" not in out + err and "internal error" not in err
