"""Dates at their precision: one way to show a date whose source gives only its month or year.

A record stores each date as a whole day (filters and as-of questions need
one) and, beside it, its precision (:class:`DatePrecision`). Pages, list
columns and CSV exports show the date through :func:`at_precision`, which
gives "14 Jan 1980", "Mar 1985" or "2007" (ISO 8601 in CSV: "1980-01-14",
"1985-03", "2007").

Dates that are the *first day no longer* in force (an agreement's
``ended_on``, a party's ``withdrew_on``) are stored as the day after the last
one. When such a date is known only to the month or year, what the source
gives, and what is shown, is the month or year of that last day: an alliance
that ended at some point in 1950 is stored as ended on 1951-01-01 with
precision "year" and shown as "1950".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from partnerships.choices import DatePrecision

# Dates stored as the first day no longer in force (see the module's docstring).
EXCLUSIVE_ENDS = frozenset({"ended_on", "withdrew_on"})
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class PartialDate:
    """A date shown only as far as it is known: ``str()`` for people, ``isoformat()`` for files."""

    day: date  # the day whose month or year is shown (for an exclusive end: the last day in force)
    precision: str = DatePrecision.DAY

    def __str__(self) -> str:
        if self.precision == DatePrecision.YEAR:
            return f"{self.day.year}"
        if self.precision == DatePrecision.MONTH:
            return f"{MONTHS[self.day.month - 1]} {self.day.year}"
        return f"{self.day.day} {MONTHS[self.day.month - 1]} {self.day.year}"

    def isoformat(self) -> str:
        """Return the ISO 8601 date as far as it is known: "2007", "1985-03" or "1980-01-14"."""
        if self.precision == DatePrecision.YEAR:
            return f"{self.day.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.day.year:04d}-{self.day.month:02d}"
        return self.day.isoformat()


def partial_date(
    value: date | None, precision: str = DatePrecision.DAY, *, exclusive_end: bool = False
) -> PartialDate | None:
    """Return ``value`` at ``precision`` (None for no date).

    With ``exclusive_end`` (``value`` is the first day no longer in force), a
    month or year is that of the day before, the last day in force.
    """
    if value is None:
        return None
    if exclusive_end and precision != DatePrecision.DAY and value > date.min:
        value -= timedelta(days=1)
    return PartialDate(value, precision or DatePrecision.DAY)


def at_precision(record: Any, field: str) -> PartialDate | None:
    """Return ``record``'s date ``field`` at the precision in ``<field>_precision`` (day if it has none)."""
    return partial_date(
        getattr(record, field),
        getattr(record, f"{field}_precision", DatePrecision.DAY),
        exclusive_end=field in EXCLUSIVE_ENDS,
    )
