"""Settings: the file, the environment, and where each value came from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import (
    DEFAULT_SETTINGS_FILE,
    PROJECT_ROOT,
    Settings,
    env_name,
    load_secrets,
    load_settings,
)
from tests.conftest import NOT_REGULAR_FILES, needs_posix


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_settings_file_loads_and_matches_the_defaults() -> None:
    """config/settings.yaml is valid and states the same values as the built-in defaults."""
    shipped = load_settings(DEFAULT_SETTINGS_FILE, {})
    assert Settings().items() == shipped.items()
    assert all("settings.yaml:" in src for src in shipped.sources.values())


def test_every_setting_is_in_the_shipped_file() -> None:
    """Staff can see every setting in config/settings.yaml: none is only a hidden default."""
    shipped = load_settings(DEFAULT_SETTINGS_FILE, {})
    assert [n for n, src in shipped.sources.items() if src == "default"] == []


def test_file_values_are_typed_and_located(tmp_path: Path) -> None:
    """Values from the file are typed and their source names file and line."""
    path = write(tmp_path, "caps:\n  posts_per_day: 12\nprices:\n  post: 0.02\nbackend: live\n")
    settings = load_settings(path, {})
    assert 12 == settings.caps.posts_per_day
    assert 0.02 == settings.prices.post
    assert "live" == settings.backend
    assert settings.sources["caps.posts_per_day"].endswith("settings.yaml:2")
    assert "default" == settings.sources["caps.min_spacing_minutes"]


def test_relative_paths_in_the_file_are_relative_to_the_project(tmp_path: Path) -> None:
    """A relative database path in the file does not depend on the current directory."""
    path = write(tmp_path, "database: var/x.db\n")
    assert PROJECT_ROOT / "var" / "x.db" == load_settings(path, {}).database


@pytest.mark.parametrize(
    ("environ", "name", "expected"),
    [
        ({"REACHOUT_DB": "/tmp/a.db"}, "database", Path("/tmp/a.db")),
        ({"REACHOUT_DATABASE": "/tmp/b.db"}, "database", Path("/tmp/b.db")),
        ({"REACHOUT_CALENDAR": "/tmp/c.yaml"}, "calendar", Path("/tmp/c.yaml")),
        ({"REACHOUT_CAPS_POSTS_PER_DAY": "7"}, "caps.posts_per_day", 7),
        ({"REACHOUT_PRICES_SEARCH_READ": "0.01"}, "prices.search_read", 0.01),
        ({"REACHOUT_BACKEND": "live"}, "backend", "live"),
        (
            {"REACHOUT_ALERTS_WEBHOOK_URL": "https://hooks.example/x"},
            "alerts.webhook_url",
            "https://hooks.example/x",
        ),
    ],
    ids=["db-alias", "database", "calendar", "int", "float", "choice", "optional"],
)
def test_environment_overrides_the_file(
    environ: dict[str, str], name: str, expected: object
) -> None:
    """REACHOUT_* variables override the file and are named as the source."""
    settings = load_settings(DEFAULT_SETTINGS_FILE, environ)
    value = dict(settings.items())[name]
    assert expected == value
    assert settings.sources[name].startswith("environment REACHOUT_")


def test_env_name_follows_the_dotted_name() -> None:
    """The variable for a dotted name is REACHOUT_ + the name in capitals."""
    assert "REACHOUT_CAPS_POSTS_PER_DAY" == env_name("caps.posts_per_day")


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        ("caps:\n  posts_per_dya: 4\n", 2, 3, "did you mean 'posts_per_day'"),
        ("databse: x.db\n", 1, 1, "did you mean 'database'"),
        ("backend: sandbx\n", 1, 10, "must be one of sandbox, live"),
        ("caps:\n  posts_per_day: 12:30\n", 2, 18, "whole number"),
        ("caps:\n  posts_per_day: 010\n", 2, 18, "whole number"),
        ("prices:\n  post: cheap\n", 2, 9, "must be a number"),
        ("backend: live\nbackend: sandbox\n", 2, 1, "appears twice"),
        ("caps: 5\n", 1, 7, "must be a set of 'key: value' lines"),
        ("\tbackend: live\n", 1, 1, "Tab"),
    ],
    ids=[
        "nested-typo",
        "top-typo",
        "choice",
        "sexagesimal",
        "octal",
        "price",
        "duplicate",
        "section-scalar",
        "tab",
    ],
)
def test_bad_settings_name_file_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, phrase: str
) -> None:
    """An unknown, mistyped or duplicate key is a ConfigError at file:line:column."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    problem = caught.value.problems[0]
    assert (line, column) == (problem.line, problem.column)
    assert phrase in str(problem)
    assert 2 == caught.value.exit_code


@pytest.mark.parametrize(
    ("environ", "phrase"),
    [
        ({"REACHOUT_CAPS_POST_PER_DAY": "3"}, "did you mean REACHOUT_CAPS_POSTS_PER_DAY"),
        ({"REACHOUT_CAPS_POSTS_PER_DAY": "many"}, "not a whole number"),
        ({"REACHOUT_BACKEND": "prod"}, "must be one of sandbox, live"),
    ],
    ids=["typo", "int", "choice"],
)
def test_bad_environment_is_a_config_error(environ: dict[str, str], phrase: str) -> None:
    """A mistyped REACHOUT_* variable is an error, not silently ignored."""
    with pytest.raises(ConfigError) as caught:
        load_settings(DEFAULT_SETTINGS_FILE, environ)
    assert phrase in str(caught.value)


def test_missing_named_settings_file_is_an_error(tmp_path: Path) -> None:
    """A settings file that was asked for but does not exist is an error with a hint."""
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.yaml", {})
    assert "cannot read the settings file" in str(caught.value)


def test_secrets_come_from_the_environment_and_never_show(tmp_path: Path) -> None:
    """Secrets are read from the environment or a *_FILE and never appear in repr()."""
    secret_file = tmp_path / "token"
    secret_file.write_text("file-secret-value\n", encoding="utf-8")
    secrets = load_secrets(
        {"X_CONSUMER_KEY": "env-secret-value", "X_ACCESS_TOKEN_FILE": str(secret_file)}
    )
    assert "env-secret-value" == secrets.get("X_CONSUMER_KEY")
    assert "file-secret-value" == secrets.get("X_ACCESS_TOKEN")
    assert secrets.get("X_BEARER_TOKEN") is None
    assert "secret-value" not in repr(secrets)
    assert not secrets.has_x_user_credentials


def test_secrets_in_the_settings_file_are_refused(tmp_path: Path) -> None:
    """A credential written into settings.yaml is an unknown key, not a silent secret."""
    path = write(tmp_path, "x_consumer_key: abc\n")
    with pytest.raises(ConfigError):
        load_settings(path, {})


# --- the tester's findings: the same checks for the file and the environment -----------------


def file_text(name: str, value: str) -> tuple[str, tuple[int, int]]:
    """Return a settings file setting one dotted name, and where its value starts."""
    if "." not in name:
        return f"{name}: {value}\n", (1, len(name) + 3)
    section, key = name.split(".")
    return f"{section}:\n  {key}: {value}\n", (2, len(key) + 5)


def file_problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    """Return (line, column, 'message — hint') of each problem loading a settings file."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), {})
    return [(p.line, p.column, str(p).split(": ", 1)[1]) for p in caught.value.problems]


def env_problems(environ: dict[str, str]) -> list[str]:
    """Return 'message — hint' of each problem the environment raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(DEFAULT_SETTINGS_FILE, environ)
    return [str(p).removeprefix("environment: ") for p in caught.value.problems]


BAD_VALUES = [
    ("caps.posts_per_day", "-5", "must be at least 1, not -5"),
    ("caps.posts_per_day", "0", "must be at least 1, not 0"),
    ("caps.posts_per_15_minutes", "0", "must be at least 1, not 0"),
    ("caps.tag_interval_days", "0", "must be at least 1, not 0"),
    ("caps.tagged_posts_per_day", "-1", "must be at least 0, not -1"),
    ("caps.min_spacing_minutes", "-1", "must be at least 0, not -1"),
    ("polling.mentions_minutes", "0", "must be at least 1, not 0"),
    ("polling.search_minutes", "0", "must be at least 1, not 0"),
    ("timeouts.connect_seconds", "-1", "must be more than 0, not -1 — e.g. 5"),
    ("timeouts.read_seconds", "0", "must be more than 0, not 0 — e.g. 5"),
    ("prices.post", "-0.5", "must be at least 0, not -0.5"),
    ("budget.monthly_dollars", "-1", "must be at least 0, not -1"),
    ("budget.monthly_reads", "-1", "must be at least 0, not -1"),
    ("forecast.mentions_per_day", "-1", "must be at least 0, not -1"),
    ("forecast.metrics_days", "-7", "must be at least 0, not -7"),
    ("backend", "prod", "must be one of sandbox, live, not 'prod'"),
    ("x_api_base_url", "ftp://api.x.com",
     "must be an http:// or https:// URL with a host — e.g. https://api.x.com"),
    ("x_api_base_url", "api.x.com", "must be an http:// or https:// URL with a host"),
    ("x_api_base_url", "https://api.x.com:port", "must be an http:// or https:// URL with a host"),
    ("alerts.webhook_url", "https://", "must be an http:// or https:// URL with a host — e.g. "
     "https://hooks.slack.com/…"),
    ("alerts.webhook_url", "https://bot:pw@hooks.slack.com/x",
     "must not hold a user name or password (user:password@) — remove them"),
    ("alerts.webhook_url", "https://hooks.slack.com/a b", "must not contain spaces"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "phrase"), BAD_VALUES)
def test_a_bad_value_is_refused_in_the_file(
    tmp_path: Path, name: str, value: str, phrase: str
) -> None:
    """Minimums, choices and URLs are checked on file values, located at the value."""
    text, (line, column) = file_text(name, value)
    found = file_problems(tmp_path, text)
    assert [(line, column)] == [p[:2] for p in found]
    assert found[0][2].startswith(f"{name} {phrase}"), found


@pytest.mark.parametrize(("name", "value", "phrase"), BAD_VALUES)
def test_the_same_bad_value_is_refused_in_the_environment(
    name: str, value: str, phrase: str
) -> None:
    """The environment gets exactly the file's checks (REACHOUT_CAPS_POSTS_PER_DAY=-5 was
    accepted)."""
    found = env_problems({env_name(name): value})
    assert 1 == len(found)
    assert found[0].startswith(f"{env_name(name)} {phrase}"), found


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("caps.posts_per_day", "1", 1),
        ("caps.tagged_posts_per_day", "0", 0),
        ("caps.min_spacing_minutes", "0", 0),
        ("polling.search_minutes", "1", 1),
        ("timeouts.connect_seconds", "0.5", 0.5),
        ("prices.post", "0", 0.0),
        ("budget.monthly_dollars", "0", 0.0),
        ("forecast.metrics_days", "0", 0),
        ("x_api_base_url", "http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("alerts.webhook_url", "https://hooks.slack.com/services/T0/B0/x",
         "https://hooks.slack.com/services/T0/B0/x"),
    ],
)  # fmt: skip
def test_the_lowest_allowed_values_load_from_file_and_environment(
    tmp_path: Path, name: str, value: str, expected: object
) -> None:
    """Each minimum is allowed (0 = no limit for the budget), from either source."""
    from_file = load_settings(write(tmp_path, file_text(name, value)[0]), {})
    from_env = load_settings(DEFAULT_SETTINGS_FILE, {env_name(name): value})
    assert [expected, expected] == [dict(s.items())[name] for s in (from_file, from_env)]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"REACHOUT_BUDGET_MONTHLY_DOLLARS": "inf"}, "REACHOUT_BUDGET_MONTHLY_DOLLARS must be a "
         "finite number, not inf — write a number such as 30 or 0.015"),
        ({"REACHOUT_PRICES_POST": "nan"}, "REACHOUT_PRICES_POST must be a finite number, not nan"),
        ({"REACHOUT_PRICES_POST": "-inf"}, "REACHOUT_PRICES_POST must be a finite number, not "
         "-inf"),
        ({"REACHOUT_TIMEOUTS_READ_SECONDS": "1e999"},
         "REACHOUT_TIMEOUTS_READ_SECONDS must be a finite number, not inf"),
        ({"REACHOUT_CALENDAR": ""}, "REACHOUT_CALENDAR is empty — fix or unset it"),
        ({"REACHOUT_DB": "  "}, "REACHOUT_DB is empty — fix or unset it"),
        ({"REACHOUT_REPORTS_DIR": ""}, "REACHOUT_REPORTS_DIR is empty — fix or unset it"),
    ],
    ids=["inf", "nan", "minus-inf", "overflow", "empty-calendar", "blank-db", "empty-folder"],
)  # fmt: skip
def test_environment_numbers_are_finite_and_paths_not_empty(
    environ: dict[str, str], expected: str
) -> None:
    """nan and inf are refused; an empty path is an error, not the current folder."""
    found = env_problems(environ)
    assert 1 == len(found)
    assert found[0].startswith(expected), found


@pytest.mark.parametrize("name", ["prices.post", "budget.monthly_dollars"])
def test_nan_and_inf_are_refused_in_the_file_too(tmp_path: Path, name: str) -> None:
    """The file reads numbers as digits only, so nan and inf never get in from there either."""
    text, where = file_text(name, ".inf")
    assert [(*where, f"{name} must be a number, not '.inf' — e.g. 0.015")] == file_problems(
        tmp_path, text
    )


@pytest.mark.parametrize("secret", ["REACHOUT_SMTP_PASSWORD"])
def test_a_secret_file_variable_is_a_secret_source_not_an_unknown_setting(
    tmp_path: Path, secret: str
) -> None:
    """REACHOUT_SMTP_PASSWORD_FILE names a secret file: settings accept it, secrets read it."""
    secret_file = tmp_path / "password"
    secret_file.write_text("hunter2\n", encoding="utf-8")
    environ = {f"{secret}_FILE": str(secret_file)}
    assert Settings().items() == load_settings(DEFAULT_SETTINGS_FILE, environ).items()
    assert "hunter2" == load_secrets(environ).get(secret)


ENV_ONLY = "secrets are read from the environment only (X_CONSUMER_KEY …), never from this file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x_consumer_key: x\n", (1, 1, "'x_consumer_key' is not a field of settings", ENV_ONLY)),
        ("x_bearer_token: x\n", (1, 1, "'x_bearer_token' is not a field of settings", ENV_ONLY)),
        ("x_access_token: x\n", (1, 1, "'x_access_token' is not a field of settings", ENV_ONLY)),
        ("x_consumer_secret: a\n", (1, 1, "'x_consumer_secret' is not a field of settings",
                                    ENV_ONLY)),
        ("smtp_password: x\n", (1, 1, "'smtp_password' is not a field of settings", ENV_ONLY)),
        ("alerts:\n  webhook_token: abc\n",
         (2, 3, "'webhook_token' is not a field of settings 'alerts'", ENV_ONLY)),
        ("databse: x.db\n", (1, 1, "'databse' is not a field of settings",
                             "did you mean 'database'?")),
    ],
    ids=["consumer-key", "bearer-token", "access-token", "secret", "password", "in-a-section",
         "not-a-secret"],
)  # fmt: skip
def test_a_secret_in_the_settings_file_says_where_secrets_go(
    tmp_path: Path, text: str, expected: tuple[int, int, str, str]
) -> None:
    """A credential written into settings.yaml is refused with the environment-only hint."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), {})
    assert [expected] == [(p.line, p.column, p.message, p.hint) for p in caught.value.problems]


@needs_posix
@pytest.mark.parametrize(("make", "phrase"), NOT_REGULAR_FILES)
def test_the_settings_file_must_be_a_regular_file(
    tmp_path: Path, make: Callable[[Path], Path], phrase: str
) -> None:
    """A folder, a pipe (would hang) or a device (would fill memory) is refused at once."""
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert [f"cannot read the settings file: {path} {phrase}"] == [
        p.message for p in caught.value.problems
    ]


def test_comment_lines_after_settings_values_are_just_comments(tmp_path: Path) -> None:
    """Settings are words, paths and URLs (free_text=False): an indented comment line after a
    value is a comment, never "dropped from the text"."""
    path = write(tmp_path, "database: var/x.db\n  # the ledger\nx_api_base_url: http://h\n  # x\n")
    settings = load_settings(path, {})
    assert (PROJECT_ROOT / "var" / "x.db", "http://h") == (
        settings.database,
        settings.x_api_base_url,
    )


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("report:\n  anonymise_handles: true\n", {}, True),
        ("", {"REACHOUT_REPORT_ANONYMISE_HANDLES": "TRUE"}, True),
        (
            "report:\n  anonymise_handles: true\n",
            {"REACHOUT_REPORT_ANONYMISE_HANDLES": "false"},
            False,
        ),
    ],
    ids=["file", "environment", "environment-wins"],
)
def test_boolean_settings_from_file_and_environment(
    tmp_path: Path, text: str, environ: dict[str, str], expected: bool
) -> None:
    """A true/false setting reads from the file (YAML true/false) and the environment."""
    assert expected == load_settings(write(tmp_path, text), environ).report.anonymise_handles


@pytest.mark.parametrize(
    ("text", "environ", "phrase"),
    [
        ("report:\n  anonymise_handles: yes\n", {}, "must be true or false"),
        ("", {"REACHOUT_REPORT_ANONYMISE_HANDLES": "1"}, "must be true or false"),
        ("report:\n  smtp_security: ssl\n", {}, "must be one of starttls, tls, none"),
    ],
    ids=["file-yes", "environment-1", "choice"],
)
def test_bad_boolean_or_choice_is_refused(
    tmp_path: Path, text: str, environ: dict[str, str], phrase: str
) -> None:
    """A boolean written as yes or 1 is an error naming how to write it, not a guess."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ)
    assert phrase in str(caught.value)
