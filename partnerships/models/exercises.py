"""Joint exercises (one edition each, e.g. Balikatan 2024) and their participants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Self

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper

from partnerships.choices import Domain, ExerciseKind, ExercisePurpose, ExerciseStatus, ParticipantRole
from partnerships.models.actors import Nation
from partnerships.models.agreements import Agreement, involving_q
from partnerships.models.base import (
    ChoiceArrayField,
    RegistryRecord,
    Sourced,
    TimestampedRow,
    VisibilityQuerySet,
    active_on_q,
    can_view_restricted,
    precision_constraint,
    precision_field,
    search_document_field,
)
from partnerships.models.parties import ActorReference, actor_visible_q, exactly_one_q
from partnerships.models.programs import Program


class ExerciseQuerySet(VisibilityQuerySet):
    def ongoing(self, *, on: date) -> Self:
        """Return exercises under way on ``on`` (start and end dates both inclusive)."""
        return self.filter(active_on_q("start_date", "end_date", on, start_required=True, end_inclusive=True))

    def involving(self, nation: Nation | int | Iterable[Nation | int], *, role: str | None = None) -> Self:
        """Return exercises ``nation`` (or one of its organizations, or any of several nations) took part in.

        ``role`` narrows to hosts, participants or observers.
        """
        participants = ExerciseParticipant.objects.filter(involving_q(nation), exercise=models.OuterRef("pk"))
        if role is not None:
            participants = participants.filter(role=role)
        return self.filter(models.Exists(participants))

    def hosted_by(self, nation: Nation | int | Iterable[Nation | int]) -> Self:
        return self.involving(nation, role=ParticipantRole.HOST)

    def located_in(self, nation: Nation | int | Iterable[Nation | int]) -> Self:
        """Return exercises whose location country is ``nation`` (or any of several), derived or entered."""
        nations = [nation] if isinstance(nation, Nation | int) else list(nation)
        return self.filter(location_country__in=nations)


class Exercise(Sourced, RegistryRecord):
    """One edition of a joint exercise."""

    name = models.CharField(max_length=200, help_text="The edition, e.g. 'Balikatan 2024'.")
    name_generated = models.BooleanField(
        default=False,
        help_text=(
            "The name was generated from the domains, participants and year because the source gives none; "
            "re-imports regenerate it. Typing a name makes it curated (unticks this), and imports then keep it."
        ),
    )
    series = models.CharField(
        max_length=120, blank=True, db_index=True, help_text="The recurring exercise, e.g. 'Balikatan'."
    )
    kind = models.CharField(max_length=32, choices=ExerciseKind.choices, db_index=True)
    domains = ChoiceArrayField(models.CharField(max_length=16, choices=Domain.choices), default=list, blank=True)
    purposes = ChoiceArrayField(
        models.CharField(max_length=32, choices=ExercisePurpose.choices), default=list, blank=True
    )
    status = models.CharField(max_length=16, choices=ExerciseStatus.choices, db_index=True)
    start_date = models.DateField(null=True, blank=True, db_index=True)
    start_date_precision = precision_field("start_date")
    end_date = models.DateField(null=True, blank=True, help_text="Last day of the exercise (inclusive).")
    end_date_precision = precision_field("end_date")
    location = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="WGS 84 degrees north (negative: south), -90 to 90.",
    )
    longitude = models.DecimalField(
        max_digits=10,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="WGS 84 degrees east (negative: west), -180 to 180.",
    )
    location_country = models.ForeignKey(
        Nation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercises_located",
        help_text="The state whose territory (or territorial sea) the exercise took place in, as it was then.",
    )
    location_country_derived = models.BooleanField(
        default=False,
        help_text=(
            "The location country was derived from the coordinates (imports and derive_exercise_locations "
            "re-derive it). Choosing a country by hand unticks this, and it is then kept."
        ),
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="exercises")
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        help_text="The agreement the exercise is held under, if any.",
    )
    objectives = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)

    search_document = search_document_field(("name", "series"), ("location", "objectives", "outcomes"))

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="exercise_search_gin"),
            # Global search matches misspelt names by trigram word similarity on every name field.
            GinIndex(OpClass(Upper("series"), name="gin_trgm_ops"), name="exercise_series_trgm"),
            GinIndex(fields=["domains"], name="exercise_domains_gin"),
            models.Index(Lower("name"), name="exercise_name_lower_idx"),
            GinIndex(fields=["purposes"], name="exercise_purposes_gin"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="exercise_name_trgm"),
            models.Index(fields=["end_date"], name="exercise_end_idx"),
        ]
        constraints = [
            precision_constraint("exercise", "start_date", "end_date"),
            models.UniqueConstraint(
                Lower("name"),
                "start_date",
                name="exercise_unique_name_start_date",
                violation_error_message="An exercise with this name starting on this day already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="exercise_latitude_range",
                violation_error_message="A latitude is between -90 and 90 degrees.",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="exercise_longitude_range",
                violation_error_message="A longitude is between -180 and 180 degrees.",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="exercise_coordinates_together",
                violation_error_message="Give both the latitude and the longitude, or neither.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="exercise_dates_in_order",
                violation_error_message="An exercise cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[ExerciseStatus.ONGOING, ExerciseStatus.COMPLETED])
                | models.Q(start_date__isnull=False),
                name="exercise_started_has_start_date",
                violation_error_message="An ongoing or completed exercise needs its start date.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ExerciseStatus.COMPLETED) | models.Q(end_date__isnull=False),
                name="exercise_completed_has_end_date",
                violation_error_message="A completed exercise needs its end date.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def curate(self, changed: Iterable[str]) -> None:
        """Record that staff set the fields ``changed`` by hand (admin, API): imports keep them from now on.

        A name typed by hand is no longer generated; a location country chosen by
        hand is no longer derived from the coordinates.
        """
        changed = set(changed)
        if "name" in changed:
            self.name_generated = False
        if "location_country" in changed:
            self.location_country_derived = False

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        if self.status in (ExerciseStatus.ONGOING, ExerciseStatus.COMPLETED) and not self.start_date:
            errors["start_date"] = f"An exercise with status “{self.get_status_display()}” needs its start date."
        if self.status == ExerciseStatus.COMPLETED and not self.end_date:
            errors.setdefault("end_date", "A completed exercise needs its end date.")
        if (self.latitude is None) != (self.longitude is None):
            missing = "latitude" if self.latitude is None else "longitude"
            errors[missing] = "Give both the latitude and the longitude, or neither."
        if errors:
            raise ValidationError(errors)


class ExerciseParticipantQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> Self:
        """Return participant rows ``user`` may see: exercise and named actor both visible."""
        if can_view_restricted(user):  # type: ignore[arg-type]
            return self.all()
        return self.filter(actor_visible_q(), exercise__visibility="public")


class ExerciseParticipant(ActorReference, TimestampedRow):
    """A nation or organization taking part in an exercise, as host, participant or observer."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(
        max_length=16, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT, db_index=True
    )
    personnel = models.PositiveIntegerField(
        null=True, blank=True, help_text="Personnel it sent, if the source gives a figure."
    )
    notes = models.CharField(max_length=300, blank=True)

    objects = ExerciseParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["exercise", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_q("nation", "organization"),
                name="exerciseparticipant_exactly_one_actor",
                violation_error_message="A participant is either a nation or an organization: choose exactly one.",
            ),
            models.UniqueConstraint(
                fields=["exercise", "nation"],
                condition=models.Q(nation__isnull=False),
                name="exerciseparticipant_unique_nation",
                violation_error_message="This nation is already listed in this exercise.",
            ),
            models.UniqueConstraint(
                fields=["exercise", "organization"],
                condition=models.Q(organization__isnull=False),
                name="exerciseparticipant_unique_organization",
                violation_error_message="This organization is already listed in this exercise.",
            ),
        ]
        indexes = [
            models.Index(fields=["nation", "exercise"], name="exerciseparticipant_nation_idx"),
            # involving(): the exercises of a nation, itself or through one of its organizations.
            models.Index(fields=["actor_nation", "exercise"], name="exerciseparticipant_actor_idx"),
        ]

    def clean(self) -> None:
        if (self.nation_id is None) == (self.organization_id is None):
            # Attached to "nation" so that the same rule's CHECK constraint does not repeat it.
            raise ValidationError(
                {"nation": "Choose either a nation or an organization as the participant, not both or neither."}
            )


def validate_participant_set(participants: list[tuple[str, int | None]]) -> None:
    """Raise ValidationError if a nation or organization is listed twice in one exercise."""
    if len(set(participants)) != len(participants):
        raise ValidationError(
            "The same participant is listed more than once; list each nation or organization once.",
            code="duplicate_participant",
        )
