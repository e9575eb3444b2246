"""Nations, defense organizations, and nations' memberships of multinational organizations."""

from __future__ import annotations

from datetime import date
from typing import Self

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper

from partnerships.choices import MembershipRole, OrganizationKind, Region, Visibility
from partnerships.models.base import (
    DatasetProvenance,
    RegistryRecord,
    Sourced,
    VisibilityQuerySet,
    active_on_q,
    can_view_restricted,
    provenance_constraint,
    search_document_field,
)


class DateRange(models.Func):
    """PostgreSQL ``daterange(start, end, bounds)`` for exclusion constraints."""

    function = "DATERANGE"
    output_field = DateRangeField()


def no_overlapping_periods(
    name: str, same: tuple[str, ...], start: str, end: str, *, message: str, condition: models.Q | None = None
) -> ExclusionConstraint:
    """A constraint refusing two rows equal in ``same`` whose [start, end) periods share a day (memberships,
    a party's periods); a missing start or end is open."""
    return ExclusionConstraint(
        name=name,
        expressions=[
            *((field, RangeOperators.EQUAL) for field in same),
            (DateRange(start, end, models.Value("[)")), RangeOperators.OVERLAPS),
        ],
        condition=condition,
        violation_error_message=message,
    )


class Nation(Sourced, RegistryRecord):
    """A state, with its ISO 3166-1 and Correlates of War codes.

    Historical states (the USSR, Yugoslavia, the German Democratic Republic…)
    have COW codes but no ISO code; the database requires at least one of the two.
    """

    name = models.CharField(max_length=120, help_text="Common English name.")
    iso2 = models.CharField(
        "ISO alpha-2",
        max_length=2,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166-1 alpha-2 code, e.g. PH.",
    )
    iso3 = models.CharField(
        "ISO alpha-3",
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166-1 alpha-3 code, e.g. PHL.",
    )
    iso_numeric = models.CharField(
        "ISO numeric",
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        help_text="ISO 3166-1 numeric code, e.g. 608.",
    )
    cow_code = models.PositiveSmallIntegerField(
        "COW number",
        unique=True,
        null=True,
        blank=True,
        help_text="Correlates of War state number (ccode), e.g. 840.",
    )
    cow_abbr = models.CharField(
        "COW abbreviation",
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        help_text="Correlates of War state abbreviation, e.g. PHI.",
    )
    region = models.CharField(max_length=32, choices=Region.choices, blank=True, db_index=True)
    exists_from = models.DateField(null=True, blank=True, help_text="First day as a state, if known.")
    exists_until = models.DateField(
        null=True, blank=True, help_text="First day it no longer existed as a state (historical states)."
    )

    search_document = search_document_field(("name", "iso3", "iso2", "cow_abbr"))

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="nation_search_gin"),
            models.Index(Lower("name"), name="nation_name_lower_idx"),
            # Case-insensitive substring filters (name__ic: UPPER(name) LIKE …) use trigram indexes.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="nation_name_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(iso3__isnull=False) | models.Q(cow_code__isnull=False),
                name="nation_has_iso3_or_cow_code",
                violation_error_message="A nation needs an ISO alpha-3 code or a COW number.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso2__regex=r"^[A-Z]{2}$") | models.Q(iso2__isnull=True),
                name="nation_iso2_format",
                violation_error_message="ISO alpha-2 codes are two capital letters.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso3__regex=r"^[A-Z]{3}$") | models.Q(iso3__isnull=True),
                name="nation_iso3_format",
                violation_error_message="ISO alpha-3 codes are three capital letters.",
            ),
            models.CheckConstraint(
                condition=models.Q(iso_numeric__regex=r"^[0-9]{3}$") | models.Q(iso_numeric__isnull=True),
                name="nation_iso_numeric_format",
                violation_error_message="ISO numeric codes are three digits.",
            ),
            models.CheckConstraint(
                condition=models.Q(cow_abbr__regex=r"^[A-Z]{3}$") | models.Q(cow_abbr__isnull=True),
                name="nation_cow_abbr_format",
                violation_error_message="COW abbreviations are three capital letters.",
            ),
            models.CheckConstraint(
                condition=models.Q(exists_until__isnull=True)
                | models.Q(exists_from__isnull=True)
                | models.Q(exists_until__gt=models.F("exists_from")),
                name="nation_existence_dates_in_order",
                violation_error_message="A state cannot end before it begins.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """Return the code people know the nation by: ISO alpha-3, else the COW abbreviation."""
        return self.iso3 or self.cow_abbr or str(self.cow_code)

    def clean(self) -> None:
        # Blank codes from forms become NULL so that the unique constraints ignore them.
        for field in ("iso2", "iso3", "iso_numeric", "cow_abbr"):
            value = getattr(self, field)
            setattr(self, field, value.strip().upper() if value and value.strip() else None)


class Organization(Sourced, RegistryRecord):
    """A defense organization: ministry, service, command, agency, multinational body…"""

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=40, blank=True, db_index=True)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices, db_index=True)
    nation = models.ForeignKey(
        Nation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        help_text="The nation it belongs to; empty for multinational organizations and non-state actors.",
    )
    operates_in = models.ForeignKey(
        Nation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="non_state_actors",
        help_text="For a non-state actor: the country where it operates (e.g. Angola for UNITA). "
        "It is not counted as that nation anywhere.",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The organization it is part of, e.g. a service under a ministry.",
    )
    founded_on = models.DateField(null=True, blank=True)
    dissolved_on = models.DateField(null=True, blank=True)
    website = models.URLField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        Nation,
        through="Membership",
        through_fields=("organization", "nation"),
        related_name="memberships_in",
        blank=True,
    )

    search_document = search_document_field(("name", "acronym"), ("description",))

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="organization_search_gin"),
            # Global search matches misspelt names by trigram word similarity on every name field.
            GinIndex(OpClass(Upper("acronym"), name="gin_trgm_ops"), name="organization_acronym_trgm"),
            models.Index(Lower("name"), name="organization_name_lower_idx"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="organization_name_trgm"),
            models.Index(fields=["founded_on"], name="organization_founded_idx"),
        ]
        constraints = [
            # Two partial indexes instead of NULLS NOT DISTINCT, which needs PostgreSQL 15.
            models.UniqueConstraint(
                Lower("name"),
                "nation",
                condition=models.Q(nation__isnull=False),
                name="organization_unique_name_per_nation",
                violation_error_message="This nation already has an organization with this name.",
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(nation__isnull=True),
                name="organization_unique_name_without_nation",
                violation_error_message="An organization without a nation already has this name.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=OrganizationKind.MULTINATIONAL) | models.Q(nation__isnull=True),
                name="organization_multinational_has_no_nation",
                violation_error_message="A multinational organization belongs to no single nation.",
            ),
            # A non-state actor is never counted as a state: it belongs to none, and only it
            # records where it operates (involving(), dyads and profiles read ``nation``).
            models.CheckConstraint(
                condition=~models.Q(kind=OrganizationKind.NON_STATE) | models.Q(nation__isnull=True),
                name="organization_non_state_actor_has_no_nation",
                violation_error_message="A non-state actor belongs to no nation: record where it operates instead.",
            ),
            models.CheckConstraint(
                condition=models.Q(operates_in__isnull=True) | models.Q(kind=OrganizationKind.NON_STATE),
                name="organization_only_non_state_actors_operate_in",
                violation_error_message="Only a non-state actor records a country it operates in.",
            ),
            models.CheckConstraint(
                condition=models.Q(dissolved_on__isnull=True)
                | models.Q(founded_on__isnull=True)
                | models.Q(dissolved_on__gte=models.F("founded_on")),
                name="organization_dates_in_order",
                violation_error_message="An organization cannot be dissolved before it was founded.",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="organization_not_own_parent",
                violation_error_message="An organization cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self) -> None:
        if self.kind == OrganizationKind.NON_STATE and self.nation_id is not None:
            raise ValidationError(
                {"nation": "A non-state actor belongs to no nation: record where it operates in “operates in”."}
            )
        if self.kind != OrganizationKind.NON_STATE and self.operates_in_id is not None:
            raise ValidationError({"operates_in": "Only a non-state actor records a country it operates in."})
        if self.parent_id is not None and self.pk is not None:
            # Walk up the chain: a cycle would make "part of" meaningless.
            seen = {self.pk}
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk in seen:
                    raise ValidationError({"parent": "This parent would make the hierarchy circular."})
                seen.add(ancestor.pk)
                ancestor = ancestor.parent


class MembershipQuerySet(VisibilityQuerySet):
    def current(self, *, on: date) -> Self:
        """Return memberships held on ``on`` (joined on or before it, not yet left)."""
        return self.filter(active_on_q("joined_on", "left_on", on, start_required=True))

    def visible_to(self, user: object) -> Self:  # type: ignore[override]
        """Return memberships ``user`` may see: the row, its organization and its nation visible."""
        if can_view_restricted(user):  # type: ignore[arg-type]
            return self.all()
        return self.filter(
            visibility=Visibility.PUBLIC,
            organization__visibility=Visibility.PUBLIC,
            nation__visibility=Visibility.PUBLIC,
        )


class Membership(DatasetProvenance, RegistryRecord):
    """A nation's membership of a multinational organization, e.g. Finland in NATO from 2023-04-04."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        limit_choices_to={"kind": OrganizationKind.MULTINATIONAL},
    )
    nation = models.ForeignKey(Nation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    joined_on = models.DateField(help_text="The day membership took effect.")
    left_on = models.DateField(
        null=True, blank=True, help_text="The first day the nation was no longer a member; empty if it still is."
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "joined_on", "id"]
        constraints = [
            provenance_constraint("membership"),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gt=models.F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message="A nation must leave after the day it joined.",
            ),
            no_overlapping_periods(
                "membership_no_overlapping_periods",
                ("organization", "nation"),
                "joined_on",
                "left_on",
                message="This nation already has a membership of this organization in that period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nation} in {self.organization.acronym or self.organization.name}"

    def clean(self) -> None:
        if self.organization_id and self.organization.kind != OrganizationKind.MULTINATIONAL:
            raise ValidationError({"organization": "Nations can only be members of multinational organizations."})
