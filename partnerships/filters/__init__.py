"""One FilterSet per model, shared by the REST API and the analyst pages.

The machinery is in ``base`` (see its docstring for the lookups every field
gets); the FilterSets are in ``records`` and ``assessments``.
"""

from __future__ import annotations

from django.db import models

from partnerships.filters.assessments import (
    AssessmentChallengeFilterSet,
    AssessmentFilterSet,
    ChallengeTypeFilterSet,
    FindingFilterSet,
    IndicatorFilterSet,
    MeasurementFilterSet,
)
from partnerships.filters.base import (
    ArrayAnyFilter,
    BoundedDecimalField,
    BoundedIntegerField,
    EmptyFilter,
    IdsFilter,
    IsoDateField,
    MultiValueFilter,
    NationCodeField,
    NationFilter,
    NationMethodFilter,
    OnDateFilter,
    OrderingFilter,
    RegistryFilterSet,
    resolve_nation_code,
)
from partnerships.filters.records import (
    AgreementFilterSet,
    ExerciseFilterSet,
    MembershipFilterSet,
    NationFilterSet,
    OrganizationFilterSet,
    ProgramFilterSet,
    ResourceSharingFilterSet,
)
from partnerships.models import (
    Agreement,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)

FILTERSETS: dict[type[models.Model], type[RegistryFilterSet]] = {
    Nation: NationFilterSet,
    Organization: OrganizationFilterSet,
    Membership: MembershipFilterSet,
    Program: ProgramFilterSet,
    Agreement: AgreementFilterSet,
    Exercise: ExerciseFilterSet,
    ResourceSharing: ResourceSharingFilterSet,
    Assessment: AssessmentFilterSet,
    Indicator: IndicatorFilterSet,
    ChallengeType: ChallengeTypeFilterSet,
    Measurement: MeasurementFilterSet,
    Finding: FindingFilterSet,
    AssessmentChallenge: AssessmentChallengeFilterSet,
}

__all__ = [
    "FILTERSETS",
    "AgreementFilterSet",
    "ArrayAnyFilter",
    "AssessmentChallengeFilterSet",
    "AssessmentFilterSet",
    "BoundedDecimalField",
    "BoundedIntegerField",
    "ChallengeTypeFilterSet",
    "EmptyFilter",
    "ExerciseFilterSet",
    "FindingFilterSet",
    "IdsFilter",
    "IndicatorFilterSet",
    "IsoDateField",
    "MeasurementFilterSet",
    "MembershipFilterSet",
    "MultiValueFilter",
    "NationCodeField",
    "NationFilter",
    "NationFilterSet",
    "NationMethodFilter",
    "OnDateFilter",
    "OrderingFilter",
    "OrganizationFilterSet",
    "ProgramFilterSet",
    "RegistryFilterSet",
    "ResourceSharingFilterSet",
    "resolve_nation_code",
]
