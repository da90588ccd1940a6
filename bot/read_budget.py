"""The monthly read budget: how much of it this UTC month's reads have used (settings ``budget``).

Reads and dollars come from ``x_requests`` (bot.store_collected): billable reads as X counts
them, priced when read. The budget is a post count and dollars, each 0 for no limit; the
share used is the larger of the two.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import store_collected as sc
from bot.settings import Budget
from bot.store import Store


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Return the start of ``now``'s UTC month and of the next (aware UTC)."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + timedelta(days=32)).replace(day=1)


def month_usage(store: Store, now: datetime) -> sc.Usage:
    """Return billable reads, dollars and requests of ``now``'s UTC month so far."""
    return sc.usage(store, *month_bounds(now))


class UsageMeter:
    """This UTC month's reads, kept up to date cheaply: each call adds only the new requests."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._month: datetime | None = None
        self._used = sc.Usage()
        self._last_id = 0

    def month_usage(self, now: datetime) -> sc.Usage:
        """Return billable reads, dollars and requests of ``now``'s UTC month so far."""
        start, end = month_bounds(now)
        if start != self._month:
            self._month, self._used, self._last_id = start, sc.Usage(), 0
        added, self._last_id = sc.usage_after(self._store, start, end, self._last_id)
        self._used += added
        return self._used


def percent_used(budget: Budget, used: sc.Usage) -> float:
    """Return the share of the budget used, in percent: reads or dollars, the larger (0: none)."""
    shares = [0.0]
    if budget.monthly_reads > 0:
        shares.append(100 * used.reads / budget.monthly_reads)
    if budget.monthly_dollars > 0:
        shares.append(100 * used.dollars / budget.monthly_dollars)
    return max(shares)


def exhausted(budget: Budget, used: sc.Usage, reads: int = 0, dollars: float = 0.0) -> bool:
    """Return True when ``used`` plus ``reads`` and ``dollars`` reach the budget."""
    limit_reads, limit_dollars = budget.monthly_reads, budget.monthly_dollars
    return (limit_reads > 0 and used.reads + reads >= limit_reads) or (
        limit_dollars > 0 and used.dollars + dollars >= limit_dollars - 1e-9
    )
