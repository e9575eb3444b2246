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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, models, transaction
from simple_history.utils import bulk_create_with_history

from partnerships.audit import Channel, channel_of, recorded_as
from partnerships.services.package_changes import CHANGES_RESOURCE
from partnerships.services.package_schema import (
    RESOURCES,
    PackageError,
    PackageResource,
    csv_rows,
    parse_value,
    read_descriptor,
)
from partnerships.services.progress import Progress

MAX_PROBLEMS = 50
BATCH = 2000
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


def validate_package(directory: Path) -> dict[str, Path]:
    """Return each resource's file once the whole package is checked; raise PackageInvalid listing the problems.

    Raise PackageError when ``directory`` is not a data package at all.
    Files are read row by row: only ids (and the few unique codes) are kept.
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
    for name in sorted(entries.keys() - {*known, CHANGES_RESOURCE}):
        problems.add(f"resource {name}: not one this registry has (it has {', '.join(known)})")
    files: dict[str, Path] = {}
    ids: dict[str, set[int]] = {}
    for resource in RESOURCES:
        if problems.full:
            break
        item = entries.get(resource.name)
        if item is None:
            problems.add(f"resource {resource.name}: missing from datapackage.json")
            continue
        path = _checked_file(directory, resource, item, problems, descriptor.get("registry"))
        if path is not None:
            files[resource.name] = path
            ids[resource.name] = _check_rows(resource, path, problems, ids, expected_rows=item.get("rows"))
    if problems:
        raise PackageInvalid(directory, problems)
    return files


def _checked_file(
    directory: Path, resource: PackageResource, item: dict[str, Any], problems: _Problems, registry: Any
) -> Path | None:
    """Return the resource's file if it is inside the package, as written and with this registry's columns."""
    name = resource.name
    relative = item.get("path")
    path = (directory / relative).resolve() if isinstance(relative, str) and relative else None
    if path is None or Path(relative).is_absolute() or not path.is_relative_to(directory.resolve()):
        problems.add(f"resource {name}: its path {relative!r} is not a file inside the package")
        return None
    if not path.is_file():
        problems.add(f"resource {name}: {relative} is missing")
        return None
    expected_hash = str(item.get("hash", "")).removeprefix("sha256:")
    if expected_hash:
        with path.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != expected_hash:
            problems.add(
                f"resource {name}: {relative} is not the file the package was written with "
                "(its SHA-256 differs from datapackage.json's hash)"
            )
            return None
    rows = csv_rows(path)
    try:
        header = next(rows, [])
    except PackageError as exc:
        problems.add(f"resource {name}: {exc}")
        return None
    finally:
        rows.close()
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
        return None
    return path


def _check_rows(
    resource: PackageResource, path: Path, problems: _Problems, ids: dict[str, set[int]], *, expected_rows: Any
) -> set[int]:
    """Check every cell, unique value and link of the resource's rows; return its ids.

    Links to earlier resources are checked as the rows are read, links
    within the resource once all of its ids are known.
    """
    name = resource.name
    own: set[int] = set()
    unique = {column.name: {} for column in resource.columns if column.field.unique and not column.field.primary_key}
    links = [column for column in resource.columns if column.link is not None]
    inner: list[tuple[int, str, int]] = []  # (row, column, id) of links within the resource
    count = 0
    try:
        for number, values, errors in _parsed(resource, path):
            count += 1
            if problems.full:
                break
            for problem in errors:
                problems.add(f"resource {name}, row {number}, {problem}")
            key = values.get("id")
            if key is not None:
                if key in own:
                    problems.add(f"resource {name}, row {number}, field id: {key} is the id of an earlier row")
                own.add(key)
            for column, seen in unique.items():
                value = values.get(column)
                if value is not None and value in seen:
                    problems.add(f"resource {name}, row {number}, field {column}: {value} repeats row {seen[value]}")
                elif value is not None:
                    seen[value] = number
            for column in links:
                value = values.get(column.name)
                if value is None:
                    continue
                if column.link is resource:
                    inner.append((number, column.name, value))
                elif value not in ids.get(column.link.name, ()):  # type: ignore[union-attr]
                    problems.add(
                        f"resource {name}, row {number}, field {column.name}: "
                        f"no row of {column.link.name} has id {value}"  # type: ignore[union-attr]
                    )
    except PackageError as exc:
        problems.add(f"resource {name}: {exc}")
    if isinstance(expected_rows, int) and count != expected_rows and not problems.full:
        problems.add(f"resource {name}: {count} rows, but datapackage.json says {expected_rows}")
    for number, column_name, value in inner:
        if value not in own:
            problems.add(f"resource {name}, row {number}, field {column_name}: no row of {name} has id {value}")
    return own


def _parsed(resource: PackageResource, path: Path) -> Iterator[tuple[int, dict[str, Any], list[str]]]:
    """Yield each data row's number (the header is row 1), its values by column, and what is wrong with it."""
    width = len(resource.columns)
    rows = csv_rows(path)
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            yield number, {}, [f"{len(row)} cells, but the header has {width}"]
            continue
        values: dict[str, Any] = {}
        errors: list[str] = []
        for column, text in zip(resource.columns, row, strict=True):
            try:
                values[column.name] = parse_value(column, text)
            except ValueError as exc:
                errors.append(f"field {column.name}: {exc}")
        yield number, values, errors


def import_package(*, directory: Path, dry_run: bool = False, progress: TextIO | None = None) -> LoadResult:
    """Load the package in ``directory`` into this (empty) registry, all or nothing; return the counts.

    Raise PackageInvalid when the package breaks its schema, PackageError
    when the registry is not empty or the database refuses a row; nothing is
    written then. ``dry_run`` checks and loads everything, then rolls back.
    ``progress``: where to show how far the load is (nothing if None).
    """
    directory = Path(directory)
    files = validate_package(directory)
    result = LoadResult(directory, dry_run=dry_run)
    with transaction.atomic(), recorded_as(Channel.IMPORT):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        _require_empty()
        _clear_catalogues()
        # The rows of each resource, as the package says (checked against its files by validate_package).
        expected = {item["name"]: item.get("rows") or 0 for item in read_descriptor(directory)["resources"]}
        bar = Progress(progress, sum(expected.get(r.name, 0) for r in RESOURCES), "Loading the data package")
        for resource in RESOURCES:
            section = bar.section(resource.name, expected.get(resource.name, 0))
            result.rows[resource.name] = _load(resource, files[resource.name], tick=section.update)
            section.close()
        bar.close()
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


def _load(resource: PackageResource, path: Path, *, tick: Callable[[int], None] | None = None) -> int:
    """Write the resource's rows (checked already) in batches; return how many (``tick``: after each batch)."""
    count = 0
    batch: Rows = []
    for number, values, _errors in _parsed(resource, path):
        batch.append((number, values))
        if len(batch) == BATCH:
            _insert(resource, batch)
            count, batch = count + len(batch), []
            if tick is not None:
                tick(count)
    if batch:
        _insert(resource, batch)
    return count + len(batch)


def _insert(resource: PackageResource, rows: Rows) -> None:
    """Write rows with their ids and history; raise PackageError naming a row the database refuses."""
    model = resource.model
    try:
        with transaction.atomic():
            bulk_create_with_history(
                [model(**values) for _number, values in rows],
                model,
                batch_size=BATCH,
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
