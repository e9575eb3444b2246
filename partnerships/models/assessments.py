"""Monitoring and evaluation: assessments of a program, an agreement or an exercise, and their evidence.

An assessment (after-action review, survey, open forum, KPI review,
independent evaluation) holds measurements of catalogue indicators against
their baseline and target, findings and recommendations with their
follow-up, and the challenges it observed, from a managed taxonomy.
Scorecards (``partnerships.services.scorecards``) are computed from them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper

from partnerships.choices import (
    AssessmentKind,
    FindingKind,
    FollowUpStatus,
    IndicatorDirection,
    IndicatorScale,
    Severity,
    Visibility,
)
from partnerships.models.actors import Organization
from partnerships.models.agreements import Agreement
from partnerships.models.base import (
    CatalogueQuerySet,
    DatasetProvenance,
    RegistryRecord,
    SyncQuerySet,
    TimestampedRow,
    VisibilityQuerySet,
    can_view_restricted,
    pks_of,
    provenance_constraint,
    search_document_field,
)
from partnerships.models.exercises import Exercise
from partnerships.models.parties import exactly_one_q
from partnerships.models.programs import Program

SUBJECTS = ("program", "agreement", "exercise")
RATING_RANGE = (1, 5)
# Recommendations still waiting for action.
PENDING_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
CLOSED_STATUSES = (FollowUpStatus.DONE, FollowUpStatus.DROPPED)


class Indicator(TimestampedRow):
    """A catalogue entry: what is measured, in which unit, and which way is better."""

    slug = models.SlugField(
        max_length=60, unique=True, help_text="Stable identifier, used in the API and in survey files."
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=40, help_text="What a value counts, e.g. “%”, “score (1-5)”, “days”.")
    direction = models.CharField(
        max_length=8,
        choices=IndicatorDirection.choices,
        default=IndicatorDirection.HIGHER_IS_BETTER,
        help_text="Whether a higher or a lower value is better: decides when a target is met.",
    )
    scale = models.CharField(
        max_length=16,
        choices=IndicatorScale.choices,
        default=IndicatorScale.NUMERIC,
        help_text="Survey answers for a Likert indicator must be whole numbers from 1 to 5.",
    )
    built_in = models.BooleanField(default=False, editable=False, help_text="Part of the seeded catalogue.")

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="indicator_unique_name",
                violation_error_message="An indicator with this name exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == IndicatorDirection.LOWER_IS_BETTER


class ChallengeType(TimestampedRow):
    """A kind of obstacle to cooperation, in a managed two-level taxonomy."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The broader type, e.g. “Communication barriers” for “Language”.",
    )
    description = models.TextField(blank=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="challengetype_not_own_parent",
                violation_error_message="A challenge type cannot be its own parent.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id is not None else self.name

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                raise ValidationError({"parent": "A challenge type cannot be its own parent."})
            if self.parent.parent_id is not None:
                raise ValidationError({"parent": "Choose a top-level type: the taxonomy has two levels."})


def assessment_visible_q(prefix: str = "") -> models.Q:
    """Return a Q true when the assessment (at ``prefix``) and its subject are public."""
    condition = models.Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    for subject in SUBJECTS:
        condition &= models.Q(**{f"{prefix}{subject}__isnull": True}) | models.Q(
            **{f"{prefix}{subject}__visibility": Visibility.PUBLIC}
        )
    return condition


class AssessmentQuerySet(VisibilityQuerySet):
    def visible_to(self, user: Any) -> Self:
        """Return the assessments ``user`` may see: a public assessment of a restricted record stays hidden."""
        if can_view_restricted(user):
            return self.all()
        return self.filter(assessment_visible_q())

    def of_program(self, program: Program | int, *, include_components: bool = True) -> Self:
        """Return assessments of the program and, by default, of its agreements and exercises."""
        condition = models.Q(program=program)
        if include_components:
            condition |= models.Q(agreement__program=program) | models.Q(exercise__program=program)
        return self.filter(condition)

    def of_series(self, series: str) -> Self:
        """Return assessments of the editions of a recurring exercise (series name, any case)."""
        return self.filter(exercise__series__iexact=series)

    def involving(self, nation: Any) -> Self:
        """Return assessments of programs the nation leads, agreements it is party to, exercises it joined.

        ``nation`` may be a nation, an id, or several of them.
        """
        return self.filter(
            models.Q(program__lead_nation__in=pks_of(nation))
            | models.Q(agreement__in=Agreement.objects.involving(nation))
            | models.Q(exercise__in=Exercise.objects.involving(nation))
        )

    def conducted_between(self, start: date | None = None, end: date | None = None) -> Self:
        """Return assessments conducted within the period (both ends inclusive, either open)."""
        queryset = self
        if start is not None:
            queryset = queryset.filter(conducted_on__gte=start)
        if end is not None:
            queryset = queryset.filter(conducted_on__lte=end)
        return queryset


class Assessment(DatasetProvenance, RegistryRecord):
    """An evaluation of exactly one program, agreement or exercise."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AssessmentKind.choices, db_index=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments")
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments")
    conducted_on = models.DateField(help_text="When the assessment was made (the review held, the survey closed).")
    assessor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_made",
        help_text="The organization that made the assessment.",
    )
    summary = models.TextField(blank=True)
    overall_rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(RATING_RANGE[0]), MaxValueValidator(RATING_RANGE[1])],
        help_text="1 (poor) to 5 (excellent); empty if the assessment gives no overall rating.",
    )

    search_document = search_document_field(("title",), ("summary",))

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-conducted_on", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="assessment_search_gin"),
            models.Index(fields=["conducted_on", "id"], name="assessment_conducted_idx"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="assessment_title_trgm"),
        ]
        constraints = [
            provenance_constraint("assessment"),
            models.CheckConstraint(
                condition=exactly_one_q(*SUBJECTS),
                name="assessment_exactly_one_subject",
                violation_error_message="An assessment is of exactly one program, agreement or exercise.",
            ),
            models.CheckConstraint(
                condition=models.Q(overall_rating__isnull=True)
                | models.Q(overall_rating__gte=RATING_RANGE[0], overall_rating__lte=RATING_RANGE[1]),
                name="assessment_rating_range",
                violation_error_message="The overall rating is from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> models.Model | None:
        """Return the program, agreement or exercise assessed."""
        for name in SUBJECTS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def subject_kind(self) -> str:
        return next((name for name in SUBJECTS if getattr(self, f"{name}_id") is not None), "")

    def clean(self) -> None:
        chosen = [name for name in SUBJECTS if getattr(self, f"{name}_id") is not None]
        if len(chosen) != 1:
            # On "program" so that the CHECK constraint's message is not repeated.
            raise ValidationError(
                {"program": "Choose exactly one subject: a program, an agreement or an exercise."},
                code="subject",
            )


class AssessmentRowQuerySet(SyncQuerySet):
    def visible_to(self, user: Any) -> Self:
        """Return rows of assessments ``user`` may see."""
        if can_view_restricted(user):
            return self.all()
        return self.filter(assessment_visible_q("assessment__"))


class Measurement(TimestampedRow):
    """One indicator measured in an assessment: baseline, target and actual value."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="measurements")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField(blank=True, help_text="Defaults to the assessment's date.")
    baseline = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="The value before the effort began."
    )
    target = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="The value the partners committed to."
    )
    actual = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="The value measured; empty if pending."
    )
    response_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Survey answers behind the value (set by survey ingestion)."
    )
    distribution = models.JSONField(
        null=True,
        blank=True,
        help_text="Survey answers by value (Likert) or their minimum, median and maximum (numbers).",
    )
    notes = models.CharField(max_length=300, blank=True)

    objects = AssessmentRowQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "indicator", "measured_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__isnull=False) | models.Q(baseline__isnull=False),
                name="measurement_has_target_or_baseline",
                violation_error_message="A measurement needs a target or a baseline to be scored against.",
            ),
            models.UniqueConstraint(
                fields=["assessment", "indicator", "measured_on"],
                name="measurement_unique_per_day",
                violation_error_message="This indicator is already measured on this day in this assessment.",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "measured_on"], name="measurement_indicator_idx")]

    def __str__(self) -> str:
        return f"{self.indicator.name} on {self.measured_on}"

    def clean(self) -> None:
        if self.measured_on is None and self.assessment_id is not None:
            self.measured_on = self.assessment.conducted_on
        if self.target is None and self.baseline is None:
            raise ValidationError(
                {"target": "Give a target or a baseline: a measurement needs one to be scored against."},
                code="unscorable",
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.measured_on is None:
            self.measured_on = self.assessment.conducted_on
        super().save(*args, **kwargs)

    @property
    def met(self) -> bool | None:
        """Whether the actual value meets the target (None when either is missing)."""
        return target_met(self.actual, self.target, lower_is_better=self.indicator.lower_is_better)

    @property
    def progress(self) -> Decimal | None:
        """The share of the way from baseline to target reached (1 = target reached), when all three are known."""
        return progress_toward_target(self.baseline, self.target, self.actual)


def target_met(actual: Decimal | None, target: Decimal | None, *, lower_is_better: bool) -> bool | None:
    """Return whether ``actual`` meets ``target``: at or above it, or at or below it when lower is better."""
    if actual is None or target is None:
        return None
    return actual <= target if lower_is_better else actual >= target


def progress_toward_target(baseline: Decimal | None, target: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Return how far ``actual`` has moved from ``baseline`` toward ``target`` (0 = baseline, 1 = target).

    The ratio works for both directions: from 10 toward a target of 5,
    a value of 7 is 0.6 of the way. None when a value is missing or the
    target equals the baseline.
    """
    if baseline is None or target is None or actual is None or target == baseline:
        return None
    return (actual - baseline) / (target - baseline)


class FindingQuerySet(AssessmentRowQuerySet):
    def recommendations(self) -> Self:
        return self.filter(kind=FindingKind.RECOMMENDATION)

    def pending(self) -> Self:
        """Return recommendations still open or in progress."""
        return self.recommendations().filter(status__in=PENDING_STATUSES)

    def overdue(self, *, on: date) -> Self:
        """Return recommendations pending after their due date: due on ``on`` is not yet overdue."""
        return self.pending().filter(due_on__lt=on)


class Finding(TimestampedRow):
    """What an assessment found, or what it recommends, with the recommendation's follow-up."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(
        max_length=16, choices=FindingKind.choices, default=FindingKind.RECOMMENDATION, db_index=True
    )
    text = models.TextField()
    owner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_findings",
        help_text="Who must act on the recommendation.",
    )
    due_on = models.DateField(null=True, blank=True, db_index=True, help_text="When the action is due.")
    status = models.CharField(
        "follow-up status",
        max_length=16,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
        db_index=True,
    )
    closed_on = models.DateField(null=True, blank=True, help_text="When it was done or dropped.")
    follow_up = models.TextField(blank=True, help_text="What was done about it, and where that is recorded.")

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(status__in=CLOSED_STATUSES),
                name="finding_closed_only_when_done",
                violation_error_message="Only a done or dropped recommendation has a closing date.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=FindingKind.RECOMMENDATION) | models.Q(status=FollowUpStatus.OPEN),
                name="finding_status_for_recommendations",
                violation_error_message="Only recommendations have a follow-up status.",
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else f"{self.text[:79]}…"
        return f"{self.get_kind_display()}: {text}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == FindingKind.FINDING and self.status != FollowUpStatus.OPEN:
            errors["status"] = "Only recommendations have a follow-up status: make it a recommendation."
        if self.closed_on is not None and self.status not in CLOSED_STATUSES:
            errors["closed_on"] = "Only a done or dropped recommendation has a closing date."
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.status in CLOSED_STATUSES and self.closed_on is None:
            from django.utils import timezone

            self.closed_on = timezone.localdate()
        super().save(*args, **kwargs)

    def is_overdue(self, on: date) -> bool:
        return (
            self.kind == FindingKind.RECOMMENDATION
            and self.status in PENDING_STATUSES
            and self.due_on is not None
            and self.due_on < on
        )


class AssessmentChallenge(TimestampedRow):
    """A challenge an assessment observed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="challenges")
    challenge_type = models.ForeignKey(ChallengeType, on_delete=models.PROTECT, related_name="observations")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    notes = models.CharField(max_length=300, blank=True)

    objects = AssessmentRowQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "challenge_type"],
                name="assessmentchallenge_unique_type",
                violation_error_message="This challenge is already recorded for this assessment.",
            )
        ]

    def __str__(self) -> str:
        return str(self.challenge_type)
