"""Streaming CSV: rows are written as the database yields them, never held in memory all at once."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class _Echo:
    """A file-like object whose write() returns what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    """Return a CSV cell: ISO dates, plain decimals, empty for None.

    Text starting with a formula character gets a leading apostrophe, so that a
    spreadsheet opening the export never runs a value as a formula.
    """
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Rows per chunk of a streamed CSV: big enough that the response's per-chunk work does not
# count, small enough that the first rows leave at once and memory stays flat.
CHUNK_ROWS = 500


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Yield the CSV text of ``header``, then of the rows, a few hundred rows at a time."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([value if type(value) is int else cell(value) for value in row]))
        if len(chunk) == CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
