"""``reachout simulate``: the whole recess in virtual time through the worker's own jobs.

Builds what ``reachout run`` builds (the poster, the collector, the weekly reporter and their
duties) on the sandbox X and a fresh database under ``--out``, adds deterministic supporter
traffic and X faults (bot.sandbox, settings ``simulation``), and lets bot.simulate drive them
over the range. Writes ``OUT/outbox.csv`` (every post the live worker would have sent, with its
time), ``OUT/simulation.db`` (ledger and collected data), ``OUT/reports/<week>/`` (a report per
recess week), and prints a closing summary.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.campaign import Campaign
from bot.cli_calendar import Loaded, calendar_option, load
from bot.cli_context import AppContext
from bot.errors import BotError
from bot.report_period import week_of
from bot.settings import PROJECT_ROOT, Settings
from bot.x_models import Account, XPost

if TYPE_CHECKING:
    from bot.simulate import Result

FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_OUT = PROJECT_ROOT / "var" / "simulation"
OUTPUTS = ("outbox.csv", "simulation.db", "simulation.db-wal", "simulation.db-shm", "reports")


class SimulationError(BotError):
    """The simulation cannot run (no range, a folder that is not ours...)."""


def simulation_range(campaign: Campaign, first: date | None, last: date | None,
                     loaded: Loaded) -> tuple[date, date]:  # fmt: skip
    """Return the local days to simulate: --from/--to, else the recess, else the plan's days.

    Raises:
        SimulationError: nothing to simulate (no recess and no posts), or --to before --from.
    """
    days = [w.first_day for w in campaign.recess] + [w.last_day for w in campaign.recess]
    if not days:
        days = [post.local_at.date() for post in loaded.plan.posts]
    if not days and (first is None or last is None):
        raise SimulationError("the calendar has no recess and no posts: nothing to simulate",
                              "give --from and --to, or add a recess to the calendar")  # fmt: skip
    first_day = first or min(days)
    last_day = last or max(days)
    if not (FIRST_YEAR <= first_day.year and last_day.year <= LAST_YEAR):
        raise SimulationError(f"{first_day} to {last_day} is outside {FIRST_YEAR}-{LAST_YEAR}",
                              "give days of a real campaign")  # fmt: skip
    if last_day < first_day:
        raise SimulationError(f"--to {last_day} is before --from {first_day}",
                              "give a last day on or after the first")  # fmt: skip
    return first_day, last_day


def outbox_csv(posts: Sequence[XPost], campaign: Campaign) -> str:
    """Return the outbox as CSV text: one row per post the account made, in time order."""
    from bot.report import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["local_time", "utc_time", "post_id", "weighted_text"])
    for post in posts:
        at = post.created_at or datetime.min.replace(tzinfo=UTC)
        local = at.astimezone(campaign.timezone)
        row = [f"{local:%Y-%m-%d %H:%M %Z}", f"{at:%Y-%m-%dT%H:%M:%SZ}", post.post_id, post.text]
        writer.writerow([csv_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()


MARKER = ".reachout-simulation"
"""The file that marks a folder as simulate's own: only such a folder is ever emptied."""


def _prepare(out: Path) -> None:
    """Empty the outputs of a previous run in ``out``: only a folder simulate made, or an empty one.

    Raises:
        SimulationError: ``out`` is not a folder, holds other files and is not simulate's own,
            or cannot be created or emptied.
    """
    if out.exists() and not out.is_dir():
        raise SimulationError(f"--out {out} is a file, not a folder", "name a folder")
    ours = (out / MARKER).exists() or out.resolve() == DEFAULT_OUT.resolve()
    if out.is_dir() and not ours and any(out.iterdir()):
        raise SimulationError(
            f"--out {out} holds other files, and simulate empties the folder it writes to",
            "name a new or empty folder (or one an earlier simulate wrote)",
        )
    try:
        _empty(out)
    except OSError as exc:
        raise SimulationError(f"cannot prepare {out}: {exc.strerror or exc}",
                              "name a folder you can write to with --out") from exc  # fmt: skip


def _empty(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by reachout simulate: its outputs here are replaced\n")
    for name in OUTPUTS:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


@click.command("simulate")
@calendar_option
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]),
              help="First local day (default: the recess's first day).")  # fmt: skip
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]),
              help="Last local day, inclusive (default: the recess's last day).")  # fmt: skip
@click.option("--seed", type=int, help="Random seed of the traffic and faults (default: setting).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default="var/simulation",
    help="Folder for the outbox, database and reports.",
)
@click.option("--verbose", is_flag=True, help="Show the jobs' log (each poll, post and fault).")
@click.pass_obj
def simulate_command(
    app: AppContext,
    calendar_file: Path | None,
    first: datetime | None,
    last: datetime | None,
    seed: int | None,
    out: Path,
    verbose: bool,
) -> None:
    """Run the recess in virtual time on the sandbox X: posts, collection, weekly reports."""
    # The jobs log every injected fault; the summary counts them. --verbose shows them all.
    if verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    jobs_log = logging.getLogger("reachout")
    level = jobs_log.level
    jobs_log.setLevel(logging.INFO if verbose else logging.ERROR)
    try:
        result = simulate_calendar(app, calendar_file, first and first.date(),
                                   last and last.date(), seed, out)  # fmt: skip
    finally:
        jobs_log.setLevel(level)
    _print_summary(result.summary, out)


def simulate_calendar(app: AppContext, calendar_file: Path | None, first: date | None,
                      last: date | None, seed: int | None, out: Path) -> Result:  # fmt: skip
    """Simulate a calendar's days (default: its recess) into ``out``; write the outbox there.

    Raises:
        BotError: the settings, the calendar or the directory are broken; nothing to simulate.
    """
    from bot.simulate import run_simulation

    settings: Settings = app.settings
    if seed is not None:
        simulation = dataclasses.replace(settings.simulation, seed=seed)
        settings = dataclasses.replace(settings, simulation=simulation)
    loaded = load(app, None, calendar_file)
    loaded.plan.raise_for_problems()
    campaign = loaded.calendar.campaign
    warnings = [*loaded.calendar.warnings, *loaded.plan.warnings, *loaded.recess_warnings]
    for problem in warnings:
        if not problem.line:  # file-wide: the directory's or the official calendar's date
            click.echo(f"warning: {problem}", err=True)
    if warnings:
        click.echo(f"{len(warnings)} calendar warnings in all: `reachout validate` lists them",
                   err=True)  # fmt: skip
    first_day, last_day = simulation_range(campaign, first, last, loaded)
    _prepare(out)
    tz = campaign.timezone
    start = datetime.combine(first_day, time(0), tz).astimezone(UTC)
    stop = datetime.combine(last_day + timedelta(days=1), time(0), tz).astimezone(UTC)
    # Posts of the days asked for; collection and the traffic go on until the last report.
    posts = tuple(post for post in loaded.plan.posts if start <= post.at_utc < stop)
    last_week = week_of(last_day, tz)
    report_at = datetime.combine(last_week.last_day + timedelta(days=1), time(9, 1), tz)
    account = Account("1690000000000000001", campaign.x_username, campaign.name)
    click.echo(
        f"simulating {first_day} to {last_day} ({campaign.timezone_name}) on the sandbox X, "
        f"seed {settings.simulation.seed}: {len(posts)} posts planned",
        err=True,
    )
    result = run_simulation(
        settings=settings,
        calendar=loaded.calendar,
        posts=posts,
        directory=loaded.directory,
        account=account,
        database=out / "simulation.db",
        reports_dir=out / "reports",
        first_day=first_day,
        last_day=last_day,
        start=start,
        end=report_at.astimezone(UTC),
    )
    (out / "outbox.csv").write_text(outbox_csv(result.outbox, campaign), encoding="utf-8",
                                    newline="")  # fmt: skip
    return result


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    weeks = summary["weeks"]
    click.echo(f"Simulated {summary['range']} in virtual time; collection ran on until the "
               f"last weekly report ({summary['ran_until']}).")  # fmt: skip
    click.echo(f"  posts:     {summary['posts_line']}")
    for reason in summary["refused"]:
        click.echo(f"             {reason}")
    click.echo(f"  came back: {summary['collected_line']}")
    click.echo(f"  legislators who responded: {summary['responded_line']}")
    click.echo(f"  X faults injected: {summary['faults_line']}")
    click.echo(f"  simulated X spend: {summary['spend_line']}")
    click.echo(f"  outbox:    {_shown(out / 'outbox.csv')}")
    click.echo(f"  database:  {_shown(out / 'simulation.db')}")
    click.echo(
        f"  {weeks} weekly report{'s' * (weeks != 1)}, as the worker writes them on Mondays:"
    )
    for folder in summary["reports"]:
        click.echo(f"    {_shown(Path(folder) / 'report.html')}")
    overall = _shown(Path(summary["overall_report"]) / "report.html")
    click.echo(f"Open {overall} in a browser: the report for the whole range.")


def _shown(path: Path) -> str:
    """A path relative to the current directory when below it (shorter to read and click)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
