"""The demo's data files: read and checked, entry by entry, before the loader writes anything.

The demo records are JSON files in ``partnerships/reference/demo/``, one per
record type, each a list of objects (see that folder's README). Keys are the
model's field names; a few are references the loader resolves: nations by ISO
alpha-3 code (historical states by COW abbreviation), organizations and
programs by ``acronym``, agreements and exercises by their exact ``title`` /
``name``. Dates are ``"YYYY-MM-DD"`` or null, decimals are strings, enum values
are the values in ``partnerships.choices``. A file that is not valid JSON, an
entry with an unknown key, a missing required key or a value of the wrong kind
raises :class:`DemoDataError` naming the file and the entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from partnerships.models import (
    Agreement,
    AgreementParty,
    AgreementSource,
    Assessment,
    AssessmentChallenge,
    Exercise,
    ExerciseParticipant,
    Finding,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.models.base import kept_by_database
from partnerships.services.importers import IMPORTERS

DEMO_DIR = Path(__file__).resolve().parents[1] / "reference" / "demo"


class DemoDataError(ValueError):
    """A demo data file cannot be read, or one of its entries has a bad value; the message names both."""


class EntryProblem(Exception):
    """Something wrong with one entry, found while loading it; the loader adds the file and the entry."""


class UnknownReference(EntryProblem):
    """An entry names a nation, organization, program, agreement or exercise the demo does not have."""


class Conflict(EntryProblem):
    """An entry's record exists twice in the registry (e.g. the demo's and an import's): staff must merge them."""


@dataclass(frozen=True)
class Items:
    """A key whose value is a list of objects, each a row of ``model`` (an agreement's parties)."""

    model: type[models.Model]
    required: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None  # the keys allowed, when not every field of the model is


@dataclass(frozen=True)
class FileSpec:
    """What one demo file holds: rows of ``model``, each named in messages by ``name(entry)``."""

    file: str
    model: type[models.Model]
    name: Callable[[dict[str, Any]], str]
    required: tuple[str, ...]
    items: dict[str, Items] = field(default_factory=dict)
    extra: tuple[str, ...] = ()  # keys that are not fields of the model


def _key(*keys: str) -> Callable[[dict[str, Any]], str]:
    return lambda raw: " ".join(str(raw.get(key, "?")) for key in keys)


# In load order: a file names only records of the files before it (or earlier entries of its own).
FILES: tuple[FileSpec, ...] = (
    FileSpec("nations.json", Nation, _key("name"), ("name", "cow_code")),
    FileSpec("organizations.json", Organization, _key("acronym"), ("name", "acronym")),
    FileSpec(
        "memberships.json",
        Membership,
        _key("organization", "nation", "joined_on"),
        ("organization", "nation", "joined_on"),
    ),
    FileSpec("programs.json", Program, _key("acronym"), ("name", "acronym")),
    FileSpec(
        "agreements.json",
        Agreement,
        _key("title"),
        ("title", "signed_on", "parties"),
        items={
            "parties": Items(AgreementParty, ("role",)),
            # The datasets that describe the same agreement: source rows of the curated record.
            "sources": Items(
                AgreementSource,
                ("dataset", "dataset_id"),
                only=("dataset", "dataset_id", "version", "url", "citation"),
            ),
        },
    ),
    FileSpec(
        "exercises.json",
        Exercise,
        _key("name"),
        ("name", "start_date", "participants"),
        items={"participants": Items(ExerciseParticipant, ("role",))},
    ),
    FileSpec("resources.json", ResourceSharing, _key("reference"), ("reference",)),
    FileSpec(
        "assessments.json",
        Assessment,
        _key("key"),
        ("key", "title", "kind", "conducted_on", "measurements", "findings", "challenges"),
        items={
            "measurements": Items(Measurement, ("indicator",)),
            "findings": Items(Finding, ("kind", "text")),
            "challenges": Items(AssessmentChallenge, ("challenge_type", "severity")),
        },
        extra=("key",),
    ),
)
# Fields the registry keeps itself: never given by a file.
_KEPT = {"id", "visibility", "created_at", "updated_at", "follows", "search_document"}


@dataclass(frozen=True)
class Entry:
    """One checked entry of a demo file: its values with dates as dates and decimals as Decimals."""

    file: str  # the file's path as messages show it
    number: int  # 1-based, in the file's order
    name: str
    values: dict[str, Any]

    def error(self, message: str) -> DemoDataError:
        return DemoDataError(f"{self.file}, entry {self.number} ({self.name}): {message}")

    @contextmanager
    def checked(self) -> Iterator[None]:
        """Turn a model rule the entry breaks, or a problem found loading it, into an error naming it."""
        try:
            yield
        except ValidationError as exc:
            raise self.error(describe(exc)) from exc
        except EntryProblem as exc:
            raise self.error(str(exc)) from exc


def describe(error: ValidationError) -> str:
    """Return a ValidationError's messages on one line, each with its field."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {message}" if name != "__all__" else message
            for name, errors in error.error_dict.items()
            for message in ValidationError(errors).messages
        )
    return "; ".join(error.messages)


def _choices(model_field: models.Field) -> set[str] | None:
    return {str(value) for value, _ in model_field.flatchoices} if model_field.choices else None


def _value(model_field: models.Field, value: Any) -> Any:
    """Return ``value`` as the field takes it (a reference stays a name); raise ValueError naming what is wrong."""
    if value is None:
        return None
    if isinstance(model_field, models.ForeignKey):
        if not isinstance(value, str):
            raise ValueError(f"{value!r} should be a name or code (a string)")
        return value
    if isinstance(model_field, models.DateField):
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(model_field, models.DecimalField):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f'{value!r} should be a number written as a string, e.g. "12.50"')
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(model_field, models.BooleanField):
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} should be true or false")
        return value
    if isinstance(model_field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} should be a whole number")
        return value
    if isinstance(model_field, ArrayField):
        if not isinstance(value, list):
            raise ValueError(f"{value!r} should be a list")
        choices = _choices(model_field.base_field)
        wrong = [item for item in value if choices is not None and item not in choices]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not one of {', '.join(sorted(choices or ()))}")
        return value
    if isinstance(model_field, models.CharField | models.TextField):
        if not isinstance(value, str):
            raise ValueError(f"{value!r} should be text (a string)")
        choices = _choices(model_field)
        if choices is not None and value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value
    return value  # JSON fields take any JSON value


def _row(
    raw: Any, model: type[models.Model], required: tuple[str, ...], allowed: set[str], where: str
) -> dict[str, Any]:
    """Return one object's values, checked against ``model``; raise ValueError starting with ``where``."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}should be an object {{...}}, not {type(raw).__name__}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(f"{where}unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    missing = [key for key in required if key not in raw]
    if missing:
        raise ValueError(f"{where}missing {', '.join(repr(key) for key in missing)}")
    values = {}
    for key, value in raw.items():
        try:
            model_field = model._meta.get_field(key)
        except FieldDoesNotExist:
            values[key] = value  # one of the file's own keys (an assessment's ``key``), checked by the loader
            continue
        try:
            values[key] = _value(model_field, value)
        except ValueError as exc:
            raise ValueError(f"{where}{key}: {exc}") from None
    return values


def _fields(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.name not in _KEPT and not kept_by_database(f)}


def shown(path: Path) -> str:
    """Return ``path`` as messages show it: from the project's root when it is in the project."""
    root = DEMO_DIR.parents[2]
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _entry(spec: FileSpec, file: str, number: int, raw: Any) -> Entry:
    name = spec.name(raw) if isinstance(raw, dict) else "?"
    entry = Entry(file, number, name, {})
    allowed = _fields(spec.model) | set(spec.items) | set(spec.extra)
    try:
        values = _row(raw, spec.model, spec.required, allowed, "")
        for key, items in spec.items.items():
            rows = values.get(key, [])
            if not isinstance(rows, list):
                raise ValueError(f"{key}: should be a list of objects")
            allowed_items = set(items.only) if items.only else _fields(items.model)
            values[key] = [
                _row(row, items.model, items.required, allowed_items, f"{key} item {index}: ")
                for index, row in enumerate(rows, start=1)
            ]
    except ValueError as exc:
        raise entry.error(str(exc)) from None
    known = {importer.dataset for importer in IMPORTERS.values()}
    for index, source in enumerate(values.get("sources", []), start=1):
        if source["dataset"] not in known:
            raise entry.error(
                f"sources item {index}: dataset: {source['dataset']!r} is not one of {', '.join(sorted(known))}"
            )
    return Entry(file, number, name, values)


def read_file(spec: FileSpec, directory: Path = DEMO_DIR) -> list[Entry]:
    """Return the checked entries of one demo file; raise DemoDataError naming the file (and entry) if bad."""
    path = directory / spec.file
    file = shown(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DemoDataError(f"{file}: cannot be read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DemoDataError(f"{file}: not valid JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise DemoDataError(f"{file}: should be a list of objects [{{...}}, ...]")
    return [_entry(spec, file, number, item) for number, item in enumerate(raw, start=1)]


def read_all(directory: Path = DEMO_DIR) -> dict[str, list[Entry]]:
    """Return every demo file's checked entries, by file name (all read before anything is written)."""
    return {spec.file: read_file(spec, directory) for spec in FILES}
