"""What the registry's data package holds: one resource per model of analytical data, and its Table Schema.

Each resource is one model's table, with the registry's ids as primary keys
and ``<link>_id`` columns as foreign keys: ids are the one key every table
has (party rows and transfers have no natural key), and a registry loaded
from a package keeps them, so its own export is the same package again.
The columns, their types and constraints come from the model's fields, so
the schema follows the models without a second description to keep in step.

Cells are written one way only (:func:`format_value`) and read back by
:func:`parse_value`: dates and times in ISO 8601, decimals in plain
notation with the field's places, booleans ``true``/``false``, lists and
objects as compact JSON, nothing (an empty cell) for a missing value.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core import validators
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from partnerships.models import (
    Agreement,
    AgreementAlias,
    AgreementParty,
    AgreementSource,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    ExerciseParticipant,
    ExerciseSource,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    NationSource,
    Organization,
    OrganizationAlias,
    OrganizationSource,
    Program,
    ResourceSharing,
    ResourceSource,
)
from partnerships.models.base import kept_by_database
from partnerships.services.csv_limit import rows_within

DESCRIPTOR = "datapackage.json"
# Bookkeeping of this registry, not facts about the world: a loaded registry sets its own.
SKIPPED_FIELDS = {"created_at", "updated_at"}
MAX_CELL = 64 * 1024 * 1024
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


class PackageError(Exception):
    """A package cannot be written or read; the message says why, naming the file, row and field."""


@dataclass(frozen=True)
class PackageResource:
    """One table of the package: a model's rows, in id order."""

    name: str  # the resource's name and file, data/<name>.csv
    model: type[models.Model]
    title: str
    # Reference lists a fresh registry already has (seeded by a migration): loading replaces them.
    catalogue: bool = False

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    @cached_property
    def columns(self) -> list[Column]:
        fields = [
            field
            for field in self.model._meta.concrete_fields
            if field.name not in SKIPPED_FIELDS and not kept_by_database(field)
        ]
        return [Column(field) for field in fields]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


# In the order a registry is loaded: every resource after those it links to (a table may link to itself).
RESOURCES: tuple[PackageResource, ...] = (
    PackageResource("nations", Nation, "Nations (states), with ISO 3166-1 and Correlates of War codes"),
    PackageResource("organizations", Organization, "Defense organizations, multinational ones and non-state actors"),
    PackageResource("memberships", Membership, "Nations' memberships of multinational organizations"),
    PackageResource("programs", Program, "Programs: enduring partnership initiatives"),
    PackageResource("agreements", Agreement, "Agreements: treaties, alliances, MoUs, SOFAs…"),
    PackageResource("agreement-parties", AgreementParty, "Agreement parties, one row per party and period"),
    PackageResource("exercises", Exercise, "Joint exercises, one row per edition"),
    PackageResource("exercise-participants", ExerciseParticipant, "Exercise participants: hosts, observers…"),
    PackageResource("resources", ResourceSharing, "Resource-sharing records: transfers of equipment, training…"),
    PackageResource("nation-sources", NationSource, "Datasets and citations describing each nation"),
    PackageResource("organization-sources", OrganizationSource, "Datasets and citations describing organizations"),
    PackageResource("agreement-sources", AgreementSource, "Datasets and citations describing each agreement"),
    PackageResource("exercise-sources", ExerciseSource, "Datasets and citations describing each exercise"),
    PackageResource("resource-sources", ResourceSource, "Datasets and citations describing resource records"),
    PackageResource("organization-aliases", OrganizationAlias, "Other names of organizations"),
    PackageResource("agreement-aliases", AgreementAlias, "Other names of agreements: acronyms, common names…"),
    PackageResource("indicators", Indicator, "The indicator catalogue assessments measure", catalogue=True),
    PackageResource("challenge-types", ChallengeType, "The taxonomy of challenges to cooperation", catalogue=True),
    PackageResource("assessments", Assessment, "Assessments of programs, agreements and exercises"),
    PackageResource("measurements", Measurement, "Indicator measurements: baseline, target, actual"),
    PackageResource("findings", Finding, "Assessment findings and recommendations, with their follow-up"),
    PackageResource("assessment-challenges", AssessmentChallenge, "Challenges an assessment observed"),
)
BY_NAME = {resource.name: resource for resource in RESOURCES}
BY_MODEL = {resource.model: resource for resource in RESOURCES}


class Column:
    """One field of a model as a column of its resource: name, Table Schema type, writing and reading."""

    def __init__(self, field: models.Field) -> None:
        self.field = field
        self.name = field.attname  # "nation_id" for a link: the id of a row of another resource
        self.link: PackageResource | None = BY_MODEL[field.related_model] if field.is_relation else None
        self.nullable = field.null
        self.type = _type_of(field.target_field if field.is_relation else field)

    @property
    def is_text(self) -> bool:
        return self.type == "string"

    @property
    def required(self) -> bool:
        """Whether every row must have a value: text that may be blank is written as an empty cell."""
        if self.field.primary_key:
            return True
        if self.nullable:
            return False
        return not (self.is_text and self.field.blank)

    def descriptor(self, resource: PackageResource) -> dict[str, Any]:
        """Return the column's Table Schema field descriptor."""
        field = self.field
        described: dict[str, Any] = {"name": self.name, "type": self.type}
        if field.primary_key:
            described["title"] = "id"
            described["description"] = f"The record's id in the registry (the {resource.name} resource's key)."
        elif self.link is not None:
            described["title"] = str(field.verbose_name)
            described["description"] = _sentence(
                f"The id of a row of {self.link.name}" + (" (this resource)" if self.link is resource else ""),
                field.help_text,
            )
        else:
            described["title"] = str(field.verbose_name)
            if field.help_text:
                described["description"] = str(field.help_text)
        if self.type == "array":
            described["arrayItem"] = _item_descriptor(field.base_field)  # type: ignore[attr-defined]
        constraints = self.constraints()
        if constraints:
            described["constraints"] = constraints
        return described

    def constraints(self) -> dict[str, Any]:
        field = self.field
        found: dict[str, Any] = {}
        if self.required:
            found["required"] = True
        if field.unique and not field.primary_key:
            found["unique"] = True
        if self.link is None and self.type != "array":
            found.update(_value_constraints(field))
        return found


def _sentence(first: str, help_text: Any) -> str:
    return f"{first}. {help_text}" if help_text else f"{first}."


def _type_of(field: models.Field) -> str:
    if isinstance(field, ArrayField):
        return "array"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.IntegerField | models.AutoField):
        return "integer"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "number"
    if isinstance(field, models.JSONField):
        return "object"
    return "string"


def _value_constraints(field: models.Field) -> dict[str, Any]:
    """Return the enum, length and range constraints the field's choices, length and validators set."""
    found: dict[str, Any] = {}
    if field.choices:
        found["enum"] = [value for value, _label in field.flatchoices]
    if _type_of(field) == "string" and field.max_length:
        found["maxLength"] = field.max_length
    # The validators the field was declared with, not the database's integer range Django adds to them.
    for validator in field._validators:
        if isinstance(validator, validators.MinValueValidator):
            found["minimum"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            found["maximum"] = validator.limit_value
    if isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField):
        found.setdefault("minimum", 0)
    return found


def _item_descriptor(base_field: models.Field) -> dict[str, Any]:
    described: dict[str, Any] = {"type": _type_of(base_field)}
    constraints = _value_constraints(base_field)
    if constraints:
        described["constraints"] = constraints
    return described


def table_schema(resource: PackageResource) -> dict[str, Any]:
    """Return the resource's Table Schema: its fields, primary key and foreign keys."""
    foreign_keys = [
        {
            "fields": [column.name],
            "reference": {"resource": "" if column.link is resource else column.link.name, "fields": ["id"]},
        }
        for column in resource.columns
        if column.link is not None
    ]
    schema: dict[str, Any] = {
        "fields": [column.descriptor(resource) for column in resource.columns],
        "missingValues": [""],
        "primaryKey": ["id"],
    }
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


# --- cells --------------------------------------------------------------------------------------


def format_value(column: Column, value: Any) -> str:
    """Return the cell for ``value`` of ``column``: the one way the package writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | dict):
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), sort_keys=isinstance(value, dict), cls=DjangoJSONEncoder
        )
    return str(value)


def parse_value(column: Column, text: str) -> Any:
    """Return the value a cell stands for; raise ValueError saying what is wrong with it."""
    if text == "":
        if column.required:
            raise ValueError("a value is required")
        return None if column.nullable else ""
    if column.type == "array":
        items = _json_cell(text, list, "a JSON list")
        base_field = column.field.base_field  # type: ignore[attr-defined]
        kind = _type_of(base_field)
        return [
            _checked(_typed(kind, item if isinstance(item, str) else json.dumps(item)), base_field) for item in items
        ]
    if column.type == "object":
        return _json_cell(text, dict, "a JSON object")
    value = _typed(column.type, text)
    return value if column.link is not None else _checked(value, column.field)


def _json_cell(text: str, kind: type, named: str) -> Any:
    """Return the JSON value of a list or object cell; raise ValueError when it is not ``kind``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, kind):
        raise ValueError(f"“{text}” is not {named}")
    return value


def _typed(kind: str, text: str) -> Any:
    try:
        if kind == "integer":
            if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
                raise ValueError
            return int(text)
        if kind == "number":
            number = Decimal(text)
            if not number.is_finite():
                raise ValueError
            return number
        if kind == "boolean":
            if text in TRUE_VALUES:
                return True
            if text in FALSE_VALUES:
                return False
            raise ValueError
        if kind == "date":
            if len(text) != 10:
                raise ValueError
            return date.fromisoformat(text)
        if kind == "datetime":
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, InvalidOperation):
        expected = {"integer": "a whole number", "number": "a number", "boolean": "true or false"}.get(kind)
        raise ValueError(f"“{text}” is not {expected or 'an ISO 8601 ' + kind}") from None
    return text


def _checked(value: Any, field: models.Field) -> Any:
    """Return ``value`` if the field's choices, length and range allow it; raise ValueError otherwise."""
    constraints = _value_constraints(field)
    if "enum" in constraints and value not in constraints["enum"]:
        raise ValueError(f"“{value}” is not one of {', '.join(map(str, constraints['enum']))}")
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        raise ValueError(f"longer than {constraints['maxLength']} characters")
    if "minimum" in constraints and value < constraints["minimum"]:
        raise ValueError(f"{value} is below the minimum, {constraints['minimum']}")
    if "maximum" in constraints and value > constraints["maximum"]:
        raise ValueError(f"{value} is above the maximum, {constraints['maximum']}")
    return value


# --- files --------------------------------------------------------------------------------------


def read_descriptor(directory: Path) -> dict[str, Any]:
    """Return a package's ``datapackage.json``; raise PackageError when it is missing or not a package."""
    path = Path(directory) / DESCRIPTOR
    if not path.is_file():
        raise PackageError(f"{directory}: no {DESCRIPTOR}, so this folder is not a data package.")
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: not valid JSON ({exc}).") from exc
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{path}: a data package descriptor has a list of resources; this one has none.")
    return descriptor


def csv_rows(path: Path) -> Iterator[list[str]]:
    """Yield a CSV file's rows, header first, as it is read; raise PackageError when it is missing or not UTF-8 CSV."""
    if not path.is_file():
        raise PackageError(f"{path.name}: the file is missing.")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            # A cell may be longer than the csv module's default limit (128 KiB): a source's values, a long citation.
            yield from rows_within(csv.reader(handle, strict=True), MAX_CELL)
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
    except csv.Error as exc:
        raise PackageError(f"{path.name}: not a CSV file ({exc}).") from exc
