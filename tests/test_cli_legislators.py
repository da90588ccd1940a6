"""``reachout legislators``: update, list, show and check, through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import responses
import yaml
from click.testing import CliRunner

from bot import legislators_import as importer
from bot.cli import main
from tests.changeover import make_changeover
from tests.conftest import FIXTURES, PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "legislators.yaml"
UPSTREAM = FIXTURES / "congress-legislators"
BASE = "https://example.test/congress-legislators"


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``reachout ARGS`` in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> dict[str, str]:
    """Settings pointing at a copy of the shipped directory and an empty overrides file."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(SHIPPED, tmp_path / "data" / "legislators.yaml")
    (tmp_path / "data" / "legislators-overrides.yaml").write_text("# none\n", encoding="utf-8")
    return {
        "REACHOUT_LEGISLATORS": str(tmp_path / "data" / "legislators.yaml"),
        "REACHOUT_OVERRIDES": str(tmp_path / "data" / "legislators-overrides.yaml"),
    }


def upstream_x_ids() -> dict[str, str]:
    """Return bioguide id → twitter_id from the upstream fixture (ints parsed exactly)."""
    data = yaml.load((UPSTREAM / importer.SOCIAL).read_bytes(), Loader=yaml.CSafeLoader)
    return {
        e["id"]["bioguide"]: str(e["social"]["twitter_id"])
        for e in data
        if "twitter_id" in e.get("social", {})
    }


def test_list_florida_senators_as_json_keeps_the_one_without_x() -> None:
    """Both Florida senators are listed; the one without an X handle has x null."""
    code, out, _ = run(
        ["legislators", "list", "--state", "FL", "--chamber", "senate", "--format", "json"]
    )
    members = json.loads(out)
    expected = [
        ("M001244", "Ashley Moody", None, None),
        ("S001217", "Rick Scott", "SenRickScott", "131546062"),
    ]
    assert 0 == code
    assert expected == [(m["bioguide_id"], m["name"], m["x"], m["x_id"]) for m in members]


def test_every_x_id_survives_json_and_csv_output() -> None:
    """All 409 numeric X ids come out of `list` as strings, exactly, in JSON and CSV."""
    expected = upstream_x_ids()
    _, out_json, _ = run(["legislators", "list", "--format", "json"])
    _, out_csv, _ = run(["legislators", "list", "--format", "csv"])
    from_json = {m["bioguide_id"]: m["x_id"] for m in json.loads(out_json) if m["x_id"]}
    rows = list(csv.DictReader(io.StringIO(out_csv)))
    from_csv = {r["bioguide_id"]: r["x_id"] for r in rows if r["x_id"]}
    assert 409 == len(expected)
    assert expected == from_json
    assert expected == from_csv
    assert 537 == len(rows)


def test_list_table_fits_in_100_columns() -> None:
    """The table is readable in a 100-column terminal and ends with a count."""
    code, out, _ = run(["legislators", "list"])
    lines = out.splitlines()
    assert 0 == code
    assert [] == [line for line in lines if len(line) > 100]
    assert "537 members" == lines[-1]
    assert lines[1].split()[:4] == ["AK-Sen", "Lisa", "Murkowski", "R"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--committee", "HSFA"], 50),
        (["--committee", "house committee on foreign affairs"], 50),
        (["--state", "CA", "--district", "12"], 1),
        (["--state", "CA", "--district", "14"], 0),
        (["--state", "AK", "--district", "0"], 1),
        (["--party", "I"], 3),
        (["--state", "TX", "--state", "FL", "--chamber", "senate"], 4),
        (["--chamber", "house", "--party", "democrat", "--state", "DC"], 1),
    ],
)
def test_list_filters(args: list[str], expected: int) -> None:
    """Filters combine (all must match); repeated options match any of their values."""
    code, out, _ = run(["legislators", "list", "--format", "json", *args])
    assert (0, expected) == (code, len(json.loads(out)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "ZZ"], "no member from 'ZZ'"),
        (["--committee", "NOPE"], "no committee 'NOPE'"),
        (["--chamber", "both"], "'both' is not one of"),
    ],
)
def test_list_refuses_unknown_values(args: list[str], message: str) -> None:
    """An unknown state, committee or chamber is a usage error (exit 2), not an empty list."""
    code, _, err = run(["legislators", "list", *args])
    assert 2 == code
    assert message in err


@pytest.mark.parametrize(
    "key", ["S001217", "s001217", "@senrickscott", "SenRickScott", "131546062"]
)
def test_show_finds_a_member_by_any_key(key: str) -> None:
    """`show` accepts a bioguide id, an X handle (with or without @) or a numeric X id."""
    code, out, _ = run(["legislators", "show", key])
    assert 0 == code
    assert "Rick Scott (S001217)" == out.splitlines()[0]
    assert "  X             @SenRickScott (id 131546062)" in out.splitlines()


def test_show_lists_committees_and_json_has_everything() -> None:
    """`show` prints committees and subcommittees; --format json carries every field."""
    _, out, _ = run(["legislators", "show", "C001039"])
    _, out_json, _ = run(["legislators", "show", "C001039", "--format", "json"])
    member = json.loads(out_json)
    expected = ["HSAG", "HSAG22", "HSIF", "HSIF14", "HSIF16", "HSIF17"]
    assert "committees (2 full, 4 sub):" in out.splitlines()
    assert "    HSIF14  Health (majority, rank 10)" in out.splitlines()
    assert "1344325638983987201" == member["x_id"]
    assert expected == [c["id"] for c in member["committees"]]


def test_show_and_json_give_the_term_dates() -> None:
    """`show` prints the current term's start and end; JSON and CSV carry both as dates."""
    _, out, _ = run(["legislators", "show", "S001217"])
    _, out_json, _ = run(["legislators", "show", "S001217", "--format", "json"])
    _, out_csv, _ = run(["legislators", "list", "--state", "FL", "--format", "csv"])
    row = next(r for r in csv.DictReader(io.StringIO(out_csv)) if r["bioguide_id"] == "S001217")
    member = json.loads(out_json)
    assert "  term          2025-01-03 to 2031-01-03" in out.splitlines()
    assert [("2025-01-03", "2031-01-03")] * 2 == [
        (member["term_start"], member["term_end"]),
        (row["term_start"], row["term_end"]),
    ]


def test_update_reports_the_changeover_plainly(data: dict[str, str], tmp_path: Path) -> None:
    """Updating the 119th Congress's directory with data from a week into the 120th says who
    left and arrived, how many start a new term, which committees were emptied and who has
    no X handle, and what the new data's dates are."""
    folder = make_changeover(tmp_path / "congress-legislators")
    code, out, err = run(["legislators", "update", "--from", str(folder)], env=data)
    lines = out.splitlines()
    house = yaml.load(SHIPPED.read_bytes(), Loader=yaml.CSafeLoader)["committees"]
    emptied = sorted(c for c, v in house.items() if v["chamber"] == "house" and "parent" not in v)
    assert 0 == code, err
    assert [
        "the directory now holds the 120th Congress (was the 119th)",
        "members who left: 2",
        "  T000278 Tommy Tuberville (AL-Sen), term ended 2027-01-03",
        "  P000622 Jimmy Patronis (FL-1), term ended 2027-01-03",
        "members who arrived: 2",
        "  Z000002 Pat Newcomer2 (AL-Sen), term 2027-01-03 to 2033-01-03, no X handle",
        "  Z000001 Pat Newcomer1 (FL-1), term 2027-01-03 to 2029-01-03, no X handle",
        # every other House member (437 - 1) and Senate term that had ended (35 - 1)
        "members starting a new term: 470",
        "X handles changed: 0",
        "X ids changed: 0",
        f"committees emptied: {len(emptied)}",
    ] == lines[:11]
    assert [c.split()[0] for c in lines[11 : 11 + len(emptied)]] == emptied
    assert "  HSFA House Committee on Foreign Affairs (had 50 members)" in lines
    after = lines[11 + len(emptied) :]
    assert [
        "subcommittees emptied: 109",
        "members without an X handle: 32 (was 31)",
        "  Z000002 Pat Newcomer2 (AL-Sen)",
        "  Z000001 Pat Newcomer1 (FL-1)",
    ] == after[:4]
    assert (
        "the directory holds the 120th Congress (data of 2027-01-10), whose House terms end "
        "2029-01-03"
    ) in after
    assert f"wrote {data['REACHOUT_LEGISLATORS']} (537 members)" == lines[-1]


def test_show_unknown_member_is_a_clear_error() -> None:
    """An unknown key exits 1 with a message and a hint, and no traceback."""
    code, out, err = run(["legislators", "show", "@nobody_at_all"])
    assert (1, "") == (code, out)
    assert "error: no current member matches '@nobody_at_all'" in err
    assert "hint:" in err and "Traceback" not in err


def test_check_reports_gaps_vacancies_and_stale_overrides(data: dict[str, str]) -> None:
    """`check` lists members without X, vacant seats and overrides that no longer apply."""
    Path(data["REACHOUT_OVERRIDES"]).write_text(
        "S001217:\n  x: SenRickScott\nZ999999:\n  note: left office\n", encoding="utf-8"
    )
    code, out, _ = run(["legislators", "check"], env=data)
    lines = out.splitlines()
    assert 0 == code
    assert "members without an X handle: 31" in lines
    assert "X handles or ids held by more than one member: 0" in lines
    assert "vacant seats: 4 (CA-14 FL-20 GA-13 TX-23)" in lines
    assert "overrides that no longer apply: 2" in lines
    assert any(line.endswith(":3:1: Z999999: not a current member of Congress") for line in lines)
    assert any(line.endswith(":1:1: S001217: same as upstream") for line in lines)


def test_an_override_for_an_unknown_member_stops_list(data: dict[str, str]) -> None:
    """Outside `check`, an override for someone not in office is a located config error."""
    Path(data["REACHOUT_OVERRIDES"]).write_text("Z999999:\n  x: Gone\n", encoding="utf-8")
    code, _, err = run(["legislators", "list"], env=data)
    assert 2 == code
    assert "legislators-overrides.yaml:1:1: Z999999 is not a current member of Congress" in err


def test_missing_directory_says_how_to_build_it(data: dict[str, str]) -> None:
    """With no directory file, commands exit 1 and the hint is the update command."""
    Path(data["REACHOUT_LEGISLATORS"]).unlink()
    code, _, err = run(["legislators", "list"], env=data)
    assert 1 == code
    assert "hint: run: reachout legislators update --from" in err


def test_update_from_a_folder_then_unchanged(data: dict[str, str]) -> None:
    """`update --from` rebuilds the same bytes from the snapshot and says unchanged."""
    output = Path(data["REACHOUT_LEGISLATORS"])
    output.unlink()
    code, out, _ = run(["legislators", "update", "--from", str(UPSTREAM)], env=data)
    assert (0, SHIPPED.read_bytes()) == (code, output.read_bytes())
    assert "a new directory of 537 members" in out
    code, out, _ = run(["legislators", "update", "--from", str(UPSTREAM)], env=data)
    assert (0, "unchanged") == (code, out.split(":")[0])


def test_update_from_broken_upstream_leaves_the_directory(
    data: dict[str, str], tmp_path: Path
) -> None:
    """Broken upstream data: exit 1, a one-line error naming the file, nothing written."""
    folder = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, folder)
    path = folder / importer.SOCIAL
    path.write_bytes(path.read_bytes()[:50_000])  # a truncated download
    output = Path(data["REACHOUT_LEGISLATORS"])
    before = output.read_bytes()
    code, out, err = run(["legislators", "update", "--from", str(folder)], env=data)
    assert (1, "", before) == (code, out, output.read_bytes())
    assert err.startswith("error: legislators-social-media.yaml:")
    assert "Traceback" not in err


def test_update_needs_exactly_one_source() -> None:
    """Neither or both of --from and --url is a usage error."""
    code, _, err = run(["legislators", "update"])
    assert 2 == code
    assert "give exactly one of --from DIR or --url BASE" in err


def add_files(status: int = 200, etag: str = '"v1"') -> None:
    """Serve the four snapshot files (or empty answers with another status) at BASE."""
    for name in importer.UPSTREAM_FILES:
        body = (UPSTREAM / name).read_bytes() if status == 200 else b""
        responses.add(
            responses.GET, f"{BASE}/{name}", body=body, status=status, headers={"ETag": etag}
        )


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without sleeping."""
    monkeypatch.setattr(importer, "RETRY_BACKOFF_SECONDS", 0)


@responses.activate
@pytest.mark.usefixtures("no_backoff")
def test_update_from_url_then_not_modified(data: dict[str, str]) -> None:
    """`--url` downloads (a 500 is retried), writes, then 304s print unchanged."""
    output = Path(data["REACHOUT_LEGISLATORS"])
    output.unlink()
    responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}", status=500)
    add_files()
    code, out, _ = run(["legislators", "update", "--url", BASE], env=data)
    written = yaml.load(output.read_bytes(), Loader=yaml.CSafeLoader)
    shipped = yaml.load(SHIPPED.read_bytes(), Loader=yaml.CSafeLoader)
    assert (0, shipped["members"]) == (code, written["members"])
    assert (None, shipped["directory"]["inputs"]) == (
        written["directory"]["commit"],
        written["directory"]["inputs"],
    )
    assert f"wrote {output} (537 members)" == out.splitlines()[-1]
    assert importer.cache_path(output).is_file()
    responses.reset()
    add_files(status=304)
    code, out, _ = run(["legislators", "update", "--url", BASE], env=data)
    assert (0, "unchanged") == (code, out.split(":")[0])
    assert '"v1"' == responses.calls[0].request.headers["If-None-Match"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (requests.ConnectionError("Failed to resolve 'example.test'"), "cannot download"),
        (requests.ReadTimeout("read timed out"), "no answer in"),
    ],
)
@responses.activate
@pytest.mark.usefixtures("no_backoff")
def test_update_from_url_offline_is_a_clear_error(
    data: dict[str, str], body: Exception, message: str
) -> None:
    """Offline or timed out: exit 1, the error and a hint, no traceback, nothing written."""
    output = Path(data["REACHOUT_LEGISLATORS"])
    before = output.read_bytes()
    responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}", body=body)
    code, _, err = run(["legislators", "update", "--url", BASE], env=data)
    assert (1, before) == (code, output.read_bytes())
    assert message in err
    assert "hint: check the network connection" in err
    assert "Traceback" not in err


@responses.activate
@pytest.mark.usefixtures("no_backoff")
def test_update_from_url_server_errors_after_retries(data: dict[str, str]) -> None:
    """A server that keeps failing: retried, then exit 1 naming the status."""
    output = Path(data["REACHOUT_LEGISLATORS"])
    before = output.read_bytes()
    responses.add(responses.GET, f"{BASE}/{importer.LEGISLATORS}", status=502)
    code, _, err = run(["legislators", "update", "--url", BASE], env=data)
    assert (1, before) == (code, output.read_bytes())
    assert "answered 502 Bad Gateway (after 3 retries)" in err
    assert importer.RETRIES + 1 == len(responses.calls)


def test_list_does_not_import_heavy_libraries() -> None:
    """`legislators list` in a fresh process imports neither tweepy, APScheduler,
    matplotlib nor Jinja2 (it must start fast)."""
    code = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "import bot.cli\n"
        "result = CliRunner().invoke(bot.cli.main, ['legislators', 'list', '--state', 'FL'])\n"
        "heavy = ['tweepy', 'apscheduler', 'matplotlib', 'jinja2']\n"
        "print(json.dumps([result.exit_code, [m for m in heavy if m in sys.modules]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
        timeout=60,
    )
    assert [0, []] == json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("directory: [1]\n", "not a reachout directory"),
        ("- just\n- a list\n", "not a reachout directory"),
        ("directory: {format: 2}\nmembers: 5\n", "not a reachout directory"),
    ],
    ids=["header-list", "top-list", "members-scalar"],
)
def test_a_damaged_directory_is_a_clear_error(tmp_path: Path, content: str, phrase: str) -> None:
    """A legislators file of the wrong shape is a DataError (exit 1), not an internal error."""
    path = tmp_path / "legislators.yaml"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(["legislators", "list"], env={"REACHOUT_LEGISLATORS": str(path)})
    assert 1 == code
    assert phrase in err or "damaged" in err
    assert "internal error" not in err


def test_an_overrides_path_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    """Settings naming a folder as the overrides file is a configuration error (exit 2)."""
    code, _, err = run(["legislators", "list"], env={"REACHOUT_OVERRIDES": str(tmp_path)})
    assert 2 == code
    assert "cannot read the overrides" in err
