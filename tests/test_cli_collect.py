"""`reachout collect` and `reachout import` through click, on real SQLite files.

The shipped calendar (config/calendar.yaml, account @RecessReachOut) and the real directory;
the sandbox backend, or the live one through real tweepy under `responses`.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner

from bot import store_collected as sc
from bot.cli import main
from bot.settings import SECRET_NAMES
from bot.store import Store
from tests.conftest import FIXTURES
from tests.x_timeline import BASE, MENTIONS_URL, SEARCH_URL, USER_ID

NO_SECRETS: dict[str, str | None] = {
    **dict.fromkeys(SECRET_NAMES), **dict.fromkeys(f"{n}_FILE" for n in SECRET_NAMES)
}  # fmt: skip
LIVE_SECRETS = {
    "X_CONSUMER_KEY": "ck-FAKE-11",
    "X_CONSUMER_SECRET": "cs-FAKE-22",
    "X_ACCESS_TOKEN": f"{USER_ID}-FAKE33",
    "X_ACCESS_TOKEN_SECRET": "ats-FAKE-44",
}


def invoke(db: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """Run ``reachout ARGS`` with REACHOUT_DB=db and no X secrets unless given."""
    environ = {"REACHOUT_DB": str(db), **NO_SECRETS, **env}
    result = CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def twarc2_lines() -> list[str]:
    """The hand-written expanded search page, flattened as ``twarc2 flatten`` writes it."""
    data = json.loads((FIXTURES / "x-api" / "search_recent_expanded.handwritten.json").read_text())
    body = data["response"]["json_body"]
    users = {u["id"]: u for u in body["includes"]["users"]}
    return [json.dumps({**p, "author": users[p["author_id"]], "__twarc": {}}) for p in body["data"]]


def test_collect_needs_once_or_status(tmp_path: Path) -> None:
    """Neither flag (or both) is a usage error, exit 2."""
    code, _, err = invoke(tmp_path / "r.db", "collect")
    assert (2, True) == (code, "give --once (run one collection cycle) or --status" in err)


def test_status_before_any_collection_creates_no_database(tmp_path: Path) -> None:
    """--status reads only: no database file appears."""
    db = tmp_path / "r.db"
    code, out, _ = invoke(db, "collect", "--status")
    assert (0, f"no collection yet: no database at {db}\n", False) == (code, out, db.exists())


def test_once_on_the_sandbox_polls_all_three_sources(tmp_path: Path) -> None:
    """One cycle against the sandbox: a line per source, the banner on stderr, cursors set."""
    db = tmp_path / "r.db"
    code, out, err = invoke(db, "collect", "--once")
    assert (0, ["mentions", "search", "metrics"]) == (
        code, [line.split(":")[0] for line in out.splitlines()]
    )  # fmt: skip
    assert err.startswith("sandbox X: nothing is posted to X")
    code, out, _ = invoke(db, "collect", "--status", "--format", "json")
    status = json.loads(out)
    assert (0, [1, 1, 1]) == (code, [c["polls"] for c in status["cursors"]])


def test_status_shows_gaps_spend_and_errors(tmp_path: Path) -> None:
    """Gaps with their reason and estimate, this month's reads and the last errors."""
    db = tmp_path / "r.db"
    now = datetime.now(UTC)
    with Store.open(db) as store:
        gap = sc.Gap("mentions", now - timedelta(hours=2), now - timedelta(hours=1),
                     "mentions_cap", 700)  # fmt: skip
        request = sc.ReadRequest("GET /2/users/:id/mentions", "mentions", 0.001)
        sc.finish_poll(store, "mentions", now=now, error="X rate limit reached", failed=request,
                       gaps=[gap])  # fmt: skip
    code, out, _ = invoke(db, "collect", "--status")
    assert 0 == code
    assert "mentions_cap, ~700 posts missed" in out
    assert "last error: X rate limit reached" in out
    assert "mentions         0 reads  $    0.00  1 request" in out


@pytest.fixture
def live_x() -> Any:
    """X faked by responses: /2/users/me answers @RecessReachOut."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        me = {"data": {"id": USER_ID, "name": "Recess Reach Out", "username": "RecessReachOut"}}
        mock.get(f"{BASE}/2/users/me", json=me)
        yield mock


def test_once_exits_1_when_x_fails_a_poll(tmp_path: Path, live_x: responses.RequestsMock) -> None:
    """A 503 on mentions is reported and recorded, search still runs, and the exit code is 1."""
    live_x.get(MENTIONS_URL, status=503, body="<html>503 Service Temporarily Unavailable</html>")
    live_x.get(SEARCH_URL, json={"meta": {"result_count": 0}})
    db = tmp_path / "r.db"
    code, out, _ = invoke(db, "collect", "--once", "--backend", "live", **LIVE_SECRETS)
    lines = out.splitlines()
    assert (1, True, "search: 0 new") == (code, "FAILED: X failed on" in lines[0], lines[1][:13])
    with Store.open(db) as store:
        assert "503" in (sc.get_cursor(store, "mentions").last_error or "")


def test_import_of_a_twarc2_file_with_a_bad_line_in_the_middle(tmp_path: Path) -> None:
    """Line 2 is reported and skipped, lines 1 and 3 are imported, exit 0."""
    db, archive = tmp_path / "r.db", tmp_path / "archive.jsonl"
    first, second = twarc2_lines()
    archive.write_text(f"{first}\n{{not json\n{second}\n", encoding="utf-8")
    code, out, err = invoke(db, "import", str(archive))
    assert 0 == code
    assert f"imported 2 posts from {archive}: 2 new" in out
    assert f"skipped: {archive}:2:2: not JSON" in err
    with Store.open(db) as store:
        assert 2 == sc.count_posts(store)
    code, out, _ = invoke(db, "import", str(archive))
    assert "0 new, 2 already collected" in out


def test_import_of_a_file_with_no_post_fails(tmp_path: Path) -> None:
    """Nothing readable: exit 1, one error line with the file and the first bad line."""
    archive = tmp_path / "list.csv"
    archive.write_text("id,text\n1,hello\n", encoding="utf-8")
    code, _, err = invoke(tmp_path / "r.db", "import", str(archive))
    assert (1, True) == (code, f"error: {archive}: no post could be read (2 problems" in err)


def test_status_prints_x_error_text_without_control_characters(tmp_path: Path) -> None:
    """X's text with ESC sequences, CR and a bidi override is shown inert, in table and JSON."""
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        error = "X refused \x1b[2J\x1b[31mthis\rfaked line \u202eevil"
        sc.finish_poll(store, "search", now=datetime.now(UTC), error=error)
    shown = [invoke(db, "collect", "--status", *fmt)[1] for fmt in ([], ["--format", "json"])]
    assert [[], []] == [[c for c in out if c in "\x1b\r\u202e"] for out in shown]
    assert "last error: X refused  [2J [31mthis faked line  evil" in shown[0]


def test_import_shows_the_first_20_problems_then_how_many_more(tmp_path: Path) -> None:
    """25 bad lines and one good: 20 "skipped:" lines, "... and 5 more", exit 0."""
    archive = tmp_path / "a.jsonl"
    good = twarc2_lines()[0]
    archive.write_text("\n".join(['{"id": "01"}'] * 25 + [good]) + "\n", encoding="utf-8")
    code, out, err = invoke(tmp_path / "r.db", "import", str(archive))
    lines = err.splitlines()
    assert (0, 20, "... and 5 more") == (
        code, sum(line.startswith("skipped: ") for line in lines), lines[-1]
    )  # fmt: skip
    assert "1 new, 0 already collected (updated); 25 skipped (unreadable lines or posts)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no post to import (the file is empty or its pages are)"),
        (b'{"id": " 1000", "text": "x", "created_at": "2027-08-03T10:00:00Z"}\n',
         'no post could be read: {archive}:1: not an X API v2 post: id " 1000" is not'),
        (gzip.compress(b"{}\n"), "a gzip-compressed file, not X API v2 JSON text\n"
                                  "hint: unzip it first (gunzip FILE), then import the file"),
        (b"window.YTD.tweets.part0 = [\n]\n", "X's account archive (tweets.js, window.YTD...)"),
    ],
    ids=["empty", "only bad lines", "gzip", "account archive"],
)  # fmt: skip
def test_import_with_nothing_importable_exits_1_saying_why(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """No post to import: exit 1 and one error line that says why (and, for foreign files,
    what to do)."""
    archive = tmp_path / "a.jsonl"
    archive.write_bytes(content)
    code, _, err = invoke(tmp_path / "r.db", "import", str(archive))
    message = message.format(archive=archive)
    assert (1, True, False) == (code, message in err, "Traceback" in err), err
