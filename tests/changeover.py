"""A change of Congress, made from the real upstream snapshot (tests/fixtures/congress-legislators).

What the public data looks like a week after the 120th Congress began on 2027-01-03: members
whose term ended either start a new one or are gone, new members arrive without an X handle
(handles come weeks later), and the House committee rosters are emptied (refilled over one
to four months). Used by the directory tests (test_legislators_changes, test_cli_legislators,
test_compose, test_directory_dates).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from bot import legislators_import as importer
from tests.conftest import FIXTURES

UPSTREAM = FIXTURES / "congress-legislators"
COMMIT = "0" * 39 + "1"
COMMIT_DATE = "2027-01-10 12:00:00 -0500"
LEFT = {"P000622": "FL-1", "T000278": "AL-Sen"}  # Rep. Jimmy Patronis, Sen. Tommy Tuberville
ARRIVED = {"Z000001": ("rep", "FL", 1), "Z000002": ("sen", "AL", None)}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _new_term(term: dict[str, Any]) -> dict[str, Any]:
    """The term after ``term``: House two years, Senate six (from 2027-01-03)."""
    end = "2029-01-03" if term["type"] == "rep" or term["end"] < "2027-01-03" else "2033-01-03"
    start = "2027-01-03" if term["end"] == "2027-01-03" else term["end"]
    keep = ("type", "state", "district", "party", "caucus", "class", "state_rank", "url", "phone")
    return {k: term[k] for k in keep if k in term} | {"start": start, "end": end}


def make_changeover(folder: Path) -> Path:
    """Write the changed upstream files into folder (created) and return it.

    Every member whose term ends by 2027-01-03 starts a new one, except those in LEFT, who
    are gone; the members in ARRIVED take their seats (no social media entry); every House
    committee's roster is emptied; the README names a new commit of 2027-01-10.
    """
    shutil.copytree(UPSTREAM, folder)
    people = yaml.load((UPSTREAM / importer.LEGISLATORS).read_bytes(), Loader=_Loader)
    kept = [p for p in people if p["id"]["bioguide"] not in LEFT]
    for person in kept:
        if person["terms"][-1]["end"] <= "2027-01-03":
            person["terms"].append(_new_term(person["terms"][-1]))
    for bioguide, (kind, state, district) in ARRIVED.items():
        term: dict[str, Any] = {"type": kind, "start": "2027-01-03", "state": state}
        term["party"] = "Republican"
        term |= {"end": "2029-01-03", "district": district} if kind == "rep" else {}
        term |= {"end": "2033-01-03", "class": 3, "state_rank": "junior"} if kind == "sen" else {}
        name = {"first": "Pat", "last": f"Newcomer{bioguide[-1]}"}
        kept.append({"id": {"bioguide": bioguide}, "name": name, "terms": [term]})
    (folder / importer.LEGISLATORS).write_text(
        yaml.dump(kept, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    rosters = yaml.load((UPSTREAM / importer.MEMBERSHIP).read_bytes(), Loader=_Loader)
    emptied = {
        cid: [] if cid.startswith("H") else [s for s in seats if s["bioguide"] not in LEFT]
        for cid, seats in rosters.items()
    }
    (folder / importer.MEMBERSHIP).write_text(
        yaml.dump(emptied, Dumper=_Dumper, sort_keys=False), encoding="utf-8"
    )
    (folder / "README.md").write_text(
        f"| Commit | `{COMMIT}` |\n| Commit date | {COMMIT_DATE} |\n", encoding="utf-8"
    )
    return folder
