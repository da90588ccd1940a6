"""What a directory update changes, said plainly for the staff who review it.

``reachout legislators update`` compares the existing ``data/legislators.yaml`` with the one
it just built (both as plain documents, the existing one of this or an older format) and
reports the facts a change of Congress brings: who left, who arrived, who starts a new
term, which X handles and ids changed, which committees were emptied (assignments are
cleared when a Congress begins and refilled over one to four months) and who has no X
handle (new members' handles arrive weeks later, or never). Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.directory_dates import congress_number, ordinal


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Return what the new directory document changes in the existing one.

    Args:
        old: the existing file's document; None when there was no file, ``{}`` when it
            could not be read.
        new: the document just built.

    Returns:
        Lines for staff: the Congress held when it changes, then members who left and
        arrived, members starting a new term, X handles and ids changed, committees
        emptied, members without an X handle (each with a count line, then one line per
        item), and a count of other changes.
    """
    now = {m["bioguide_id"]: m for m in new["members"]}
    if old is None:
        return [f"a new directory of {len(now)} members"]
    if not old:
        return [f"the existing file could not be read; it is replaced ({len(now)} members)"]
    before = {m["bioguide_id"]: m for m in old["members"]}
    both = sorted(now.keys() & before.keys())
    out: list[str] = []
    held, was = _congress(new), _congress(old)
    if held and was and held != was:
        out.append(f"the directory now holds the {ordinal(held)} Congress (was the {ordinal(was)})")
    left = [f"{_label(m)}, term ended {m['term_end']}" for b, m in before.items() if b not in now]
    arrived = [
        f"{_label(m)}, term {m['term_start']} to {m['term_end']}"
        + ("" if m["x"] else ", no X handle")
        for b, m in now.items()
        if b not in before
    ]
    renewed = [b for b in both if _term(before[b], now[b]) != _term(now[b], now[b])]
    sections: dict[str, list[str] | int] = {
        "members who left": left,
        "members who arrived": arrived,
        "members starting a new term": len(renewed),
    }
    for title, k in (("X handles changed", "x"), ("X ids changed", "x_id")):
        changed = [b for b in both if before[b].get(k) != now[b][k]]
        sections[title] = [f"{_label(now[b])}: {before[b].get(k)} -> {now[b][k]}" for b in changed]
    seats_before, seats_now = _seats(old), _seats(new)
    names = {**old.get("committees", {}), **new["committees"]}
    emptied = [(cid, n) for cid, n in sorted(seats_before.items()) if not seats_now[cid]]
    sections["committees emptied"] = [
        f"{cid} {names.get(cid, {}).get('name', '?')} (had {n} member{'s' * (n != 1)})"
        for cid, n in emptied
        if "parent" not in names.get(cid, {})
    ]
    sections["subcommittees emptied"] = sum("parent" in names.get(c, {}) for c, _ in emptied)
    for title, items in sections.items():
        if isinstance(items, int):
            out += [f"{title}: {items}"] if items or "term" in title else []
        else:
            out += [f"{title}: {len(items)}"] + [f"  {item}" for item in items]
    without = [b for b, m in now.items() if not m["x"]]
    newly = [_label(now[b]) for b in without if before.get(b, {}).get("x") or b not in before]
    count = sum(not m.get("x") for m in before.values())
    out += [f"members without an X handle: {len(without)} (was {count})"]
    out += [f"  {item}" for item in newly]
    ignored = {"x": 0, "x_id": 0, "term_start": 0, "term_end": 0}
    others = sum({**before[b], **ignored} != {**now[b], **ignored} for b in both)
    return [*out, f"other members changed (committees, offices...): {others}"]


def _term(m: Mapping[str, Any], fallback: Mapping[str, Any]) -> tuple[str, str]:
    """Return (term start, term end); an older file without term starts borrows one."""
    return m.get("term_start", fallback["term_start"]), m["term_end"]


def _congress(doc: Mapping[str, Any]) -> int | None:
    """Return the Congress of the document's newest House term (None: none recorded)."""
    starts = [
        m["term_start"] for m in doc["members"] if m["district"] is not None and "term_start" in m
    ]
    return congress_number(date.fromisoformat(max(starts))) if starts else None


def _seats(doc: Mapping[str, Any]) -> Counter[str]:
    """Return committee id → number of members holding a seat on it."""
    return Counter(
        seat.split(" ", 1)[0] for m in doc["members"] for seat in m.get("committees", ())
    )


def _label(m: Mapping[str, Any]) -> str:
    seat = "Sen" if m["district"] is None else "Del" if m["delegate"] else m["district"] or "AL"
    return f"{m['bioguide_id']} {m['name']} ({m['state']}-{seat})"
