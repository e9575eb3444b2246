"""The layouts a dataset's file comes in, recognised by its header (and, when that is not enough, its first rows).

A published dataset travels in more than one shape: MME as one row per
exercise or one row per participant, the COW state list with or without its
dates, ISO 3166 as the datasets/country-codes table or the "all.csv" of
lukes/ISO-3166-Countries-with-Regional-Codes, SIPRI registers as SIPRI exports
them today or in the older recipient-grouped form. Each importer lists the
:class:`Layout` objects it reads; :func:`read_layout` picks the one the file
is in, renames its columns to the importer's own, reshapes its rows when
needed (participants grouped into exercises) and says in the report which
layout it read and what its rows became. A file in no known layout is refused
with the layouts the kind accepts and the columns it has.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from partnerships.services.importers.base import BYTE_ORDER_MARKS, ImportAborted, decode, read_rows

if TYPE_CHECKING:
    from partnerships.services.importers.base import Importer

Rows = list[tuple[int | str, dict[str, Any]]]
# How many data rows a layout's ``confirms`` sees when the header alone cannot tell two layouts apart.
SAMPLE_ROWS = 20


@dataclass(frozen=True)
class Layout:
    """One shape of a dataset's file: the columns that identify it and how its rows become the importer's.

    ``required`` are the file's own column names (matched ignoring case,
    spaces and a byte-order mark); ``rename`` maps them to the names the
    importer's rows use. ``reshape(importer, path, rows)`` turns the file's
    rows into the rows to import (several participant rows into one
    exercise); ``confirms(sample)`` says whether the first rows fit the layout
    when the header fits more than one. ``file_rows`` and ``rows`` name what a
    file row and an imported row are, for the report.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    rename: dict[str, str] = field(default_factory=dict)
    reshape: Callable[[Importer, Path, Rows], Rows] | None = None
    confirms: Callable[[list[dict[str, str]]], bool] | None = None
    file_rows: str = "rows"
    rows: str = "rows"

    def missing(self, header: list[str]) -> list[str]:
        """Return the required columns ``header`` lacks (compared as read_rows compares them)."""
        present = {_fold(name) for name in header}
        return [column for column in self.required if _fold(column) not in present]


def _fold(name: str) -> str:
    for mark in BYTE_ORDER_MARKS:
        name = name.removeprefix(mark)
    return name.strip().casefold()


def header_of(text: str) -> list[str]:
    """Return the names in the file's first line (any line ending), or [] for an empty file."""
    first = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    try:
        return next(csv.reader(io.StringIO(first)), [])
    except csv.Error as exc:
        raise ImportAborted(f"Row 1 (the header) cannot be read as CSV: {exc}.") from exc


def detect(layouts: tuple[Layout, ...], text: str, *, kind: str) -> Layout:
    """Return the layout ``text`` is in: the one that needs most of its columns, the first rows deciding a tie.

    Raise ImportAborted naming the layouts ``kind`` accepts, what each lacks,
    and the columns the file has. With one layout the refusal is
    :func:`read_rows`'s own ("Missing column(s): …").
    """
    header = header_of(text)
    fitting = [layout for layout in layouts if not layout.missing(header)]
    if not fitting:
        if len(layouts) == 1:
            layout = layouts[0]
            list(read_rows(text, layout.required, optional=layout.optional))  # raises with its own message
        raise ImportAborted(refusal(layouts, header, kind=kind))
    # A header with the states file's nine columns also has the code list's three: the longer list is meant.
    most = max(len(layout.required) for layout in fitting)
    fitting = [layout for layout in fitting if len(layout.required) == most]
    if len(fitting) > 1:
        confirmed = [layout for layout in fitting if layout.confirms is None or layout.confirms(_sample(text, layout))]
        fitting = confirmed or fitting
    return fitting[0]


def _sample(text: str, layout: Layout) -> list[dict[str, str]]:
    sample = []
    for _number, row in read_rows(text, layout.required, optional=layout.optional):
        sample.append(row)
        if len(sample) == SAMPLE_ROWS:
            break
    return sample


def refusal(layouts: tuple[Layout, ...], header: list[str], *, kind: str) -> str:
    """Return the message for a file in none of ``layouts``: each layout, what it lacks, the file's columns."""
    lines = [f"This file is in no layout {kind} reads. It has the columns: {', '.join(header) or 'no header'}."]
    lines.append(f"{kind} reads these layouts:")
    for layout in layouts:
        lines.append(f"  - {layout.name}: missing column(s) {', '.join(layout.missing(header))}.")
    return "\n".join(lines)


def layouts_of(importer: type[Importer] | Importer) -> tuple[Layout, ...]:
    """Return the layouts an importer reads: its own columns' (``required_columns``…) first, then ``other_layouts``."""
    own = Layout(importer.layout_name or importer.description, importer.required_columns, importer.optional_columns)
    return (own, *importer.other_layouts)


def read_layout(importer: Importer, path: Path, encoding: str | None) -> Rows:
    """Return the numbered rows of the file at ``path`` in the importer's own column names.

    The layout is detected, the columns renamed and the rows reshaped; the
    importer's report (when it has one) says which layout and how many file
    rows became how many imported rows. Raise ImportAborted as :func:`detect`.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportAborted(f"Cannot read {path}: {exc.strerror or exc}") from exc
    text = decode(raw, encoding)
    layouts = layouts_of(importer)
    layout = detect(layouts, text, kind=importer.kind)
    rows: Rows = []
    for number, row in read_rows(text, layout.required, optional=layout.optional):
        rows.append((number, {layout.rename.get(key, key): value for key, value in row.items()}))
    read = len(rows)
    if layout.reshape is not None:
        rows = layout.reshape(importer, Path(path), rows)
    if importer.report is not None:
        importer.report.layout = describe(layout, read, len(rows))
    return rows


def describe(layout: Layout, read: int, imported: int) -> str:
    """Return what the report says of the layout: "MME v7, long layout: 13,600 participant rows → 3,700 exercises"."""
    if layout.reshape is None and layout.file_rows == layout.rows:
        return f"{layout.name}: {read:,} {layout.rows}"
    return f"{layout.name}: {read:,} {layout.file_rows} → {imported:,} {layout.rows}"
