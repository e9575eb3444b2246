"""Loading a data package into an empty registry: ``import_data package DIR``.

The whole package is checked before anything is written — every resource
present with the columns this registry's models have, each file as the
descriptor's hash says it was written, each cell of its column's type and
within its constraints, ids unique, every link naming a row of the package
— and every problem is reported by resource, row (the header is row 1)
and field. Then every row is written with its own id, in one transaction:
a row the database refuses (a rule spanning rows, such as two overlapping
periods of one party) is reported the same way, and nothing is written.
The registry must be empty, so that the package's ids stay its records'
ids and exporting the loaded registry gives the same package again; the
catalogues (indicators, challenge types) a new registry is seeded with are
replaced by the package's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, models, transaction
from simple_history.utils import bulk_create_with_history

from partnerships.audit import Channel, channel_of, recorded_as
from partnerships.services.package_changes import CHANGES_RESOURCE
from partnerships.services.package_schema import (
    RESOURCES,
    PackageError,
    PackageResource,
    parse_value,
    read_csv,
    read_descriptor,
)

MAX_PROBLEMS = 50
# One package load at a time: two into the same empty registry would each find it empty.
LOCK_KEY = 0x7061636B  # "pack"
CHANGE_REASON = "import_data package"

Rows = list[tuple[int, dict[str, Any]]]  # (row number in the file, model field values by attname)


class PackageInvalid(PackageError):
    """The package breaks its schema; ``problems`` lists each, by resource, row and field."""

    def __init__(self, directory: Path, problems: list[str]) -> None:
        self.problems = problems
        more = " (the first ones)" if len(problems) >= MAX_PROBLEMS else ""
        listed = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(f"{directory} is not a valid package{more}; nothing was written:\n{listed}")


@dataclass
class LoadResult:
    directory: Path
    dry_run: bool = False
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"{name}: {count} row(s)" for name, count in self.rows.items()]
        verb = "Would load" if self.dry_run else "Loaded"
        lines.append(f"{verb} {sum(self.rows.values())} rows from the data package {self.directory}.")
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return "\n".join(lines)


class _Problems(list):
    """The problems found so far; full at MAX_PROBLEMS, when checking stops."""

    @property
    def full(self) -> bool:
        return len(self) >= MAX_PROBLEMS

    def add(self, problem: str) -> None:
        if not self.full:
            self.append(problem)


def validate_package(directory: Path) -> dict[str, Rows]:
    """Return each resource's rows as model values; raise PackageInvalid listing the problems found.

    Raise PackageError when ``directory`` is not a data package at all.
    """
    directory = Path(directory)
    descriptor = read_descriptor(directory)
    problems = _Problems()
    entries: dict[str, dict[str, Any]] = {}
    for item in descriptor["resources"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.add("datapackage.json: a resource without a name")
            continue
        entries[item["name"]] = item
    known = [resource.name for resource in RESOURCES]
    for name in entries.keys() - {*known, CHANGES_RESOURCE}:
        problems.add(f"resource {name}: not one this registry has (it has {', '.join(known)})")
    parsed: dict[str, Rows] = {}
    for resource in RESOURCES:
        if problems.full:
            break
        item = entries.get(resource.name)
        if item is None:
            problems.add(f"resource {resource.name}: missing from datapackage.json")
            continue
        parsed[resource.name] = _read_resource(directory, resource, item, problems, descriptor.get("registry"))
    if not problems:
        _check_keys(parsed, problems)
    if problems:
        raise PackageInvalid(directory, problems)
    return parsed


def _file_of(directory: Path, resource: PackageResource, item: dict[str, Any]) -> Path | None:
    """Return the resource's file, if its path stays inside the package."""
    path = item.get("path")
    if not isinstance(path, str) or not path or Path(path).is_absolute():
        return None
    target = (directory / path).resolve()
    return target if target.is_relative_to(directory.resolve()) else None


def _read_resource(
    directory: Path, resource: PackageResource, item: dict[str, Any], problems: _Problems, registry: Any
) -> Rows:
    name = resource.name
    path = _file_of(directory, resource, item)
    if path is None:
        problems.add(f"resource {name}: its path {item.get('path')!r} is not a file inside the package")
        return []
    try:
        rows = read_csv(path)
        data = path.read_bytes()
    except PackageError as exc:
        problems.add(f"resource {name}: {exc}")
        return []
    expected_hash = str(item.get("hash", "")).removeprefix("sha256:")
    if expected_hash and hashlib.sha256(data).hexdigest() != expected_hash:
        problems.add(
            f"resource {name}: {item['path']} is not the file the package was written with "
            "(its SHA-256 differs from datapackage.json's hash)"
        )
        return []
    header = rows[0] if rows else []
    if header != resource.header:
        missing = [column for column in resource.header if column not in header]
        extra = [column for column in header if column not in resource.header]
        said = "; ".join(
            part
            for part in (
                f"missing column(s): {', '.join(missing)}" if missing else "",
                f"unknown column(s): {', '.join(extra)}" if extra else "",
                "the columns are in another order" if not (missing or extra) else "",
            )
            if part
        )
        version = registry.get("migration", "?") if isinstance(registry, dict) else "?"
        problems.add(f"resource {name}: {said} (the package was written by registry schema {version})")
        return []
    result: Rows = []
    for number, row in enumerate(rows[1:], start=2):
        if problems.full:
            break
        if len(row) != len(header):
            problems.add(f"resource {name}, row {number}: {len(row)} cells, but the header has {len(header)}")
            continue
        values: dict[str, Any] = {}
        for column, text in zip(resource.columns, row, strict=True):
            try:
                values[column.name] = parse_value(column, text)
            except ValueError as exc:
                problems.add(f"resource {name}, row {number}, field {column.name}: {exc}")
        result.append((number, values))
    return result


def _check_keys(parsed: dict[str, Rows], problems: _Problems) -> None:
    """Add a problem for each repeated id or unique value, and each link to a row the package lacks."""
    ids: dict[str, set[Any]] = {}
    for resource in RESOURCES:
        unique = [column.name for column in resource.columns if column.field.unique]
        for name in unique:
            seen: dict[Any, int] = {}
            for number, values in parsed[resource.name]:
                value = values[name]
                if value is None:
                    continue
                if value in seen:
                    problems.add(
                        f"resource {resource.name}, row {number}, field {name}: {value} repeats row {seen[value]}"
                    )
                seen.setdefault(value, number)
        ids[resource.name] = {values["id"] for _number, values in parsed[resource.name]}
    for resource in RESOURCES:
        links = [column for column in resource.columns if column.link is not None]
        for number, values in parsed[resource.name]:
            for column in links:
                value = values[column.name]
                if value is not None and value not in ids[column.link.name]:  # type: ignore[union-attr]
                    problems.add(
                        f"resource {resource.name}, row {number}, field {column.name}: "
                        f"no row of {column.link.name} has id {value}"  # type: ignore[union-attr]
                    )


def import_package(*, directory: Path, dry_run: bool = False) -> LoadResult:
    """Load the package in ``directory`` into this (empty) registry, all or nothing; return the counts.

    Raise PackageInvalid when the package breaks its schema, PackageError
    when the registry is not empty or the database refuses a row; nothing is
    written then. ``dry_run`` checks and loads everything, then rolls back.
    """
    directory = Path(directory)
    parsed = validate_package(directory)
    result = LoadResult(directory, dry_run=dry_run)
    with transaction.atomic(), recorded_as(Channel.IMPORT):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        _require_empty()
        _clear_catalogues()
        for resource in RESOURCES:
            rows = parsed[resource.name]
            _insert(resource, rows)
            result.rows[resource.name] = len(rows)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [r.model for r in RESOURCES]):
                cursor.execute(statement)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _require_empty() -> None:
    found = {
        resource.name: count
        for resource in RESOURCES
        if not resource.catalogue and (count := resource.model._default_manager.count())
    }
    if found:
        held = ", ".join(f"{count} {name}" for name, count in found.items())
        raise PackageError(
            f"The registry is not empty (it has {held}): a package loads only into an empty registry, so that "
            "its records keep the package's ids. Load it into a new database (`python3 manage.py migrate` on an "
            "empty one), or use `import_data records` to merge record files into this registry."
        )


def _clear_catalogues() -> None:
    """Remove the seeded catalogues (nothing refers to them in an empty registry): the package's replace them."""
    for resource in RESOURCES:
        if resource.catalogue:
            manager = resource.model._default_manager
            if any(column.link is resource for column in resource.columns):
                manager.exclude(parent=None).delete()  # children first: a parent is protected
            manager.all().delete()


def _insert(resource: PackageResource, rows: Rows) -> None:
    """Write the resource's rows with their ids and history; raise PackageError naming a row the database refuses."""
    model = resource.model
    try:
        with transaction.atomic():
            bulk_create_with_history(
                [model(**values) for _number, values in rows],
                model,
                batch_size=1000,
                default_change_reason=CHANGE_REASON,
                custom_historical_attrs={"history_channel": channel_of(None)},
            )
    except (IntegrityError, DataError) as exc:
        # One statement wrote many rows: write them again one by one to name the first one refused.
        for number, values in rows:
            try:
                with transaction.atomic():
                    model._default_manager.bulk_create([model(**values)])
            except (IntegrityError, DataError) as row_exc:
                raise PackageError(
                    f"resource {resource.name}, row {number}: {_refusal(model, row_exc)}; nothing was written."
                ) from row_exc
        raise PackageError(f"resource {resource.name}: {_refusal(model, exc)}; nothing was written.") from exc


def _refusal(model: type[models.Model], exc: Exception) -> str:
    """Return why the database refused a row: the rule's own message when the rule is one of the model's."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    for rule in model._meta.constraints:
        if rule.name == constraint:
            return str(rule.get_violation_error_message())
    primary = getattr(diag, "message_primary", None) or str(exc).splitlines()[0]
    detail = getattr(diag, "message_detail", None)
    return f"{primary} ({detail})" if detail else primary
