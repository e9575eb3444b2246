"""Streaming CSV: rows are written as the database yields them, never held in memory all at once.

A streamed file ends with a line saying it is whole, ``# complete: N rows``.
Once the first bytes have left, an error can no longer change the response's
status, so a stream that fails part-way ends with ``# incomplete: …``
instead, and one cut off (a killed worker, a dropped connection) ends with
neither: **a file whose last line does not start with ``# complete`` is not
the whole export.** CSV readers skip the line as a comment (pandas
``comment="#"``, R ``comment.char="#"``); no data row starts with ``#``,
since every export's first column is a number (an id or a year).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import InterfaceError, OperationalError

from partnerships.dates import PartialDate

logger = logging.getLogger(__name__)
COMPLETE = "# complete: {rows} rows\n"
INCOMPLETE = "# incomplete: the export stopped after {rows} rows because {reason}; this file is cut short.\n"


# What a spreadsheet reads as the start of a formula.
_FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


class _Echo:
    """A file-like object whose write() returns what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    """Return a CSV cell: ISO dates (as far as they are known: "1985-03"), plain decimals, empty for None.

    Text starting with a formula character gets a leading apostrophe, so that a
    spreadsheet opening the export never runs a value as a formula.
    """
    if value is None:
        return ""
    if isinstance(value, datetime | date | PartialDate):
        return value.isoformat()  # a date known only to its month or year: "1985-03", "2007"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    text = str(value)
    if text[:1] in _FORMULA_STARTS and not _is_number(text):
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


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]], *, trailer: bool = True) -> Iterator[str]:
    """Yield the CSV text of ``header``, then of the rows, a few hundred rows at a time.

    With ``trailer`` (the default), end with ``# complete: N rows``; when the
    rows fail part-way, yield the rows already made and ``# incomplete: …``,
    then raise the error again, so that the server aborts the transfer as well
    (a chunked HTTP response then lacks its final chunk, which clients report).
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    chunk: list[str] = []
    written = 0
    try:
        for row in rows:
            # Integers and plain text that cannot read as a formula are their own cells: most of an export's.
            chunk.append(
                writer.writerow(
                    [
                        value
                        if type(value) is int or (type(value) is str and value[:1] not in _FORMULA_STARTS)
                        else cell(value)
                        for value in row
                    ]
                )
            )
            if len(chunk) == CHUNK_ROWS:
                yield "".join(chunk)
                written += len(chunk)
                chunk = []
    except Exception as exc:
        if not trailer:
            raise
        written += len(chunk)
        logger.error("export stopped after %d rows: %r", written, exc)
        yield "".join(chunk) + INCOMPLETE.format(rows=written, reason=_reason(exc))
        raise
    if chunk:
        yield "".join(chunk)
        written += len(chunk)
    if trailer:
        yield COMPLETE.format(rows=written)


def csv_text(header: list[str], batches: Iterable[list[str]], *, trailer: bool = True) -> Iterator[str]:
    """Like :func:`csv_lines`, for rows already written as CSV lines (without their line ends), in batches.

    For tables whose lines the database writes: each batch leaves as one
    chunk. Ends with ``# complete: N rows``, or ``# incomplete: …`` (then
    raises the error again) as :func:`csv_lines` does.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    written = 0
    try:
        for batch in batches:
            if batch:
                yield "\r\n".join(batch) + "\r\n"
                written += len(batch)
    except Exception as exc:
        if not trailer:
            raise
        logger.error("export stopped after %d rows: %r", written, exc)
        yield INCOMPLETE.format(rows=written, reason=_reason(exc))
        raise
    if trailer:
        yield COMPLETE.format(rows=written)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OperationalError | InterfaceError):
        return "the database became unavailable"
    return "of a server error (it has been logged)"
