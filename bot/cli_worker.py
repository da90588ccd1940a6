"""``reachout run``, ``status`` and ``health``: the posting worker and how operators watch it.

``run`` composes the calendar (as ``validate`` does), picks the backend (``--backend``, else
the ``backend`` setting when set, else ``live`` only if the X credentials are in the
environment), and runs `bot.scheduler.Worker` until SIGTERM or Ctrl-C. ``status`` shows the
next posts not yet in the ledger, the latest ledger rows, open alerts, the lease and the last
heartbeat. ``health`` is the container health check: exit 0 when the heartbeat is fresh.
APScheduler is imported only by ``run``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli_calendar import calendar_option, load
from bot.cli_context import AppContext
from bot.errors import BotError
from bot.settings import Secrets, Settings, load_secrets
from bot.store import BACKEND_STATE, Store
from bot.x_models import Account

if TYPE_CHECKING:
    from bot.compose import PlannedPost
    from bot.x_models import XClient

SANDBOX_BANNER = (
    "sandbox X: nothing is posted to X; set X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN "
    "and X_ACCESS_TOKEN_SECRET (and --backend live) to go live"
)
DEFAULT_MAX_AGE_SECONDS = 60.0  # the worker beats every 10 s


class WorkerError(BotError):
    """The worker cannot run as configured (wrong X account, missing credentials ...)."""


def check_account(account: Account, x_username: str) -> None:
    """Refuse to post from an account other than the calendar's ``campaign.x_username``.

    Args:
        account: what ``GET /2/users/me`` answered for the credentials.
        x_username: the calendar's account, with or without ``@`` (case-insensitive).

    Raises:
        WorkerError: they differ.
    """
    wanted = x_username.removeprefix("@")
    if account.username.casefold() != wanted.casefold():
        raise WorkerError(
            f"the X credentials are for @{account.username}, but the calendar's "
            f"campaign.x_username is @{wanted}: refusing to post",
            "use the campaign account's credentials, or correct campaign.x_username",
        )


def choose_backend(option: str | None, settings: Settings, secrets: Secrets) -> str:
    """Return ``"live"`` or ``"sandbox"``: the option, else an explicit setting, else by secrets.

    Args:
        option: ``--backend``, or None.
        settings: ``backend`` counts when set in the settings file or environment.
        secrets: with all four OAuth 1.0a user secrets the default is ``live``.
    """
    if option:
        return option
    if settings.sources.get("backend", "default") != "default":
        return settings.backend
    return "live" if secrets.has_x_user_credentials else "sandbox"


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if level != "debug":  # APScheduler logs every run at INFO; its warnings still show
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("run")
@calendar_option
@click.option(
    "--backend",
    type=click.Choice(["live", "sandbox"]),
    help="live: post to X; sandbox: in-process fake X (default: settings, else by credentials).",
)
@click.option(
    "--lease-seconds",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Lease time to live: a standby worker takes over this long after the leader stops.",
)
@click.option(
    "--resolve-seconds",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="How often posts whose outcome is unknown are looked for on the account.",
)
@click.option(
    "--settle-seconds",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="How long after a failed send X gets to show the post before the account is checked.",
)
@click.option(
    "--stale-sending-seconds",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    help="A post claimed this long ago and not recorded was cut off mid-send (its worker "
    "died): it is checked on the account. More than the X timeouts.",
)
@click.pass_obj
def run_command(
    app: AppContext,
    calendar_file: Path | None,
    backend: str | None,
    lease_seconds: float,
    resolve_seconds: float,
    settle_seconds: float,
    stale_sending_seconds: float,
) -> None:
    """Run the posting worker until SIGTERM or Ctrl-C: each due post goes out once, on time.

    The last three options shorten the unknown-post checks for drills and the reliability
    tests (docs/reliability.md); the defaults suit X.
    """
    from bot.alerts import WebhookAlerts
    from bot.posting import Poster
    from bot.report_delivery import PASSWORD_SECRET, ReportDelivery
    from bot.scheduler import Timings, Worker, utc_now
    from bot.testing import SANDBOX_ACCOUNT, SandboxX
    from bot.worker_duties import Snapshot, build_duties

    settings = app.settings
    _configure_logging(settings.log_level)
    request_seconds = settings.timeouts.connect_seconds + settings.timeouts.read_seconds
    if stale_sending_seconds <= request_seconds:
        raise click.BadParameter(
            f"{stale_sending_seconds:g} s is not more than one X request's timeouts "
            f"({request_seconds:g} s): a post still being sent would be taken as cut off",
            param_hint="--stale-sending-seconds",
        )
    secrets = load_secrets(app.environ)
    account: Account | None = None
    client: XClient
    chosen = choose_backend(backend, settings, secrets)
    if chosen == "live":
        from bot.x_client import TweepyXClient

        client = TweepyXClient.from_settings(settings, secrets)
        account = client.me()
        click.echo(f"live X: posting as @{account.username}", err=True)
    else:
        click.echo(SANDBOX_BANNER, err=True)
    path = calendar_file or settings.calendar

    def load_snapshot() -> Snapshot:
        loaded = load(app, None, path)
        loaded.plan.raise_for_problems()
        if account is not None:
            check_account(account, loaded.calendar.campaign.x_username)
        return Snapshot(loaded.calendar, loaded.plan.posts, loaded.directory)

    in_force = [load_snapshot()]  # the calendar in force: replaced when an edit loads
    first_load = [True]  # the worker's first load (at start) is the one just made

    def load_posts() -> tuple[PlannedPost, ...]:
        if first_load[0]:
            first_load[0] = False
        else:
            in_force[0] = load_snapshot()
        return tuple(in_force[0].posts)

    if account is None:  # the sandbox: an in-process X posting as the calendar's account
        campaign = in_force[0].calendar.campaign
        account = Account(SANDBOX_ACCOUNT.user_id, campaign.x_username, campaign.name)
        client = SandboxX(clock=utc_now, account=account)

    with Store.open(settings.database) as store:
        claim_backend(store, chosen, datetime.now(UTC))
        webhook = WebhookAlerts(
            settings.alerts.webhook_url,
            connect_seconds=settings.timeouts.connect_seconds,
            read_seconds=settings.timeouts.read_seconds,
            campaign="reachout",
        )
        poster = Poster(
            store,
            client,
            settings.caps,
            alert=webhook,
            user_id=account.user_id,
            settle_seconds=settle_seconds,
            stale_sending_seconds=stale_sending_seconds,
        )
        campaign = in_force[0].calendar.campaign
        delivery = ReportDelivery.from_settings(
            settings, secrets.get(PASSWORD_SECRET), campaign.hashtag or campaign.name
        )
        parts = build_duties(
            store, client, account=account, settings=settings, current=lambda: in_force[0],
            alert=poster.raise_alert, first_at=utc_now() + FIRST_POLL_AFTER,
            reports_dir=settings.reports_dir, deliver=delivery if delivery.channels else None,
        )  # fmt: skip
        worker = Worker(
            store,
            poster,
            load_posts,
            duties=parts.duties,
            owner=f"{socket.gethostname()}:{os.getpid()}",
            calendar_path=path,
            # the drain outlasts one X request, so an in-flight post finishes and is recorded
            timings=Timings(
                lease_seconds=lease_seconds,
                drain_seconds=_drain_seconds(settings),
                resolve_seconds=resolve_seconds,
            ),
        )
        worker.serve()


# --- status and health -----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def collect_status(
    app: AppContext, calendar_file: Path | None, now: datetime, limit: int
) -> dict[str, Any]:
    """Gather what ``status`` shows, as JSON-ready data (times ISO 8601 UTC).

    Args:
        app: settings (database, calendar).
        calendar_file: ``--calendar``, or None for the settings' calendar.
        now: the current time (aware).
        limit: how many next posts and recent ledger rows.

    Returns:
        Keys: database, now, calendar {file, error}, next_posts, recent, alerts, lease,
        heartbeat, counts. A missing database shows as empty sections.
    """
    path = calendar_file or app.settings.calendar
    calendar: dict[str, Any] = {"file": str(path), "error": None}
    posts: tuple[PlannedPost, ...] = ()
    try:
        loaded = load(app, None, calendar_file)
        posts = loaded.plan.posts
        if problems := loaded.plan.problems:
            calendar["error"] = f"{len(problems)} problem(s), first: {problems[0]}"
    except BotError as exc:
        calendar["error"] = str(exc)
    database = app.settings.database
    report: dict[str, Any] = {"database": str(database), "now": _iso(now), "calendar": calendar}
    rows, alerts, lease, beat, counts = [], [], None, None, {}
    if database.exists():
        with Store.open(database) as store:
            rows, alerts, counts = store.rows(), store.open_alerts(), store.counts_by_state()
            lease, beat = store.lease(), store.last_heartbeat()
    known = {row.key for row in rows}
    report["next_posts"] = [
        {"key": p.key, "at_utc": _iso(p.at_utc), "latest_at_utc": _iso(p.latest_at_utc),
         "text": p.text}
        for p in posts if p.key not in known and p.latest_at_utc >= now
    ][:limit]  # fmt: skip
    recent = sorted(rows, key=lambda r: (r.updated_at, r.key), reverse=True)[:limit]
    report["recent"] = [
        {"key": r.key, "state": r.state, "x_post_id": r.x_post_id, "text": r.text,
         "scheduled_at": _iso(r.scheduled_at), "updated_at": _iso(r.updated_at),
         "error": r.last_error}
        for r in recent
    ]  # fmt: skip
    report["alerts"] = [
        {"id": a.id, "kind": a.kind, "key": a.key, "message": a.message,
         "created_at": _iso(a.created_at)}
        for a in alerts
    ]  # fmt: skip
    report["lease"] = lease and {
        "owner": lease.owner, "acquired_at": _iso(lease.acquired_at),
        "expires_at": _iso(lease.expires_at), "expired": lease.expires_at <= now,
    }  # fmt: skip
    report["heartbeat"] = beat and {
        "owner": beat.owner, "at": _iso(beat.at), "info": beat.info,
        "age_seconds": round((now - beat.at).total_seconds(), 1),
    }  # fmt: skip
    report["counts"] = {state: n for state, n in counts.items() if n}
    return report


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_status(report: dict[str, Any]) -> None:
    click.echo(f"database: {report['database']}")
    calendar = report["calendar"]
    click.echo(
        f"calendar: {calendar['file']}" + (f" ({calendar['error']})" if calendar["error"] else "")
    )
    lease = report["lease"]
    if lease is None:
        click.echo("lease: free (no worker holds it)")
    else:
        state = "expired" if lease["expired"] else "held"
        click.echo(f"lease: {state} by {lease['owner']} until {lease['expires_at']}")
    beat = report["heartbeat"]
    if beat is None:
        click.echo("heartbeat: none yet")
    else:
        age = f"{beat['age_seconds']:g} s ago"
        click.echo(f"heartbeat: {beat['at']} ({age}) by {beat['owner']}: {beat['info']}")
    counts = ", ".join(f"{n} {state}" for state, n in report["counts"].items())
    click.echo(f"ledger: {counts or 'empty'}")
    click.echo(f"next posts ({len(report['next_posts'])}):")
    for post in report["next_posts"]:
        click.echo(f"  {post['at_utc']}  {post['key']}  {_short(post['text'])}")
    click.echo(f"recent ledger rows ({len(report['recent'])}):")
    for row in report["recent"]:
        x_id = row["x_post_id"] or "-"
        click.echo(f"  {row['state']:<12} {row['key']}  x:{x_id}  {_short(row['text'], 50)}")
    click.echo(f"open alerts ({len(report['alerts'])}):")
    for alert in report["alerts"]:
        click.echo(f"  #{alert['id']} {alert['kind']}: {_short(alert['message'], 90)}")


@click.command("status")
@calendar_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
    help="How many next posts and recent ledger rows to show.",
)  # fmt: skip
@click.pass_obj
def status_command(app: AppContext, calendar_file: Path | None, fmt: str, limit: int) -> None:
    """Show the next posts, recent ledger rows, open alerts, the lease and the heartbeat."""
    report = collect_status(app, calendar_file, datetime.now(UTC), limit)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_status(report)


def check_health(database: Path, now: datetime, max_age_seconds: float) -> tuple[bool, str]:
    """Judge the worker's heartbeat: (healthy, one line saying why).

    Args:
        database: the SQLite file (not created when missing).
        now: the current time (aware).
        max_age_seconds: the oldest heartbeat that still counts as healthy.
    """
    if not database.exists():
        return False, f"unhealthy: no database at {database} (the worker has not run)"
    try:
        with Store.open(database) as store:
            beat = store.last_heartbeat()
    except BotError as exc:
        return False, f"unhealthy: {exc}"
    if beat is None:
        return False, "unhealthy: no heartbeat yet"
    age = max((now - beat.at).total_seconds(), 0.0)
    where = f"last heartbeat {age:.0f} s ago by {beat.owner} ({beat.info})"
    if beat.info.startswith("role=stopped"):
        return False, f"unhealthy: the worker stopped; {where}"
    if age > max_age_seconds:
        return False, f"unhealthy: {where}, over {max_age_seconds:g} s"
    return True, f"ok: {where}"


@click.command("health")
@click.option(
    "--max-age-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MAX_AGE_SECONDS,
    show_default=True,
    help="The oldest heartbeat that counts as healthy.",
)
@click.pass_obj
def health_command(app: AppContext, max_age_seconds: float) -> None:
    """Exit 0 when the worker's last heartbeat is recent, 1 otherwise (container health check)."""
    healthy, line = check_health(app.settings.database, datetime.now(UTC), max_age_seconds)
    click.echo(line)
    if not healthy:
        sys.exit(1)


def claim_backend(store: Store, backend: str, now: datetime) -> None:
    """Tie a database to one backend: sandbox "posts" must never stop real ones.

    Raises:
        WorkerError: the ledger already records posts made through the other backend.
    """
    used = store.get_state(BACKEND_STATE)
    if used is not None and used != backend:
        raise WorkerError(
            f"{store.path} records {used} posts; running {backend} on it would treat them as "
            "already sent",
            f"use another database for {backend} (REACHOUT_DB), or delete this one",
        )
    store.set_state(BACKEND_STATE, backend, now)


FIRST_POLL_AFTER = timedelta(seconds=5)
"""The first collection poll: this long after start (once the lease is settled), then every
interval. A start time already past when the job is added would push it one interval later."""


def _drain_seconds(settings: Settings) -> float:
    """Seconds SIGTERM waits for in-flight posts: one X request's timeouts plus a margin."""
    timeouts = settings.timeouts
    return max(20.0, timeouts.connect_seconds + timeouts.read_seconds + 5.0)


@click.command("resume")
@click.option("--tagged", is_flag=True, help="Also turn @-tagging posts back on.")
@click.pass_obj
def resume_command(app: AppContext, tagged: bool) -> None:
    """Lift the pause X's refusal of our credentials set (after fixing them); see status."""
    from bot.posting import resume_posting

    with Store.open(app.settings.database) as store:
        lifted = resume_posting(store, now=datetime.now(UTC), tagged=tagged)
    click.echo("lifted: " + "; ".join(lifted) if lifted else "nothing was paused")


COMMANDS = (run_command, status_command, health_command, resume_command)
"""The commands to register: ``for command in COMMANDS: main.add_command(command)``."""
