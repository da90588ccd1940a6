"""Collection gaps and completeness (bot.gaps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.gaps import Gap, completeness

T0 = datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], 1.0),
        ([(0, 1)], 0.75),
        ([(0, 1), (0.5, 2)], 0.5),  # overlapping gaps count once
        ([(-5, 1)], 0.75),  # clipped to the period
        ([(3, 9)], 0.75),
        ([(0, 4)], 0.0),
    ],
)
def test_completeness_is_the_share_no_gap_covers(
    spans: list[tuple[float, float]], expected: float
) -> None:
    """A 4-hour period; gaps in hours from its start."""
    gaps = [Gap("mentions", T0 + a * H, T0 + b * H, "mentions_cap") for a, b in spans]
    assert expected == completeness(gaps, T0, T0 + 4 * H)
