"""The registry's own record files: every model exported to CSV or JSON, and read back by ``import_data records``.

Links are written as natural keys, not database ids, so a file can be read
into another registry: a nation by its ISO alpha-3 code (``cow:NUMBER`` for
states without one), an organization as ``name|nation``, a program by name,
an agreement as ``title|signed_on``. Agreement parties and exercise
participants travel with their record (a JSON list; in CSV, a JSON cell).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models

from partnerships.choices import Visibility
from partnerships.models import (
    Agreement,
    AgreementParty,
    Exercise,
    ExerciseParticipant,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.models.base import kept_by_database
from partnerships.services.access import FULL_ACCESS
from partnerships.services.naming import RESTRICTED_LABEL, Namer

# A record's datasets travel as its "sources" column (dataset:id), with ``follows`` naming the one it follows.
SKIPPED = {"id", "created_at", "updated_at"}
SOURCES_COLUMN = "sources"
HIDDEN_LINK = object()  # a link read as "restricted record": keep the saved one


@dataclass(frozen=True)
class RecordType:
    name: str  # the file's record_type, e.g. "agreements"
    model: type[models.Model]
    rows: str | None = None  # nested rows: "parties" or "participants"


RECORD_TYPES = {
    rt.name: rt
    for rt in (
        RecordType("nations", Nation),
        RecordType("organizations", Organization),
        RecordType("memberships", Membership),
        RecordType("programs", Program),
        RecordType("agreements", Agreement, "parties"),
        RecordType("exercises", Exercise, "participants"),
        RecordType("resources", ResourceSharing),
    )
}
ROW_FIELDS = {
    "parties": (
        "role",
        "joined_on",
        "joined_on_precision",
        "withdrew_on",
        "withdrew_on_precision",
        "obligations",
        "notes",
    ),
    "participants": ("role", "personnel", "notes"),
}


# --- natural keys -----------------------------------------------------------------------------


def nation_key(nation: Nation | None, namer: Namer | None = None) -> str:
    if nation is None:
        return ""
    if namer is not None and namer.hides(nation):
        return RESTRICTED_LABEL
    return nation.iso3 or f"cow:{nation.cow_code}"


def organization_key(organization: Organization | None, namer: Namer | None = None) -> str:
    if organization is None:
        return ""
    if namer is not None and namer.hides(organization):
        return RESTRICTED_LABEL
    return f"{organization.name}|{nation_key(organization.nation, namer)}"


def key_of(value: models.Model | None, namer: Namer | None = None) -> str:
    """Return the natural key of a linked record; "restricted record" if ``namer``'s user may not see it."""
    if value is None:
        return ""
    if namer is not None and namer.hides(value):
        return RESTRICTED_LABEL
    if isinstance(value, Nation):
        return nation_key(value)
    if isinstance(value, Organization):
        return organization_key(value, namer)
    if isinstance(value, Program):
        return value.name
    if isinstance(value, Agreement):
        return f"{value.title}|{value.signed_on.isoformat() if value.signed_on else ''}"
    raise TypeError(f"no natural key for {type(value).__name__}")


class Unresolved(Exception):
    pass


def _is_code(text: str) -> bool:
    """Whether ``text`` can be a COW number: a few ASCII digits (``str.isdigit`` also accepts ``²``)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def resolve(model: type[models.Model], key: str, *, user: Any = FULL_ACCESS) -> models.Model | None:
    """Return the record a natural key names among those ``user`` may see; raise Unresolved when there is none."""
    if not key:
        return None
    if key == RESTRICTED_LABEL:
        raise Unresolved(f"“{RESTRICTED_LABEL}” names no {model._meta.verbose_name} you may link")
    found: models.Model | None
    if model is Nation:
        nations = Nation.objects.visible_to(user)
        if key.startswith("cow:"):
            number = key[4:]
            found = nations.filter(cow_code=int(number)).first() if _is_code(number) else None
        else:
            found = nations.filter(iso3=key).first()
    elif model is Organization:
        name, _, nation = key.rpartition("|")
        organizations = Organization.objects.visible_to(user).filter(name__iexact=name)
        if nation == RESTRICTED_LABEL:
            # Exported by a user who may not see its nation: the organization whose nation is hidden.
            found = organizations.exclude(nation__in=Nation.objects.visible_to(user)).exclude(nation=None).first()
        else:
            found = organizations.filter(nation=resolve(Nation, nation, user=user)).first()
    elif model is Program:
        found = Program.objects.visible_to(user).filter(name__iexact=key).first()
    elif model is Agreement:
        title, _, signed = key.rpartition("|")
        found = (
            Agreement.objects.visible_to(user)
            .filter(title__iexact=title, signed_on=date.fromisoformat(signed) if signed else None)
            .first()
        )
    else:
        raise TypeError(model)
    if found is None:
        raise Unresolved(f"no {model._meta.verbose_name} “{key}”")
    return found


# --- export ------------------------------------------------------------------------------------


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED and not kept_by_database(f)]


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_dict(record: models.Model, record_type: RecordType, namer: Namer | None = None) -> dict[str, Any]:
    """Return ``record`` as plain values and natural keys; links hidden from ``namer``'s user: "restricted record"."""
    data: dict[str, Any] = {}
    for field in _fields(record_type.model):
        value = getattr(record, field.name)
        data[field.name] = key_of(value, namer) if field.is_relation else _plain(value)
    if record_type.rows:
        rows = []
        for row in getattr(record, record_type.rows).all():
            actor = (
                f"nation:{nation_key(row.nation, namer)}"
                if row.nation_id
                else f"organization:{organization_key(row.organization, namer)}"
            )
            rows.append({"actor": actor, **{name: _plain(getattr(row, name)) for name in ROW_FIELDS[record_type.rows]}})
        data[record_type.rows] = rows
    if hasattr(record, "follows"):
        # The datasets that describe the record, as dataset:id: what finds it again on re-import.
        data[SOURCES_COLUMN] = sorted(source.key for source in record.sources.all() if source.key)
    return data


def export_records(record_type: RecordType, *, user: Any) -> Iterator[dict[str, Any]]:
    """Yield each record ``user`` may see as a dict of plain values and natural keys, in id order."""
    queryset = record_type.model.objects.visible_to(user).order_by("pk")
    namer = Namer(user)
    relations = [f.name for f in _fields(record_type.model) if f.is_relation]
    queryset = queryset.select_related(*relations)
    if record_type.rows:
        rows_model = AgreementParty if record_type.rows == "parties" else ExerciseParticipant
        queryset = queryset.prefetch_related(
            models.Prefetch(
                record_type.rows,
                queryset=rows_model.objects.visible_to(user).select_related("nation", "organization__nation"),
            )
        )
    if hasattr(record_type.model, "follows"):
        queryset = queryset.prefetch_related("sources")
    for record in queryset.iterator(chunk_size=500):
        yield record_dict(record, record_type, namer)


def csv_header(record_type: RecordType) -> list[str]:
    columns = ["record_type", *[f.name for f in _fields(record_type.model)]]
    if hasattr(record_type.model, "follows"):
        columns.append(SOURCES_COLUMN)
    return [*columns, record_type.rows] if record_type.rows else columns


def csv_row(record_type: RecordType, data: dict[str, Any]) -> list[Any]:
    row: list[Any] = [record_type.name]
    for column in csv_header(record_type)[1:]:
        value = data[column]
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False) if column == record_type.rows else ";".join(map(str, value))
        row.append("" if value is None else value)
    return row


# --- import --------------------------------------------------------------------------------------


def values_from(record_type: RecordType, data: dict[str, Any], *, user: Any = FULL_ACCESS) -> dict[str, Any]:
    """Return model field values from an exported record (CSV text or JSON values); raise on bad links.

    Links resolve among the records ``user`` may see. A link given as
    "restricted record" is :data:`HIDDEN_LINK`: the importer keeps the saved
    record's hidden link as it is.
    """
    values: dict[str, Any] = {}
    for field in _fields(record_type.model):
        if field.name not in data:
            continue
        raw = data[field.name]
        if field.is_relation:
            values[field.name] = (
                HIDDEN_LINK if raw == RESTRICTED_LABEL else resolve(field.related_model, raw or "", user=user)
            )
        elif isinstance(field, ArrayField):
            if isinstance(raw, str):
                raw = [item for item in raw.split(";") if item]
            values[field.name] = [field.base_field.to_python(item) for item in raw or []]
        elif raw in ("", None) and (field.null or isinstance(field, models.DateField | models.DecimalField)):
            values[field.name] = None
        elif raw is None:
            values[field.name] = ""
        else:
            values[field.name] = field.to_python(raw)
    return values


def natural_lookup(record_type: RecordType, values: dict[str, Any]) -> dict[str, Any]:
    """Return the filter that finds the saved record an imported one stands for."""
    model = record_type.model
    hidden = {name for name, value in values.items() if value is HIDDEN_LINK}
    if hidden:
        # A key part exported as "restricted record": the saved record's link is one its user may not see.
        values = {name: value for name, value in values.items() if name not in hidden}
        lookup = natural_lookup(record_type, {**values, **dict.fromkeys(hidden)})
        for name in hidden:
            lookup.pop(name, None)
            lookup[f"{name}__visibility"] = Visibility.RESTRICTED
        return lookup
    if model is Nation:
        return {"iso3": values["iso3"]} if values.get("iso3") else {"cow_code": values.get("cow_code")}
    if model is Organization:
        return {"name__iexact": values["name"], "nation": values.get("nation")}
    if model is Membership:
        return {k: values[k] for k in ("organization", "nation", "joined_on")}
    if model is Program:
        return {"name__iexact": values["name"]}
    if model is Agreement:
        return {"title__iexact": values["title"], "signed_on": values.get("signed_on")}
    if model is Exercise:
        return {"name__iexact": values["name"], "start_date": values.get("start_date")}
    if values.get("reference"):
        return {"reference": values["reference"]}
    raise Unresolved("a resource-sharing record needs a reference or a source (dataset:id) to be matched on re-import")


def source_keys(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the (dataset, id) pairs of a file's "sources" column; raise Unresolved on a malformed one."""
    raw = data.get(SOURCES_COLUMN) or []
    keys = []
    for key in raw.split(";") if isinstance(raw, str) else raw:
        dataset, _, dataset_id = str(key).strip().partition(":")
        if not (dataset and dataset_id):
            if str(key).strip():
                raise Unresolved(f"sources: “{key}” is not dataset:id")
            continue
        keys.append((dataset, dataset_id))
    return keys


def source_lookup(data: dict[str, Any]) -> dict[str, Any] | None:
    """Return the filter finding a record by the first dataset:id of its file's "sources" column, if any."""
    keys = source_keys(data)
    if not keys:
        return None
    dataset, dataset_id = keys[0]
    return {"sources__dataset": dataset, "sources__dataset_id": dataset_id}


def rows_from(record_type: RecordType, raw: Any, *, user: Any = FULL_ACCESS) -> list[dict[str, Any]]:
    """Return nested party/participant rows (model instances as values) from the exported list."""
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else []
    rows_model = AgreementParty if record_type.rows == "parties" else ExerciseParticipant
    result = []
    for item in raw or []:
        kind, _, key = str(item.get("actor", "")).partition(":")
        if kind not in ("nation", "organization"):
            raise Unresolved(f"a party/participant actor must be nation:… or organization:…, not “{item.get('actor')}”")
        row: dict[str, Any] = {
            "nation": resolve(Nation, key, user=user) if kind == "nation" else None,
            "organization": resolve(Organization, key, user=user) if kind == "organization" else None,
        }
        for name in ROW_FIELDS[record_type.rows or ""]:
            value = item.get(name)
            field = rows_model._meta.get_field(name)
            if value in ("", None) and name.endswith("_precision"):
                # Files written before dates had a precision: their dates are days, as saved rows' were.
                row[name] = field.get_default()
                continue
            row[name] = (None if field.null else "") if value in ("", None) else field.to_python(value)
            if hasattr(field, "canonical"):  # a set of choices, stored in the choices' order
                row[name] = field.canonical(row[name])
        result.append(row)
    return result
