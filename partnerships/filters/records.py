"""The FilterSets of the registry's records: nations, organizations, programs, agreements, exercises, resources."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partnerships.filters.base import (
    MAX_INTEGER,
    AllNationsMethodFilter,
    BoundedIntegerField,
    EmptyFilter,
    IdsFilter,
    IsoDateField,
    MultiValueFilter,
    NationFilter,
    NationMethodFilter,
    OnDateFilter,
    OrderingFilter,
    RegistryFilterSet,
    StrictBooleanFilter,
    as_of,
)
from partnerships.models import (
    SOURCE_MODELS,
    Agreement,
    AgreementAlias,
    Exercise,
    Membership,
    Nation,
    Organization,
    OrganizationAlias,
    Program,
    ResourceSharing,
)
from partnerships.models.base import active_on_q

DATASET_NAME = r"^[a-z0-9][a-z0-9._-]{0,39}$"


@extend_schema_field({"type": "string", "pattern": DATASET_NAME})
class DatasetFilter(MultiValueFilter):
    """Dataset names (cow-alliances, atop, mme, sipri…), handed to the FilterSet's ``method``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, value_field=DatasetNameField, **kwargs)


class DatasetNameField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(DATASET_NAME, "A dataset name: lower-case letters, digits, dots, hyphens, e.g. atop.")
        )


class SourcedFilterSet(RegistryFilterSet):
    """Filters of the record types with source rows: by dataset, followed dataset, disagreement."""

    dataset = DatasetFilter(method="filter_dataset", label="Described by this dataset: a source from it (repeat to OR)")
    follows = DatasetFilter(
        method="filter_follows", label='Fields follow this dataset; "curated" for records staff curated (repeat to OR)'
    )
    disagreement = StrictBooleanFilter(
        method="filter_disagreement", label="true: a source disagrees with the record on a key fact; false: none does"
    )

    def filter_dataset(self, queryset: models.QuerySet, name: str, value: list[str]) -> models.QuerySet:
        if not value:
            return queryset
        described = SOURCE_MODELS[queryset.model].objects.filter(record=models.OuterRef("pk"), dataset__in=value)
        return queryset.filter(models.Exists(described))

    def filter_follows(self, queryset: models.QuerySet, name: str, value: list[str]) -> models.QuerySet:
        if not value:
            return queryset
        return queryset.filter(follows__in=["" if item == "curated" else item for item in value])

    def filter_disagreement(self, queryset: models.QuerySet, name: str, value: bool | None) -> models.QuerySet:
        if value is None:
            return queryset
        differing = SOURCE_MODELS[queryset.model].objects.filter(record=models.OuterRef("pk")).exclude(differs=[])
        return queryset.filter(models.Exists(differing)) if value else queryset.exclude(models.Exists(differing))


class NationFilterSet(SourcedFilterSet):
    lookups = {
        "name": "text",
        "iso2": "text",
        "iso3": "text",
        "iso_numeric": "text",
        "cow_abbr": "text",
        "cow_code": "integer",
        "region": "choice",
        "exists_from": "date",
        "exists_until": "date",
    }
    search_fields = ("name", "iso2", "iso3", "cow_abbr")
    code = NationFilter(field_name="pk", label="ISO code, cow:NUMBER, cow:ABBR or id (repeat to OR)")
    ordering = OrderingFilter(fields=("name", "iso3", "cow_code", "region", "updated_at", "id"))

    class Meta:
        model = Nation
        fields: list[str] = []


@extend_schema_field(OpenApiTypes.DATE)
class IsoDateFilter(django_filters.DateFilter):
    """A date as the API documents dates: YYYY-MM-DD, nothing else."""

    field_class = IsoDateField


class OrganizationFilterSet(SourcedFilterSet):
    lookups = {
        "name": "text",
        "acronym": "text",
        "kind": "choice",
        "nation": "fk",
        "operates_in": "fk",
        "parent": "fk",
        "founded_on": "date",
        "dissolved_on": "date",
    }
    search_fields = ("name", "acronym", "description")
    alias_model = OrganizationAlias
    exact_fields = ("name", "acronym")
    nation = NationFilter(field_name="nation", label="Nation it belongs to (code or id)")
    operates_in = NationFilter(field_name="operates_in", label="Non-state actors operating in this nation (code or id)")
    member = NationFilter(
        method="filter_member",
        label="Has this nation as a member (code or id): ever, or with current_on, on that date",
    )
    current_on = IsoDateFilter(
        method="filter_current_on", label="Existing on this date (founded, not yet dissolved; YYYY-MM-DD)"
    )
    ordering = OrderingFilter(fields=("name", "acronym", "kind", "founded_on", "updated_at", "id"))

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_member(self, queryset: models.QuerySet, name: str, value: list[int]) -> models.QuerySet:
        if not value:
            return queryset
        members = Membership.objects.filter(organization=models.OuterRef("pk"), nation__in=value)
        on = as_of(self, "current_on")
        if on is not None:
            members = members.current(on=on)
        return queryset.filter(models.Exists(members))

    def filter_current_on(self, queryset: models.QuerySet, name: str, value: date | None) -> models.QuerySet:
        if value is None:
            return queryset
        return queryset.filter(active_on_q("founded_on", "dissolved_on", value))


class MembershipFilterSet(RegistryFilterSet):
    lookups = {"organization": "fk", "nation": "fk", "role": "choice", "joined_on": "date", "left_on": "date"}
    search_fields = ("nation__name", "organization__name", "organization__acronym")
    nation = NationFilter(field_name="nation", label="Member nation (code or id)")
    current_on = OnDateFilter("current", label="Member on this date (YYYY-MM-DD)")
    ordering = OrderingFilter(fields=("joined_on", "left_on", "updated_at", "id"))

    class Meta:
        model = Membership
        fields: list[str] = []


class ProgramFilterSet(RegistryFilterSet):
    lookups = {
        "name": "text",
        "acronym": "text",
        "program_type": "choice",
        "objectives": "array",
        "lead_nation": "fk",
        "lead_organization": "fk",
        "started_on": "date",
        "ended_on": "date",
    }
    search_fields = ("name", "acronym", "description")
    lead_nation = NationFilter(field_name="lead_nation", label="Lead nation (code or id)")
    active_on = OnDateFilter("active", label="Running on this date (YYYY-MM-DD)")
    ordering = OrderingFilter(fields=("name", "acronym", "started_on", "ended_on", "updated_at", "id"))

    class Meta:
        model = Program
        fields: list[str] = []


class AgreementFilterSet(SourcedFilterSet):
    lookups = {
        "title": "text",
        "short_name": "text",
        "kind": "choice",
        "scope": "choice",
        "status": "choice",
        "provisions": "array",
        "signed_on": "date",
        "in_force_from": "date",
        "expires_on": "date",
        "ended_on": "date",
        "program": "fk",
    }
    search_fields = ("title", "short_name", "description")
    alias_model = AgreementAlias
    exact_fields = ("title", "short_name")
    party = NationMethodFilter(
        "involving",
        dated_by="in_force_on",
        label="Party: nation or one of its organizations (code or id); with in_force_on, a party on that date",
    )
    party_all = AllNationsMethodFilter(
        "involving",
        dated_by="in_force_on",
        label=(
            "Parties, all of them: nations (names or codes) separated by commas, e.g. USA,PHL; each a party itself "
            "or through one of its organizations; with in_force_on, each a party on that date"
        ),
    )
    party_organization_id = IdsFilter(
        field_name="parties__organization",
        method="filter_party_organization",
        label="Party organization id; with in_force_on, a party on that date",
    )
    in_force_on = OnDateFilter("in_force", label="In force on this date (YYYY-MM-DD)")
    ordering = OrderingFilter(
        fields=("title", "signed_on", "in_force_from", "ended_on", "status", "kind", "updated_at", "id")
    )

    class Meta:
        model = Agreement
        fields: list[str] = []

    def filter_party_organization(self, queryset: models.QuerySet, name: str, value: list[int]) -> models.QuerySet:
        if not value:
            return queryset
        from partnerships.models import AgreementParty

        parties = AgreementParty.objects.filter(
            agreement=models.OuterRef("pk"), organization__in=self.organizations(value)
        )
        on = as_of(self, "in_force_on")
        if on is not None:
            parties = parties.active(on=on)
        return queryset.filter(models.Exists(parties))


class ExerciseFilterSet(SourcedFilterSet):
    lookups = {
        "name": "text",
        "series": "text",
        "location": "text",
        "kind": "choice",
        "status": "choice",
        "domains": "array",
        "purposes": "array",
        "start_date": "date",
        "end_date": "date",
        "program": "fk",
        "agreement": "fk",
        "location_country": "fk",
    }
    search_fields = ("name", "series", "location", "objectives", "outcomes")
    participant = NationMethodFilter("involving", label="Participant (any role): code or id")
    participant_all = AllNationsMethodFilter(
        "involving",
        label="Participants, all of them: nations (names or codes) separated by commas, e.g. USA,PHL (any role)",
    )
    host = NationMethodFilter("hosted_by", label="Host nation: code or id")
    location_country = NationMethodFilter(
        "located_in", label="Location country (derived from the coordinates or entered by staff): code or id"
    )
    participant_organization_id = IdsFilter(
        field_name="participants__organization",
        method="filter_participant_organization",
        label="Participant organization id",
    )
    ongoing_on = OnDateFilter("ongoing", label="Under way on this date (YYYY-MM-DD)")
    ordering = OrderingFilter(fields=("name", "series", "start_date", "end_date", "status", "updated_at", "id"))

    class Meta:
        model = Exercise
        fields: list[str] = []

    def filter_participant_organization(
        self, queryset: models.QuerySet, name: str, value: list[int]
    ) -> models.QuerySet:
        if not value:
            return queryset
        from partnerships.models import ExerciseParticipant

        rows = ExerciseParticipant.objects.filter(
            exercise=models.OuterRef("pk"), organization__in=self.organizations(value)
        )
        return queryset.filter(models.Exists(rows))


# A smallint array holds years up to here; a larger year is a well-formed value that matches no record.
SMALLINT_MAX = 2**15 - 1


@extend_schema_field({"type": "integer", "minimum": -MAX_INTEGER, "maximum": MAX_INTEGER})
class YearsFilter(MultiValueFilter):
    """Records whose array of years holds any of the years given (``exclude``: none of them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, value_field=BoundedIntegerField, **kwargs)

    def filter(self, qs: models.QuerySet, value: list[int]) -> models.QuerySet:
        if not value:
            return qs
        years = [year for year in value if 0 <= year <= SMALLINT_MAX]
        matches = models.Q(**{f"{self.field_name}__overlap": years}) if years else models.Q(pk__in=[])
        return qs.exclude(matches) if self.exclude else qs.filter(matches)


class ResourceSharingFilterSet(SourcedFilterSet):
    lookups = {
        "reference": "text",
        "description": "text",
        "designation": "text",
        "condition": "text",
        "unit": "text",
        "currency": "text",
        "category": "choice",
        "status": "choice",
        "quantity": "number",
        "quantity_delivered": "number",
        "value": "number",
        "tiv_unit": "number",
        "tiv_total": "number",
        "tiv_delivered": "number",
        "start_date": "date",
        "end_date": "date",
        "provider_organization": "fk",
        "recipient_organization": "fk",
        "agreement": "fk",
        "program": "fk",
    }
    search_fields = ("reference", "description", "designation", "unit")
    provider = NationMethodFilter(
        "involving", method_kwargs={"direction": "provided"}, label="Provider: nation or one of its organizations"
    )
    recipient = NationMethodFilter(
        "involving", method_kwargs={"direction": "received"}, label="Recipient: nation or one of its organizations"
    )
    nation = NationMethodFilter("involving", label="Provider or recipient: nation or its organizations")
    nation_all = AllNationsMethodFilter(
        "involving",
        label=(
            "Provider or recipient, all of them: nations (names or codes) separated by commas, e.g. GBR,SAU for "
            "transfers between the two, either way"
        ),
    )
    active_on = OnDateFilter("active", label="Under way on this date (YYYY-MM-DD)")
    delivery_year = YearsFilter(
        field_name="delivery_years", label="With a delivery in this year (repeat to OR: any of the years)"
    )
    delivery_year__n = YearsFilter(
        field_name="delivery_years", exclude=True, label="With no delivery in any of these years"
    )
    delivery_years__empty = EmptyFilter(
        field_name="delivery_years", array=True, label="true: no delivery year recorded; false: at least one"
    )
    ordering = OrderingFilter(
        fields=(
            "start_date",
            "end_date",
            "value",
            "quantity",
            "quantity_delivered",
            "designation",
            "tiv_unit",
            "tiv_total",
            "tiv_delivered",
            "category",
            "status",
            "reference",
            "updated_at",
            "id",
        )
    )

    class Meta:
        model = ResourceSharing
        fields: list[str] = []
