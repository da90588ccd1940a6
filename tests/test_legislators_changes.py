"""What a directory update changes (bot.legislators_changes), on the shipped document.

The whole changeover report, from a change of Congress made from the real snapshot, is
checked through the command in tests/test_cli_legislators.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from bot.legislators_changes import changes
from tests.conftest import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "legislators.yaml"


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    """The shipped directory as a plain document."""
    document: dict[str, Any] = yaml.load(SHIPPED.read_bytes(), Loader=yaml.CSafeLoader)
    return document


def member(document: dict[str, Any], bioguide: str) -> dict[str, Any]:
    """The member entry with this bioguide id."""
    return next(m for m in document["members"] if m["bioguide_id"] == bioguide)


def test_no_file_before(shipped: dict[str, Any]) -> None:
    """Without an existing file there is nothing to compare: one line."""
    assert ["a new directory of 537 members"] == changes(None, shipped)


def test_an_unreadable_file_before(shipped: dict[str, Any]) -> None:
    """An existing file that could not be read is said to be replaced."""
    assert ["the existing file could not be read; it is replaced (537 members)"] == changes(
        {}, shipped
    )


def test_a_lost_handle_and_an_emptied_committee(shipped: dict[str, Any]) -> None:
    """A member who loses the X handle is listed under those without one; a committee whose
    every seat is gone is listed as emptied, with how many it had."""
    new = copy.deepcopy(shipped)
    member(new, "S001217")["x"] = None
    for m in new["members"]:
        m["committees"] = [s for s in m.get("committees", ()) if not s.startswith("SSFR")]
    had = sum(s.split()[0] == "SSFR" for m in shipped["members"] for s in m.get("committees", ()))
    subcommittees = len({c for c, v in shipped["committees"].items() if v.get("parent") == "SSFR"})
    lines = changes(shipped, new)
    assert [
        "X handles changed: 1",
        "  S001217 Rick Scott (FL-Sen): SenRickScott -> None",
        "X ids changed: 0",
        "committees emptied: 1",
        f"  SSFR Senate Committee on Foreign Relations (had {had} members)",
        f"subcommittees emptied: {subcommittees}",
        "members without an X handle: 32 (was 31)",
        "  S001217 Rick Scott (FL-Sen)",
    ] == lines[3:11]


def test_a_new_term_is_counted_not_listed(shipped: dict[str, Any]) -> None:
    """Members starting a new term are counted; their term dates are not "other changes"."""
    new = copy.deepcopy(shipped)
    member(new, "M001244").update(term_start="2026-11-03", term_end="2029-01-03")
    lines = changes(shipped, new)
    assert [
        "members starting a new term: 1",
        "other members changed (committees, offices...): 0",
    ] == [lines[2], lines[-1]]
