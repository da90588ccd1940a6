"""`reachout simulate`: the shipped calendar and real directory through the worker's real jobs.

The range used is Friday 2027-08-06 to Sunday 2027-08-08 of the shipped recess: three days of
posts, then collection until the Monday 09:00 report of that week (ISO week 2027-W31).
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli_context import AppContext
from bot.cli_simulate import simulate_calendar
from bot.simulate import Result

FIRST, LAST = date(2027, 8, 6), date(2027, 8, 8)


def simulate(out: Path, seed: int = 2027, **env: str) -> Result:
    """Simulate the three days of the shipped calendar into ``out``."""
    return simulate_calendar(AppContext(environ=dict(env)), None, FIRST, LAST, seed, out)


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One simulation shared by the tests that only read its outputs."""
    out = tmp_path_factory.mktemp("sim")
    return simulate(out), out


def sql(out: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(out / "simulation.db") as conn:
        return conn.execute(query).fetchall()


def test_three_days_every_post_is_posted_once_and_in_the_outbox(
    three_days: tuple[Result, Path],
) -> None:
    """Every planned occurrence of the three days is posted exactly once, on time, in the outbox."""
    result, out = three_days
    ledger = sql(out, "SELECT key, state, x_post_id, scheduled_at, posted_at FROM ledger")
    assert result.summary["posts_planned"] == len(ledger) > 0
    assert {"posted"} == {row[1] for row in ledger}
    assert result.summary["posts_sent"] == len(ledger)
    outbox = list(csv.DictReader((out / "outbox.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(str(row[2]) for row in ledger) == sorted(row["post_id"] for row in outbox)
    assert len(outbox) == len({row["weighted_text"] for row in outbox})  # never a double post
    assert all(str(row[3]) <= str(row[4]) for row in ledger)  # never early


def test_three_days_collection_holds_every_reachable_post_once(
    three_days: tuple[Result, Path],
) -> None:
    """Everything fed to the sandbox before the last poll is collected, each post once."""
    result, out = three_days
    collected = {str(row[0]) for row in sql(out, "SELECT post_id FROM collected_posts")}
    fed = result.sandbox.fed_posts()
    last_poll = max(str(row[0]) for row in sql(out, "SELECT last_success_at FROM cursors"))
    reachable = {
        p.post_id
        for p in fed
        if p.created_at and p.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") < last_poll
    }
    assert collected <= {p.post_id for p in fed}
    assert reachable <= collected
    assert [(len(collected),)] == sql(out, "SELECT count(*) FROM collected_posts")
    hashtag = sum(1 for p in fed if p.post_id in collected and "RecessReachOut" in p.hashtags)
    assert [(hashtag,)] == sql(out, "SELECT count(*) FROM collected_posts WHERE has_hashtag")


def test_three_days_report_figures_equal_sql_counts(three_days: tuple[Result, Path]) -> None:
    """The W31 report and the summary give the same figures as SQL over the simulated data."""
    result, out = three_days
    folder = out / "reports" / "2027-W31"
    assert [str(folder)] == result.summary["reports"]
    rows = list(csv.DictReader((folder / "posts.csv").read_text(encoding="utf-8-sig").splitlines()))
    posted = sql(out, "SELECT count(*) FROM ledger WHERE state = 'posted'")[0][0]
    assert posted == sum(1 for row in rows if row["ledger_state"] == "posted")
    responses = sql(
        out,
        "SELECT count(*) FROM collected_posts WHERE legislator_bioguide_id IS NOT NULL"
        " AND created_at >= '2027-08-06T04:00:00Z' AND created_at < '2027-08-09T04:00:00Z'",
    )[0][0]
    assert responses == result.summary["responses"]
    assert (folder / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_same_seed_gives_byte_identical_files_and_another_seed_differs(
    three_days: tuple[Result, Path], tmp_path: Path
) -> None:
    """Two runs with seed 2027 write the same bytes; seed 7 writes other traffic."""
    _, first = three_days
    simulate(tmp_path / "again")
    simulate(tmp_path / "other", seed=7)
    names = [
        "outbox.csv",
        *(f"reports/2027-W31/{n}" for n in ("posts.csv", "mentions.csv", "legislators.csv")),
    ]
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    mentions = "reports/2027-W31/mentions.csv"
    assert (first / mentions).read_bytes() != (tmp_path / "other" / mentions).read_bytes()


def test_heavy_faults_never_double_post_and_leave_no_unknown(tmp_path: Path) -> None:
    """With 30 % of X requests failing, no post goes out twice and no outcome stays unknown."""
    result = simulate(tmp_path, REACHOUT_SIMULATION_FAULT_PERCENT="30")
    rows = sql(tmp_path, "SELECT state, count(*) FROM ledger GROUP BY state")
    states = {str(state): int(str(count)) for state, count in rows}
    assert set(states) <= {"posted", "missed"}
    assert 0 == states.get("unknown", 0) == states.get("sending", 0)
    texts = [post.text for post in result.outbox]
    assert len(texts) == len(set(texts)) == states.get("posted", 0)
    assert result.summary["faults"].get("unavailable_after", 0) > 0


def test_the_command_prints_the_summary_and_where_the_report_is(tmp_path: Path) -> None:
    """The CLI ends with the summary and the path of the report to open."""
    runner = CliRunner()
    args = ["simulate", "--from", "2027-08-06", "--to", "2027-08-08", "--out", str(tmp_path)]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    assert "planned posts sent" in result.stdout
    overall = tmp_path / "reports" / "2027-08-06_2027-08-08" / "report.html"
    assert f"Open {overall} in a browser" in result.stdout
    assert overall.is_file() and (tmp_path / "reports" / "2027-W31" / "report.html").is_file()


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--from", "2027-08-08", "--to", "2027-08-06"], "is before --from"),
        (["--from", "tomorrow"], "Invalid value for '--from'"),
    ],
    ids=["reversed", "not-a-date"],
)
def test_bad_ranges_are_plain_errors(tmp_path: Path, args: list[str], phrase: str) -> None:
    """A reversed or unreadable range is a plain error, no traceback, nothing written."""
    result = CliRunner().invoke(main, ["simulate", *args, "--out", str(tmp_path / "o")])
    assert 0 != result.exit_code
    assert phrase in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "simulation.db").exists()


def test_out_never_empties_a_folder_simulate_did_not_make(tmp_path: Path) -> None:
    """A folder holding other files is refused and left as it was; simulate's own is reused."""
    (tmp_path / "reports" / "keep").mkdir(parents=True)
    (tmp_path / "reports" / "keep" / "x.txt").write_text("precious", encoding="utf-8")
    args = ["simulate", "--from", "2027-08-06", "--to", "2027-08-06", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert (1, True) == (result.exit_code, "holds other files" in result.output)
    assert "precious" == (tmp_path / "reports" / "keep" / "x.txt").read_text(encoding="utf-8")
    own = tmp_path / "own"
    for _ in range(2):  # the second run replaces the first's outputs
        assert 0 == CliRunner().invoke(main, [*args[:-1], str(own)]).exit_code


def test_every_request_failing_ends_in_missed_posts_not_a_hang(tmp_path: Path) -> None:
    """At 100 % faults the run ends; no post goes out twice; what X never confirmed stays unknown.

    With every account read failing too, an unknown post cannot be settled: it stays unknown
    (looked for again whenever X answers), never re-sent blindly and never called missed.
    """
    result = simulate(tmp_path, REACHOUT_SIMULATION_FAULT_PERCENT="100")
    states = {str(s) for (s,) in sql(tmp_path, "SELECT DISTINCT state FROM ledger")}
    assert states <= {"missed", "posted", "unknown"} and "posted" not in states
    texts = [post.text for post in result.outbox]
    assert len(texts) == len(set(texts))
    assert [("sandbox",)] == sql(tmp_path, "SELECT value FROM state WHERE name = 'backend'")


def test_years_outside_2000_to_2100_are_refused(tmp_path: Path) -> None:
    """An impossible range is a plain error before anything is written."""
    args = ["simulate", "--from", "9999-12-31", "--to", "9999-12-31", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, args)
    assert (1, True) == (result.exit_code, "outside 2000-2100" in result.output)
    assert not (tmp_path / "o").exists()
