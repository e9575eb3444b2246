"""The registry's domain model, one module per aggregate."""

from partnerships.models.actors import Membership, Nation, Organization
from partnerships.models.agreements import Agreement, AgreementParty, validate_party_set
from partnerships.models.aliases import AgreementAlias, Alias, OrganizationAlias
from partnerships.models.assessments import (
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Finding,
    Indicator,
    Measurement,
)
from partnerships.models.base import VIEW_RESTRICTED_PERMISSION, can_view_restricted
from partnerships.models.duplicates import DuplicateCandidate, MergeRecord
from partnerships.models.exercises import Exercise, ExerciseParticipant, validate_participant_set
from partnerships.models.preferences import ListPreference, SavedSearch
from partnerships.models.programs import Program
from partnerships.models.resources import ResourceSharing
from partnerships.models.sources import (
    SOURCE_MODELS,
    AgreementSource,
    ExerciseSource,
    NationSource,
    OrganizationSource,
    ResourceSource,
)
from partnerships.models.tokens import ApiToken, IssuedToken

__all__ = [
    "SOURCE_MODELS",
    "VIEW_RESTRICTED_PERMISSION",
    "Agreement",
    "AgreementAlias",
    "AgreementParty",
    "AgreementSource",
    "Alias",
    "ApiToken",
    "Assessment",
    "AssessmentChallenge",
    "ChallengeType",
    "DuplicateCandidate",
    "Exercise",
    "ExerciseParticipant",
    "ExerciseSource",
    "Finding",
    "Indicator",
    "IssuedToken",
    "ListPreference",
    "Measurement",
    "Membership",
    "MergeRecord",
    "Nation",
    "NationSource",
    "Organization",
    "OrganizationAlias",
    "OrganizationSource",
    "Program",
    "ResourceSharing",
    "ResourceSource",
    "SavedSearch",
    "can_view_restricted",
    "validate_participant_set",
    "validate_party_set",
]
