"""Helpers for the data package tests: validate with frictionless, empty the registry, edit a package's files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from frictionless import validate

from partnerships.services.package_schema import RESOURCES


def frictionless_problems(directory: Path) -> list[list[object]]:
    """Return what frictionless finds wrong with the package in ``directory`` (nothing: it is valid)."""
    report = validate(str(directory / "datapackage.json"))
    return report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def empty_registry() -> None:
    """Remove every record of the package's resources but the seeded catalogues, and restart their ids,
    as in a new registry."""
    tables = [resource.model._meta.db_table for resource in RESOURCES if not resource.catalogue]
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign key checks, which TRUNCATE refuses to skip: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")


def csv_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((directory / "data").glob("*.csv"))}


def read_rows(directory: Path, resource: str) -> list[dict[str, str]]:
    with (directory / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rewrite(directory: Path, resource: str, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Edit a resource's rows and write its file back, with the hash and size the descriptor gives updated."""
    path = directory / "data" / f"{resource}.csv"
    header = next(csv.reader(path.open(encoding="utf-8")))
    rows = edit(read_rows(directory, resource))
    header = list(rows[0]) if rows else header
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(data)
    descriptor_path = directory / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for item in descriptor["resources"]:
        if item["name"] == resource:
            item["hash"] = f"sha256:{hashlib.sha256(data).hexdigest()}"
            item["bytes"] = len(data)
            item.pop("rows", None)
    descriptor_path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
