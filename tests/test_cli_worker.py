"""`reachout run`, `status` and `health` through click, and one real process stopped by SIGTERM.

The commands are added to ``bot.cli.main`` for each test only (the lead registers them for
good). Real SQLite files, the sandbox backend; the live backend only through a stand-in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli_worker import (
    COMMANDS,
    SANDBOX_BANNER,
    WorkerError,
    check_account,
    check_health,
    choose_backend,
)
from bot.posting import FINAL
from bot.settings import SECRET_NAMES, Secrets, Settings
from bot.store import Store
from bot.testing import SandboxX
from bot.x_client import TweepyXClient
from bot.x_models import Account
from tests.conftest import FIXTURES, PROJECT_ROOT

NO_SECRETS: dict[str, str | None] = {
    **dict.fromkeys(SECRET_NAMES), **dict.fromkeys(f"{n}_FILE" for n in SECRET_NAMES)
}  # fmt: skip
LAUNCH = """\
import sys
from bot.cli import main, run
from bot.cli_worker import COMMANDS
for command in COMMANDS:
    if command.name not in main.commands:
        main.add_command(command)
run(sys.argv[1:])
"""  # `python -m bot` plus the worker commands, registered or not yet


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> click.Group:
    """``bot.cli.main`` with the worker commands, for this test only."""
    for command in COMMANDS:
        assert command.name is not None
        monkeypatch.setitem(main.commands, command.name, command)
    return main


def invoke(group: click.Group, db: Path, *args: str) -> tuple[int, str, str]:
    env = {"REACHOUT_DB": str(db), **NO_SECRETS}
    result = CliRunner().invoke(group, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- health ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_seconds", "info", "max_age", "code", "start"),
    [
        (3, "role=leader jobs=4", None, 0, "ok: last heartbeat"),
        (45, "role=standby jobs=0", None, 0, "ok: last heartbeat"),
        (120, "role=leader jobs=4", None, 1, "unhealthy: last heartbeat"),
        (120, "role=leader jobs=4", "300", 0, "ok: last heartbeat"),
        (1, "role=stopped jobs=0", None, 1, "unhealthy: the worker stopped"),
    ],
    ids=["fresh", "standby", "stale", "stale-but-allowed", "stopped"],
)
def test_health(
    cli: click.Group,
    tmp_path: Path,
    age_seconds: int,
    info: str,
    max_age: str | None,
    code: int,
    start: str,
) -> None:
    """Exit 0 with a fresh heartbeat of a running worker, else 1; always one line."""
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        store.heartbeat("w1", now=datetime.now(UTC) - timedelta(seconds=age_seconds), info=info)
    args = ["health"] + (["--max-age-seconds", max_age] if max_age else [])
    exit_code, out, err = invoke(cli, db, *args)
    assert (code, "") == (exit_code, err)
    assert 1 == len(out.splitlines())
    assert out.startswith(start), out
    assert f" s ago by w1 ({info})" in out  # the store keeps whole seconds: age ±1


def test_health_without_a_heartbeat_or_database(cli: click.Group, tmp_path: Path) -> None:
    """No database, or one without a heartbeat, is unhealthy; health never creates the file."""
    db = tmp_path / "r.db"
    assert (1, f"unhealthy: no database at {db} (the worker has not run)\n", "") == invoke(
        cli, db, "health"
    )
    assert not db.exists()
    Store.open(db).close()
    assert (1, "unhealthy: no heartbeat yet\n", "") == invoke(cli, db, "health")


def test_check_health_counts_a_future_heartbeat_as_fresh(tmp_path: Path) -> None:
    """A heartbeat a little in the future (clock skew between containers) is fresh."""
    db, now = tmp_path / "r.db", datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
    with Store.open(db) as store:
        store.heartbeat("w1", now=now + timedelta(seconds=5), info="role=leader jobs=1")
    assert (True, "ok: last heartbeat 0 s ago by w1 (role=leader jobs=1)") == check_health(
        db, now, 60
    )


# --- status ----------------------------------------------------------------------------------


def seeded(tmp_path: Path) -> Path:
    """A database with a posted row, an alert, the lease and a heartbeat, all fresh."""
    db, now = tmp_path / "r.db", datetime.now(UTC)
    with Store.open(db) as store:
        occurrence = {
            "item_id": "kickoff",
            "scheduled_at": now - timedelta(minutes=5),
            "late_ok_seconds": 1800,
            "target_group": "",
            "text": "Congress is home!",
        }
        store.claim("kickoff@earlier", now=now, **occurrence)  # type: ignore[arg-type]
        store.record("kickoff@earlier", "posted", now=now, x_post_id="1820000000000000000")
        store.add_alert("calendar_invalid", "calendar edit not applied: …", now=now)
        store.acquire_lease("host:42", now=now, ttl_seconds=30)
        store.heartbeat("host:42", now=now, info="role=leader jobs=12")
    return db  # fmt: skip


def test_status_json_shape(cli: click.Group, tmp_path: Path) -> None:
    """status --format json: next posts, recent rows, alerts, lease, heartbeat, counts."""
    db = seeded(tmp_path)
    calendar = FIXTURES / "calendars" / "valid.yaml"
    code, out, err = invoke(cli, db, "status", "--calendar", str(calendar), "--format", "json",
                            "--limit", "3")  # fmt: skip
    assert (0, "") == (code, err)
    report = json.loads(out)
    assert ["alerts", "calendar", "counts", "database", "heartbeat", "lease", "next_posts",
            "now", "recent"] == sorted(report)  # fmt: skip
    assert {"file": str(calendar), "error": None} == report["calendar"]
    assert 3 == len(report["next_posts"])
    assert ["at_utc", "key", "latest_at_utc", "text"] == sorted(report["next_posts"][0])
    assert "kickoff@2027-08-02T13:30:00+00:00" == report["next_posts"][0]["key"]
    assert "2027-08-02T13:30:00Z" == report["next_posts"][0]["at_utc"]
    [row] = report["recent"]
    assert ("kickoff@earlier", "posted", "1820000000000000000", "Congress is home!") == (
        row["key"], row["state"], row["x_post_id"], row["text"]
    )  # fmt: skip
    assert ["calendar_invalid"] == [a["kind"] for a in report["alerts"]]
    assert ("host:42", False) == (report["lease"]["owner"], report["lease"]["expired"])
    assert "role=leader jobs=12" == report["heartbeat"]["info"]
    assert {"posted": 1} == report["counts"]


def test_status_table(cli: click.Group, tmp_path: Path) -> None:
    """The table names the lease holder, the heartbeat, the rows and the alerts."""
    db = seeded(tmp_path)
    calendar = FIXTURES / "calendars" / "valid.yaml"
    code, out, _ = invoke(cli, db, "status", "--calendar", str(calendar), "--limit", "2")
    assert 0 == code
    assert "lease: held by host:42 until " in out
    assert "by host:42: role=leader jobs=12" in out
    assert "next posts (2):" in out
    assert "  posted       kickoff@earlier  x:1820000000000000000  Congress is home!" in out
    assert "open alerts (1):" in out


def test_status_with_a_broken_calendar_and_no_database(cli: click.Group, tmp_path: Path) -> None:
    """A broken calendar is reported in the status, not as a crash; no database: empty parts."""
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text("campaign: [\n", encoding="utf-8")
    code, out, _ = invoke(cli, tmp_path / "r.db", "status", "--calendar", str(calendar),
                          "--format", "json")  # fmt: skip
    report = json.loads(out)
    assert 0 == code
    assert report["calendar"]["error"]
    assert ([], [], None, None) == (
        report["next_posts"], report["recent"], report["lease"], report["heartbeat"]
    )  # fmt: skip


# --- run: backend and account checks --------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "setting_source", "has_secrets", "expected"),
    [
        ("sandbox", "environment REACHOUT_BACKEND", True, "sandbox"),
        ("live", "default", False, "live"),
        (None, "config/settings.yaml:13", True, "sandbox"),  # the setting says sandbox
        (None, "default", True, "live"),
        (None, "default", False, "sandbox"),
    ],
    ids=["option", "option-live", "explicit-setting", "credentials", "no-credentials"],
)
def test_choose_backend(
    option: str | None, setting_source: str, has_secrets: bool, expected: str
) -> None:
    """--backend wins, then an explicit backend setting, else live only with credentials."""
    settings = Settings(backend="sandbox", sources={"backend": setting_source})
    values = dict.fromkeys(SECRET_NAMES[:4], "x") if has_secrets else {}
    assert expected == choose_backend(option, settings, Secrets(values, {}))


def test_check_account() -> None:
    """The credentials' account must be the calendar's (case-insensitive, @ optional)."""
    account = Account("1", "RecessReachOut", "Recess Reach Out")
    check_account(account, "recessreachout")
    check_account(account, "@RECESSREACHOUT")
    with pytest.raises(WorkerError, match=r"credentials are for @RecessReachOut.*@SomeoneElse"):
        check_account(account, "SomeoneElse")


def test_live_with_the_wrong_account_refuses_to_start(
    cli: click.Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run --backend live: GET /2/users/me names another account → an error, nothing runs."""
    other = SandboxX(account=Account("7", "SomeoneElse", "Someone Else"))
    monkeypatch.setattr(TweepyXClient, "from_settings", classmethod(lambda cls, s, x: other))
    db = tmp_path / "r.db"
    calendar = FIXTURES / "calendars" / "valid.yaml"
    code, _, err = invoke(cli, db, "run", "--backend", "live", "--calendar", str(calendar))
    assert 1 == code
    assert "live X: posting as @SomeoneElse" in err
    assert "error: the X credentials are for @SomeoneElse, but the calendar's" in err
    assert "Traceback" not in err
    with Store.open(db) as store:
        assert (None, []) == (store.lease(), store.rows())


def test_run_refuses_a_broken_calendar_at_start(cli: click.Group, tmp_path: Path) -> None:
    """With no good calendar to fall back on, run prints every problem and exits 1."""
    calendar = tmp_path / "calendar.yaml"
    good = (FIXTURES / "calendars" / "valid.yaml").read_text(encoding="utf-8")
    calendar.write_text(good.replace('time: "09:30"', 'time: "25:30"'), encoding="utf-8")
    db = tmp_path / "r.db"
    code, _, err = invoke(cli, db, "run", "--backend", "sandbox", "--calendar", str(calendar))
    assert 1 == code
    assert SANDBOX_BANNER in err
    assert f"error: {calendar}:" in err and "25:30" in err
    assert "Traceback" not in err
    with Store.open(db) as store:
        assert (None, None) == (store.lease(), store.last_heartbeat())


def test_live_without_credentials_is_a_config_error(cli: click.Group, tmp_path: Path) -> None:
    """run --backend live with no X_* secrets: exit 2, the missing names, no traceback."""
    code, _, err = invoke(cli, tmp_path / "r.db", "run", "--backend", "live")
    assert 2 == code
    assert "X credentials are not set: X_CONSUMER_KEY" in err
    assert "Traceback" not in err


# --- a real process and a real SIGTERM --------------------------------------------------------


def now_calendar(path: Path) -> None:
    """Write a calendar with three posts at the current New York minute and one tomorrow."""
    zone = ZoneInfo("America/New_York")
    local = datetime.now(zone)
    today, hhmm = local.date(), f"{local:%H:%M}"
    posts = "".join(
        f'  - id: now-{n}\n    date: {today}\n    time: "{hhmm}"\n'
        f'    text: "Post {n} of the SIGTERM test"\n'
        for n in range(3)
    )
    posts += f'  - id: later\n    date: {today + timedelta(days=1)}\n    time: "{hhmm}"\n'
    posts += '    text: "Tomorrow: not due while the test runs"\n'
    path.write_text(
        'campaign:\n  name: SIGTERM test\n  hashtag: "#RecessReachOut"\n'
        "  timezone: America/New_York\n"
        f"  recess:\n    - from: {today - timedelta(days=1)}\n"
        f"      until: {today + timedelta(days=2)}\n"
        "  x_username: RecessReachOut\nposts:\n" + posts,
        encoding="utf-8",
    )


def test_sigterm_drains_and_exits_0(tmp_path: Path) -> None:
    """`reachout run` posts the due items; SIGTERM mid-run: exit 0, every claimed row final."""
    db, calendar = tmp_path / "r.db", tmp_path / "calendar.yaml"
    now_calendar(calendar)
    env = {k: v for k, v in os.environ.items() if k not in NO_SECRETS and k != "REACHOUT_SETTINGS"}
    env |= {"REACHOUT_DB": str(db), "REACHOUT_CALENDAR": str(calendar),
            "REACHOUT_CAPS_MIN_SPACING_MINUTES": "0"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "run", "--backend", "sandbox", "--lease-seconds", "10"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not (db.exists() and _rows(db)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows(db), "no post was claimed in time"
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert 0 == proc.returncode, err
    assert took < 5, took
    assert SANDBOX_BANNER in err
    assert "stop requested (SIGTERM): shutting down" in err
    assert "Traceback" not in err
    states = _rows(db)
    assert all(state in FINAL for state in states.values()), states
    assert not any(key.startswith("later") for key in states)
    with Store.open(db) as store:
        assert None is store.lease()


def _rows(db: Path) -> dict[str, str]:
    if not db.exists():
        return {}
    with Store.open(db) as store:
        return {row.key: row.state for row in store.rows()}


def test_commands_have_help(cli: click.Group) -> None:
    """Each worker command documents itself."""
    for name in ("run", "status", "health"):
        result = CliRunner().invoke(cli, [name, "--help"])
        assert 0 == result.exit_code
        assert "Usage:" in result.stdout


# --- resume ----------------------------------------------------------------------------------


def test_resume_lifts_the_auth_pause_and_its_alert(cli: click.Group, tmp_path: Path) -> None:
    """After fixing credentials, `resume` clears the pause and resolves the auth alert."""
    db, now = tmp_path / "r.db", datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
    with Store.open(db) as store:
        store.set_state("posting_paused", "auth: 401 Unauthorized", now)
        store.set_state("tagged_posting", "off: mention refused", now)
        store.add_alert("auth_broken", "X refused our credentials", now=now)
    code, out, _ = invoke(cli, db, "resume")
    assert 0 == code
    assert "lifted: posting pause (auth: 401 Unauthorized)\n" == out
    with Store.open(db) as store:
        assert store.get_state("posting_paused") is None
        assert "off: mention refused" == store.get_state("tagged_posting")  # needs --tagged
        assert [] == store.open_alerts()
    code, out, _ = invoke(cli, db, "resume", "--tagged")
    assert "lifted: tagged posting off (off: mention refused)\n" == out
    code, out, _ = invoke(cli, db, "resume")
    assert "nothing was paused\n" == out


def test_a_database_is_tied_to_one_backend(tmp_path: Path) -> None:
    """A ledger that recorded sandbox posts refuses a live run (those posts never went out)."""
    from bot.cli_worker import claim_backend

    now = datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
    with Store.open(tmp_path / "r.db") as store:
        claim_backend(store, "sandbox", now)
        claim_backend(store, "sandbox", now)  # the same backend again is fine
        with pytest.raises(WorkerError) as caught:
            claim_backend(store, "live", now)
    assert "records sandbox posts; running live on it" in str(caught.value)
    assert "REACHOUT_DB" in caught.value.hint


def test_run_refuses_a_stale_sending_time_within_one_requests_timeouts(
    cli: click.Group, tmp_path: Path
) -> None:
    """``--stale-sending-seconds`` must outlast one X request (connect + read timeouts, 35 s by
    default), else a post still being sent would be taken for one cut off: a usage error."""
    code, _, err = invoke(cli, tmp_path / "r.db", "run", "--backend", "sandbox",
                          "--stale-sending-seconds", "35")  # fmt: skip
    assert 2 == code
    assert "Invalid value for --stale-sending-seconds: 35 s is not more than" in err
    assert not (tmp_path / "r.db").exists()
