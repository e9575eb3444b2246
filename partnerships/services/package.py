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
import io
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

PACKAGE_NAME = "partnership-registry"
# Columns naming the dataset a row comes from: the package's sources are the datasets they name.
DATASET_COLUMNS = ("dataset", "source_dataset", "follows")
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


def export_package(*, directory: Path, user: Any = FULL_ACCESS, since: Path | None = None) -> PackageResult:
    """Write the records ``user`` may see as a data package in ``directory`` (new or empty); return the counts.

    With ``since`` (a previous package's folder), also write ``CHANGELOG.md``
    and ``changes.csv``: the rows added, changed and removed since it. The
    folder appears whole or not at all: the package is written beside it and
    moved into place at the end. Raise PackageError when ``directory`` holds
    anything, or ``since`` is not a package.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise PackageError(f"{directory} is not an empty folder: a package is written whole, into a new folder.")
    if since is not None and not (Path(since) / DESCRIPTOR).is_file():
        raise PackageError(f"--since {since}: no {DESCRIPTOR} there, so it is not a data package.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        result = _write(staging, user=user, since=since)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.directory = directory
    return result


def _write(directory: Path, *, user: Any, since: Path | None) -> PackageResult:
    (directory / "data").mkdir()
    result = PackageResult(directory)
    described: list[dict[str, Any]] = []
    datasets: set[str] = set()
    with _snapshot():
        tables = read_tables(user=user)
        version = registry_version()
    for resource in RESOURCES:
        rows = tables[resource.name]
        text = _csv_text(resource, rows)
        data = text.encode("utf-8")
        (directory / resource.path).write_bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        described.append(_resource_descriptor(resource, sha256=sha256, size=len(data), rows=len(rows)))
        result.rows[resource.name] = len(rows)
        for position, column in enumerate(resource.columns):
            if column.name in DATASET_COLUMNS:
                datasets.update(row[position] for row in rows if row[position])
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


class _snapshot:
    """One consistent view of every table for the whole export (REPEATABLE READ), when not inside a transaction."""

    def __enter__(self) -> None:
        self.outermost = not connection.in_atomic_block
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if self.outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def __exit__(self, *exc: Any) -> None:
        self.atomic.__exit__(*exc)


def read_tables(*, user: Any) -> dict[str, list[list[str]]]:
    """Return each resource's rows ``user`` may see as cells, in id order, links to rows left out emptied.

    Each table is read through its model's ``visible_to(user)``. A link to a
    row that is not in the package (a restricted record) is emptied; a row
    that cannot be without its link (a required one) is left out too.
    """
    kept: dict[str, set[int]] = {}
    tables: dict[str, list[list[str]]] = {}
    for resource in RESOURCES:
        columns = resource.columns
        queryset = resource.model._default_manager.visible_to(user).order_by("pk")
        rows = [list(values) for values in queryset.values_list(*(column.name for column in columns))]
        links = [(position, column) for position, column in enumerate(columns) if column.link is not None]
        outside = [(p, c) for p, c in links if c.link is not resource]
        rows = [
            row
            for row in rows
            if all(row[p] is None or row[p] in kept[c.link.name] or c.nullable for p, c in outside)  # type: ignore[union-attr]
        ]
        kept[resource.name] = {row[0] for row in rows}
        for row in rows:
            for position, column in links:
                if row[position] is not None and row[position] not in kept[column.link.name]:  # type: ignore[union-attr]
                    row[position] = None
        tables[resource.name] = [
            [format_value(column, value) for column, value in zip(columns, row, strict=True)] for row in rows
        ]
    return tables


def _csv_text(resource: PackageResource, rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(resource.header)
    writer.writerows(rows)
    return buffer.getvalue()


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
