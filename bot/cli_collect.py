"""``reachout collect`` and ``reachout import``: collection by hand, where it stands, archives.

``collect --once`` runs one cycle of `bot.collector.Collector` (mentions, the campaign search,
our posts' metrics) against the backend ``run`` would use, and exits 1 when X failed a poll
(the failure is recorded; the next poll resumes from the old cursor). ``collect --status``
reads the store only: cursors, last polls, gaps, reads and spend this month against the
budget, recent errors. ``import FILE`` loads an X API v2 archive (response pages, or one post
a line as twarc2 writes) with the same classification; unreadable lines and posts are
reported by line number (the first 20) and skipped, the rest is written in one transaction;
a file with no post to import is an error (exit 1). X's text (errors) is shown without
control characters (`bot.classify.printable`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot import store_collected as sc
from bot.cli_calendar import calendar_option, load
from bot.cli_context import AppContext
from bot.cli_worker import SANDBOX_BANNER, check_account, choose_backend, claim_backend
from bot.settings import load_secrets
from bot.store import Store

if TYPE_CHECKING:
    from bot.campaign_model import Campaign
    from bot.collector import PollResult
    from bot.x_models import Account, XClient

GAPS_SHOWN = 10
PROBLEMS_SHOWN = 20
"""``import`` prints the first 20 problems, then how many more."""


def collect_since(campaign: Campaign) -> datetime | None:
    """Return the start of the campaign's first recess window (local midnight, as UTC)."""
    if not campaign.recess:
        return None
    first = min(window.first_day for window in campaign.recess)
    return datetime.combine(first, time(), campaign.timezone).astimezone(UTC)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def collection_status(store: Store, app: AppContext, now: datetime) -> dict[str, Any]:
    """Gather what ``collect --status`` shows, as JSON-ready data (times ISO 8601 UTC).

    Returns:
        Keys: month, budget {reads, dollars, percent, monthly_reads, monthly_dollars},
        sources {source: {reads, dollars, requests}}, cursors, gaps (this month's, latest
        last), errors (newest first). X's text (errors) is `bot.classify.printable`.
    """
    from bot import read_budget
    from bot.classify import printable

    budget = app.settings.budget
    start, end = read_budget.month_bounds(now)
    used = sc.usage(store, start, end)
    gaps = sc.gaps(store, start)
    return {
        "month": f"{start:%Y-%m}",
        "budget": {
            "reads": used.reads, "dollars": round(used.dollars, 4),
            "percent": round(read_budget.percent_used(budget, used), 1),
            "monthly_reads": budget.monthly_reads, "monthly_dollars": budget.monthly_dollars,
        },
        "sources": {
            source: vars(sc.usage(store, start, end, source)) for source in sc.SOURCES
        },
        "cursors": [
            {"source": c.source, "since_id": c.since_id, "since_at": _iso(c.since_at),
             "last_poll_at": _iso(c.last_poll_at), "last_success_at": _iso(c.last_success_at),
             "last_error": printable(c.last_error) if c.last_error else None, "polls": c.polls}
            for c in sc.cursors(store)
        ],
        "gaps": [
            {"source": g.source, "start_at": _iso(g.start_at), "end_at": _iso(g.end_at),
             "reason": g.reason, "missing_estimate": g.missing_estimate}
            for g in gaps[-GAPS_SHOWN:]
        ],
        "gaps_this_month": len(gaps),
        "errors": [
            {"source": source, "at": _iso(at), "detail": printable(detail)}
            for source, at, detail in sc.recent_errors(store, 5)
        ],
        "posts_collected": sc.count_posts(store),
    }  # fmt: skip


def _print_status(database: Path, report: dict[str, Any]) -> None:
    budget = report["budget"]
    limits = [
        f"{budget['monthly_reads']:,} reads" if budget["monthly_reads"] else "",
        f"${budget['monthly_dollars']:,.2f}" if budget["monthly_dollars"] else "",
    ]
    limit = " / ".join(x for x in limits if x) or "no limit"
    click.echo(f"database: {database} ({report['posts_collected']:,} posts collected)")
    click.echo(
        f"reads this month ({report['month']}): {budget['reads']:,} billable, "
        f"${budget['dollars']:,.2f} of {limit} ({budget['percent']:g} %)"
    )
    for source, use in report["sources"].items():
        click.echo(
            f"  {source:<9} {use['reads']:>8,} reads  ${use['dollars']:>8,.2f}"
            f"  {_count(use['requests'], 'request')}"
        )
    click.echo("cursors:")
    for c in report["cursors"]:
        if not c["polls"]:
            click.echo(f"  {c['source']:<9} never polled")
            continue
        line = f"  {c['source']:<9} last poll {c['last_poll_at']}, {_count(c['polls'], 'poll')}"
        line += f", since_id {c['since_id']}" if c["since_id"] else ""
        line += f", last complete {c['last_success_at'] or 'never'}"
        click.echo(line + (f"\n            last error: {c['last_error']}" * bool(c["last_error"])))
    shown = report["gaps"]
    click.echo(f"gaps this month: {report['gaps_this_month']}" + ":" * bool(shown))
    for g in shown:
        missed = g["missing_estimate"]
        estimate = f", ~{missed:,} posts missed" if missed is not None else ""
        click.echo(f"  {g['source']:<9} {g['start_at']} to {g['end_at']}  {g['reason']}{estimate}")
    if report["errors"]:
        click.echo("recent errors:")
    for e in report["errors"]:
        click.echo(f"  {e['at']}  {e['source']:<9} {e['detail']}")


def _result_line(result: PollResult) -> str:
    if result.skipped_reason:
        return f"{result.source}: skipped ({result.skipped_reason})"
    line = (
        f"{result.source}: {result.new_posts:,} new, {result.updated_posts:,} updated; "
        f"{_count(result.requests, 'request')} ({result.overlap_requests} overlap), "
        f"{_count(result.billable_reads, 'billable read')}, ${result.cost_dollars:,.3f}"
    )
    line += "; gap recorded" if result.gap_recorded else ""
    return line + (f"; FAILED: {result.error}" if result.error else "")


@click.command("collect")
@calendar_option
@click.option("--once", is_flag=True, help="Run one collection cycle: mentions, search, metrics.")
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="Show cursors, last polls, gaps, reads and spend this month (no X request).",
)
@click.option(
    "--backend",
    type=click.Choice(["live", "sandbox"]),
    help="For --once: live X or the sandbox (default: as `reachout run` chooses).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def collect_command(
    app: AppContext,
    calendar_file: Path | None,
    once: bool,
    show_status: bool,
    backend: str | None,
    fmt: str,
) -> None:
    """Collect mentions and campaign-hashtag posts once, or show where collection stands."""
    if once == show_status:
        raise click.UsageError("give --once (run one collection cycle) or --status")
    now = datetime.now(UTC)
    settings = app.settings
    if show_status:
        if not settings.database.exists():
            click.echo(f"no collection yet: no database at {settings.database}")
            return
        with Store.open(settings.database) as store:
            report = collection_status(store, app, now)
        if fmt == "json":
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            _print_status(settings.database, report)
        return
    results = _collect_once(app, calendar_file, backend, now)
    if fmt == "json":
        click.echo(json.dumps([vars(r) for r in results], indent=2))
    else:
        for result in results:
            click.echo(_result_line(result))
    if any(result.error for result in results):
        sys.exit(1)


def _collect_once(
    app: AppContext, calendar_file: Path | None, backend: str | None, now: datetime
) -> list[PollResult]:
    from bot.alerts import WebhookAlerts
    from bot.collector import Collector
    from bot.testing import SANDBOX_ACCOUNT, SandboxX

    settings = app.settings
    loaded = load(app, None, calendar_file)
    campaign = loaded.calendar.campaign
    chosen = choose_backend(backend, settings, load_secrets(app.environ))
    client: XClient
    account: Account
    if chosen == "live":
        from bot.x_client import TweepyXClient

        client = TweepyXClient.from_settings(settings, load_secrets(app.environ))
        account = client.me()
        check_account(account, campaign.x_username)
    else:
        click.echo(SANDBOX_BANNER, err=True)
        client, account = SandboxX(clock=lambda: now), SANDBOX_ACCOUNT
    webhook = WebhookAlerts(
        settings.alerts.webhook_url,
        connect_seconds=settings.timeouts.connect_seconds,
        read_seconds=settings.timeouts.read_seconds,
        campaign=campaign.hashtag,
    )
    with Store.open(settings.database) as store:
        claim_backend(store, chosen, now)

        def alert(kind: str, message: str, key: str | None, at: datetime) -> None:
            already = any(a.kind == kind and a.key == key for a in store.open_alerts())
            store.add_alert(kind, message, now=at, key=key)
            click.echo(f"alert {kind}: {message}", err=True)
            if not already:
                webhook.deliver(kind, message, key)

        collector = Collector(
            store, client, loaded.directory, account=account,
            search_query=campaign.search_query, hashtag=campaign.hashtag,
            collection=settings.collection, polling=settings.polling, prices=settings.prices,
            budget=settings.budget, metrics_days=settings.forecast.metrics_days, alert=alert,
            collect_since=collect_since(campaign),
        )  # fmt: skip
        return collector.cycle(now)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@calendar_option
@click.pass_obj
def import_command(app: AppContext, file: Path, calendar_file: Path | None) -> None:
    """Import an X API v2 archive: response pages, or one post a line (twarc2 JSONL)."""
    from bot.archive_import import classifier_for, import_archive
    from bot.x_archive import parse_archive

    loaded = load(app, None, calendar_file)
    campaign = loaded.calendar.campaign
    now = datetime.now(UTC)
    with Store.open(app.settings.database) as store:
        classifier = classifier_for(store, loaded.directory, campaign.hashtag, campaign.x_username)
        result = import_archive(
            store, classifier, parse_archive(_lines(file), str(file)), file=str(file), now=now
        )
    for problem in result.problems[:PROBLEMS_SHOWN]:
        click.echo(f"skipped: {problem}", err=True)
    skipped = len(result.problems)
    if skipped > PROBLEMS_SHOWN:
        click.echo(f"... and {skipped - PROBLEMS_SHOWN:,} more", err=True)
    click.echo(
        f"imported {_count(result.posts, 'post')} from {file}: {result.new:,} new, "
        f"{result.updated:,} already collected (updated)"
        + (f"; {skipped:,} skipped (unreadable lines or posts)" if skipped else "")
    )


COMMANDS = (collect_command, import_command)
"""The commands to register: ``for command in COMMANDS: main.add_command(command)``."""
