"""`reachout report` through click: the shipped calendar, a real SQLite file, the real
directory; the webhook faked with ``responses``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from bot import cli_report
from bot.cli import main
from bot.report import FILES
from bot.settings import SECRET_NAMES
from bot.store import Store
from tests.report_rows import RICK_SCOTT, add_post, fixture_week, sql_counts, utc, week

WEBHOOK = "https://hooks.slack.com/services/T000/B000/secretpath"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """An environment with our own empty settings file, an empty database and no secrets."""
    settings = tmp_path / "settings.yaml"
    settings.write_text("# defaults\n", encoding="utf-8")
    with Store.open(tmp_path / "r.db"):
        pass
    blank: dict[str, str | None] = dict.fromkeys(SECRET_NAMES)
    return {**blank, "REACHOUT_SETTINGS": str(settings), "REACHOUT_DB": str(tmp_path / "r.db")}


def invoke(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["report", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_report_for_a_week(env: dict[str, str | None], tmp_path: Path) -> None:
    """--week writes OUT/<week>/ and prints figures equal to SQL counts over the database."""
    store = Store.open(tmp_path / "r.db")
    fixture_week(store)
    code, out, err = invoke(env, "--week", "2027-W31", "--out", str(tmp_path / "out"))
    assert (0, "") == (code, err)
    folder = tmp_path / "out" / "2027-W31"
    assert f"wrote {folder}/" in out
    sql = sql_counts(store, week().start_at, week().end_at, "-4 hours")
    figures = re.search(r"(\d+) mentions, (\d+) hashtag posts, (\d+) legislators' responses", out)
    assert figures is not None
    assert (sql["mentions"], sql["hashtag_posts"], sql["responses"]) == tuple(
        int(n) for n in figures.groups()
    )
    posted = re.search(r"(\d+) of (\d+) posts sent", out)
    assert posted is not None and sql["ledger_by_state"]["posted"] == int(posted[1])
    assert sorted(FILES) == sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2027-08-11T16:00:00", "2027-W31"),  # Wednesday: last week
        ("2027-08-09T03:59:00", "2027-W30"),  # Sunday 23:59 EDT: still W31, so W30
        ("2027-08-09T04:00:00", "2027-W31"),  # Monday 00:00 EDT
    ],
)
def test_the_default_is_last_week_in_campaign_time(
    env: dict[str, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: str,
    expected: str,
) -> None:  # fmt: skip
    """Without --week or a range, the report is for the last finished ISO week, by the
    campaign's local time."""
    monkeypatch.setattr(cli_report, "_now", lambda: utc(now))
    code, out, _ = invoke(env, "--out", str(tmp_path))
    assert 0 == code
    assert (tmp_path / expected).is_dir(), out


def test_a_range_of_days(env: dict[str, str | None], tmp_path: Path) -> None:
    """--from/--to (local days, inclusive) write OUT/<first>_<last>/."""
    code, out, _ = invoke(env, "--from", "2027-08-02", "--to", "2027-08-15", "--out", str(tmp_path))
    assert 0 == code
    assert (tmp_path / "2027-08-02_2027-08-15" / "report.html").exists()
    assert "2 Aug – 15 Aug 2027" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2027-W31", "--from", "2027-08-02", "--to", "2027-08-08"], "not both"),
        (["--from", "2027-08-02"], "give both --from and --to"),
        (["--week", "2027-W54"], "2027 has no week 54"),
        (["--week", "week 31"], "is not an ISO week"),
        (["--from", "2027-08-09", "--to", "2027-08-02"], "ends (2027-08-02) before it starts"),
        (["--from", "08/02/2027", "--to", "2027-08-03"], "08/02/2027"),
        (["--from", "2025-01-01", "--to", "2027-12-31"], "a report covers at most a year"),
        (["--from", "1900-01-01", "--to", "2100-12-31"], "1900-01-01 is outside the years"),
        (["--week", "9999-W52"], "9999 is outside the years a report can cover (2000 to 2100)"),
        (["--week", "0001-W01"], "0001 is outside the years"),
        (["--from", "0001-01-01", "--to", "0001-01-07"], "0001-01-01 is outside the years"),
        (["--from", "9999-12-25", "--to", "9999-12-31"], "9999-12-25 is outside the years"),
    ],
)
def test_bad_options_are_usage_errors(
    env: dict[str, str | None], tmp_path: Path, args: list[str], message: str
) -> None:
    """Conflicting or malformed options, more than a year of days and days outside 2000–2100
    exit 2 with a plain message and write nothing."""
    code, _, err = invoke(env, *args, "--out", str(tmp_path / "out"))
    assert 2 == code
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_no_database_yet_is_an_error_and_writes_nothing(
    env: dict[str, str | None], tmp_path: Path
) -> None:
    """Before the worker ever ran (no database): exit 1 saying what to run first; no report
    folder and no database file appear."""
    db = tmp_path / "never.db"
    code, out, err = invoke({**env, "REACHOUT_DB": str(db)}, "--week", "2027-W31",
                            "--out", str(tmp_path / "out"))  # fmt: skip
    assert (1, "") == (code, out)
    assert f"error: no database at {db} yet" in err and "reachout run" in err
    assert (False, False) == (db.exists(), (tmp_path / "out").exists())


def test_a_week_in_lowercase(env: dict[str, str | None], tmp_path: Path) -> None:
    """``--week 2027-w31`` is accepted and writes OUT/2027-W31/."""
    code, out, _ = invoke(env, "--week", "2027-w31", "--out", str(tmp_path))
    assert 0 == code
    assert (tmp_path / "2027-W31" / "report.html").exists()
    assert "2027-W31 (2 Aug – 8 Aug 2027): 0 of " in out


def test_a_range_across_years_and_its_one_line_summary(
    env: dict[str, str | None], tmp_path: Path
) -> None:
    """A range over New Year is titled with both years; counts of one are singular."""
    store = Store.open(tmp_path / "r.db")
    add_post(store, "9000000000000000001", utc("2027-12-31T15:00:00"), mention=True,
             tags=[RICK_SCOTT])  # fmt: skip
    code, out, _ = invoke(env, "--from", "2027-12-27", "--to", "2028-01-02", "--out", str(tmp_path))
    assert 0 == code
    assert "27 Dec 2027 – 2 Jan 2028: " in out
    assert "1 mention, 1 hashtag post, 0 legislators' responses, 1 state or territory" in out


def test_a_missing_calendar_is_a_plain_error(env: dict[str, str | None], tmp_path: Path) -> None:
    """A calendar that cannot be read is an error message, not a traceback."""
    code, _, err = invoke(env, "--week", "2027-W31", "--calendar", str(tmp_path / "nope.yaml"))
    assert 0 != code
    assert err.startswith("error:") and "Traceback" not in err


def test_deliver_needs_a_channel(env: dict[str, str | None], tmp_path: Path) -> None:
    """--deliver with neither webhook nor SMTP configured is a usage error (the report is
    still written)."""
    code, _, err = invoke(env, "--week", "2027-W31", "--out", str(tmp_path), "--deliver")
    assert 2 == code
    assert "report.webhook_url" in err
    assert (tmp_path / "2027-W31" / "summary.md").exists()


@pytest.mark.parametrize(("status", "code"), [(200, 0), (500, 1)])
@responses.activate
def test_deliver_by_webhook(
    env: dict[str, str | None], tmp_path: Path, status: int, code: int
) -> None:
    """--deliver posts the summary to report.webhook_url; a failure exits 1 and says so
    without the URL."""
    responses.post(WEBHOOK, status=status)
    env = {**env, "REACHOUT_REPORT_WEBHOOK_URL": WEBHOOK}
    exit_code, out, err = invoke(env, "--week", "2027-W31", "--out", str(tmp_path), "--deliver")
    assert code == exit_code
    assert 1 == len(responses.calls)
    if code == 0:
        assert "sent by webhook" in out
    else:
        assert "error: the report webhook failed (HTTP 500)" in err and "secretpath" not in err


def test_report_is_registered_and_documented() -> None:
    """`reachout report` is a command of the CLI and has help (the README check is
    tests/test_cli.py's)."""
    result = CliRunner().invoke(main, ["report", "--help"])
    assert 0 == result.exit_code
    assert "--week" in result.stdout and "--out" in result.stdout
    assert isinstance(cli_report._now(), datetime)
