"""A post's targets: resolved against the legislator directory, and named for prose.

Pure: reads the directory it is given (data/legislators.yaml with overrides applied).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import yamlsource
from bot.campaign import Targets
from bot.errors import ConfigError
from bot.legislators import Directory, Legislator


def human_list(items: Sequence[str]) -> str:
    """Join names for prose: ``a``, ``a and b``, ``a, b and c``."""
    return (
        items[0]
        if len(items) == 1
        else ", ".join(items[:-1]) + " and " + items[-1]
        if items
        else ""
    )


def title(member: Legislator) -> str:
    """Return a member's name with their title: ``Sen. Rick Scott``, ``Rep. ...``, ``Del. ...``."""
    if member.chamber == "senate":
        return f"Sen. {member.name}"
    if member.delegate:
        return f"{'Res. Comm.' if member.state == 'PR' else 'Del.'} {member.name}"
    return f"Rep. {member.name}"


def resolve(targets: Targets | None, directory: Directory) -> tuple[Legislator, ...]:
    """Return the legislators a post's targets select, in directory order.

    Members of (``states`` ∪ ``districts``), narrowed by ``chamber``, ``party`` and
    ``committees`` (any), plus ``bioguide_ids``, minus ``exclude``. No targets: nobody.
    """
    if targets is None:
        return ()
    chosen: set[str] = set()
    if targets.has_filters:
        chamber = None if targets.chamber in (None, "both") else targets.chamber
        narrowed = directory.select(
            chamber=chamber, party=targets.party or None, committees=targets.committees or None
        )
        if targets.states or targets.districts:
            place = (
                {m.bioguide_id for m in directory.select(states=targets.states)}
                if targets.states
                else set()
            )
            if targets.districts:
                seats = directory.select(districts=[str(d) for d in targets.districts])
                place |= {m.bioguide_id for m in seats}
            narrowed = tuple(m for m in narrowed if m.bioguide_id in place)
        chosen = {m.bioguide_id for m in narrowed}
    chosen |= (
        {m.bioguide_id for m in directory.select(bioguide_ids=targets.bioguide_ids)}
        if targets.bioguide_ids
        else set()
    )
    chosen -= set(targets.exclude)
    return tuple(m for m in directory.members if m.bioguide_id in chosen)


def read_do_not_tag(data: bytes, file: str, directory: Directory) -> frozenset[str]:
    """Read ``config/do-not-tag.yaml``: who our posts never @-tag.

    Args:
        data: the file's bytes.
        file: its name, for messages.
        directory: to resolve bioguide ids and "@handles".

    Returns:
        The bioguide ids on the list.

    Raises:
        ConfigError: unknown keys, or a legislator the directory does not know (line:column).
    """
    source = yamlsource.load(data, file, max_bytes=256 * 1024, error=ConfigError)
    reader = yamlsource.Reader(source)
    found: set[str] = set()
    if source.root is not None:
        entries = reader.mapping(source.root, "the do-not-tag file", ["do_not_tag"])
        items = reader.sequence(entries["do_not_tag"][1], "do_not_tag") if entries else []
        for item in items:
            fields = reader.mapping(
                item,
                "a do-not-tag entry",
                ["who", "reason", "decided_by"],
                required=["who", "reason"],
            )
            who = reader.text(fields["who"][1], "who", free_text=False) if "who" in fields else None
            member = directory.find(who) if who else None
            if who and member is None:
                reader.problem(
                    fields["who"][1],
                    f"{who!r} is not a current legislator",
                    'use a bioguide id or a quoted "@handle" (reachout legislators show ...)',
                )
            elif member:
                found.add(member.bioguide_id)
    reader.raise_if_any(ConfigError)
    return frozenset(found)
