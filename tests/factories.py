"""factory_boy factories for every registry model."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from partnerships import choices
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
from partnerships.models.duplicates import DuplicateCandidate, MergeRecord


def _letters(n: int, width: int) -> str:
    """Return a distinct run of capital letters for sequence number ``n``."""
    out = ""
    for _ in range(width):
        n, r = divmod(n, 26)
        out = chr(ord("A") + r) + out
    return out


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def permissions(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """Grant permissions given as ["app_label.codename", …]."""
        if not create or not extracted:
            self.save()
            return
        for name in extracted:
            app_label, codename = name.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        self.save()


class NationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nation

    name = factory.Sequence(lambda n: f"Nation {n}")
    iso3 = factory.Sequence(lambda n: "Q" + _letters(n, 2))
    cow_code = factory.Sequence(lambda n: 1000 + n)
    # ISO reserves Q* alpha-3 codes for user assignment and no COW abbreviation starts with X,
    # so factory nations never collide with the real ones load_demo creates.
    cow_abbr = factory.Sequence(lambda n: "X" + _letters(n, 2))
    region = choices.Region.EUROPE_CENTRAL_ASIA


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Ministry of Defense {n}")
    acronym = factory.Sequence(lambda n: f"MOD{n}")
    operates_in = None
    # Only a non-state actor operates in a country, and it belongs to no nation.
    kind = factory.Maybe(
        "operates_in", choices.OrganizationKind.NON_STATE, choices.OrganizationKind.MINISTRY_OF_DEFENSE
    )
    nation = factory.Maybe("operates_in", None, factory.SubFactory(NationFactory))


class MultinationalFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Alliance {n}")
    acronym = factory.Sequence(lambda n: f"ALL{n}")
    kind = choices.OrganizationKind.MULTINATIONAL
    nation = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(MultinationalFactory)
    nation = factory.SubFactory(NationFactory)
    joined_on = datetime.date(1949, 8, 24)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    acronym = factory.Sequence(lambda n: f"P{n}")
    program_type = choices.ProgramType.SECURITY_ASSISTANCE
    objectives = [choices.ProgramObjective.INTEROPERABILITY]
    started_on = datetime.date(1994, 1, 10)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Defense Cooperation Agreement {n}")
    kind = choices.AgreementKind.DEFENSE_COOPERATION
    scope = choices.AgreementScope.BILATERAL
    status = choices.AgreementStatus.IN_FORCE
    signed_on = datetime.date(2014, 4, 28)
    in_force_from = datetime.date(2014, 6, 25)
    provisions = [choices.Provision.BASING_ACCESS]


class AgreementAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementAlias

    agreement = factory.SubFactory(AgreementFactory)
    name = factory.Sequence(lambda n: f"Common name {n}")
    kind = choices.AliasKind.COMMON_NAME


class OrganizationAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationAlias

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Former name {n}")
    kind = choices.AliasKind.FORMER_NAME


class AgreementPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    nation = factory.SubFactory(NationFactory)


def with_source(record: Any, dataset: str, dataset_id: str, *, version: str = "", followed: bool = True) -> Any:
    """Give ``record`` a source row of ``dataset`` (followed: the record is that dataset's, as an import makes it)."""
    from partnerships.models import SOURCE_MODELS

    SOURCE_MODELS[type(record)].objects.create(
        record=record, dataset=dataset, dataset_id=dataset_id, version=version, followed=followed
    )
    if followed:
        type(record).objects.filter(pk=record.pk).update(follows=dataset)
        record.follows = dataset
    return record


def bilateral_agreement(first: Nation, second: Nation, **fields: object) -> Agreement:
    """Create a bilateral agreement between two nations, parties included."""
    agreement = AgreementFactory(**fields)
    AgreementPartyFactory(agreement=agreement, nation=first)
    AgreementPartyFactory(agreement=agreement, nation=second)
    return agreement


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    name = factory.Sequence(lambda n: f"Exercise {n}")
    series = "Exercise"
    kind = choices.ExerciseKind.FIELD_TRAINING
    domains = [choices.Domain.LAND]
    status = choices.ExerciseStatus.COMPLETED
    start_date = datetime.date(2024, 4, 22)
    end_date = datetime.date(2024, 5, 10)


class ExerciseParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExerciseParticipant

    exercise = factory.SubFactory(ExerciseFactory)
    nation = factory.SubFactory(NationFactory)
    role = choices.ParticipantRole.PARTICIPANT


class ResourceSharingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceSharing

    reference = factory.Sequence(lambda n: f"REF-{n}")
    provider_nation = factory.SubFactory(NationFactory)
    recipient_nation = factory.SubFactory(NationFactory)
    category = choices.ResourceCategory.EQUIPMENT
    description = "Patrol boats"
    quantity = 2
    unit = "vessels"
    value = 1_000_000
    currency = "USD"
    status = choices.ResourceStatus.COMPLETED
    start_date = datetime.date(2015, 1, 1)
    end_date = datetime.date(2016, 12, 31)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    slug = factory.Sequence(lambda n: f"indicator-{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "%"
    direction = choices.IndicatorDirection.HIGHER_IS_BETTER


class ChallengeTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeType

    slug = factory.Sequence(lambda n: f"challenge-{n}")
    name = factory.Sequence(lambda n: f"Challenge {n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An after-action review of an exercise (pass program= or agreement= with exercise=None for others)."""

    class Meta:
        model = Assessment

    title = factory.Sequence(lambda n: f"Assessment {n}")
    kind = choices.AssessmentKind.AFTER_ACTION_REVIEW
    exercise = factory.SubFactory(ExerciseFactory)
    conducted_on = datetime.date(2024, 6, 1)
    overall_rating = 4


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    assessment = factory.SubFactory(AssessmentFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    target = 80
    actual = 85


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    assessment = factory.SubFactory(AssessmentFactory)
    kind = choices.FindingKind.RECOMMENDATION
    text = factory.Sequence(lambda n: f"Recommendation {n}")
    due_on = datetime.date(2025, 1, 31)


class AssessmentChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentChallenge

    assessment = factory.SubFactory(AssessmentFactory)
    challenge_type = factory.SubFactory(ChallengeTypeFactory)


class _SourceFactory(factory.django.DjangoModelFactory):
    """A dataset source of a record (not followed: the record stays as it is)."""

    dataset = "test-dataset"
    dataset_id = factory.Sequence(str)
    version = "1"
    followed = False


class AgreementSourceFactory(_SourceFactory):
    class Meta:
        model = AgreementSource

    record = factory.SubFactory(AgreementFactory)


class ExerciseSourceFactory(_SourceFactory):
    class Meta:
        model = ExerciseSource

    record = factory.SubFactory(ExerciseFactory)


class ResourceSourceFactory(_SourceFactory):
    class Meta:
        model = ResourceSource

    record = factory.SubFactory(ResourceSharingFactory)


class OrganizationSourceFactory(_SourceFactory):
    class Meta:
        model = OrganizationSource

    record = factory.SubFactory(OrganizationFactory)


class NationSourceFactory(_SourceFactory):
    class Meta:
        model = NationSource

    record = factory.SubFactory(NationFactory)


class DuplicateCandidateFactory(factory.django.DjangoModelFactory):
    """A pair waiting for review; the second record's id is high, so that any record can be the first."""

    class Meta:
        model = DuplicateCandidate

    first = factory.SubFactory(AgreementFactory)
    second = factory.SubFactory(AgreementFactory, id=factory.Sequence(lambda n: 9_500_000 + n))
    score = 0.9
    reasons = ["same parties"]

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        # A pair is stored lower id first (a CHECK constraint): a given record may be either.
        first, second = kwargs.get("first"), kwargs.get("second")
        if first is not None and second is not None and first.pk > second.pk:
            kwargs["first"], kwargs["second"] = second, first
        return super()._create(model_class, *args, **kwargs)


class MergeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MergeRecord

    survivor = factory.SubFactory(AgreementFactory)
    other_id = factory.Sequence(lambda n: 9_700_000 + n)
    other_title = "A merged agreement"
    other_visibility = "public"
    moved = factory.LazyFunction(dict)
