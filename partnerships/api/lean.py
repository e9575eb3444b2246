"""The lean read path: GET responses of the busiest resources built from ``values()`` rows.

Agreements, exercises and resource-sharing records are read fifty to a page
by analysts and a thousand to a page by full syncs. Building a model
instance for every record and nested row, then asking DRF for each field of
each, was most of those responses' time (five times the raw-SQL baseline's
for a sync page). Here a page is one ``values()`` query of the records (the
related records shown in brief joined in), one per nested list (parties,
participants, aliases, sources, an agreement's exercises and transfers),
and plain dictionaries.

The serializers stay the single description of the representation: which
fields, in which order, of which kind, and which rows of a nested list the
user may see (the same ``visible_to()`` querysets their prefetches use). A
:class:`Plan` is read off a serializer's fields once; a field of a kind it
does not know makes the resource fall back to the serializers, so the JSON
never changes (``tests/api/test_lean_read.py`` compares the two on random
data). Writes never come here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.settings import api_settings

from partnerships.api.fields import NestedRelatedField, restricted_brief
from partnerships.api.serializers import BriefSerializer, RecordSerializer
from partnerships.choices import ResourceCategory, Visibility
from partnerships.models import (
    Agreement,
    AgreementAlias,
    AgreementParty,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    can_view_restricted,
)
from partnerships.models.parties import actor_visible_q
from partnerships.services.links import url_maker

Row = Mapping[str, Any]
Render = Callable[[Row], Any]
# What a page's rendering reads besides its rows: each nested list's rendered rows by record id
# (under the list's name), and each brief table (under its brief serializer class).
Loaded = dict[Any, dict[Any, Any]]


class Unsupported(Exception):
    """A serializer field the lean path cannot render as DRF would: the resource keeps the serializers."""


# ---- how related records are named (their __str__, on values() rows) ---------------------------------------
def _name_with_acronym(row: Row, prefix: str) -> str:
    acronym = row[f"{prefix}acronym"]
    return f"{row[f'{prefix}name']} ({acronym})" if acronym else row[f"{prefix}name"]


def _agreement_display(row: Row, prefix: str) -> str:
    signed_on = row[f"{prefix}signed_on"]
    year = f" ({signed_on.year})" if signed_on else ""
    return f"{row[f'{prefix}short_name'] or row[f'{prefix}title']}{year}"


def _actor_display(row: Row, prefix: str) -> str:
    """str() of a row's actor (its nation, else its organization; "None" for neither), as ``provider`` is."""
    if row[f"{prefix}nation__id"] is not None:
        return row[f"{prefix}nation__name"]
    if row[f"{prefix}organization__id"] is not None:
        return _name_with_acronym(row, f"{prefix}organization__")
    return "None"


CATEGORY_LABELS = {value: str(label) for value, label in ResourceCategory.choices}


def _resource_display(row: Row, prefix: str) -> str:
    category = row[f"{prefix}category"]
    label = CATEGORY_LABELS.get(category, category)
    return f"{_actor_display(row, f'{prefix}provider_')} → {_actor_display(row, f'{prefix}recipient_')}: {label}"


def _actor_columns(role: str) -> tuple[str, ...]:
    return (
        f"{role}_nation__id",
        f"{role}_nation__name",
        *(f"{role}_organization__{c}" for c in ("id", "name", "acronym")),
    )


@dataclass(frozen=True)
class Display:
    columns: tuple[str, ...]
    text: Callable[[Row, str], str]


# Each model's __str__ (partnerships.models), for the models the three resources show.
DISPLAYS: dict[type[models.Model], Display] = {
    Nation: Display(("name",), lambda row, prefix: row[f"{prefix}name"]),
    Organization: Display(("name", "acronym"), _name_with_acronym),
    Program: Display(("name", "acronym"), _name_with_acronym),
    Agreement: Display(("title", "short_name", "signed_on"), _agreement_display),
    Exercise: Display(("name",), lambda row, prefix: row[f"{prefix}name"]),
    ResourceSharing: Display(
        ("category", *_actor_columns("provider"), *_actor_columns("recipient")), _resource_display
    ),
}

# What a method field of a serializer reads, besides the columns of its own kind (it is given them as attributes).
METHOD_COLUMNS: dict[str, tuple[str, ...]] = {
    "get_known_until": ("follows", "in_force_from", "ended_on", "expires_on"),
    "get_values": ("values",),
}


# ---- one request's rendering context -----------------------------------------------------------------------
class Reading:
    """What rendering needs of the request: who reads (cleared or not), URLs, the time zone, method fields."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.user = getattr(request, "user", None)
        self.cleared = can_view_restricted(self.user)
        self.timezone: tzinfo = timezone.get_current_timezone()
        self._urls: dict[type[models.Model], Callable[[Any], str]] = {}
        self._serializers: dict[type[serializers.Serializer], serializers.Serializer] = {}
        self.briefs: dict[tuple[type[models.Model], Any], dict[str, Any]] = {}

    def url(self, model: type[models.Model]) -> Callable[[Any], str]:
        maker = self._urls.get(model)
        if maker is None:
            maker = self._urls[model] = url_maker(f"api:{model._meta.model_name}-detail", request=self.request)
        return maker

    def method(self, serializer_class: type[serializers.Serializer], name: str) -> Callable[[Any], Any]:
        """Return the serializer's method bound to an instance with this request (as DRF would call it)."""
        serializer = self._serializers.get(serializer_class)
        if serializer is None:
            serializer = self._serializers[serializer_class] = serializer_class(context={"request": self.request})
        return getattr(serializer, name)

    def datetime_text(self, value: datetime | None) -> str | None:
        """DRF's DateTimeField: ISO 8601 in the current time zone, "Z" for UTC."""
        if not value:
            return None
        text = value.astimezone(self.timezone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


# ---- plans: how a serializer's fields are read from values() rows ------------------------------------------
@dataclass
class Relation:
    """A nested list (``many=True``): its rows, read by one query for a whole page of records."""

    name: str
    model: type[models.Model]
    parent_column: str  # e.g. agreement_id
    plan: Plan
    queryset: Callable[[Request], models.QuerySet]


@dataclass
class FieldPlan:
    name: str
    columns: tuple[str, ...]
    build: Callable[[Reading, Loaded], Render]
    relation: Relation | None = None
    # A related record in brief read by id from a table of briefs (rows of nested lists): its brief serializer.
    lookup: type[BriefSerializer] | None = None


@dataclass
class Plan:
    """How to render one serializer's fields (all of them, in order) from rows with ``prefix``ed columns."""

    model: type[models.Model]
    fields: list[FieldPlan] = field(default_factory=list)

    def select(self, names: Iterable[str] | None = None) -> list[FieldPlan]:
        if names is None:
            return self.fields
        wanted = set(names)
        return [plan for plan in self.fields if plan.name in wanted]


def _date(column: str) -> Callable[..., Render]:
    def build(reading: Reading, loaded: Any) -> Render:
        def render(row: Row) -> Any:
            value = row[column]
            return value.isoformat() if value is not None else None

        return render

    return build


def _plain(column: str) -> Callable[..., Render]:
    return lambda reading, loaded: itemgetter(column)


def _datetime(column: str) -> Callable[..., Render]:
    def build(reading: Reading, loaded: Any) -> Render:
        text = reading.datetime_text
        return lambda row: text(row[column])

    return build


def _through_field(column: str, drf_field: serializers.Field) -> Callable[..., Render]:
    """DRF's own to_representation, for kinds whose text is subtle (decimals: places, exponent)."""

    def build(reading: Reading, loaded: Any) -> Render:
        represent = drf_field.to_representation

        def render(row: Row) -> Any:
            value = row[column]
            return None if value is None else represent(value)

        return render

    return build


@cache
def _brief_plan(brief_class: type[BriefSerializer], prefix: str) -> tuple[tuple[str, ...], Callable[..., Render]]:
    """A related record in brief (a NestedRelatedField): its columns under ``prefix``, and its renderer.

    A record the user may not see is shown as such (``restricted_brief()``), as NestedRelatedField does.
    """
    model = brief_class.Meta.model
    inner = _plan_of(brief_class(), prefix)
    columns = (f"{prefix}id", f"{prefix}visibility", *inner_columns(inner.fields))

    def build(reading: Reading, loaded: Any) -> Render:
        renders = [(plan.name, plan.build(reading, loaded)) for plan in inner.fields]
        cache = reading.briefs
        cleared = reading.cleared

        def render(row: Row) -> Any:
            pk = row[f"{prefix}id"]
            if pk is None:
                return None
            if not cleared and row[f"{prefix}visibility"] != Visibility.PUBLIC:
                return restricted_brief()
            key = (model, pk)
            brief = cache.get(key)
            if brief is None:
                brief = cache[key] = {name: render_field(row) for name, render_field in renders}
            return brief

        return render

    return columns, build


def inner_columns(fields: Iterable[FieldPlan]) -> list[str]:
    return [column for plan in fields for column in plan.columns]


def _actor_visible(queryset: models.QuerySet) -> models.QuerySet:
    return queryset.filter(actor_visible_q())


# Nested rows whose visible_to() is "their record is visible and (parties, participants) so is the actor they
# name": the records of a page are the user's already (their ids come from visible_to()), so the rest of the
# rule is all that is left to apply. The record's half would join the records' table: for a sync page at
# scale L, a hash of all 100,000 agreements, 85 of the page's milliseconds.
WITHIN_VISIBLE_RECORDS: dict[type[models.Model], Callable[[models.QuerySet], models.QuerySet]] = {
    AgreementParty: _actor_visible,
    ExerciseParticipant: _actor_visible,
    AgreementAlias: lambda queryset: queryset,
}


def _relation_queryset(
    serializer_class: type[serializers.Serializer], name: str, model: type[models.Model]
) -> Callable[[Request], models.QuerySet]:
    """The rows of nested list ``name`` the user may see: the queryset the serializer path prefetches."""
    prefetcher = getattr(serializer_class, "prefetch", {}).get(name)

    def queryset(request: Request) -> models.QuerySet:
        if model in WITHIN_VISIBLE_RECORDS:
            rows = model._default_manager.all()
            return rows if can_view_restricted(getattr(request, "user", None)) else WITHIN_VISIBLE_RECORDS[model](rows)
        if prefetcher is None:
            return model._default_manager.all()
        prefetch = prefetcher(request)
        if isinstance(prefetch, Prefetch) and prefetch.queryset is not None:
            return prefetch.queryset
        return model._default_manager.all()

    return queryset


def _plan_of(serializer: serializers.Serializer, prefix: str = "", *, nested: bool = False) -> Plan:
    """Read the plan off ``serializer``'s fields; raise Unsupported for a field the lean path cannot render.

    Related records in brief are joined to the row (``prefix``); in the rows of a nested list (``nested``),
    thousands of which name a few hundred nations and organizations, they are read by id from a brief table.
    """
    model = serializer.Meta.model if hasattr(serializer, "Meta") else None
    plan = Plan(model=model)
    for name, drf_field in serializer.fields.items():
        if drf_field.write_only:
            continue
        source = drf_field.source
        column = f"{prefix}{source}"
        if isinstance(drf_field, serializers.SerializerMethodField):
            method = drf_field.method_name
            if method == "get_url" and getattr(type(serializer), "get_url", None) is BriefSerializer.get_url:
                plan.fields.append(FieldPlan(name, (f"{prefix}id",), _url(model, prefix)))
            elif (
                method == "get_display"
                and getattr(type(serializer), "get_display", None) is BriefSerializer.get_display
            ):
                display = DISPLAYS.get(model)
                if display is None:
                    raise Unsupported(f"no display for {model.__name__}")
                columns = tuple(f"{prefix}{c}" for c in display.columns)
                plan.fields.append(FieldPlan(name, columns, _display(display, prefix)))
            elif method in METHOD_COLUMNS:
                columns = tuple(f"{prefix}{c}" for c in METHOD_COLUMNS[method])
                plan.fields.append(FieldPlan(name, columns, _method(type(serializer), method, prefix)))
            else:
                raise Unsupported(f"method field {name}")
        elif "." in source or source == "*":
            raise Unsupported(f"field {name} reads {source}")
        elif isinstance(drf_field, serializers.ListSerializer):
            plan.fields.append(_relation_plan(type(serializer), name, drf_field, model, prefix))
        elif isinstance(drf_field, NestedRelatedField) and nested:
            attname = model._meta.get_field(source).attname
            plan.fields.append(
                FieldPlan(
                    name, (attname,), _looked_up(drf_field.brief_serializer, attname), lookup=drf_field.brief_serializer
                )
            )
        elif isinstance(drf_field, NestedRelatedField):
            columns, build = _brief_plan(drf_field.brief_serializer, f"{column}__")
            plan.fields.append(FieldPlan(name, columns, build))
        elif isinstance(drf_field, serializers.DateTimeField):
            if getattr(drf_field, "format", None) not in (None, "iso-8601") or hasattr(drf_field, "timezone"):
                raise Unsupported(f"datetime field {name}")
            plan.fields.append(FieldPlan(name, (column,), _datetime(column)))
        elif isinstance(drf_field, serializers.DateField):
            if getattr(drf_field, "format", None) not in (None, "iso-8601"):
                raise Unsupported(f"date field {name}")
            plan.fields.append(FieldPlan(name, (column,), _date(column)))
        elif isinstance(drf_field, serializers.DecimalField) or (
            isinstance(drf_field, serializers.BigIntegerField)
            and getattr(drf_field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        ):
            plan.fields.append(FieldPlan(name, (column,), _through_field(column, drf_field)))
        elif type(drf_field) in PLAIN_FIELDS or (
            type(drf_field) is serializers.ListField and type(drf_field.child) in PLAIN_FIELDS
        ):
            plan.fields.append(FieldPlan(name, (column,), _plain(column)))
        else:
            raise Unsupported(f"{type(drf_field).__name__} {name}")
    return plan


# Fields whose representation is the database value itself (text, choices, whole numbers, booleans).
PLAIN_FIELDS = (
    serializers.CharField,
    serializers.URLField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.BigIntegerField,  # unless coerced to text (above)
    serializers.BooleanField,
)


def _looked_up(brief_class: type[BriefSerializer], column: str) -> Callable[..., Render]:
    def build(reading: Reading, loaded: Loaded) -> Render:
        table = loaded[brief_class]
        return lambda row: table[row[column]] if row[column] is not None else None

    return build


def _url(model: type[models.Model], prefix: str) -> Callable[..., Render]:
    def build(reading: Reading, loaded: Any) -> Render:
        url = reading.url(model)
        return lambda row: url(row[f"{prefix}id"])

    return build


def _display(display: Display, prefix: str) -> Callable[..., Render]:
    text = display.text
    return lambda reading, loaded: lambda row: text(row, prefix)


def _method(serializer_class: type[serializers.Serializer], method: str, prefix: str) -> Callable[..., Render]:
    columns = [(name, f"{prefix}{name}") for name in METHOD_COLUMNS[method]]

    def build(reading: Reading, loaded: Any) -> Render:
        call = reading.method(serializer_class, method)
        return lambda row: call(SimpleNamespace(**{name: row[column] for name, column in columns}))

    return build


def _relation_plan(
    serializer_class: type[serializers.Serializer],
    name: str,
    drf_field: serializers.ListSerializer,
    model: type[models.Model],
    prefix: str,
) -> FieldPlan:
    if prefix:
        raise Unsupported(f"nested list {name} inside a nested record")
    rel = model._meta.get_field(drf_field.source)
    if not isinstance(rel, models.ManyToOneRel):
        raise Unsupported(f"nested list {name} is not a reverse foreign key")
    child_model = rel.related_model
    relation = Relation(
        name=name,
        model=child_model,
        parent_column=rel.field.attname,
        plan=_plan_of(drf_field.child, nested=True),
        queryset=_relation_queryset(serializer_class, name, child_model),
    )

    def build(reading: Reading, loaded: dict[str, dict[Any, list[dict[str, Any]]]]) -> Render:
        groups = loaded[name]
        return lambda row: groups.get(row["id"], [])

    return FieldPlan(name, ("id",), build, relation)


# ---- the readers ---------------------------------------------------------------------------------------------
_PLANS: dict[type[serializers.Serializer], Plan | None] = {}


def plan_for(serializer_class: type[serializers.Serializer]) -> Plan | None:
    """Return the plan of ``serializer_class`` (read once per process), or None if it has unsupported fields."""
    if serializer_class not in _PLANS:
        try:
            _PLANS[serializer_class] = _plan_of(serializer_class())
        except Unsupported:
            _PLANS[serializer_class] = None
    return _PLANS[serializer_class]


class LeanReader:
    """Render one GET request's records (a page, or one) from ``values()`` rows, as the serializer would."""

    def __init__(self, plan: Plan, names: list[str], request: Request) -> None:
        self.plan = plan
        self.fields = plan.select(names)
        self.reading = Reading(request)
        # Whatever is shown, the id (paging, nested rows) and the version (the ETag) are read.
        self.columns = list(dict.fromkeys(["id", "updated_at", *inner_columns(self.fields)]))

    def rows(self, queryset: models.QuerySet) -> models.QuerySet:
        """Return ``queryset`` (filtered and ordered) as the rows to render."""
        return queryset.values(*self.columns)

    def render(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [row["id"] for row in rows]
        loaded = {plan.relation.name: self._load(plan.relation, ids) for plan in self.fields if plan.relation}
        renders = [(plan.name, plan.build(self.reading, loaded)) for plan in self.fields]
        return [{name: render(row) for name, render in renders} for row in rows]

    def _load(self, relation: Relation, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        """Read a nested list's rows for the records ``ids`` in one query, rendered, by record."""
        groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        if not ids:
            return groups
        queryset = relation.queryset(self.reading.request)
        parent = relation.model._meta.get_field(relation.parent_column.removesuffix("_id")).name
        # The model's order, within each record (the parent's own order, which ``parent`` would join, is moot).
        ordering = [
            relation.parent_column if item in (parent, f"{parent}_id") else item
            for item in (queryset.query.order_by or relation.model._meta.ordering)
        ]
        columns = list(dict.fromkeys([relation.parent_column, *inner_columns(relation.plan.fields)]))
        rows = list(queryset.filter(**{f"{relation.parent_column}__in": ids}).order_by(*ordering).values(*columns))
        briefs = self._briefs(relation.plan.fields, rows)
        renders = [(plan.name, plan.build(self.reading, briefs)) for plan in relation.plan.fields]
        parent_column = relation.parent_column
        for row in rows:
            groups[row[parent_column]].append({name: render(row) for name, render in renders})
        return groups

    def _briefs(self, fields: list[FieldPlan], rows: list[dict[str, Any]]) -> Loaded:
        """Read the briefs ``rows`` name (one query per brief kind), rendered, by id."""
        wanted: dict[type[BriefSerializer], set[Any]] = defaultdict(set)
        for plan in fields:
            if plan.lookup is not None:
                (column,) = plan.columns
                wanted[plan.lookup].update(row[column] for row in rows)
        tables: Loaded = {}
        for brief_class, pks in wanted.items():
            pks.discard(None)
            columns, build = _brief_plan(brief_class, "")
            render = build(self.reading, {})
            model = brief_class.Meta.model
            records = model._default_manager.filter(pk__in=pks).values(*dict.fromkeys(columns)) if pks else []
            tables[brief_class] = {record["id"]: render(record) for record in records}
        return tables


LEAN_MODELS = (Agreement, Exercise, ResourceSharing)


def reader_for(
    serializer_class: type[RecordSerializer | BriefSerializer], names: list[str], request: Request
) -> LeanReader | None:
    """Return the lean reader of a GET of ``serializer_class``'s records showing ``names``, if it has one."""
    if serializer_class.Meta.model not in LEAN_MODELS:
        return None
    plan = plan_for(serializer_class)
    return LeanReader(plan, names, request) if plan is not None else None
