"""The whole registry as a Frictionless data package, written by ``export_data package DIR``.

A package is a folder: ``datapackage.json`` (a Table Schema for every
resource, the datasets behind the records and their licences, the
registry's version, a content hash) and ``data/<resource>.csv``, one per
resource of :data:`partnerships.services.package_schema.RESOURCES`. Rows are
in id order and every cell is written one way, so exporting the same
registry twice gives the same bytes; ``import_data package`` loads a
package into an empty registry (``partnerships.services.package_import``),
whose export is then the same package.

A package holds what one user may see (everything for the server's
administrator): restricted records stay out, and a link from a record that
is in it to one that is not is left empty, so neither the hidden record's
name nor its id leaves the registry.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import connection, transaction

from partnerships.models import can_view_restricted
from partnerships.services.access import FULL_ACCESS
from partnerships.services.package_changes import ChangeSummary, write_changes
from partnerships.services.package_meta import content_hash, describe_datasets, registry_version
from partnerships.services.package_schema import (
    DESCRIPTOR,
    RESOURCES,
    PackageError,
    PackageResource,
    format_value,
    table_schema,
)
from partnerships.services.progress import Progress

PACKAGE_NAME = "partnership-registry"
# Columns naming the dataset a row comes from: the package's sources are the datasets they name.
DATASET_COLUMNS = ("dataset", "source_dataset", "follows")
# Rows between two reports to a progress display.
TICK = 1000
CSV_DIALECT = {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n", "quoteChar": '"'}


@dataclass
class PackageResult:
    directory: Path
    rows: dict[str, int] = field(default_factory=dict)
    content_hash: str = ""
    changes: ChangeSummary | None = None

    def summary(self) -> str:
        lines = [f"{name}: {count} row(s)" for name, count in self.rows.items()]
        lines.append(f"Wrote the data package {self.directory} ({sum(self.rows.values())} rows, {self.content_hash}).")
        if self.changes is not None:
            lines.append(self.changes.summary())
        return "\n".join(lines)


def export_package(
    *, directory: Path, user: Any = FULL_ACCESS, since: Path | None = None, progress: TextIO | None = None
) -> PackageResult:
    """Write the records ``user`` may see as a data package in ``directory`` (new or empty); return the counts.

    With ``since`` (a previous package's folder), also write ``CHANGELOG.md``
    and ``changes.csv``: the rows added, changed and removed since it. The
    folder appears whole or not at all: the package is written beside it and
    moved into place at the end. Raise PackageError when ``directory`` holds
    anything, or ``since`` is not a package. ``progress``: where to show how
    far it is (a bar on a terminal, periodic lines otherwise; nothing if None).
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise PackageError(f"{directory} is not an empty folder: a package is written whole, into a new folder.")
    if since is not None and not (Path(since) / DESCRIPTOR).is_file():
        raise PackageError(f"--since {since}: no {DESCRIPTOR} there, so it is not a data package.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        result = _write(staging, user=user, since=since, progress=progress)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.directory = directory
    return result


def _write(directory: Path, *, user: Any, since: Path | None, progress: TextIO | None) -> PackageResult:
    (directory / "data").mkdir()
    result = PackageResult(directory)
    described: list[dict[str, Any]] = []
    datasets: set[str] = set()
    with _snapshot():
        version = registry_version()
        kept: dict[str, set[int]] = {}
        # At most these rows, each resource's visible ones (a row whose required link is hidden is left out).
        totals = {r.name: r.model._default_manager.visible_to(user).count() for r in RESOURCES} if progress else {}
        bar = Progress(progress, sum(totals.values()), "Exporting the data package")
        for resource in RESOURCES:
            section = bar.section(resource.name, totals.get(resource.name, 0))
            written = write_resource(resource, directory / resource.path, user=user, kept=kept, tick=section.update)
            section.close()
            described.append(
                _resource_descriptor(resource, sha256=written.sha256, size=written.size, rows=written.rows)
            )
            result.rows[resource.name] = written.rows
            datasets |= written.datasets
        bar.close()
    result.content_hash = content_hash((item["path"], item["hash"].removeprefix("sha256:")) for item in described)
    sources, licences = describe_datasets(datasets)
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Partnership Program Registry",
        "description": (
            "Defense partnership records: nations, organizations and memberships, programs, agreements with their "
            "parties by period, exercises and participants, resource-sharing records, the sources and other names "
            "of records, and assessments with their measurements, findings and challenges. Ids are the registry's; "
            "every <link>_id column is a foreign key to the id of another resource."
        ),
        "registry": {
            **version,
            "view": "all records" if can_view_restricted(user) else "public records only",
            "content_hash": result.content_hash,
            "content_hash_method": "SHA-256 of the lines '<path> <SHA-256 of the file>' of the data resources, "
            "in their order",
        },
        "licenses": licences,
        "sources": sources,
        "resources": described,
    }
    if since is not None:
        result.changes = write_changes(previous=Path(since), current=directory, current_descriptor=descriptor)
        descriptor["changes"] = result.changes.descriptor()
        descriptor["resources"].append(result.changes.resource_descriptor)
    (directory / DESCRIPTOR).write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    return result


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table in one transaction; outside any, one consistent view of them all (REPEATABLE READ)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@dataclass
class _Written:
    rows: int = 0
    size: int = 0
    sha256: str = ""
    datasets: set[str] = field(default_factory=set)


def write_resource(
    resource: PackageResource,
    path: Path,
    *,
    user: Any,
    kept: dict[str, set[int]],
    tick: Callable[[int], None] | None = None,
) -> _Written:
    """Write the rows of ``resource`` that ``user`` may see to ``path``, in id order; return what was written.

    The table is read through its model's ``visible_to(user)``. A link to a
    row that is not in the package (a restricted record) is emptied; a row
    that cannot be without its link (a required one) is left out too.
    ``kept`` holds the ids written for each resource so far, and gains this
    one's. Rows are streamed: the largest registries never sit in memory.
    ``tick(rows read)`` is called every :data:`TICK` rows (a progress display).
    """
    columns = resource.columns
    queryset = resource.model._default_manager.visible_to(user).order_by("pk")
    links = [(position, column) for position, column in enumerate(columns) if column.link is not None]
    required = [(p, c.link.name) for p, c in links if c.link is not resource and not c.nullable]  # type: ignore[union-attr]
    if any(column.link is resource for _position, column in links):
        # A link within the table: which rows it keeps must be known before the first row is written.
        kept[resource.name] = {
            row[0] for row in queryset.values_list(*(c.name for c in columns)) if _links_kept(row, required, kept)
        }
    own = kept.setdefault(resource.name, set())
    dataset_positions = [p for p, column in enumerate(columns) if column.name in DATASET_COLUMNS]
    written = _Written()
    digest = hashlib.sha256()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(_Hashing(handle, digest, written), lineterminator="\n")
        writer.writerow(resource.header)
        for read, values in enumerate(queryset.values_list(*(c.name for c in columns)).iterator(chunk_size=5000)):
            if tick is not None and read % TICK == 0:
                tick(read)
            if not _links_kept(values, required, kept):
                continue
            row = list(values)
            own.add(row[0])
            for position, column in links:
                if row[position] is not None and row[position] not in kept[column.link.name]:  # type: ignore[union-attr]
                    row[position] = None
            written.datasets.update(row[p] for p in dataset_positions if row[p])
            writer.writerow([format_value(column, value) for column, value in zip(columns, row, strict=True)])
            written.rows += 1
    written.sha256 = digest.hexdigest()
    return written


def _links_kept(row: Any, required: list[tuple[int, str]], kept: dict[str, set[int]]) -> bool:
    return all(row[position] in kept[name] for position, name in required)


class _Hashing:
    """A text file that also hashes and counts the UTF-8 bytes written to it."""

    def __init__(self, handle: Any, digest: Any, written: _Written) -> None:
        self.handle, self.digest, self.written = handle, digest, written

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.written.size += len(data)
        return self.handle.write(text)


def _resource_descriptor(resource: PackageResource, *, sha256: str, size: int, rows: int) -> dict[str, Any]:
    return {
        "name": resource.name,
        "path": resource.path,
        "profile": "tabular-data-resource",
        "title": resource.title,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": size,
        "hash": f"sha256:{sha256}",
        "rows": rows,
        "dialect": CSV_DIALECT,
        "schema": table_schema(resource),
    }
