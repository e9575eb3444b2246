"""Where a time axis should start: where the data are, not at the one record of 1386."""

from __future__ import annotations

import itertools


def axis_start(weights: dict[int, int | float], *, share: float = 0.03, gap_share: float = 0.2) -> int:
    """Return the first year an axis should show for ``weights`` (year -> count): where the data are.

    A few early records must not stretch an axis: one alliance of 1386 would
    squeeze 1945-2025 into a quarter of the width. The axis starts at the year
    by which more than ``share`` of the weight has come, or after a gap longer
    than ``gap_share`` of the whole span that only a few records (at most 5%)
    precede, whichever is later; from the share's year it goes back to where
    the dense part begins, and rounds down to a decade. Years before it are
    the caller's to show apart (a "before" bin, a marked edge). A short or
    even distribution keeps its first year.
    """
    years = sorted(year for year, weight in weights.items() if weight)
    if not years:
        return min(weights) if weights else 0
    first, last = years[0], years[-1]
    span = last - first
    if span < 20:
        return first
    total = sum(weights[year] for year in years)
    running, by_share = 0.0, first
    for year in years:
        running += weights[year]
        if running > total * share:
            by_share = year
            break
    by_gap, widest, before = first, 0, 0.0
    for previous, year in itertools.pairwise(years):
        before += weights[previous]
        if before > max(1, total * 0.05):
            break
        if year - previous > widest:
            widest, by_gap = year - previous, year
    # The share falls inside the dense part: back to where that part begins (no gap over 2% of the span).
    step = max(2, span * 0.02)
    index = years.index(by_share)
    while index > 0 and years[index] - years[index - 1] <= step:
        index -= 1
    cut = max(years[index], by_gap if widest > span * gap_share else first)
    if cut - first <= span * 0.1:
        return first
    last_before = max(year for year in years if year < cut)
    return max(cut - cut % 10, last_before + 1)
