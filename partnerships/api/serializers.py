"""Serializers: one full and one brief form per model.

Validation is the model layer's: ``full_clean()`` and the cross-row
validators in ``partnerships.models``, so the API and the admin give the same
rule the same message. Writes go through ``partnerships.services.records``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator

from partnerships.api.fields import KEEP_HIDDEN_LINK, NestedRelatedField
from partnerships.choices import Visibility
from partnerships.models import (
    Agreement,
    AgreementAlias,
    AgreementParty,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    ExerciseParticipant,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    Organization,
    OrganizationAlias,
    Program,
    ResourceSharing,
    can_view_restricted,
    validate_participant_set,
    validate_party_set,
)
from partnerships.services import coverage, sources
from partnerships.services.links import url_maker
from partnerships.services.naming import RESTRICTED_LABEL, hidden_from
from partnerships.services.records import actor_key, period_key, save_record

RECORD_FIELDS = (
    "visibility",
    "source_url",
    "source_text",
    "source_dataset",
    "source_version",
    "source_id",
    "created_at",
    "updated_at",
)
# Record types with source rows: their datasets are rows (``sources``), and ``follows`` says which one
# the record's fields follow; staff's own citation stays in source_url / source_text.
SOURCED_FIELDS = ("visibility", "source_url", "source_text", "follows", "sources", "created_at", "updated_at")
Prefetcher = Callable[[Request | None], str | Prefetch]
OMITTED = object()


def as_drf_error(error: DjangoValidationError, *, prefix: str | None = None) -> serializers.ValidationError:
    """Return a model ValidationError as a DRF one, keeping its field names and messages."""
    if hasattr(error, "error_dict"):
        detail: Any = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    else:
        detail = {"non_field_errors": error.messages}
    if prefix:
        detail = {prefix: detail.get("non_field_errors", detail)}
    return serializers.ValidationError(detail)


class StrictFieldsMixin:
    """Refuse body fields the serializer does not know, instead of ignoring them.

    Read-only fields (id, url, timestamps…) are accepted and ignored, so a
    record read with GET can be sent back with PUT.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))  # type: ignore[attr-defined]
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            # DRF would store the number 7 sent for a text field as "7": the schema says text, so text it is.
            not_text = sorted(
                name
                for name, field in self.fields.items()  # type: ignore[attr-defined]
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            )
            if not_text:
                raise serializers.ValidationError({name: ["Not text: send a string."] for name in not_text})
            # The schema's maxLength is of the text as sent: DRF would trim spaces first and accept a longer one.
            too_long = {
                name: [f"Ensure this field has no more than {field.max_length} characters."]
                for name, field in self.fields.items()  # type: ignore[attr-defined]
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and field.max_length is not None
                and isinstance(data.get(name), str)
                and len(data[name]) > field.max_length
            }
            if too_long:
                raise serializers.ValidationError(too_long)
        return super().to_internal_value(data)  # type: ignore[misc]


def prefetched_attribute(relation: str) -> str:
    """The attribute the views prefetch ``relation``'s visible rows into (``Prefetch(to_attr=...)``)."""
    return f"prefetched_{relation}"


class PrefetchedListSerializer(serializers.ListSerializer):
    """Reads a record's rows from the list the view prefetched, when it did (GET requests)."""

    def get_attribute(self, instance: Any) -> Any:
        rows = getattr(instance, prefetched_attribute(self.source), None)
        return rows if rows is not None else super().get_attribute(instance)


class PrefetchedListMixin:
    """Nested lists of this serializer (``many=True``) use the prefetched rows."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ListSerializer:
        serializer = super().many_init(*args, **kwargs)  # type: ignore[misc]
        if type(serializer) is serializers.ListSerializer:
            serializer.__class__ = PrefetchedListSerializer
        return serializer


class FastRepresentationMixin:
    """Render plain fields without DRF's per-field machinery, when every field is plain.

    Nested nations, organizations, parties and participants are rendered by
    the hundred on a page (by the hundred thousand in a sync), and DRF's
    generic path (a get_attribute and a to_representation call per field) was
    most of their cost. The plan reads each field the way DRF would: text,
    numbers, booleans and choices as they are, dates in ISO 8601, method fields
    through their method, related records through their field; any other kind
    of field keeps DRF's path, so the JSON never changes.
    """

    @cached_property
    def representation_plan(self) -> list[tuple[str, str, Any]] | None:
        plan: list[tuple[str, str, Any]] = []
        for field in self._readable_fields:  # type: ignore[attr-defined]
            name = field.field_name
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((name, "method", getattr(self, field.method_name)))
            elif "." in field.source or field.source == "*":
                return None
            elif isinstance(field, NestedRelatedField):
                plan.append((name, "related", field))
            elif isinstance(field, serializers.DateField) and not isinstance(field, serializers.DateTimeField):
                if getattr(field, "format", None) not in (None, "iso-8601"):
                    return None
                plan.append((field.source, "date", name))
            elif type(field) in (
                serializers.CharField,
                serializers.ChoiceField,
                serializers.IntegerField,
                serializers.BooleanField,
            ):
                plan.append((field.source, "plain", name))
            else:
                return None
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.representation_plan
        if plan is None:
            return super().to_representation(instance)  # type: ignore[misc]
        data: dict[str, Any] = {}
        for source, kind, target in plan:
            if kind == "method":
                data[source] = target(instance)
                continue
            if kind == "related":
                value = getattr(instance, target.source)
                data[source] = None if value is None else target.to_representation(value)
                continue
            value = getattr(instance, source)
            data[target] = value.isoformat() if kind == "date" and value is not None else value
        return data


def detail_url(obj: models.Model, request: Any) -> str:
    """Return the API URL of ``obj``, reversing each model's URL pattern once per request.

    A page of 50 records names hundreds of related ones; reversing each URL
    was a third of the page's time.
    """
    name = f"api:{obj._meta.model_name}-detail"
    if request is None:
        return url_maker(name)(obj.pk)
    makers = request.__dict__.setdefault("_detail_url_makers", {})
    maker = makers.get(name) or makers.setdefault(name, url_maker(name, request=request))
    return maker(obj.pk)


class BriefSerializer(FastRepresentationMixin, PrefetchedListMixin, serializers.ModelSerializer):
    """``id``, ``url``, ``display`` and the natural key: how related records are shown."""

    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    # Related rows ``display`` needs, joined by the views.
    related: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ?brief with ?fields or ?omit: set by the view for a brief response only (briefs nest no records,
        # so no link inside a full record is ever narrowed by it).
        wanted = self.context.get("brief_fields")
        if wanted is not None:
            for name in list(self.fields):
                if name not in wanted:
                    self.fields.pop(name)

    def get_url(self, obj: models.Model) -> str:
        return detail_url(obj, self.context.get("request"))

    def get_display(self, obj: models.Model) -> str:
        return str(obj)


class NationBriefSerializer(BriefSerializer):
    class Meta:
        model = Nation
        fields = ("id", "url", "display", "name", "iso3", "cow_code")


class OrganizationBriefSerializer(BriefSerializer):
    class Meta:
        model = Organization
        fields = ("id", "url", "display", "name", "acronym")


class MembershipBriefSerializer(BriefSerializer):
    related = ("nation", "organization")

    class Meta:
        model = Membership
        fields = ("id", "url", "display", "joined_on")


class ProgramBriefSerializer(BriefSerializer):
    class Meta:
        model = Program
        fields = ("id", "url", "display", "name", "acronym")


class AgreementBriefSerializer(BriefSerializer):
    class Meta:
        model = Agreement
        fields = ("id", "url", "display", "title", "signed_on")


class ExerciseBriefSerializer(BriefSerializer):
    class Meta:
        model = Exercise
        fields = ("id", "url", "display", "name", "start_date")


class ResourceSharingBriefSerializer(BriefSerializer):
    related = ("provider_nation", "provider_organization", "recipient_nation", "recipient_organization")

    class Meta:
        model = ResourceSharing
        fields = ("id", "url", "display", "reference")


def nation_field(**kwargs: Any) -> NestedRelatedField:
    return NestedRelatedField(NationBriefSerializer, queryset=Nation.objects.all(), **kwargs)


def organization_field(**kwargs: Any) -> NestedRelatedField:
    return NestedRelatedField(OrganizationBriefSerializer, queryset=Organization.objects.all(), **kwargs)


def program_field(**kwargs: Any) -> NestedRelatedField:
    return NestedRelatedField(ProgramBriefSerializer, queryset=Program.objects.all(), **kwargs)


def agreement_field(**kwargs: Any) -> NestedRelatedField:
    return NestedRelatedField(AgreementBriefSerializer, queryset=Agreement.objects.all(), **kwargs)


def _visible(queryset: models.QuerySet, request: Request | None) -> models.QuerySet:
    return queryset.visible_to(getattr(request, "user", None))


class RecordSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Base of the full serializers: url, display, audit fields, model-layer validation."""

    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    # For each field, what the view must join (select_related) or prefetch to render it.
    related: ClassVar[dict[str, tuple[str, ...]]] = {}
    prefetch: ClassVar[dict[str, Prefetcher]] = {}
    # Nested rows written with the record: (field name, reverse relation name).
    rows_field: ClassVar[str | None] = None

    class Meta:
        # Provenance is set by the importers (manage.py import_data), not by hand.
        read_only_fields = (
            "source_dataset",
            "source_version",
            "source_id",
            "follows",
            "created_at",
            "updated_at",
            # Who wrote an agreement's title: changing the title makes it staff's (services.records.save_record).
            "title_origin",
        )

    get_url = BriefSerializer.get_url
    get_display = BriefSerializer.get_display

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.context.get("fields")
        if wanted is not None:
            for name in list(self.fields):
                if name not in wanted:
                    self.fields.pop(name)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Uniqueness is checked by full_clean() below, with the model's own messages.
        for field in fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
        return fields

    def get_validators(self) -> list[Any]:
        return [v for v in super().get_validators() if not isinstance(v, UniqueTogetherValidator)]

    @property
    def user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def validate_visibility(self, value: str) -> str:
        if value != Visibility.PUBLIC and not can_view_restricted(self.user):
            raise serializers.ValidationError("You may not make records restricted: you could not see them afterwards.")
        return value

    def candidate(self, attrs: dict[str, Any]) -> models.Model:
        """Return the record as it would be saved: the instance (a copy) or a new one, with ``attrs``."""
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in (self.rows_field, "aliases"):
                setattr(instance, name, value)
        return instance

    def reset_omitted(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """For PUT, give every writable field the body leaves out its default: PUT replaces the record."""
        if self.instance is None or self.partial:
            return attrs
        model = self.Meta.model
        for name, field in self.fields.items():
            if field.read_only or name in attrs:
                continue
            if name in (self.rows_field, "aliases"):
                attrs[name] = []
                continue
            model_field = model._meta.get_field(field.source if field.source != "*" else name)
            if model_field.has_default():
                attrs[name] = model_field.get_default()
            elif model_field.null:
                attrs[name] = None
            elif model_field.blank:
                attrs[name] = ""
        return attrs

    def keep_hidden_links(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Keep every link to a record the user may not see, as it is.

        Such a link reads as a restricted record; sending that back, or leaving
        the field out (even with PUT), keeps it. Sending anything else for it
        is refused: the user would be erasing or replacing what they cannot see.
        """
        cleared = can_view_restricted(self.user)
        for name, field in self.fields.items():
            if field.read_only or not isinstance(field, NestedRelatedField):
                continue
            sent = attrs.get(name, OMITTED)
            current = getattr(self.instance, field.source) if self.instance is not None else None
            if not hidden_from(current, cleared=cleared):
                if sent is KEEP_HIDDEN_LINK:
                    raise serializers.ValidationError(
                        {name: ["This field links no restricted record to keep: give an id, or null."]}
                    )
                continue
            if sent is OMITTED or sent is KEEP_HIDDEN_LINK:
                attrs[name] = current
            elif sent != current:
                raise serializers.ValidationError(
                    {
                        name: [
                            "This field links a record you may not see, and it stays as it is: send back what you "
                            'read ({"restricted": true, …}) or leave the field out.'
                        ]
                    }
                )
        return attrs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = self.keep_hidden_links(attrs)
        attrs = self.reset_omitted(attrs)
        candidate = self.candidate(attrs)
        try:
            candidate.full_clean(exclude=[self.rows_field] if self.rows_field else None)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        self.validate_rows(candidate, attrs)
        return attrs

    def validate_rows(self, candidate: models.Model, attrs: dict[str, Any]) -> None:
        """Check rules across the nested rows (overridden where there are some)."""

    def hidden_rows(self) -> models.QuerySet | None:
        """Return the saved nested rows the user may not see (kept as they are on update)."""
        if self.rows_field is None or self.instance is None:
            return None
        rows = getattr(self.instance, self.rows_field).all()
        visible = rows.model.objects.visible_to(self.user).filter(pk__in=rows.values("pk"))
        return rows.exclude(pk__in=visible.values("pk"))

    def create(self, validated_data: dict[str, Any]) -> models.Model:
        return self.update(self.Meta.model(), validated_data)

    def update(self, instance: models.Model, validated_data: dict[str, Any]) -> models.Model:
        rows = validated_data.pop(self.rows_field, None) if self.rows_field else None
        aliases = validated_data.pop("aliases", None)
        return save_record(
            instance=instance,
            fields=validated_data,
            rows_relation=self.rows_field,
            rows=rows,
            aliases=aliases,
            user=self.user,
        )

    def validate_aliases(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Refuse two aliases that are the same name but for case: a record has each name once."""
        seen: set[str] = set()
        for alias in value:
            key = alias["name"].lower()
            if key in seen:
                raise serializers.ValidationError(f"“{alias['name']}” is listed twice (ignoring case): list it once.")
            seen.add(key)
        return value


def _hidden_actors(request: Request | None) -> set[str]:
    """Return the nations and organizations (as ``nation:ID``) the request's user may not see; once per request."""
    # Asked once per source row: the permission check too is once per request (a thousand on a sync page).
    cache = request.__dict__ if request is not None else {}
    if "_hidden_actors" not in cache:
        if can_view_restricted(getattr(request, "user", None)):
            cache["_hidden_actors"] = set()
            return cache["_hidden_actors"]
        # One query for both kinds, unsorted.
        nations, organizations = (
            model.objects.exclude(visibility=Visibility.PUBLIC)
            .order_by()
            .values_list(models.Value(model._meta.model_name), "pk")
            for model in (Nation, Organization)
        )
        cache["_hidden_actors"] = {f"{kind}:{pk}" for kind, pk in nations.union(organizations, all=True)}
    return cache["_hidden_actors"]


class SourceSerializer(PrefetchedListMixin, serializers.Serializer):
    """One source of a record: a dataset (with the record's id there) or a citation, and the facts it gives."""

    dataset = serializers.CharField(help_text="The dataset, e.g. cow-alliances or atop; empty for a citation.")
    version = serializers.CharField(help_text="The dataset's version.")
    dataset_id = serializers.CharField(help_text="The record's id in the dataset.")
    url = serializers.CharField(help_text="Where the source can be read.")
    citation = serializers.CharField()
    imported_at = serializers.DateTimeField(
        allow_null=True, help_text="When an import first gave or last changed these values."
    )
    followed = serializers.BooleanField(help_text="The record's fields follow this source (imports of it update them).")
    values = serializers.SerializerMethodField(
        help_text="The key facts this source gives, as it gives them: dates, members and their periods "
        "([actor, joined, withdrew, obligations], actors as nation:ID or organization:ID; a record you may not "
        'see as "restricted record"), quantities.'
    )
    differs = serializers.ListField(
        child=serializers.CharField(), help_text="The key facts on which this source disagrees with the record."
    )

    @extend_schema_field(serializers.DictField())
    def get_values(self, obj: Any) -> dict[str, Any]:
        hidden = _hidden_actors(self.context.get("request"))
        if not hidden:
            return obj.values

        def shown(actor: Any) -> Any:
            return RESTRICTED_LABEL if actor in hidden else actor

        values = dict(obj.values)
        for name in ("members", "participants"):
            if name in values:
                values[name] = [shown(actor) for actor in values[name]]
        if "member_periods" in values:
            values["member_periods"] = [[shown(row[0]), *row[1:]] for row in values["member_periods"]]
        for name in ("provider", "recipient"):
            if name in values:
                values[name] = shown(values[name])
        return values


def _sources(request: Request | None) -> Prefetch:
    # A source is as visible as its record: the records are already the user's.
    return Prefetch("sources", to_attr=prefetched_attribute("sources"))


class SourcedSerializer(RecordSerializer):
    """A record type with source rows (nations, organizations, agreements, exercises, resource-sharing records)."""

    follows = serializers.CharField(
        read_only=True,
        help_text="The dataset the record's fields follow (imports of it update them); empty when staff curated "
        "the record. Its other sources are kept beside it, with where they disagree.",
    )
    sources = SourceSerializer(many=True, read_only=True)

    prefetch: ClassVar[dict[str, Prefetcher]] = {"sources": _sources}

    def update(self, instance: models.Model, validated_data: dict[str, Any]) -> models.Model:
        record = super().update(instance, validated_data)
        # A write that changes a fact the followed source gives makes the record curated (see the admin).
        sources.after_edit(record)
        return record


class NationSerializer(SourcedSerializer):
    class Meta(RecordSerializer.Meta):
        model = Nation
        fields = (
            "id",
            "url",
            "display",
            "name",
            "iso2",
            "iso3",
            "iso_numeric",
            "cow_code",
            "cow_abbr",
            "region",
            "exists_from",
            "exists_until",
            *SOURCED_FIELDS,
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Blank codes mean "none": NULL, so that uniqueness ignores them (as the admin does).
        for code in ("iso2", "iso3", "iso_numeric", "cow_abbr"):
            if code in attrs:
                attrs[code] = attrs[code].strip().upper() or None if attrs[code] else None
        return super().validate(attrs)


class AliasSerializer(FastRepresentationMixin, PrefetchedListMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """Another name of the record (acronym, common, former or other-language name): as visible as its record."""

    id = serializers.IntegerField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        alias = self.Meta.model(**attrs)
        try:
            # The record is the one being written: the per-record uniqueness is checked on the whole list.
            alias.full_clean(exclude=[self.Meta.model.record_field])
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return {"name": alias.name, "kind": alias.kind, "language": alias.language}


class AgreementAliasSerializer(AliasSerializer):
    class Meta:
        model = AgreementAlias
        fields = ("id", "name", "kind", "language")


class OrganizationAliasSerializer(AliasSerializer):
    class Meta:
        model = OrganizationAlias
        fields = ("id", "name", "kind", "language")


def _visible_rows(relation: str, model: type[models.Model]) -> Prefetcher:
    return _visible_brief(relation, model, "nation", "organization")


def _visible_brief(relation: str, model: type[models.Model], *related: str) -> Prefetcher:
    def prefetch(request: Request | None) -> Prefetch:
        # Into a plain list (to_attr): Django would otherwise build a filtered queryset per record
        # to hold its rows, which cost more than the rows themselves on a page of 1,000 records.
        queryset = _visible(model.objects.select_related(*related), request)
        return Prefetch(relation, queryset=queryset, to_attr=prefetched_attribute(relation))

    return prefetch


class OrganizationSerializer(SourcedSerializer):
    nation = nation_field(required=False, allow_null=True)
    parent = organization_field(required=False, allow_null=True)
    operates_in = nation_field(
        required=False, allow_null=True, help_text="For a non-state actor: the country where it operates."
    )

    aliases = OrganizationAliasSerializer(
        many=True, required=False, help_text="Other names: former names, names in other languages, acronyms."
    )

    related = {"nation": ("nation",), "parent": ("parent",), "operates_in": ("operates_in",)}
    prefetch = {**SourcedSerializer.prefetch, "aliases": _visible_brief("aliases", OrganizationAlias)}

    class Meta(RecordSerializer.Meta):
        model = Organization
        fields = (
            "id",
            "url",
            "display",
            "name",
            "acronym",
            "aliases",
            "kind",
            "nation",
            "operates_in",
            "parent",
            "founded_on",
            "dissolved_on",
            "website",
            "description",
            *SOURCED_FIELDS,
        )


class MembershipSerializer(RecordSerializer):
    organization = organization_field()
    nation = nation_field()

    related = {"display": ("nation", "organization"), "organization": ("organization",), "nation": ("nation",)}

    class Meta(RecordSerializer.Meta):
        model = Membership
        fields = ("id", "url", "display", "organization", "nation", "role", "joined_on", "left_on", *RECORD_FIELDS)


class ProgramSerializer(RecordSerializer):
    lead_nation = nation_field(required=False, allow_null=True)
    lead_organization = organization_field(required=False, allow_null=True)

    related = {"lead_nation": ("lead_nation",), "lead_organization": ("lead_organization",)}

    class Meta(RecordSerializer.Meta):
        model = Program
        fields = (
            "id",
            "url",
            "display",
            "name",
            "acronym",
            "program_type",
            "objectives",
            "lead_nation",
            "lead_organization",
            "started_on",
            "ended_on",
            "description",
            *RECORD_FIELDS,
        )


class ActorRowSerializer(FastRepresentationMixin, PrefetchedListMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """A party or participant: exactly one of nation and organization."""

    id = serializers.IntegerField(read_only=True)
    nation = nation_field(required=False, allow_null=True)
    organization = organization_field(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name, value in attrs.items():
            if value is KEEP_HIDDEN_LINK:
                # Rows naming a record the user may not see are neither shown nor changed: they are kept.
                raise serializers.ValidationError({name: ["Name a nation or organization by its id or code."]})
        row = self.Meta.model(**attrs)
        try:
            row.full_clean(exclude=[self.Meta.parent_field])
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return attrs


class AgreementPartySerializer(ActorRowSerializer):
    class Meta:
        model = AgreementParty
        parent_field = "agreement"
        fields = (
            "id",
            "nation",
            "organization",
            "role",
            "joined_on",
            "joined_on_precision",
            "withdrew_on",
            "withdrew_on_precision",
            "obligations",
            "notes",
        )


class ExerciseParticipantSerializer(ActorRowSerializer):
    class Meta:
        model = ExerciseParticipant
        parent_field = "exercise"
        fields = ("id", "nation", "organization", "role", "personnel", "notes")


class AgreementSerializer(SourcedSerializer):
    program = program_field(required=False, allow_null=True)
    parties = AgreementPartySerializer(many=True, required=False)
    known_until = serializers.SerializerMethodField(
        help_text=(
            "For an agreement known only from a dataset that has ended (COW v4.1: 2012; ATOP 4.01: 2018) and "
            "still in force when it ends: the last day that dataset covers. Its status after that day is "
            "unknown. Null when its status is known today (curated records, agreements that ended)."
        )
    )
    exercises = ExerciseBriefSerializer(many=True, read_only=True)
    resources = ResourceSharingBriefSerializer(many=True, read_only=True)

    aliases = AgreementAliasSerializer(
        many=True,
        required=False,
        help_text="Other names: acronyms (SEATO), common names (Manila Pact), names in other languages.",
    )

    rows_field = "parties"
    related = {"program": ("program",)}
    prefetch = {
        **SourcedSerializer.prefetch,
        "aliases": _visible_brief("aliases", AgreementAlias),
        "parties": _visible_rows("parties", AgreementParty),
        "exercises": _visible_brief("exercises", Exercise),
        "resources": _visible_brief("resources", ResourceSharing, *ResourceSharingBriefSerializer.related),
    }

    class Meta(RecordSerializer.Meta):
        model = Agreement
        fields = (
            "id",
            "url",
            "display",
            "title",
            "title_origin",
            "short_name",
            "aliases",
            "kind",
            "scope",
            "status",
            "signed_on",
            "signed_on_precision",
            "in_force_from",
            "in_force_from_precision",
            "expires_on",
            "ended_on",
            "ended_on_precision",
            "provisions",
            "known_until",
            "program",
            "parties",
            "description",
            "exercises",
            "resources",
            *SOURCED_FIELDS,
        )

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_known_until(self, obj: Agreement) -> str | None:
        last = coverage.last_known(obj)
        return last.covers_until.isoformat() if last is not None else None

    def validate_rows(self, candidate: models.Model, attrs: dict[str, Any]) -> None:
        hidden = self.hidden_rows()
        hidden_keys = [row.period_key for row in hidden] if hidden is not None else []
        if "parties" in attrs:
            keys = [period_key(row) for row in attrs["parties"]] + hidden_keys
        elif self.instance is not None:
            keys = [row.period_key for row in self.instance.parties.all()]
        else:
            keys = []
        try:
            validate_party_set(scope=candidate.scope, parties=keys)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"parties": exc.messages}) from exc


class ExerciseSerializer(SourcedSerializer):
    program = program_field(required=False, allow_null=True)
    agreement = agreement_field(required=False, allow_null=True)
    location_country = nation_field(
        required=False,
        allow_null=True,
        help_text=(
            "The state the exercise took place in. Derived from the coordinates when `location_country_derived` "
            "is true; setting it by hand makes it staff-entered, and imports then keep it."
        ),
    )
    participants = ExerciseParticipantSerializer(many=True, required=False)

    rows_field = "participants"
    related = {"program": ("program",), "agreement": ("agreement",), "location_country": ("location_country",)}
    prefetch = {**SourcedSerializer.prefetch, "participants": _visible_rows("participants", ExerciseParticipant)}

    class Meta(RecordSerializer.Meta):
        model = Exercise
        fields = (
            "id",
            "url",
            "display",
            "name",
            "series",
            "kind",
            "domains",
            "purposes",
            "status",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
            "location",
            "latitude",
            "longitude",
            "location_country",
            "location_country_derived",
            "name_generated",
            "program",
            "agreement",
            "participants",
            "objectives",
            "outcomes",
            *SOURCED_FIELDS,
        )
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "name_generated", "location_country_derived")
        extra_kwargs = {
            "name_generated": {
                "help_text": "The name was generated (the source names no exercise); writing a name clears it."
            },
            "location_country_derived": {"help_text": "The location country was derived from the coordinates."},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None:
            # A name or country written here that differs from the record's is staff's: imports keep it.
            changed = [name for name in ("name", "location_country") if name in attrs]
            changed = [name for name in changed if attrs[name] != getattr(self.instance, name)]
            marked = copy.copy(self.instance)
            marked.curate(changed)
            attrs.update(name_generated=marked.name_generated, location_country_derived=marked.location_country_derived)
        return attrs

    def validate_rows(self, candidate: models.Model, attrs: dict[str, Any]) -> None:
        if "participants" not in attrs:
            return
        hidden = self.hidden_rows()
        keys = [actor_key(row) for row in attrs["participants"]]
        keys += [row.actor_key for row in hidden] if hidden is not None else []
        try:
            validate_participant_set(keys)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"participants": exc.messages}) from exc


class ResourceSharingSerializer(SourcedSerializer):
    provider_nation = nation_field(required=False, allow_null=True)
    provider_organization = organization_field(required=False, allow_null=True)
    recipient_nation = nation_field(required=False, allow_null=True)
    recipient_organization = organization_field(required=False, allow_null=True)
    agreement = agreement_field(required=False, allow_null=True)
    program = program_field(required=False, allow_null=True)

    related = {
        "display": ResourceSharingBriefSerializer.related,
        "provider_nation": ("provider_nation",),
        "provider_organization": ("provider_organization",),
        "recipient_nation": ("recipient_nation",),
        "recipient_organization": ("recipient_organization",),
        "agreement": ("agreement",),
        "program": ("program",),
    }

    class Meta(RecordSerializer.Meta):
        model = ResourceSharing
        fields = (
            "id",
            "url",
            "display",
            "reference",
            "provider_nation",
            "provider_organization",
            "recipient_nation",
            "recipient_organization",
            "category",
            "description",
            "designation",
            "condition",
            "quantity",
            "quantity_delivered",
            "unit",
            "value",
            "currency",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
            "delivery_years",
            "tiv_unit",
            "tiv_total",
            "tiv_delivered",
            "status",
            "agreement",
            "program",
            *SOURCED_FIELDS,
        )
        extra_kwargs = {
            "quantity": {"help_text": "How many were ordered (SIPRI: number ordered), counted in `unit`."},
            "unit": {"help_text": "What the quantity counts, e.g. 'aircraft'; for SIPRI, its weapon description."},
        }


ROW_FIELDS = ("created_at", "updated_at")


class IndicatorBriefSerializer(BriefSerializer):
    class Meta:
        model = Indicator
        fields = ("id", "url", "display", "slug", "name", "unit", "direction")


class ChallengeTypeBriefSerializer(BriefSerializer):
    related = ("parent",)

    class Meta:
        model = ChallengeType
        fields = ("id", "url", "display", "slug", "name")


class AssessmentBriefSerializer(BriefSerializer):
    class Meta:
        model = Assessment
        fields = ("id", "url", "display", "title", "kind", "conducted_on")


class MeasurementBriefSerializer(BriefSerializer):
    related = ("indicator",)
    indicator = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Measurement
        fields = ("id", "url", "display", "indicator", "measured_on", "baseline", "target", "actual")


class FindingBriefSerializer(BriefSerializer):
    class Meta:
        model = Finding
        fields = ("id", "url", "display", "kind", "status", "due_on")


class AssessmentChallengeBriefSerializer(BriefSerializer):
    related = ("challenge_type", "challenge_type__parent")

    class Meta:
        model = AssessmentChallenge
        fields = ("id", "url", "display", "severity")


def assessment_field(**kwargs: Any) -> NestedRelatedField:
    return NestedRelatedField(AssessmentBriefSerializer, queryset=Assessment.objects.all(), **kwargs)


class IndicatorSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Indicator
        fields = (
            "id",
            "url",
            "display",
            "slug",
            "name",
            "description",
            "unit",
            "direction",
            "scale",
            "built_in",
            *ROW_FIELDS,
        )
        read_only_fields = ("built_in", *ROW_FIELDS)


class ChallengeTypeSerializer(RecordSerializer):
    parent = NestedRelatedField(
        ChallengeTypeBriefSerializer, queryset=ChallengeType.objects.all(), required=False, allow_null=True
    )

    related = {"display": ("parent",), "parent": ("parent",)}

    class Meta(RecordSerializer.Meta):
        model = ChallengeType
        fields = ("id", "url", "display", "slug", "name", "parent", "description", *ROW_FIELDS)
        read_only_fields = ROW_FIELDS


class AssessmentSerializer(RecordSerializer):
    program = program_field(required=False, allow_null=True)
    agreement = agreement_field(required=False, allow_null=True)
    exercise = NestedRelatedField(
        ExerciseBriefSerializer, queryset=Exercise.objects.all(), required=False, allow_null=True
    )
    assessor = organization_field(required=False, allow_null=True)
    measurements = MeasurementBriefSerializer(many=True, read_only=True)
    findings = FindingBriefSerializer(many=True, read_only=True)
    challenges = AssessmentChallengeBriefSerializer(many=True, read_only=True)

    related = {
        "program": ("program",),
        "agreement": ("agreement",),
        "exercise": ("exercise",),
        "assessor": ("assessor",),
    }
    prefetch = {
        "measurements": _visible_brief("measurements", Measurement, "indicator"),
        "findings": _visible_brief("findings", Finding),
        "challenges": _visible_brief("challenges", AssessmentChallenge, *AssessmentChallengeBriefSerializer.related),
    }

    class Meta(RecordSerializer.Meta):
        model = Assessment
        fields = (
            "id",
            "url",
            "display",
            "title",
            "kind",
            "program",
            "agreement",
            "exercise",
            "conducted_on",
            "assessor",
            "summary",
            "overall_rating",
            "measurements",
            "findings",
            "challenges",
            *RECORD_FIELDS,
        )


class MeasurementSerializer(RecordSerializer):
    assessment = assessment_field()
    indicator = NestedRelatedField(IndicatorBriefSerializer, queryset=Indicator.objects.all())
    met = serializers.SerializerMethodField(help_text="Whether the actual value meets the target; null if unscored.")
    measured_on = serializers.DateField(required=False, help_text="Defaults to the assessment's date.")

    related = {
        "display": ("indicator",),
        "indicator": ("indicator",),
        "met": ("indicator",),
        "assessment": ("assessment",),
    }

    class Meta(RecordSerializer.Meta):
        model = Measurement
        fields = (
            "id",
            "url",
            "display",
            "assessment",
            "indicator",
            "measured_on",
            "baseline",
            "target",
            "actual",
            "met",
            "response_count",
            "distribution",
            "notes",
            *ROW_FIELDS,
        )
        read_only_fields = ("response_count", "distribution", *ROW_FIELDS)

    def get_met(self, obj: Measurement) -> bool | None:
        return obj.met

    def reset_omitted(self, attrs: dict[str, Any]) -> dict[str, Any]:
        omitted = self.instance is not None and not self.partial and "measured_on" not in attrs
        attrs = super().reset_omitted(attrs)
        if omitted:
            attrs["measured_on"] = None  # back to the assessment's date
        return attrs


class FindingSerializer(RecordSerializer):
    assessment = assessment_field()
    owner = organization_field(required=False, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Pending after its due date, as of today.")

    related = {"assessment": ("assessment",), "owner": ("owner",)}

    class Meta(RecordSerializer.Meta):
        model = Finding
        fields = (
            "id",
            "url",
            "display",
            "assessment",
            "kind",
            "text",
            "owner",
            "due_on",
            "status",
            "closed_on",
            "overdue",
            "follow_up",
            *ROW_FIELDS,
        )
        read_only_fields = ROW_FIELDS

    def get_overdue(self, obj: Finding) -> bool:
        from django.utils import timezone

        return obj.is_overdue(timezone.localdate())


class AssessmentChallengeSerializer(RecordSerializer):
    assessment = assessment_field()
    challenge_type = NestedRelatedField(ChallengeTypeBriefSerializer, queryset=ChallengeType.objects.all())

    related = {
        "display": AssessmentChallengeBriefSerializer.related,
        "assessment": ("assessment",),
        "challenge_type": ("challenge_type", "challenge_type__parent"),
    }

    class Meta(RecordSerializer.Meta):
        model = AssessmentChallenge
        fields = ("id", "url", "display", "assessment", "challenge_type", "severity", "notes", *ROW_FIELDS)
        read_only_fields = ROW_FIELDS


SERIALIZERS: dict[type[models.Model], tuple[type[RecordSerializer], type[BriefSerializer]]] = {
    Nation: (NationSerializer, NationBriefSerializer),
    Organization: (OrganizationSerializer, OrganizationBriefSerializer),
    Membership: (MembershipSerializer, MembershipBriefSerializer),
    Program: (ProgramSerializer, ProgramBriefSerializer),
    Agreement: (AgreementSerializer, AgreementBriefSerializer),
    Exercise: (ExerciseSerializer, ExerciseBriefSerializer),
    ResourceSharing: (ResourceSharingSerializer, ResourceSharingBriefSerializer),
    Assessment: (AssessmentSerializer, AssessmentBriefSerializer),
    Indicator: (IndicatorSerializer, IndicatorBriefSerializer),
    ChallengeType: (ChallengeTypeSerializer, ChallengeTypeBriefSerializer),
    Measurement: (MeasurementSerializer, MeasurementBriefSerializer),
    Finding: (FindingSerializer, FindingBriefSerializer),
    AssessmentChallenge: (AssessmentChallengeSerializer, AssessmentChallengeBriefSerializer),
}
