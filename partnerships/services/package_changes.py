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
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnerships.services.package_schema import RESOURCES, PackageError, read_csv, read_descriptor

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


def _table(directory: Path, path: str) -> tuple[list[str], dict[int, dict[str, str]]]:
    """Return a resource file's header and its rows by id; raise PackageError on a file without ids."""
    rows = read_csv(directory / path)
    if not rows or "id" not in rows[0]:
        raise PackageError(f"{directory / path}: no id column, so its rows cannot be compared.")
    header = rows[0]
    by_id: dict[int, dict[str, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = dict(zip(header, row, strict=False))
        try:
            by_id[int(values.get("id", ""))] = values
        except ValueError:
            raise PackageError(
                f"{directory / path}, row {number}: the id “{values.get('id')}” is not a number."
            ) from None
    return header, by_id


def _label(row: dict[str, str]) -> str:
    return " ".join(next((row[column] for column in LABEL_COLUMNS if row.get(column)), "").split())


def compare(previous: Path, current: Path) -> list[Change]:
    """Return the rows added, changed and removed from the package ``previous`` to ``current``, in order."""
    old_resources = {
        item["name"]: item["path"]
        for item in read_descriptor(previous)["resources"]
        if isinstance(item, dict) and item.get("name") != CHANGES_RESOURCE and "path" in item and "name" in item
    }
    names = [resource.name for resource in RESOURCES]
    names += sorted(set(old_resources) - set(names))
    paths = {resource.name: resource.path for resource in RESOURCES}
    changes: list[Change] = []
    for name in names:
        old_header, old = _table(previous, old_resources[name]) if name in old_resources else ([], {})
        new_header, new = _table(current, paths[name]) if name in paths else ([], {})
        columns = [*new_header, *(column for column in old_header if column not in new_header)]
        for key in sorted(old.keys() | new.keys()):
            if key not in old:
                changes.append(Change(name, key, "added", label=_label(new[key])))
            elif key not in new:
                changes.append(Change(name, key, "removed", label=_label(old[key])))
            else:
                differ = tuple(c for c in columns if old[key].get(c, "") != new[key].get(c, ""))
                if differ:
                    changes.append(Change(name, key, "changed", differ, _label(new[key])))
    return changes


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
    changes = compare(previous, current)
    summary = ChangeSummary(previous=old_registry)
    for change in changes:
        counts = summary.counts.setdefault(change.resource, dict.fromkeys(KINDS, 0))
        counts[change.kind] += 1
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([item["name"] for item in CHANGES_SCHEMA["fields"]])
    writer.writerows([c.resource, c.id, c.kind, ";".join(c.fields), c.label] for c in changes)
    data = buffer.getvalue().encode("utf-8")
    (current / CHANGES_CSV).write_bytes(data)
    (current / CHANGELOG).write_text(_changelog(changes, summary, old_registry, new_registry), encoding="utf-8")
    summary.resource_descriptor = {
        "name": CHANGES_RESOURCE,
        "path": CHANGES_CSV,
        "profile": "tabular-data-resource",
        "title": "Rows added, changed and removed since the previous package",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "rows": len(changes),
        "schema": CHANGES_SCHEMA,
    }
    return summary


def _version_line(registry: dict[str, Any]) -> str:
    return (
        f"registry {registry.get('version', '?')} ({registry.get('migration', '?')}), "
        f"{registry.get('view', 'unknown view')}, content {registry.get('content_hash', '?')}"
    )


def _changelog(changes: list[Change], summary: ChangeSummary, old: dict[str, Any], new: dict[str, Any]) -> str:
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
    for resource in summary.counts:
        lines += ["", f"## {resource}"]
        for kind in KINDS:
            rows = [change for change in changes if change.resource == resource and change.kind == kind]
            if not rows:
                continue
            lines += ["", f"{kind.capitalize()} ({len(rows)}):", ""]
            for change in rows[:LISTED]:
                label = f" {change.label}" if change.label else ""
                fields = f" — {', '.join(change.fields)}" if change.fields else ""
                lines.append(f"- id {change.id}{label}{fields}")
            if len(rows) > LISTED:
                lines.append(f"- … and {len(rows) - LISTED} more")
    return "\n".join(lines) + "\n"
