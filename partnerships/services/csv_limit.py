"""The longest cell a CSV reader accepts, set per reader rather than for the whole process.

The csv module keeps one field size limit for every reader of the process
(128 KiB by default). The importers keep that default (a longer cell in a
published dataset is a broken file, refused with its row); a data package may
hold longer cells (a source's values). Each sets its own limit around each row
it reads, and puts the previous one back, so neither changes what the other
accepts, whichever ran first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

Row = TypeVar("Row")

# The csv module's own default, which the importers keep.
DEFAULT_CELL = 131_072


@contextmanager
def cell_limit(limit: int) -> Iterator[None]:
    """Read with cells up to ``limit`` characters inside the block (csv.Error beyond); the previous limit after."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def rows_within(reader: Iterable[Row], limit: int) -> Iterator[Row]:
    """Yield the rows of ``reader`` (a csv reader, or a DictReader), each read under :func:`cell_limit`."""
    rows = iter(reader)
    while True:
        with cell_limit(limit):
            try:
                row = next(rows)
            except StopIteration:
                return
        yield row
