"""Where each imported dataset ends, and what the registry can say about a record after that.

A dataset describes the world up to a day (COW Formal Alliances v4.1 to the
end of 2012, ATOP 4.01 to the end of 2018): an alliance it gives without an
end was in force *then*, and nothing in the registry says what became of it
later. A record known only from such a dataset is therefore "in force as of
2012 (COW v4.1); later status unknown" rather than "in force now", and the
dyad table stops it at the dataset's end unless asked to extend it. Records
staff curated (no source dataset) say what is known today.

The days come from ``partnerships/reference/dataset_coverage.csv``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models
from django.utils.text import capfirst

COVERAGE_FILE = Path(__file__).resolve().parents[1] / "reference" / "dataset_coverage.csv"


@dataclass(frozen=True)
class Coverage:
    dataset: str  # as source rows name it, e.g. "cow-alliances"
    name: str  # e.g. "COW"
    version: str  # e.g. "4.1"
    covers_until: date  # the last day the dataset describes

    @property
    def label(self) -> str:
        """E.g. "COW v4.1"."""
        return f"{self.name} v{self.version}"

    @property
    def first_day_unknown(self) -> date:
        return self.covers_until + timedelta(days=1)

    def note(self) -> str:
        """What the registry can say of an open record of this dataset, e.g. "in force as of 2012 (COW v4.1)…"."""
        return f"in force as of {self.covers_until.year} ({self.label}); later status unknown"


@cache
def coverages() -> dict[str, Coverage]:
    """Return each dataset's coverage, by dataset name."""
    with COVERAGE_FILE.open(encoding="utf-8", newline="") as handle:
        return {
            row["dataset"]: Coverage(
                row["dataset"], row["name"], row["version"], date.fromisoformat(row["covers_until"])
            )
            for row in csv.DictReader(handle)
        }


def short_names() -> dict[str, str]:
    """Return each covered dataset's short name ("cow-alliances": "COW"), for narrow columns."""
    return {dataset: coverage.name for dataset, coverage in coverages().items()}


def open_beyond_coverage_q(*, on: date | None = None) -> models.Q:
    """Return a Q true for agreements known only from a dataset that ends before ``on`` (default: any day
    after its end), that were still in force when its data end: their status on ``on`` is unknown."""
    condition = models.Q(pk__in=[])
    for coverage in coverages().values():
        if on is not None and on <= coverage.covers_until:
            continue
        condition |= models.Q(
            follows=coverage.dataset,
            ended_on__isnull=True,
            in_force_from__lte=coverage.covers_until,
        ) & (models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=coverage.covers_until))
    return condition


def last_known(record: Any) -> Coverage | None:
    """Return the coverage of the dataset ``record`` is known from only, if it was open when that dataset ends.

    None for curated records and for records that ended (or are scheduled to
    expire) within the dataset's time: their status is known.
    """
    return open_at_coverage_end(
        getattr(record, "follows", ""),
        in_force_from=getattr(record, "in_force_from", None),
        ended_on=getattr(record, "ended_on", None),
        expires_on=getattr(record, "expires_on", None),
    )


def open_at_coverage_end(
    dataset: str | None, *, in_force_from: date | None, ended_on: date | None, expires_on: date | None
) -> Coverage | None:
    """The rule of :func:`last_known`, on an agreement's values (the dyad table reads ``values()`` rows)."""
    coverage = coverages().get(dataset or "")
    if coverage is None or ended_on is not None:
        return None
    if in_force_from is None or in_force_from > coverage.covers_until:
        return None
    if expires_on is not None and expires_on <= coverage.covers_until:
        return None
    return coverage


def status_text(record: Any) -> str:
    """The record's status as people should read it: "In force as of 2012 (COW v4.1); later status unknown"."""
    coverage = last_known(record)
    return capfirst(coverage.note()) if coverage is not None else str(record.get_status_display())
