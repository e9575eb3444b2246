"""The FilterSets of the registry's records: nations, organizations, programs, agreements, exercises, resources."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partnerships.filters.base import (
    IdsFilter,
    IsoDateField,
    NationFilter,
    NationMethodFilter,
    OnDateFilter,
    OrderingFilter,
    RegistryFilterSet,
    as_of,
)
from partnerships.models import (
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


class NationFilterSet(RegistryFilterSet):
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


class OrganizationFilterSet(RegistryFilterSet):
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


class AgreementFilterSet(RegistryFilterSet):
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


class ExerciseFilterSet(RegistryFilterSet):
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
    }
    search_fields = ("name", "series", "location", "objectives", "outcomes")
    participant = NationMethodFilter("involving", label="Participant (any role): code or id")
    host = NationMethodFilter("hosted_by", label="Host nation: code or id")
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


class ResourceSharingFilterSet(RegistryFilterSet):
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
        "tiv_total": "number",
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
    active_on = OnDateFilter("active", label="Under way on this date (YYYY-MM-DD)")
    ordering = OrderingFilter(
        fields=("start_date", "end_date", "value", "quantity", "category", "status", "reference", "updated_at", "id")
    )

    class Meta:
        model = ResourceSharing
        fields: list[str] = []
