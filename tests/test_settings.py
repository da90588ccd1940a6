"""Settings: the file, the environment, and where each value came from."""

from __future__ import annotations

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
