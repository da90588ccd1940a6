"""The ``reachout`` command line (click).

The only module, with ``settings``, that reads the environment. Library errors
(:class:`bot.errors.BotError`) become a one-line message and a hint on stderr and an exit
code: 0 success, 1 failure, 2 usage or configuration error. A traceback is shown only with
``--debug``. Heavy libraries (tweepy, APScheduler, matplotlib) are imported inside the
commands that need them, so ``reachout legislators list`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from bot import __version__
from bot.cli_calendar import cost, preview, validate
from bot.cli_collect import COMMANDS as COLLECT_COMMANDS
from bot.cli_congress import congress_calendar
from bot.cli_context import AppContext
from bot.cli_legislators import legislators
from bot.cli_report import report
from bot.cli_simulate import simulate_command
from bot.cli_worker import COMMANDS as WORKER_COMMANDS
from bot.errors import BotError, SourceError
from bot.settings import SECRET_NAMES, env_name, load_secrets

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def report_error(error: BotError) -> None:
    """Print a BotError for a person: every located problem, then the hint."""
    if isinstance(error, SourceError):
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        count = len(error.problems)
        if count > 1:
            click.echo(f"{count} problems.", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


class ReachoutGroup(click.Group):
    """A click group that turns our errors into messages and exit codes, never tracebacks."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        debug = "--debug" in sys.argv[1:]
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_FAILURE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
        except BotError as exc:
            if debug:
                traceback.print_exc()
            report_error(exc)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
            if debug:
                traceback.print_exc()
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo(
                "hint: this is a bug in reachout; run again with --debug and report the traceback",
                err=True,
            )
            sys.exit(EXIT_FAILURE)


@click.group(cls=ReachoutGroup)
@click.version_option(__version__, prog_name="reachout")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default $REACHOUT_SETTINGS or config/settings.yaml).",
)
@click.pass_context
def main(ctx: click.Context, debug: bool, settings_file: Path | None) -> None:
    """reachout: post a campaign calendar to X, collect replies, report weekly."""
    ctx.obj = AppContext(environ=dict(os.environ), settings_file=settings_file, debug=debug)


@main.group()
def config() -> None:
    """Inspect the effective settings."""


def _shown(name: str, value: Any) -> Any:
    """A setting as `config show` prints it: a webhook URL without its secret path."""
    if isinstance(value, Path):
        return str(value)
    if name in ("alerts.webhook_url", "report.webhook_url") and value:
        parts = urlsplit(value)  # a Slack webhook's path is a credential: scheme://host/… only
        return f"{parts.scheme}://{parts.hostname}/…"
    return value


@config.command("show")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def config_show(app: AppContext, fmt: str) -> None:
    """Print every setting, its value and where it came from (secrets masked)."""
    settings = app.settings
    secrets = load_secrets(app.environ)
    rows: list[tuple[str, Any, str, str]] = [
        (name, _shown(name, value), settings.sources[name], env_name(name))
        for name, value in settings.items()
    ]
    secret_rows = [
        (name, "********" if secrets.get(name) else None, secrets.sources.get(name, "not set"))
        for name in SECRET_NAMES
    ]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "settings": {n: {"value": v, "source": s, "env": e} for n, v, s, e in rows},
                    "secrets": {n: {"value": v, "source": s} for n, v, s in secret_rows},
                },
                indent=2,
            )
        )
        return
    width = max(len(r[0]) for r in rows)
    click.echo("settings (value, then where it came from):")
    for name, value, source, _ in rows:
        shown = "null" if value is None else value
        click.echo(f"  {name:<{width}}  {shown}  [{source}]")
    click.echo("secrets (environment only, never shown):")
    for name, value, source in secret_rows:
        click.echo(f"  {name:<{width}}  {value or '(not set)'}" + (f"  [{source}]" * bool(value)))


main.add_command(legislators)
main.add_command(congress_calendar)
main.add_command(report)
main.add_command(simulate_command)
for _command in (validate, preview, cost, *WORKER_COMMANDS, *COLLECT_COMMANDS):
    main.add_command(_command)


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point for ``python -m bot``."""
    main.main(args=list(argv) if argv is not None else None, prog_name="reachout")
