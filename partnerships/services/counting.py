"""Counting matches without letting ``count(*)`` dominate a page.

An exact count of a filter that matches a large share of a million rows
costs more than the page itself: PostgreSQL has to find every match. Lists
therefore count exactly up to ``EXACT_COUNT_LIMIT`` matches (cheap: the
count stops there) and, beyond that, give the query planner's estimate,
never less than the limit plus one, and say that it is an estimate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property

EXACT_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool

    @property
    def label(self) -> str:
        """How pages show it: "1,234", "about 14,000", or "more than 1,000" when even the estimate is low."""
        if self.exact:
            return f"{self.value:,}"
        if self.value <= EXACT_COUNT_LIMIT + 1:
            return f"more than {EXACT_COUNT_LIMIT:,}"
        rounded = round(self.value, -(len(str(self.value)) - 2))  # two significant figures
        return f"about {rounded:,}"


def planner_estimate(queryset: models.QuerySet) -> int:
    """Return the planner's estimate of how many rows ``queryset`` matches (no rows are read)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_count(queryset: models.QuerySet, *, limit: int | None = None, exact: bool = False) -> Count:
    """Count ``queryset``'s rows exactly up to ``limit`` (or always, with ``exact``); estimate beyond."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    if exact:
        return Count(queryset.order_by().count(), True)
    found = queryset.order_by()[: limit + 1].count()
    if found <= limit:
        return Count(found, True)
    return Count(max(planner_estimate(queryset), limit + 1), False)


class BoundedPaginator(Paginator):
    """Django's paginator with the bounded count: exact up to the limit, the planner's estimate beyond.

    ``count_exact`` says which; pages show "about" before an estimate.
    """

    @cached_property
    def counted(self) -> Count:
        return bounded_count(self.object_list)

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self.counted.value

    @property
    def count_exact(self) -> bool:
        return self.counted.exact

    @property
    def count_label(self) -> str:
        return self.counted.label
