"""Refresh the command outputs shown in README.md.

Every fenced block preceded by ``<!-- output: ARGS -->`` holds what ``reachout ARGS`` prints,
run from the project folder with the shipped settings. ``tests/test_readme.py`` fails when a
block is stale; this script rewrites them:

    .venv/bin/python scripts/update_readme.py
"""

from __future__ import annotations

import base64
import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main as cli

README = Path(__file__).resolve().parent.parent / "README.md"
CHART = README.parent / "docs" / "images" / "report-per-day.svg"
DEMO_REPORT = README.parent / "var" / "simulation" / "reports" / "2027-W32" / "report.html"
CHART_URI = re.compile(
    r'<img class="chart"[^>]* src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"'
)
BLOCK = re.compile(r"<!-- output: (?P<args>[^>]*?) -->\n```\n(?P<body>.*?)^```\n", re.S | re.M)


def render(args: str) -> str:
    """Return what `reachout ARGS` prints on stdout (the environment's REACHOUT_* unset)."""
    result = CliRunner().invoke(cli, shlex.split(args), env={"REACHOUT_SETTINGS": None})
    return result.stdout


def refreshed(text: str) -> str:
    """Return README text with every output block replaced by the command's real output."""
    return BLOCK.sub(lambda m: f"<!-- output: {m['args']} -->\n```\n{render(m['args'])}```\n", text)


def demo_chart() -> bytes:
    """Return the SVG of the first chart of the demo's week 2027-W32 report.

    `reachout simulate` (an output block above) writes it to var/simulation/; README.md shows
    it as CHART.
    """
    html = (DEMO_REPORT).read_text(encoding="utf-8")
    found = CHART_URI.search(html)
    if found is None:
        raise SystemExit(f"no chart in {DEMO_REPORT}")
    return base64.b64decode(found[1])


def main() -> int:
    """Rewrite README.md and its chart in place; print whether anything changed."""
    text = README.read_text(encoding="utf-8")
    new = refreshed(text)
    README.write_text(new, encoding="utf-8")
    chart = demo_chart()
    changed = new != text or not CHART.exists() or CHART.read_bytes() != chart
    CHART.write_bytes(chart)
    print("README.md updated" if changed else "README.md already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
