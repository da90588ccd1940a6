"""Settings: ``config/settings.yaml`` overridden by ``REACHOUT_*`` environment variables.

Non-secret settings live in the YAML file; every one can be overridden by an environment
variable named ``REACHOUT_`` + its dotted name in capitals with dots as underscores
(``caps.posts_per_day`` → ``REACHOUT_CAPS_POSTS_PER_DAY``). Two short aliases exist:
``REACHOUT_DB`` (``database``) and ``REACHOUT_CALENDAR`` (``calendar``); ``REACHOUT_SETTINGS``
names another settings file.

Relative paths written in the settings file are relative to the project folder (the folder
holding ``config/``); relative paths given in the environment are relative to the current
directory, as for any command-line tool.

Secrets (X credentials, SMTP password) come from the environment only, or from a file named
by ``<NAME>_FILE`` (Docker secrets); they are never read from YAML, logged or printed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot import yamlsource
from bot.errors import ConfigError, Problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "config" / "settings.yaml"
MAX_SETTINGS_BYTES = 64 * 1024
ENV_PREFIX = "REACHOUT_"
ENV_ALIASES = {"REACHOUT_DB": "database", "REACHOUT_CALENDAR": "calendar"}
ENV_SPECIAL = {"REACHOUT_SETTINGS"}
SECRET_NAMES = (
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
    "X_BEARER_TOKEN",
    "REACHOUT_SMTP_PASSWORD",
)
_PATH_KEYS = {"database", "calendar", "legislators", "overrides", "do_not_tag", "reports_dir"}


@dataclass(frozen=True)
class Timeouts:
    """HTTP timeouts for every request to X and to data sources, in seconds."""

    connect_seconds: float = 5.0
    read_seconds: float = 30.0


@dataclass(frozen=True)
class Polling:
    """How often collection runs, in minutes."""

    mentions_minutes: int = 30
    search_minutes: int = 60
    metrics_minutes: int = 360


@dataclass(frozen=True)
class Caps:
    """Posting limits (DESIGN.md: X allows 100 posts per 15 minutes; unverified ~50 a day)."""

    posts_per_day: int = 40
    posts_per_15_minutes: int = 50
    min_spacing_minutes: int = 2
    tagged_posts_per_day: int = 5
    tag_interval_days: int = 7


@dataclass(frozen=True)
class Prices:
    """X pay-per-use prices in US dollars per item (2026 defaults)."""

    post: float = 0.015
    post_with_url: float = 0.20
    mention_read: float = 0.001
    search_read: float = 0.005


@dataclass(frozen=True)
class Budget:
    """Monthly read budget: a post count and dollars (0 = no limit)."""

    monthly_reads: int = 50_000
    monthly_dollars: float = 100.0


@dataclass(frozen=True)
class Forecast:
    """Expected traffic for the cost forecast (posts read per day, our posts' metrics days)."""

    mentions_per_day: int = 150
    hashtag_posts_per_day: int = 400
    metrics_days: int = 7


@dataclass(frozen=True)
class Collection:
    """How collection reads X (see bot.collector).

    Attributes:
        overlap_minutes: each poll also re-reads this many minutes before the cursor, to
            recover posts X indexed late (counted separately from new reads).
        slow_at_percent: from this share of the monthly budget on, polls run half as often;
            at 100 % polling stops and an alert is raised.

    Our posts' metrics are refreshed for ``forecast.metrics_days`` days after posting.
    """

    overlap_minutes: int = 10
    slow_at_percent: int = 80


@dataclass(frozen=True)
class Report:
    """The weekly report (bot.report): privacy and delivery besides the reports folder.

    Attributes:
        anonymise_handles: show supporters as "supporter 1", "supporter 2"... in post lists
            (legislators and our own account keep their handles).
        webhook_url: Slack-compatible webhook that receives the summary (None: none).
        smtp_host: SMTP server for e-mail delivery (None: no e-mail); password from
            REACHOUT_SMTP_PASSWORD.
        smtp_port: its port (587 with STARTTLS, 465 with TLS).
        smtp_security: ``starttls``, ``tls`` or ``none``.
        smtp_user: login name (None: no login).
        email_from: sender address.
        email_to: recipients, separated by commas.
    """

    anonymise_handles: bool = False
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    email_from: str | None = None
    email_to: str | None = None


@dataclass(frozen=True)
class CongressCalendar:
    """Congress's official schedule (bot.congress_calendar, ``reachout congress-calendar``).

    Attributes:
        file: the recess windows built by ``reachout congress-calendar update``.
        house_url: the House voting-days iCalendar feed (None: not re-read by the worker).
        senate_url: the Senate schedule XML, ``{year}`` replaced (None: not re-read).
    """

    file: Path = PROJECT_ROOT / "data" / "congress-calendar.yaml"
    house_url: str | None = None
    senate_url: str | None = None


@dataclass(frozen=True)
class Simulation:
    """Sandbox traffic for ``reachout simulate`` (bot.sandbox); ``run`` on the sandbox has none.

    Attributes:
        hashtag_posts_per_day: supporters' campaign-hashtag posts a day, tagging their own
            state's legislators (spread over the day with a waking-hours rhythm).
        replies_per_post: supporters' replies to each of our posts, on average.
        legislator_replies_per_day: legislators' replies to our posts or supporters, a day.
        fault_percent: share of X requests that fail (429, 503, timeout, a post that reached X
            although the connection dropped), 0 to 100.
        seed: the random seed: the same seed gives the same traffic and faults.
    """

    hashtag_posts_per_day: int = 300
    replies_per_post: int = 6
    legislator_replies_per_day: int = 2
    fault_percent: float = 3.0
    seed: int = 2027


@dataclass(frozen=True)
class Alerts:
    """Where alerts go besides the log: a Slack-compatible webhook (None = log only)."""

    webhook_url: str | None = None


@dataclass(frozen=True)
class Settings:
    """The effective settings.

    Attributes:
        database: SQLite file of the ledger and collected data.
        calendar: the campaign calendar (YAML).
        legislators: the legislator directory built by ``reachout legislators update``.
        overrides: staff corrections to the directory.
        do_not_tag: bioguide ids or handles never to be @-tagged.
        reports_dir: folder the weekly reports are written to.
        backend: ``sandbox`` (in-process fake X, no credentials) or ``live``.
        x_api_base_url: base URL of the X API (a local fake server in tests).
        log_level: ``debug``, ``info``, ``warning`` or ``error``.
        sources: dotted setting name → where its value came from.
    """

    database: Path = PROJECT_ROOT / "var" / "reachout.db"
    calendar: Path = PROJECT_ROOT / "config" / "calendar.yaml"
    legislators: Path = PROJECT_ROOT / "data" / "legislators.yaml"
    overrides: Path = PROJECT_ROOT / "data" / "legislators-overrides.yaml"
    do_not_tag: Path = PROJECT_ROOT / "config" / "do-not-tag.yaml"
    reports_dir: Path = PROJECT_ROOT / "reports"
    backend: str = "sandbox"
    x_api_base_url: str = "https://api.x.com"
    log_level: str = "info"
    timeouts: Timeouts = field(default_factory=Timeouts)
    polling: Polling = field(default_factory=Polling)
    caps: Caps = field(default_factory=Caps)
    prices: Prices = field(default_factory=Prices)
    budget: Budget = field(default_factory=Budget)
    forecast: Forecast = field(default_factory=Forecast)
    alerts: Alerts = field(default_factory=Alerts)
    collection: Collection = field(default_factory=Collection)
    report: Report = field(default_factory=Report)
    congress_calendar: CongressCalendar = field(default_factory=CongressCalendar)
    simulation: Simulation = field(default_factory=Simulation)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def items(self) -> list[tuple[str, Any]]:
        """Return (dotted name, value) for every setting, in file order."""
        out: list[tuple[str, Any]] = []
        for name in _schema():
            value: Any = self
            for part in name.split("."):
                value = getattr(value, part)
            out.append((name, value))
        return out


_CHOICES = {
    "backend": ("sandbox", "live"),
    "log_level": ("debug", "info", "warning", "error"),
    "report.smtp_security": ("starttls", "tls", "none"),
}
# The smallest value of a number setting (any other: 0); _POSITIVE ones must be above 0.
_MINIMUMS = {
    "polling.mentions_minutes": 1,
    "polling.search_minutes": 1,
    "polling.metrics_minutes": 1,
    "collection.slow_at_percent": 1,
    "report.smtp_port": 1,
    "caps.posts_per_day": 1,
    "caps.posts_per_15_minutes": 1,
    "caps.tag_interval_days": 1,
}
_MAXIMUMS = {
    "simulation.fault_percent": 100,
    "collection.slow_at_percent": 100,
    "simulation.hashtag_posts_per_day": 20_000,
    "simulation.replies_per_post": 500,
    "simulation.legislator_replies_per_day": 500,
}
_POSITIVE = {"timeouts.connect_seconds", "timeouts.read_seconds"}
_URLS = {
    "x_api_base_url": "https://api.x.com",
    "alerts.webhook_url": "https://hooks.slack.com/…",
    "report.webhook_url": "https://hooks.slack.com/…",
    "congress_calendar.house_url": "https://votingdays.house.gov/voting-days.ics",
    "congress_calendar.senate_url": "https://www.senate.gov/legislative/{year}_schedule.xml",
}
# A key that looks like a credential (in the file, it gets the "environment only" hint).
_SECRET_LOOKING = re.compile(r"secret|password|passwd|token|consumer_key|api_key|credential", re.I)


def _secret_hint(key: str) -> str | None:
    """The hint for an unknown settings key that looks like a credential (else None)."""
    if _SECRET_LOOKING.search(key):
        return "secrets are read from the environment only (X_CONSUMER_KEY …), never from this file"
    return None


def _invalid(name: str, value: Any) -> tuple[str, str] | None:
    """Check a typed value, from the file and from the environment alike.

    Returns:
        None when it is fine, else (what is wrong, without the name; how to fix it).
    """
    if name in _CHOICES and value not in _CHOICES[name]:
        return f"must be one of {', '.join(_CHOICES[name])}, not {value!r}", ""
    shown = f"{value:g}" if isinstance(value, float) else value
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, not {shown}", "write a number such as 30 or 0.015"
    if isinstance(value, int | float) and name in _POSITIVE and value <= 0:
        return f"must be more than 0, not {shown}", "e.g. 5"
    if isinstance(value, int | float) and value > _MAXIMUMS.get(name, math.inf):
        return f"must be at most {_MAXIMUMS[name]}, not {shown}", ""
    if isinstance(value, int | float) and value < _MINIMUMS.get(name, 0):
        return f"must be at least {_MINIMUMS.get(name, 0)}, not {shown}", ""
    if name in _URLS and value is not None:
        return _url_problem(str(value), f"e.g. {_URLS[name]}")
    return None


def _url_problem(url: str, hint: str) -> tuple[str, str] | None:
    """Refuse a URL that is not http(s)://host..., or that holds user:password@."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
            return "must be an http:// or https:// URL with a host", hint
    except ValueError:  # a port that is not a number, a broken [IPv6] address
        return "must be an http:// or https:// URL with a host", hint
    if any(char.isspace() for char in url):
        return "must not contain spaces", "remove them (or encode them as %20)"
    if "@" in parts.netloc:
        return "must not hold a user name or password (user:password@)", "remove them"
    return None


def _schema(cls: type = Settings, prefix: str = "") -> dict[str, type]:
    """Return dotted name → value type for every leaf setting."""
    hints = typing.get_type_hints(cls)
    out: dict[str, type] = {}
    for f in dataclasses.fields(cls):
        if f.name == "sources":
            continue
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            out.update(_schema(typing.cast(type, kind), f"{prefix}{f.name}."))
        else:
            out[prefix + f.name] = kind
    return out


def env_name(dotted: str) -> str:
    """Return the environment variable that overrides a dotted setting name."""
    return ENV_PREFIX + dotted.replace(".", "_").upper()


def _parse_env(raw: str, name: str, kind: type, var: str) -> tuple[Any, str | None]:
    """Convert an environment value; return (value, error message or None)."""
    optional = isinstance(kind, types.UnionType)
    if optional and raw.strip() == "":
        return None, None
    base = str if optional else kind
    if base is bool:
        if raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true", None
        return None, f"{var}={raw!r} must be true or false"
    try:
        if base is int:
            return int(raw), None
        if base is float:
            return float(raw), None
    except ValueError:
        return None, f"{var}={raw!r} is not a {'whole number' if base is int else 'number'}"
    if base is Path and not raw.strip():
        return None, f"{var} is empty"
    if base is Path:
        return Path(raw).expanduser().resolve(), None
    return raw, None


def _read_file(path: Path, display: str) -> tuple[dict[str, tuple[Any, str]], list[Problem]]:
    """Read the settings file into dotted name → (value, source)."""
    hint = "check the path (REACHOUT_SETTINGS)"
    data = yamlsource.read_file(path, display, max_bytes=MAX_SETTINGS_BYTES, error=ConfigError,
                                what="the settings file", hint=hint)  # fmt: skip
    source = yamlsource.load(data, display, max_bytes=MAX_SETTINGS_BYTES, error=ConfigError)
    reader = yamlsource.Reader(source)
    values: dict[str, tuple[Any, str]] = {}
    if source.root is None:
        return values, []
    schema = _schema()
    sections = sorted({n.split(".")[0] for n in schema if "." in n})
    top_keys = [n for n in schema if "." not in n] + sections

    def read(node: Any, name: str) -> None:
        kind = schema[name]
        optional = isinstance(kind, types.UnionType)
        if (
            optional
            and getattr(node, "value", None) in ("", "null", "~")
            and yamlsource.is_plain(node)
        ):
            value: Any = None
        elif kind is bool:
            value = reader.boolean(node, name)
        elif kind is int:
            value = reader.integer(node, name)
        elif kind is float:
            value = reader.number(node, name, minimum=-math.inf)
        elif kind is Path:
            text = reader.text(node, name, free_text=False)
            value = None if text is None else (PROJECT_ROOT / text).resolve()
        else:
            value = reader.text(node, name, free_text=False)
        if value is not None and (bad := _invalid(name, value)):
            reader.problem(node, f"{name} {bad[0]}", bad[1])
            return
        if value is not None or optional:
            line, _ = yamlsource.position(node)
            values[name] = (value, f"{display}:{line}")

    top = reader.mapping(source.root, "settings", top_keys, unknown_hint=_secret_hint)
    for key, (_, node) in top.items():
        if key in sections:
            known = [n.split(".", 1)[1] for n in schema if n.startswith(key + ".")]
            entries = reader.mapping(node, f"settings '{key}'", known, unknown_hint=_secret_hint)
            for sub, (_, sub_node) in entries.items():
                read(sub_node, f"{key}.{sub}")
        else:
            read(node, key)
    return values, reader.problems


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Return the effective settings: defaults, then the settings file, then the environment.

    Args:
        path: the settings file; default ``$REACHOUT_SETTINGS`` or ``config/settings.yaml``
            in the project folder (a missing default file means all defaults).
        environ: the environment (default: none, i.e. only the file and defaults).

    Returns:
        Settings, with ``sources`` telling where each value came from.

    Raises:
        ConfigError: unknown or mistyped keys (file:line:column), bad values, unknown
            ``REACHOUT_*`` variables.
    """
    environ = environ or {}
    explicit = path is not None or "REACHOUT_SETTINGS" in environ
    if path is None:
        path = (
            Path(environ["REACHOUT_SETTINGS"])
            if "REACHOUT_SETTINGS" in environ
            else DEFAULT_SETTINGS_FILE
        )
    schema = _schema()
    values: dict[str, tuple[Any, str]] = {}
    problems: list[Problem] = []
    if explicit or path.exists():
        display = _display(path)
        values, problems = _read_file(path, display)
    by_env = {env_name(n): n for n in schema} | ENV_ALIASES
    for var, raw in sorted(environ.items()):
        secret = var in SECRET_NAMES or var.removesuffix("_FILE") in SECRET_NAMES
        if not var.startswith(ENV_PREFIX) or var in ENV_SPECIAL or secret:
            continue
        name = by_env.get(var)
        if name is None:
            close = difflib.get_close_matches(var, list(by_env), n=1, cutoff=0.7)
            hint = f"did you mean {close[0]}?" if close else "see `reachout config show`"
            problems.append(Problem("environment", 0, 0, f"{var} is not a reachout setting", hint))
            continue
        value, message = _parse_env(raw, name, schema[name], var)
        bad = None if message or value is None else _invalid(name, value)
        if bad:
            message = f"{var} {bad[0]}"
        if message:
            hint = (bad and bad[1]) or "fix or unset it"
            problems.append(Problem("environment", 0, 0, message, hint))
        else:
            values[name] = (value, f"environment {var}")
    if problems:
        raise ConfigError(problems)
    return _build(values)


def _build(values: dict[str, tuple[Any, str]]) -> Settings:
    sources = dict.fromkeys(_schema(), "default")
    sections: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for name, (value, where) in values.items():
        sources[name] = where
        if "." in name:
            section, key = name.split(".", 1)
            sections.setdefault(section, {})[key] = value
        else:
            top[name] = value
    hints = typing.get_type_hints(Settings)
    for section, fields_ in sections.items():
        top[section] = hints[section](**fields_)
    return Settings(**top, sources=sources)


def _display(path: Path) -> str:
    """Show a path relative to the current directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Secrets:
    """Credentials from the environment. ``repr`` and ``str`` never show a value.

    Attributes:
        values: secret name → value, for those that are set.
        sources: secret name → "environment NAME" or "file named by NAME_FILE".
    """

    values: Mapping[str, str] = field(repr=False)
    sources: Mapping[str, str]

    def get(self, name: str) -> str | None:
        """Return a secret's value, or None when it is not set."""
        return self.values.get(name)

    @property
    def has_x_user_credentials(self) -> bool:
        """True when all four OAuth 1.0a user-context values are set."""
        return all(self.values.get(n) for n in SECRET_NAMES[:4])


def load_secrets(environ: Mapping[str, str]) -> Secrets:
    """Read the secrets from the environment (or files named by ``<NAME>_FILE``).

    Raises:
        ConfigError: a ``<NAME>_FILE`` names a file that cannot be read.
    """
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in SECRET_NAMES:
        if environ.get(name):
            values[name] = environ[name].strip()
            sources[name] = f"environment {name}"
        elif environ.get(name + "_FILE"):
            file = Path(environ[name + "_FILE"])
            try:
                values[name] = file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    [
                        Problem(
                            f"environment {name}_FILE",
                            0,
                            0,
                            f"cannot read {file}: {exc.strerror}",
                            "check the secret file's path",
                        )
                    ]
                ) from exc
            sources[name] = f"file named by {name}_FILE"
    return Secrets(values, sources)
