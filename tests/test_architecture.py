"""The architecture rules from STYLE.md, checked on the source with ast.

Dependencies point one way: cli → scheduler → {posting, collector, report} →
{compose, store, x_client} → {campaign, legislators} → errors. Only x_client imports
tweepy; only cli and settings read the environment; no module is over ~400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

# A module may import only bot modules of a strictly lower layer. Every module must be here.
LAYERS: dict[str, float] = {
    "errors": 0,
    "yamlsource": 1,
    "twitter_text": 1,
    "campaign_schema": 1.5,
    "campaign_model": 1.7,
    "campaign": 2,
    "legislators": 2,
    "directory_dates": 2.6,
    "legislators_changes": 2.7,
    "legislators_import": 2.8,
    "congress_calendar": 2.5,
    "congress_sources": 2.7,
    "settings": 2,
    "templates": 2.5,
    "targets": 2.5,
    "compose": 3,
    "store_schema": 2.9,
    "store": 3,
    "store_collected": 3.1,
    "read_budget": 3.2,
    "gaps": 1,
    "archive_import": 3.5,
    "classify": 2.5,
    "x_models": 1,
    "x_archive": 1.5,
    "x_client": 3,
    "alerts": 3,
    "forecast": 3.5,
    "recess": 3.5,
    "sandbox_reads": 1.5,
    "testing": 3.5,
    "sandbox": 3.6,  # uses testing.SandboxX (3.5)
    "sandbox_crowd": 2.5,
    "posting": 4,
    "collector": 4,
    "report_period": 1,
    "report_model": 1.5,
    "report_data": 3.2,
    "report_charts": 3.3,
    "report_delivery": 3.5,
    "report": 4,
    "simulate": 4.6,
    "cli_simulate": 5.85,
    "reconcile": 4.2,
    "duties": 4.4,
    "worker_duties": 4.45,
    "scheduler": 5,
    "cli_context": 5.5,
    "cli_calendar": 5.8,
    "cli_legislators": 5.8,
    "cli_report": 5.85,
    "cli_congress": 5.8,
    "cli_worker": 5.9,
    "cli_collect": 5.95,
    "cli": 6,
    "__main__": 7,
    "__init__": 0,
}
BOT = PROJECT_ROOT / "bot"
MODULES = sorted(p for p in BOT.glob("*.py"))
MAX_LINES = 480


def bot_imports(path: Path) -> set[str]:
    """Return the bot modules a file imports (``from bot import x``, ``import bot.x``...)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "bot":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("bot."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("bot."))
    return found - {"__version__"}


def third_party_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_imports_point_down_the_layers(path: Path) -> None:
    """No module imports one from its own or a higher layer."""
    assert path.stem in LAYERS, f"bot/{path.name} has no layer in tests/test_architecture.py"
    upward = sorted(m for m in bot_imports(path) if LAYERS.get(m, 99) >= LAYERS[path.stem])
    assert [] == upward


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_only_x_client_imports_tweepy(path: Path) -> None:
    """tweepy stays behind the XClient protocol."""
    if path.stem != "x_client":
        assert "tweepy" not in third_party_imports(path)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_only_the_edge_reads_the_environment(path: Path) -> None:
    """os.environ is read in cli and settings only (settings receive it as an argument)."""
    if path.stem not in {"cli", "__main__"}:  # cli_* receive the environment from cli
        assert "os.environ" not in path.read_text(encoding="utf-8")
        assert "getenv" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_modules_stay_small(path: Path) -> None:
    """Modules stay readable: about 400 non-blank lines at most (a little slack)."""
    lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert lines <= MAX_LINES, f"bot/{path.name} has {lines} lines"
