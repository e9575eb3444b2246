"""The FilterSets of assessments, their rows and the catalogues."""

from __future__ import annotations

import django_filters
from django.db import models

from partnerships.filters.base import (
    MultiValueFilter,
    NationMethodFilter,
    OnDateFilter,
    OrderingFilter,
    RegistryFilterSet,
)
from partnerships.models import Assessment, AssessmentChallenge, ChallengeType, Finding, Indicator, Measurement


class AssessmentFilterSet(RegistryFilterSet):
    lookups = {
        "title": "text",
        "kind": "choice",
        "conducted_on": "date",
        "overall_rating": "integer",
        "program": "fk",
        "agreement": "fk",
        "exercise": "fk",
        "assessor": "fk",
    }
    search_fields = ("title", "summary")
    nation = NationMethodFilter(
        "involving", label="Nation: assessments of programs it leads, agreements it is party to, exercises it joined"
    )
    series = MultiValueFilter(
        field_name="exercise__series", lookup_expr="iexact", label="Exercise series, any case (repeat to OR)"
    )
    subject_type = django_filters.ChoiceFilter(
        choices=[(name, name.capitalize()) for name in ("program", "agreement", "exercise")],
        method="filter_subject_type",
        label="What was assessed: program, agreement or exercise",
    )
    ordering = OrderingFilter(fields=("conducted_on", "title", "kind", "overall_rating", "updated_at", "id"))

    class Meta:
        model = Assessment
        fields: list[str] = []

    def filter_subject_type(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        return queryset.filter(**{f"{value}__isnull": False}) if value else queryset


class RowFilterSet(RegistryFilterSet):
    """Base of the FilterSets of rows without their own visibility (catalogues, assessment rows)."""

    visibility = None


class IndicatorFilterSet(RowFilterSet):
    lookups = {"slug": "text", "name": "text", "unit": "text", "direction": "choice", "scale": "choice"}
    search_fields = ("slug", "name", "description")
    ordering = OrderingFilter(fields=("name", "slug", "updated_at", "id"))

    class Meta:
        model = Indicator
        fields: list[str] = []


class ChallengeTypeFilterSet(RowFilterSet):
    lookups = {"slug": "text", "name": "text", "parent": "fk"}
    search_fields = ("slug", "name", "description")
    ordering = OrderingFilter(fields=("name", "slug", "updated_at", "id"))

    class Meta:
        model = ChallengeType
        fields: list[str] = []


class MeasurementFilterSet(RowFilterSet):
    lookups = {
        "assessment": "fk",
        "indicator": "fk",
        "measured_on": "date",
        "baseline": "number",
        "target": "number",
        "actual": "number",
    }
    search_fields = ("indicator__name", "notes")
    indicator = MultiValueFilter(field_name="indicator__slug", label="Indicator slug (repeat to OR)")
    ordering = OrderingFilter(fields=("measured_on", "indicator", "updated_at", "id"))

    class Meta:
        model = Measurement
        fields: list[str] = []


class FindingFilterSet(RowFilterSet):
    lookups = {
        "kind": "choice",
        "status": "choice",
        "due_on": "date",
        "closed_on": "date",
        "assessment": "fk",
        "owner": "fk",
    }
    search_fields = ("text", "follow_up")
    overdue_on = OnDateFilter("overdue", label="Pending recommendations past their due date on this day (YYYY-MM-DD)")
    ordering = OrderingFilter(fields=("due_on", "status", "closed_on", "updated_at", "id"))

    class Meta:
        model = Finding
        fields: list[str] = []


class AssessmentChallengeFilterSet(RowFilterSet):
    lookups = {"assessment": "fk", "challenge_type": "fk", "severity": "choice"}
    search_fields = ("challenge_type__name", "notes")
    challenge_type = MultiValueFilter(field_name="challenge_type__slug", label="Challenge type slug (repeat to OR)")
    ordering = OrderingFilter(fields=("severity", "updated_at", "id"))

    class Meta:
        model = AssessmentChallenge
        fields: list[str] = []
