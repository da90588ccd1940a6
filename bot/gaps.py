"""Collection gaps: periods when posts were unreachable, and how complete a period is (pure).

A `Gap` is a ``collection_gaps`` row (bot.store_collected writes and reads them; see
bot.store_schema for the reasons). `completeness` is what the report shows for a period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

GAP_REASONS = ("mentions_cap", "search_window", "budget", "pagination")
"""``collection_gaps.reason`` values (see bot.store_schema)."""


@dataclass(frozen=True)
class Gap:
    """A period when posts were unreachable (a ``collection_gaps`` row).

    Attributes:
        source: ``mentions`` or ``search``.
        start_at: start of the period (aware UTC).
        end_at: its end (aware UTC), after start_at or equal.
        reason: one of :data:`GAP_REASONS`.
        missing_estimate: posts probably missed, or None when unknowable.
    """

    source: str
    start_at: datetime
    end_at: datetime
    reason: str
    missing_estimate: int | None = None


def completeness(gaps: Sequence[Gap], start: datetime, end: datetime) -> float:
    """Return the share of ``[start, end)`` no gap covers (1.0: complete), any source.

    For the report: a week with a two-hour mentions-cap gap is ~98.8 % complete.
    """
    total = (end - start).total_seconds()
    if total <= 0:
        return 1.0
    spans = sorted((max(g.start_at, start), min(g.end_at, end)) for g in gaps)
    covered, reach = 0.0, start
    for lo, hi in spans:
        lo = max(lo, reach)
        if hi > lo:
            covered += (hi - lo).total_seconds()
            reach = hi
    return 1.0 - covered / total
