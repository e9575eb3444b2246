"""What changed between two data packages: rows added, changed and removed, by resource and primary key.

``export_data package DIR --since PREVIOUS`` compares the package it wrote
with the previous one, row by row on the ``id`` key, and writes
``changes.csv`` (one line per row added, changed or removed, with the
columns that changed) and ``CHANGELOG.md`` (the counts by resource, and the
first rows of each) into the new package: what a data publisher ships with
each release.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnerships.services.package_schema import RESOURCES, PackageError, csv_rows, read_descriptor

CHANGES_RESOURCE = "changes"
CHANGES_CSV = "changes.csv"
CHANGELOG = "CHANGELOG.md"
KINDS = ("added", "changed", "removed")
LABEL_COLUMNS = ("name", "title", "reference", "slug", "dataset_id")
PUBLIC_VIEW = "public records only"
# How many rows of each kind and resource CHANGELOG.md lists (changes.csv lists them all).
LISTED = 20
CHANGES_SCHEMA = {
    "fields": [
        {"name": "resource", "type": "string", "constraints": {"required": True}},
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "change", "type": "string", "constraints": {"required": True, "enum": list(KINDS)}},
        {"name": "fields", "type": "string", "description": "The columns that changed, separated by ';'."},
        {"name": "label", "type": "string", "description": "The row's name, title or reference, if it has one."},
    ],
    "missingValues": [""],
    "primaryKey": ["resource", "id"],
}


@dataclass(frozen=True)
class Change:
    resource: str
    id: int
    kind: str  # added, changed or removed
    fields: tuple[str, ...] = ()
    label: str = ""


@dataclass
class ChangeSummary:
    previous: dict[str, Any]  # the previous package's "registry" entry
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    resource_descriptor: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        totals = {kind: sum(counts[kind] for counts in self.counts.values()) for kind in KINDS}
        return (
            f"Since the previous package: {totals['added']} row(s) added, {totals['changed']} changed, "
            f"{totals['removed']} removed (see {CHANGELOG} and {CHANGES_CSV})."
        )

    def descriptor(self) -> dict[str, Any]:
        """Return the ``changes`` entry of the new package's descriptor."""
        return {
            "since": {
                key: self.previous[key]
                for key in ("version", "migration", "view", "content_hash")
                if key in self.previous
            },
            "changelog": CHANGELOG,
            "resource": CHANGES_RESOURCE,
            "counts": self.counts,
        }


def _rows(directory: Path, path: str | None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield a resource file's rows by id, in id order (as packages are written); none for no file."""
    if path is None:
        return
    rows = csv_rows(directory / path)
    header = next(rows, [])
    if "id" not in header:
        raise PackageError(f"{directory / path}: no id column, so its rows cannot be compared.")
    last = None
    for number, row in enumerate(rows, start=2):
        values = dict(zip(header, row, strict=False))
        try:
            key = int(values.get("id", ""))
        except ValueError:
            raise PackageError(
                f"{directory / path}, row {number}: the id “{values.get('id')}” is not a number."
            ) from None
        if last is not None and key <= last:
            raise PackageError(f"{directory / path}, row {number}: the rows are not in id order.")
        last = key
        yield key, values


def _label(row: dict[str, str]) -> str:
    return " ".join(next((row[column] for column in LABEL_COLUMNS if row.get(column)), "").split())


def compare(previous: Path, current: Path) -> Iterator[Change]:
    """Yield the rows added, changed and removed from the package ``previous`` to ``current``, in order.

    Both packages' files are in id order, so each resource is compared in one
    pass over its two files, whatever their size.
    """
    old_resources = {
        item["name"]: item["path"]
        for item in read_descriptor(previous)["resources"]
        if isinstance(item, dict) and item.get("name") != CHANGES_RESOURCE and "path" in item and "name" in item
    }
    names = [resource.name for resource in RESOURCES]
    names += sorted(set(old_resources) - set(names))
    paths = {resource.name: resource.path for resource in RESOURCES}
    end = (None, {})
    for name in names:
        old_rows, new_rows = _rows(previous, old_resources.get(name)), _rows(current, paths.get(name))
        (old_key, old), (new_key, new) = next(old_rows, end), next(new_rows, end)
        while old_key is not None or new_key is not None:
            if old_key is None or (new_key is not None and new_key < old_key):
                yield Change(name, new_key, "added", label=_label(new))  # type: ignore[arg-type]
                new_key, new = next(new_rows, end)
            elif new_key is None or old_key < new_key:
                yield Change(name, old_key, "removed", label=_label(old))
                old_key, old = next(old_rows, end)
            else:
                columns = [*new, *(column for column in old if column not in new)]
                differ = tuple(column for column in columns if old.get(column, "") != new.get(column, ""))
                if differ:
                    yield Change(name, new_key, "changed", differ, _label(new))
                (old_key, old), (new_key, new) = next(old_rows, end), next(new_rows, end)


def write_changes(*, previous: Path, current: Path, current_descriptor: dict[str, Any]) -> ChangeSummary:
    """Write ``changes.csv`` and ``CHANGELOG.md`` into the package ``current``; return the counts.

    Raise PackageError when the previous package holds records the new one
    may not show (a changelog listing them would name them).
    """
    old_registry = read_descriptor(previous).get("registry") or {}
    new_registry = current_descriptor["registry"]
    if new_registry["view"] == PUBLIC_VIEW and old_registry.get("view") != PUBLIC_VIEW:
        raise PackageError(
            f"--since {previous}: that package may hold restricted records (its view: "
            f"{old_registry.get('view', 'unknown')}); a changelog of public records only cannot be made from it."
        )
    summary = ChangeSummary(previous=old_registry)
    listed: dict[tuple[str, str], list[Change]] = {}
    with (current / CHANGES_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([item["name"] for item in CHANGES_SCHEMA["fields"]])
        for change in compare(previous, current):
            counts = summary.counts.setdefault(change.resource, dict.fromkeys(KINDS, 0))
            counts[change.kind] += 1
            if counts[change.kind] <= LISTED:
                listed.setdefault((change.resource, change.kind), []).append(change)
            writer.writerow([change.resource, change.id, change.kind, ";".join(change.fields), change.label])
    with (current / CHANGES_CSV).open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
    (current / CHANGELOG).write_text(_changelog(listed, summary, old_registry, new_registry), encoding="utf-8")
    summary.resource_descriptor = {
        "name": CHANGES_RESOURCE,
        "path": CHANGES_CSV,
        "profile": "tabular-data-resource",
        "title": "Rows added, changed and removed since the previous package",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": (current / CHANGES_CSV).stat().st_size,
        "hash": f"sha256:{digest.hexdigest()}",
        "rows": sum(sum(counts.values()) for counts in summary.counts.values()),
        "schema": CHANGES_SCHEMA,
    }
    return summary


def _version_line(registry: dict[str, Any]) -> str:
    return (
        f"registry {registry.get('version', '?')} ({registry.get('migration', '?')}), "
        f"{registry.get('view', 'unknown view')}, content {registry.get('content_hash', '?')}"
    )


def _changelog(
    listed: dict[tuple[str, str], list[Change]], summary: ChangeSummary, old: dict[str, Any], new: dict[str, Any]
) -> str:
    lines = [
        "# Changes since the previous package",
        "",
        f"- Previous: {_version_line(old)}",
        f"- This package: {_version_line(new)}",
        "",
        "Rows are compared by resource and id. Every change is in `changes.csv`; the first "
        f"{LISTED} of each kind are listed below.",
        "",
        "| resource | added | changed | removed |",
        "| --- | ---: | ---: | ---: |",
    ]
    for resource, counts in summary.counts.items():
        lines.append(f"| {resource} | {counts['added']} | {counts['changed']} | {counts['removed']} |")
    if not summary.counts:
        lines.append("| (none) | 0 | 0 | 0 |")
    for resource, counts in summary.counts.items():
        lines += ["", f"## {resource}"]
        for kind in KINDS:
            if not counts[kind]:
                continue
            lines += ["", f"{kind.capitalize()} ({counts[kind]}):", ""]
            for change in listed[(resource, kind)]:
                label = f" {change.label}" if change.label else ""
                fields = f" — {', '.join(change.fields)}" if change.fields else ""
                lines.append(f"- id {change.id}{label}{fields}")
            if counts[kind] > LISTED:
                lines.append(f"- … and {counts[kind] - LISTED} more")
    return "\n".join(lines) + "\n"
