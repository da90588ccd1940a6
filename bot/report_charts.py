"""The weekly report's charts: matplotlib figures as self-contained SVG ``data:`` URIs.

Figures are built with the object API (``matplotlib.figure.Figure``, never pyplot), so no GUI
backend is ever loaded and nothing is shared between threads. The output is deterministic:
the SVG ids come from a fixed ``svg.hashsalt`` and the file carries no date, so the same
numbers give byte-identical charts. Text stays ``<text>`` (a quarter of the size of glyph
paths), drawn by the viewer in DejaVu Sans or its sans-serif fallback. Math text is off, so
a ``$`` in a label is a dollar sign. An ``<img>`` showing an SVG runs no script and loads
nothing, and the data URI keeps the report one file that works offline and prints.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any, cast

from bot.report_model import LegislatorTally, SpanCount, StateTally
from bot.report_period import clean_text

_RC: dict[str, Any] = {
    "svg.hashsalt": "reachout-report",
    "svg.fonttype": "none",  # text as <text>: a quarter of the size; the viewer draws it
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA = {"Date": None, "Creator": "reachout"}
_BLUE, _ORANGE, _GREEN = "#1f5fa8", "#e08a1e", "#2e8540"
TOP_LEGISLATORS = 15
TOP_STATES = 25


def day_chart(days: Sequence[SpanCount]) -> str | None:
    """Mentions and hashtag posts per local day (or per week or month: ``days`` are spans of
    one unit, bot.report_model.group_days), grouped bars; None when all are zero."""
    if not any(d.mentions or d.hashtag_posts or d.responses for d in days):
        return None
    labels = [d.label for d in days]
    series = [
        ("mentions", [d.mentions for d in days], _BLUE),
        ("hashtag posts", [d.hashtag_posts for d in days], _ORANGE),
        ("legislators' responses", [d.responses for d in days], _GREEN),
    ]
    width = 0.8 / len(series)

    def draw(ax: Any) -> None:
        for n, (name, values, color) in enumerate(series):
            xs = [i + (n - 1) * width for i in range(len(days))]
            ax.bar(xs, values, width, label=name, color=color)
        ax.set_xticks(range(len(days)), labels, rotation=45 if len(days) > 10 else 0)
        ax.set_ylabel("posts")
        # the legend sits in the plot's upper band, above the tallest bar (headroom 30 %)
        ax.set_ylim(0, max(max(v) for _, v, _ in series) * 1.3 or 1)
        ax.legend(frameon=False, ncols=len(series), loc="upper left")

    return _svg(draw, (8.0, 3.2), f"Mentions and hashtag posts per {days[0].unit}")


def legislator_chart(tallies: Sequence[LegislatorTally]) -> str | None:
    """The most tagged legislators, horizontal bars; None when nobody was tagged."""
    top = [t for t in tallies if t.tags][:TOP_LEGISLATORS]
    if not top:
        return None
    labels = [clean_text(f"{t.name} ({t.seat})", 40) for t in reversed(top)]

    def draw(ax: Any) -> None:
        ax.barh(labels, [t.tags for t in reversed(top)], color=_BLUE)
        ax.set_xlabel("supporter posts tagging them")

    return _svg(draw, (8.0, 0.6 + 0.28 * len(top)), "Legislators tagged by supporters")


def state_chart(states: Sequence[StateTally]) -> str | None:
    """Tags per state or territory (DC too; those with most), bars; None when nobody was
    tagged."""
    top = [s for s in states if s.tags][:TOP_STATES]
    if not top:
        return None

    def draw(ax: Any) -> None:
        ax.bar([s.state or "?" for s in top], [s.tags for s in top], color=_ORANGE)
        ax.set_ylabel("tags")

    return _svg(draw, (8.0, 2.8), "Tags by state or territory")


def _svg(draw: Any, size: tuple[float, float], title: str) -> str:
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with mpl.rc_context(cast(Any, _RC)):
        figure = Figure(figsize=size, layout="constrained")
        ax = figure.add_subplot()
        draw(ax)
        ax.set_title(title, loc="left", fontweight="bold")
        axis = ax.xaxis if ax.get_xlabel() else ax.yaxis  # the count axis: whole numbers
        axis.set_major_locator(MaxNLocator(integer=True))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
