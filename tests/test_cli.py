"""The CLI edge: help, exit codes, errors as one line and a hint, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.conftest import PROJECT_ROOT


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ...` in a real process (the real exit code and streams)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        check=False,
        timeout=60,
    )


def test_config_show_masks_secrets_and_names_sources() -> None:
    """`config show` prints each setting with its source and never a secret's value."""
    code, out, _ = run(
        ["config", "show"],
        env={"X_CONSUMER_KEY": "s3cret-value-xyz", "REACHOUT_DB": "/tmp/reachout-test.db"},
    )
    assert 0 == code
    assert "s3cret-value-xyz" not in out
    assert "X_CONSUMER_KEY" in out and "********" in out
    assert "/tmp/reachout-test.db  [environment REACHOUT_DB]" in out
    assert "[config/settings.yaml:" in out or "settings.yaml:" in out


def test_config_show_json_is_machine_readable() -> None:
    """`config show --format json` is one JSON document with value, source and variable."""
    code, out, _ = run(
        ["config", "show", "--format", "json"], env={"X_BEARER_TOKEN": "bearer-secret"}
    )
    data = json.loads(out)
    assert 0 == code
    assert "REACHOUT_CAPS_POSTS_PER_DAY" == data["settings"]["caps.posts_per_day"]["env"]
    assert "********" == data["secrets"]["X_BEARER_TOKEN"]["value"]
    assert "bearer-secret" not in out


def test_bad_settings_file_exits_2_without_traceback(tmp_path: Path) -> None:
    """A mistyped settings key prints file:line:column and a hint, exit code 2."""
    bad = tmp_path / "settings.yaml"
    bad.write_text("caps:\n  posts_per_dya: 4\n", encoding="utf-8")
    proc = run_process("--settings", str(bad), "config", "show")
    assert 2 == proc.returncode
    assert "settings.yaml:2:3: 'posts_per_dya' is not a field" in proc.stderr
    assert "did you mean 'posts_per_day'" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_debug_flag_shows_the_traceback(tmp_path: Path) -> None:
    """--debug adds the traceback for whoever has to debug it."""
    bad = tmp_path / "settings.yaml"
    bad.write_text("backend: prod\n", encoding="utf-8")
    proc = run_process("--debug", "--settings", str(bad), "config", "show")
    assert 2 == proc.returncode
    assert "Traceback" in proc.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["no-such-command"], 2),
        (["config", "show", "--format", "xml"], 2),
    ],
    ids=["help", "version", "unknown-command", "bad-choice"],
)
def test_exit_codes(args: list[str], code: int) -> None:
    """0 for success, 2 for usage errors, from the real process."""
    proc = run_process(*args)
    assert code == proc.returncode
    assert "Traceback" not in proc.stderr


def _commands(group: object, prefix: str = "") -> list[str]:
    import click

    assert isinstance(group, click.Group)
    names: list[str] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names.extend(_commands(command, full + " "))
        else:
            names.append(full)
    return names


def test_every_command_has_help_and_is_in_the_readme() -> None:
    """Each command documents itself and appears in the README (as sqlite-utils does)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in _commands(main):
        code, out, _ = run([*name.split(), "--help"])
        assert 0 == code, name
        assert "Usage:" in out
        assert f"reachout {name}" in readme, f"`reachout {name}` is not in README.md"


@pytest.mark.parametrize(
    ("url", "fmt", "expected"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", "table",
         "  alerts.webhook_url  https://hooks.slack.com/…  "
         "[environment REACHOUT_ALERTS_WEBHOOK_URL]"),
        ("https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", "json",
         '"value": "https://hooks.slack.com/\\u2026"'),  # JSON escapes the ellipsis
        ("http://127.0.0.1:9000/hook?token=XXXXsecretXXXX", "table",
         "  alerts.webhook_url  http://127.0.0.1/…  "
         "[environment REACHOUT_ALERTS_WEBHOOK_URL]"),
    ],
    ids=["slack-table", "slack-json", "query-string"],
)  # fmt: skip
def test_config_show_hides_the_webhook_secret_path(url: str, fmt: str, expected: str) -> None:
    """A Slack webhook URL is a credential: `config show` prints scheme://host/… only."""
    code, out, _ = run(
        ["config", "show", "--format", fmt], env={"REACHOUT_ALERTS_WEBHOOK_URL": url}
    )
    out = re.sub(r"(?m)^(  \S+) +", r"\1  ", out)  # the column width follows the longest name
    assert (0, True, False) == (code, expected in out, "XXXXsecretXXXX" in out)


def test_config_show_hides_the_report_webhook_secret_path() -> None:
    """The report's webhook URL is a credential too: only scheme://host/… is printed."""
    url = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
    code, out, _ = run(["config", "show"], env={"REACHOUT_REPORT_WEBHOOK_URL": url})
    assert (0, False) == (code, "XXXXsecretXXXX" in out)
    assert "https://hooks.slack.com/…" in out


def test_starting_the_cli_does_not_load_the_heavy_modules() -> None:
    """`reachout --help` stays quick: twitter-text's tables, matplotlib and tweepy load on use."""
    code = "import sys, bot.cli; print(sorted(m for m in {MODULES} if m in sys.modules))"
    heavy = ["bot.twitter_text", "matplotlib", "tweepy", "apscheduler"]
    result = subprocess.run(
        [sys.executable, "-c", code.format(MODULES=heavy)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=True, timeout=60,
    )  # fmt: skip
    assert "[]" == result.stdout.strip()
