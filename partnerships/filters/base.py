"""The filtering machinery shared by every FilterSet (``partnerships.filters``).

Each FilterSet lists its fields in ``lookups`` by kind; the base class turns
every entry into NetBox-style parameters:

========  ==============================================================
kind      parameters (``x`` is the field)
========  ==============================================================
text      ``x``, ``x__n``, ``x__ic``, ``x__nic``, ``x__isw``, ``x__iew``, ``x__ie``, ``x__empty``
choice    ``x``, ``x__n``
array     ``x`` (has any of), ``x__n`` (has none of), ``x__empty``
date      ``x``, ``x__n``, ``x__gt``, ``x__gte``, ``x__lt``, ``x__lte``, ``x__empty``
number    same as date
fk        ``x_id``, ``x_id__n``, ``x_id__empty``
========  ==============================================================

Repeating a parameter ORs its values (``status=signed&status=in_force``);
``__n`` excludes every value given. Nations can be named by name or the
unambiguous start of one (``party=Philippines``, ``party=phil``), by ISO
alpha-2 or alpha-3 code, by COW abbreviation (bare or ``cow:``-prefixed), by COW
number with a ``cow:`` prefix, or by id (``party=PHL``, ``party=cow:840``,
``party=42``): see ``partnerships.filters.nations``. ``party_all=USA,PHL``
(and the other ``*_all`` filters) keeps records to which every nation named
belongs.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from partnerships import choices
from partnerships.filters.nations import (
    CODE_PATTERN,
    NAME_IN_LIST_PATTERN,
    NATION_VALUE,
    NATION_VALUE_PATTERN,
    NationIndex,
)
from partnerships.models import Nation, Organization
from partnerships.models.aliases import alias_contains_q, named_exactly

TEXT_LOOKUPS = {
    "": "exact",
    "__n": "exact",
    "__ic": "icontains",
    "__nic": "icontains",
    "__isw": "istartswith",
    "__iew": "iendswith",
    "__ie": "iexact",
}
COMPARISON_LOOKUPS = {"": "exact", "__n": "exact", "__gt": "gt", "__gte": "gte", "__lt": "lt", "__lte": "lte"}
NEGATED = {"__n", "__nic"}
# PostgreSQL's bigint; larger numbers are malformed values, not database errors.
MAX_INTEGER = 2**63 - 1


# The spellings a value may take, as the OpenAPI schema states them (partnerships.api.schema): Django's
# form fields are laxer (" 5", "5.0", "1e3", "01/31/2000"), which the schema could not promise.
INTEGER_PATTERN = r"^-?[0-9]{1,19}$"
DECIMAL_PATTERN = r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}


def _spelled(value: Any, pattern: str, message: str) -> None:
    """Raise ValidationError unless ``value`` (text from a query string) matches ``pattern``."""
    if isinstance(value, str) and not re.match(pattern, value):
        raise forms.ValidationError(message, code="invalid")


class BoundedIntegerField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -MAX_INTEGER)
        kwargs.setdefault("max_value", MAX_INTEGER)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values:
            _spelled(value, INTEGER_PATTERN, "Enter a whole number (digits, optionally after a minus sign).")
        return super().to_python(value)


class BoundedDecimalField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", 10**18)
        kwargs.setdefault("min_value", -(10**18))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            _spelled(value, DECIMAL_PATTERN, "Enter a number such as 12 or -3.5 (digits, a point, no exponent).")
        return super().to_python(value)


class IsoDateField(forms.DateField):
    """A date written YYYY-MM-DD, and only so."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            _spelled(value, DATE_PATTERN, "Enter a date as YYYY-MM-DD.")
        return super().to_python(value)


class StrictBooleanField(forms.Field):
    """true/false or 1/0 (any case); empty means not given. Anything else is refused, never read as "unknown"."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        word = str(value).lower()
        if word not in BOOLEAN_WORDS:
            raise forms.ValidationError("“%(value)s” is not a boolean: use true or false.", params={"value": value})
        return BOOLEAN_WORDS[word]

    def validate(self, value: Any) -> None:
        return


class TimestampField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 timestamp whose UTC offset PostgreSQL can store (within ±15:59)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            _spelled(value, TIMESTAMP_PATTERN, "Enter an RFC 3339 timestamp, e.g. 2026-11-24T00:00:00Z.")
        return super().to_python(value)

    def strptime(self, value: str, format: str) -> Any:
        moment = super().strptime(value, format)
        offset = moment.utcoffset()
        if offset is not None and abs(offset.total_seconds()) >= 16 * 3600:
            raise ValueError("UTC offset out of range")
        return moment


class TimestampFilter(django_filters.IsoDateTimeFilter):
    field_class = TimestampField


class UpdatedSinceFilter(TimestampFilter):
    """Records changed at or after a moment, through ``updated_since()`` (incremental sync)."""

    def filter(self, qs: models.QuerySet, value: Any) -> models.QuerySet:
        return qs.updated_since(value) if value else qs


def multivalue_field(field_class: type[forms.Field]) -> type[forms.Field]:
    """Return a form field that accepts a parameter repeated any number of times.

    Each value is cleaned by ``field_class``, so a malformed one is reported
    under the parameter's name.
    """

    class MultiValueField(forms.MultipleChoiceField):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("choices", None)
            super().__init__(*args, **kwargs)
            self.inner = field_class(required=False)

        def to_python(self, value: Any) -> list[Any]:
            if not value:
                return []
            values = value if isinstance(value, list | tuple) else [value]
            cleaned = (self.inner.clean(item) for item in values if item not in (None, ""))
            return [item for item in cleaned if item not in (None, "")]

        def validate(self, value: list[Any]) -> None:
            if self.required and not value:
                raise forms.ValidationError(self.error_messages["required"], code="required")

    MultiValueField.__name__ = f"MultiValue{field_class.__name__}"
    return MultiValueField


class MultiValueFilter(django_filters.MultipleChoiceFilter):
    """A filter ORing the values of a repeated parameter (``exclude=True`` for ``__n``)."""

    def __init__(self, *args: Any, value_field: type[forms.Field] = forms.CharField, **kwargs: Any) -> None:
        self.value_field = value_field
        self.field_class = multivalue_field(value_field)
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)
        # django-filter reads the value "null" as SQL NULL; here it is just text (__empty finds NULLs).
        self.null_value = "\x00no-null-value"


@extend_schema_field({"type": "integer", "minimum": -MAX_INTEGER, "maximum": MAX_INTEGER})
class IdsFilter(MultiValueFilter):
    """Ids, handed to the FilterSet's ``method`` (the schema says integers, whatever the field path)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, value_field=BoundedIntegerField, **kwargs)


class RelatedIdFilter(MultiValueFilter):
    """Records linked to any of the given ids (``exclude``: to none of them), among records the user may see.

    An id the user may not see matches exactly as an id that does not exist:
    nothing for ``x_id``, everything for ``x_id__n``. ``user`` is set per
    request by RegistryFilterSet.
    """

    user: Any = None

    def __init__(self, *args: Any, related_model: type[models.Model] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, value_field=BoundedIntegerField, **kwargs)
        self.related_model = related_model

    def filter(self, qs: models.QuerySet, value: list[int]) -> models.QuerySet:
        if not value:
            return qs
        return filter_visible_ids(
            qs, self.field_name, value, related_model=self.related_model, user=self.user, exclude=self.exclude
        )


def filter_visible_ids(
    qs: models.QuerySet,
    field_name: str,
    ids: list[int],
    *,
    related_model: type[models.Model] | None,
    user: Any,
    exclude: bool = False,
) -> models.QuerySet:
    """Return ``qs`` narrowed to rows whose ``field_name`` is one of ``ids`` that ``user`` may see (or not one)."""
    targets: Any = list(ids)
    if related_model is not None and hasattr(related_model._default_manager, "visible_to"):
        targets = related_model._default_manager.visible_to(user).filter(pk__in=ids).values("pk")
    condition = Q(**{f"{field_name}__in": targets})
    return qs.exclude(condition) if exclude else qs.filter(condition)


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false or 1/0, handed to the FilterSet's ``method``; anything else is refused."""

    field_class = StrictBooleanField


class EmptyFilter(django_filters.BooleanFilter):
    """``x__empty=true`` keeps rows where the field is null (or blank text); ``false`` the others."""

    field_class = StrictBooleanField

    def __init__(self, *args: Any, blank: bool = False, array: bool = False, **kwargs: Any) -> None:
        self.blank, self.array = blank, array
        super().__init__(*args, **kwargs)

    def filter(self, qs: models.QuerySet, value: bool | None) -> models.QuerySet:
        if value is None:
            return qs
        empty = Q(**{f"{self.field_name}__isnull": True})
        if self.blank:
            empty |= Q(**{self.field_name: ""})
        if self.array:
            empty |= Q(**{f"{self.field_name}__len": 0})
        return qs.filter(empty) if value else qs.exclude(empty)


def _is_number(text: str) -> bool:
    """Whether ``text`` is a whole number PostgreSQL can compare (ASCII digits, within bigint)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_INTEGER


def resolve_nation_code(value: str, nations: models.QuerySet | None = None) -> Nation:
    """Return the nation named by an ISO alpha-2/alpha-3 code, ``cow:`` number or abbreviation, or id.

    Only ``nations`` (by default the public ones) are looked at, so a
    restricted nation is as unknown as a missing one. Raise
    ``forms.ValidationError`` naming the value when no nation matches.
    """
    if nations is None:
        nations = Nation.objects.filter(visibility=choices.Visibility.PUBLIC)
    text = value.strip()
    lookup: dict[str, Any]
    if text.lower().startswith("cow:"):
        code = text[4:].strip()
        lookup = {"cow_code": int(code)} if _is_number(code) else {"cow_abbr": code.upper()}
    elif _is_number(text):
        lookup = {"pk": int(text)}
    elif len(text) == 2:
        lookup = {"iso2": text.upper()}
    elif len(text) == 3:
        lookup = {"iso3": text.upper()}
    else:
        lookup = {}
    nation = nations.filter(**lookup).first() if lookup else None
    if nation is None:
        raise forms.ValidationError(
            "“%(value)s” matches no nation: use an ISO alpha-2 or alpha-3 code (PH, PHL), "
            "cow:NUMBER or cow:ABBREVIATION (cow:840, cow:PHI), or a nation id.",
            code="unknown_nation",
            params={"value": value},
        )
    return nation


# What a nation filter reads: a code (ISO, COW), cow:NUMBER, an id, or a name (see ``filters.nations``).
NATION_CODE_PATTERN = NATION_VALUE_PATTERN
NATION_CODE = NATION_VALUE
# The id a well-formed value naming no nation stands for: no record has it, so it matches nothing.
NO_NATION = 0


class NationCodeField(forms.CharField):
    """A nation filter's value: a code or a name in the documented syntax, or a 400.

    A well-formed value that names no nation the user may see matches
    nothing, as an id of a missing record does (a restricted nation is as
    unknown as a missing one); the list pages say so beside the empty list.
    A name that fits several nations is a 400 listing them.
    """

    index: NationIndex | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, **kwargs)

    def clean(self, value: Any) -> int:
        text = super().clean(value)
        if not NATION_CODE.match(text):
            raise forms.ValidationError(
                "“%(value)s” is not a nation: use a name (Philippines), an ISO alpha-2 or alpha-3 code (PH, PHL), "
                "a COW abbreviation (PHI, cow:PHI), cow:NUMBER (cow:840), or a nation id.",
                code="malformed_nation",
                params={"value": value},
            )
        index = self.index or NationIndex(Nation.objects.filter(visibility=choices.Visibility.PUBLIC))
        entry = index.resolve(text)
        return entry.pk if entry is not None else NO_NATION


# Codes such as PHL or cow:840, names, or ids: documented with their syntax in the OpenAPI schema.
@extend_schema_field(
    {
        "type": "string",
        "pattern": NATION_CODE_PATTERN,
        "description": (
            "A nation: its name or the unambiguous start of one (Philippines, phil; case and accents ignored), "
            "ISO alpha-2 or alpha-3 code (PH, PHL), COW abbreviation (PHI, cow:PHI), cow:NUMBER or id. "
            "Repeat to OR. A name fitting several nations is a 400 listing them."
        ),
    }
)
class NationFilter(MultiValueFilter):
    """Filter by nations named by code or name; ``method`` receives their ids.

    ``index`` is set per request by RegistryFilterSet to the nations the user may see.
    """

    index: NationIndex | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, value_field=NationCodeField, **kwargs)

    @property
    def field(self) -> forms.Field:
        field = super().field
        field.inner.index = self.index
        return field


def as_of(filterset: Any, dated_by: str | None) -> Any:
    """Return the date the FilterSet's ``dated_by`` filter was given, or None.

    When a filter naming an actor (``party``, ``party_organization_id``…) meets
    the FilterSet's date filter (``in_force_on``…), the actor must hold its
    role on that date: a party that had withdrawn by then, or had not yet
    joined, does not make the record match.
    """
    if dated_by is None or filterset is None:
        return None
    return getattr(filterset.form, "cleaned_data", {}).get(dated_by)


class NationMethodFilter(NationFilter):
    """Nations by code, handed to a QuerySet method: ``involving``, ``hosted_by``…, with fixed keyword arguments.

    With ``dated_by`` (the name of the FilterSet's date filter), a date given
    to that filter is passed on as ``on=``: the nation must hold its role on
    that date (see :func:`as_of`).
    """

    def __init__(
        self,
        queryset_method: str,
        *args: Any,
        method_kwargs: dict[str, Any] | None = None,
        dated_by: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.queryset_method, self.method_kwargs, self.dated_by = queryset_method, method_kwargs or {}, dated_by

    def filter(self, qs: models.QuerySet, value: list[int]) -> models.QuerySet:
        if not value:
            return qs
        kwargs = dict(self.method_kwargs)
        on = as_of(getattr(self, "parent", None), self.dated_by)
        if on is not None:
            kwargs["on"] = on
        return getattr(qs, self.queryset_method)(value, **kwargs)


# party_all=USA,PHL: nations as a nation filter reads them, separated by commas (names with none).
_LISTED_NATION = rf"(?:{CODE_PATTERN}|{NAME_IN_LIST_PATTERN})"
ALL_NATIONS_PATTERN = rf"^ *{_LISTED_NATION} *(?:, *{_LISTED_NATION} *)*$"


class AllNationsField(multivalue_field(NationCodeField)):  # type: ignore[misc]
    """Nations separated by commas (``USA,PHL``), in one value or several; cleaned into ids, in order."""

    def to_python(self, value: Any) -> list[Any]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        for item in values:
            if item and not re.match(ALL_NATIONS_PATTERN, item):
                raise forms.ValidationError(
                    "“%(value)s” is not a list of nations: give names or codes separated by commas (USA,PHL).",
                    code="malformed_nations",
                    params={"value": item},
                )
        parts = [part.strip() for item in values if item for part in item.split(",")]
        return super().to_python([part for part in parts if part])


@extend_schema_field(
    {
        "type": "string",
        "pattern": ALL_NATIONS_PATTERN,
        "description": (
            "Nations separated by commas, each by name or code as the nation filters take them (USA,PHL or "
            "United States, Philippines): records to which all of them belong. With the list's date filter "
            "(in_force_on for agreements), each must belong on that date. Repeat to add more nations."
        ),
    }
)
class AllNationsMethodFilter(NationMethodFilter):
    """Records to which every nation named belongs: the QuerySet method applied once per nation (AND).

    With ``dated_by``, each nation must hold its role on the date given there.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_class = AllNationsField

    def filter(self, qs: models.QuerySet, value: list[int]) -> models.QuerySet:
        if not value:
            return qs
        kwargs = dict(self.method_kwargs)
        on = as_of(getattr(self, "parent", None), self.dated_by)
        if on is not None:
            kwargs["on"] = on
        for nation in dict.fromkeys(value):
            qs = getattr(qs, self.queryset_method)(nation, **kwargs)
        return qs


class OnDateFilter(django_filters.DateFilter):
    """A date handed to a QuerySet method as ``on=``: ``in_force``, ``ongoing``, ``active``, ``current``."""

    field_class = IsoDateField

    def __init__(self, queryset_method: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset_method = queryset_method

    def filter(self, qs: models.QuerySet, value: Any) -> models.QuerySet:
        return getattr(qs, self.queryset_method)(on=value) if value else qs


class OrderingFilter(django_filters.OrderingFilter):
    """Orders by the listed fields, always ending with ``id`` so that pages never overlap."""

    def filter(self, qs: models.QuerySet, value: list[str] | None) -> models.QuerySet:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering[-1].startswith("-") else "id")
        return qs.order_by(*ordering)


def _filters_for(name: str, kind: str, field_name: str, model_field: models.Field | None) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if kind == "text":
        for suffix, lookup in TEXT_LOOKUPS.items():
            filters[f"{name}{suffix}"] = MultiValueFilter(
                field_name=field_name, lookup_expr=lookup, exclude=suffix in NEGATED
            )
        filters[f"{name}__empty"] = EmptyFilter(field_name=field_name, blank=True)
    elif kind == "choice":
        field_choices = model_field.choices if model_field is not None else []
        # DISTINCT only where a lookup may cross a to-many relation: over a page's columns it is costly.
        distinct = "__" in field_name
        filters[name] = django_filters.MultipleChoiceFilter(
            field_name=field_name, choices=field_choices, distinct=distinct
        )
        filters[f"{name}__n"] = django_filters.MultipleChoiceFilter(
            field_name=field_name, choices=field_choices, exclude=True, distinct=distinct
        )
    elif kind == "array":
        field_choices = model_field.base_field.choices  # type: ignore[union-attr]
        filters[name] = ArrayAnyFilter(field_name=field_name, choices=field_choices)
        filters[f"{name}__n"] = ArrayAnyFilter(field_name=field_name, choices=field_choices, exclude=True)
        filters[f"{name}__empty"] = EmptyFilter(field_name=field_name, array=True)
    elif kind in ("date", "number", "integer"):
        value_field = {"date": IsoDateField, "number": BoundedDecimalField, "integer": BoundedIntegerField}[kind]
        for suffix, lookup in COMPARISON_LOOKUPS.items():
            filters[f"{name}{suffix}"] = MultiValueFilter(
                field_name=field_name, lookup_expr=lookup, exclude=suffix in NEGATED, value_field=value_field
            )
        filters[f"{name}__empty"] = EmptyFilter(field_name=field_name)
    elif kind == "fk":
        related = model_field.related_model if model_field is not None else None
        filters[f"{name}_id"] = RelatedIdFilter(field_name=field_name, related_model=related)
        filters[f"{name}_id__n"] = RelatedIdFilter(field_name=field_name, related_model=related, exclude=True)
        filters[f"{name}_id__empty"] = EmptyFilter(field_name=field_name)
    else:  # pragma: no cover - a programming error in a FilterSet below
        raise ValueError(f"unknown lookup kind {kind!r} for {name}")
    return filters


class ArrayAnyFilter(django_filters.MultipleChoiceFilter):
    """Keeps rows whose array has any of the values given (``exclude``: none of them)."""

    def filter(self, qs: models.QuerySet, value: list[str]) -> models.QuerySet:
        if not value:
            return qs
        q = Q(**{f"{self.field_name}__overlap": list(value)})
        return qs.exclude(q) if self.exclude else qs.filter(q)


class RegistryFilterSet(django_filters.FilterSet):
    """Base of every FilterSet: id, visibility, text search, incremental sync, field lookups."""

    id = MultiValueFilter(field_name="id", value_field=BoundedIntegerField, label="Id (repeat to OR)")
    id__n = MultiValueFilter(field_name="id", value_field=BoundedIntegerField, exclude=True)
    q = django_filters.CharFilter(method="search", label="Text search")
    visibility = django_filters.MultipleChoiceFilter(choices=choices.Visibility.choices, distinct=False)
    updated_since = UpdatedSinceFilter(label="Changed at or after (ISO 8601 timestamp)")
    created_since = TimestampFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after (ISO 8601 timestamp)"
    )

    # Field name -> kind (see the module docstring); a tuple (kind, model path) for a field elsewhere.
    lookups: dict[str, str | tuple[str, str]] = {}
    # Fields the ``q`` parameter searches (case-insensitive substring).
    search_fields: tuple[str, ...] = ()
    # The record type's alias table, which ``q`` searches too, and the names an exact match ranks first by.
    alias_model: type[models.Model] | None = None
    exact_fields: tuple[str, ...] = ()

    class Meta:
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, **kwargs: Any) -> None:
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        # One index of the nations the user may see, shared by the nation filters: loaded (one query) when a
        # value needs it.
        self.nation_index = NationIndex(Nation.objects.visible_to(user))
        for filter_ in self.filters.values():
            if isinstance(filter_, NationFilter):
                filter_.index = self.nation_index
            elif isinstance(filter_, RelatedIdFilter):
                filter_.user = user

    @classmethod
    def get_filters(cls) -> dict[str, Any]:
        filters = super().get_filters()
        model = cls._meta.model
        for name, spec in getattr(cls, "lookups", {}).items():
            kind, path = (spec, name) if isinstance(spec, str) else spec
            model_field = _model_field(model, path) if model is not None else None
            for filter_name, new_filter in _filters_for(name, kind, path, model_field).items():
                filters.setdefault(filter_name, new_filter)
        return filters

    def organizations(self, ids: list[int]) -> models.QuerySet:
        """Return the ids among ``ids`` of organizations the request's user may see (others match nothing)."""
        user = getattr(self.request, "user", None)
        return Organization.objects.visible_to(user).filter(pk__in=ids).values("pk")

    def search(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        """Keep records where any of ``search_fields`` (or, for a record type with aliases, one of its
        aliases) contains every word of ``value``.

        With aliases, a record named exactly ``value`` (an alias or one of
        ``exact_fields``, ignoring case) comes first, unless an ordering is asked for.
        """
        for word in value.split():
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            if self.alias_model is not None:
                condition |= alias_contains_q(self.alias_model, word)
            queryset = queryset.filter(condition)
        if self.alias_model is not None and value.split() and not self.data.get("ordering"):
            ordering = queryset.query.order_by or queryset.model._meta.ordering
            queryset = queryset.annotate(
                _named_exactly=named_exactly(self.alias_model, self.exact_fields, value)
            ).order_by("-_named_exactly", *ordering)
        return queryset


def _model_field(model: type[models.Model], path: str) -> models.Field:
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field  # type: ignore[return-value]
