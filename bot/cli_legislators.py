"""``reachout legislators``: the legislator directory (data/legislators.yaml)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bot.cli_context import AppContext
from bot.errors import DataError
from bot.legislators import Directory, Legislator


@click.group()
def legislators() -> None:
    """The legislator directory (data/legislators.yaml): update, list, show, check."""


@legislators.command("update")
@click.option(
    "--from",
    "from_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the four congress-legislators YAML files.",
)
@click.option(
    "--url",
    "base_url",
    metavar="BASE",
    help="Download the four files from BASE/<file>, e.g. "
    "https://raw.githubusercontent.com/unitedstates/congress-legislators/main",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of the 'legislators' setting.",
)
@click.option("--commit", help="Upstream commit the files come from (recorded in the file).")
@click.pass_obj
def legislators_update(
    app: AppContext,
    from_dir: Path | None,
    base_url: str | None,
    output: Path | None,
    commit: str | None,
) -> None:
    """Build the directory from unitedstates/congress-legislators and show what changed.

    Prints the changeover facts (members who left and arrived, new terms, committees
    emptied, handles missing), then what the directory's dates mean today.
    """
    import dataclasses

    from bot import legislators_import as importer
    from bot.directory_dates import directory_facts

    if (from_dir is None) == (base_url is None):
        raise click.UsageError("give exactly one of --from DIR or --url BASE")
    output = output or app.settings.legislators
    if base_url is not None:
        timeouts = (app.settings.timeouts.connect_seconds, app.settings.timeouts.read_seconds)
        fetched = importer.fetch(base_url, output, timeouts=timeouts)
        if fetched is None:
            click.echo(f"unchanged: the upstream files have not changed since {output} was built")
            return
        upstream = fetched
    else:
        assert from_dir is not None
        upstream = importer.read_dir(from_dir)
    if commit:
        upstream = dataclasses.replace(upstream, commit=commit)
    now = datetime.now(UTC)
    result = importer.update(upstream, output, now=now)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if base_url is not None:
        importer.save_cache(output, base_url, upstream)
    facts = directory_facts(Directory.load(output), now.astimezone().date())
    if not result.written:
        click.echo(f"unchanged: {output} already holds these inputs ({result.members} members)")
    for line in result.changes + facts:
        click.echo(line)
    if result.written:
        click.echo(f"wrote {output} ({result.members} members)")


_PARTY_CHOICES = ["democrat", "republican", "independent", "d", "r", "i"]
_CSV_COLUMNS = [
    "bioguide_id",
    "name",
    "seat",
    "chamber",
    "state",
    "district",
    "delegate",
    "party",
    "caucus",
    "term_start",
    "term_end",
    "x",
    "x_id",
    "bluesky",
    "mastodon",
    "phone",
    "contact_form",
    "url",
    "committees",
]


def _legislator_json(m: Legislator) -> dict[str, Any]:
    """Return a member as JSON-ready data (``x_id`` stays a string)."""
    seats = [
        {
            "id": s.committee.committee_id,
            "name": s.committee.name,
            "parent_id": s.committee.parent_id,
            "side": s.side,
            "rank": s.rank,
            "title": s.title,
        }
        for s in m.committees
    ]
    data = {name: getattr(m, name) for name in m.__dataclass_fields__}
    return data | {
        "seat": m.seat,
        "term_start": m.term_start.isoformat(),
        "term_end": m.term_end.isoformat(),
        "committees": seats,
        "accounts": dict(m.accounts),
        "overridden": list(m.overridden),
    }


@legislators.command("list")
@click.option(
    "--state", "states", multiple=True, metavar="ST", help="USPS code, e.g. FL (repeatable)."
)
@click.option("--chamber", type=click.Choice(["senate", "house"]))
@click.option(
    "--district",
    type=click.IntRange(min=0),
    help="House district number (0 = at-large or delegate).",
)
@click.option(
    "--committee",
    "committees",
    multiple=True,
    metavar="ID|NAME",
    help="Committee or subcommittee id (HSFA, HSFA14) or name (repeatable).",
)
@click.option("--party", type=click.Choice(_PARTY_CHOICES, case_sensitive=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.pass_obj
def legislators_list(
    app: AppContext,
    states: tuple[str, ...],
    chamber: str | None,
    district: int | None,
    committees: tuple[str, ...],
    party: str | None,
    fmt: str,
) -> None:
    """List current members of Congress, in directory order (state, Senate first, district)."""
    import csv
    import io

    directory = app.directory()
    for state in states:
        if state.upper() not in directory.states:
            raise click.BadParameter(
                f"no member from {state!r}; known: {' '.join(directory.states)}",
                param_hint="--state",
            )
    for key in committees:
        if not directory.committee_ids(key):
            raise click.BadParameter(
                f"no committee {key!r} (use an id such as HSFA or SSFR, or the full name)",
                param_hint="--committee",
            )
    members = directory.select(
        states=states or None,
        chamber=chamber,
        party=party,
        committees=committees or None,
        districts=None if district is None else [district],
    )
    if fmt == "json":
        click.echo(json.dumps([_legislator_json(m) for m in members], indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_CSV_COLUMNS)
        for m in members:
            row = _legislator_json(m) | {
                "committees": " ".join(s.committee.committee_id for s in m.committees)
            }
            writer.writerow(["" if row[c] is None else row[c] for c in _CSV_COLUMNS])
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(
            f"{'SEAT':<7}  {'NAME':<28}  {'PARTY':<5}  {'X HANDLE':<16}  {'X ID':<19}  BIOGUIDE"
        )
        for m in members:
            name = m.name if len(m.name) <= 28 else m.name[:27] + "…"
            handle = f"@{m.x}" if m.x else "(none)"
            click.echo(
                f"{m.seat:<7}  {name:<28}  {m.party[0]:<5}  {handle:<16}  "
                f"{m.x_id or '':<19}  {m.bioguide_id}"
            )
        click.echo(f"{len(members)} member{'s' * (len(members) != 1)}")


@legislators.command("show")
@click.argument("key", metavar="BIOGUIDE|@HANDLE|X_ID")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def legislators_show(app: AppContext, key: str, fmt: str) -> None:
    """Show everything known about one member, including committees."""
    directory = app.directory()
    m = directory.find(key)
    if m is None:
        raise DataError(
            f"no current member matches {key!r}",
            "give a bioguide id (S001217), an X handle (@SenRickScott) or a numeric "
            "X id; find one with: reachout legislators list --state XX",
        )
    if fmt == "json":
        click.echo(json.dumps(_legislator_json(m), indent=2))
        return
    chamber = m.chamber + (f", class {m.senate_class}" if m.senate_class else "")
    chamber += f", {m.state_rank}" if m.state_rank else ""
    chamber += ", delegate (non-voting)" if m.delegate else ""
    caucus = f" (caucuses with the {m.caucus}s)" if m.caucus else ""
    rows: list[tuple[str, str | None]] = [
        ("seat", f"{m.seat} ({chamber})"),
        ("party", m.party + caucus),
        ("term", f"{m.term_start} to {m.term_end}"),
        (
            "X",
            f"@{m.x}" + (f" (id {m.x_id})" if m.x_id else " (no numeric id)") if m.x else "(none)",
        ),
        ("bluesky", m.bluesky),
        ("mastodon", m.mastodon),
        *m.accounts,
        ("phone", m.phone),
        ("contact form", m.contact_form),
        ("website", m.url),
        ("note", m.note),
        (
            "overridden",
            f"{', '.join(m.overridden)} (by {app.settings.overrides.name})"
            if m.overridden
            else None,
        ),
    ]
    click.echo(f"{m.name} ({m.bioguide_id})")
    for label, value in rows:
        if value is not None:
            click.echo(f"  {label:<14}{value}")
    click.echo(
        f"committees ({len([s for s in m.committees if not s.committee.parent_id])}"
        f" full, {len([s for s in m.committees if s.committee.parent_id])} sub):"
    )
    for s in m.committees:
        indent = "    " if s.committee.parent_id else "  "
        role = ", ".join(
            [s.side] + ([f"rank {s.rank}"] if s.rank else []) + ([s.title] if s.title else [])
        )
        click.echo(f"{indent}{s.committee.committee_id:<7} {s.committee.name} ({role})")


@legislators.command("check")
@click.pass_obj
def legislators_check(app: AppContext) -> None:
    """Review the directory: missing or shared X accounts, vacant seats, stale overrides."""
    directory = app.directory(strict_overrides=False)
    without = directory.without_x()
    click.echo(f"members without an X handle: {len(without)}")
    for m in without:
        click.echo(f"  {m.seat:<7} {m.name} ({m.bioguide_id})")
    shared = directory.shared_accounts()
    click.echo(f"X handles or ids held by more than one member: {len(shared)}")
    for account, holders in shared:
        click.echo(f"  {account}: " + ", ".join(f"{m.name} ({m.bioguide_id})" for m in holders))
    vacancies = directory.vacancies()
    click.echo(f"vacant seats: {len(vacancies)}" + (f" ({' '.join(vacancies)})" * bool(vacancies)))
    stale = directory.stale_overrides
    click.echo(f"overrides that no longer apply: {len(stale)}")
    for item in stale:
        o = item.override
        click.echo(f"  {o.file}:{o.line}:{o.column}: {o.bioguide_id}: {item.reason}")
    no_id = [m for m in directory.members if m.x and not m.x_id]
    click.echo(
        f"X handles without a numeric X id: {len(no_id)} (their replies are matched by handle only)"
    )
