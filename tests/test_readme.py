"""The README shows real commands with their real, current output."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.conftest import PROJECT_ROOT


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_readme", PROJECT_ROOT / "scripts" / "update_readme.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_readme"] = module
    spec.loader.exec_module(module)
    return module


def test_readme_outputs_are_current() -> None:
    """Each `<!-- output: ARGS -->` block equals what `reachout ARGS` prints now."""
    script = load_script()
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = script.BLOCK.findall(text)
    assert len(blocks) >= 4
    assert text == script.refreshed(text), "run: .venv/bin/python scripts/update_readme.py"
    # the simulate block above just wrote the demo's reports: the README's chart is theirs
    assert script.CHART.read_bytes() == script.demo_chart(), "run scripts/update_readme.py"


def test_readme_first_screen_gives_the_two_commands() -> None:
    """The first screen (first 25 lines) holds `make demo` and `make test`."""
    first_screen = "\n".join(
        (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:25]
    )
    assert "make demo" in first_screen
    assert "make test" in first_screen
