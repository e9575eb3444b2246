"""Resource-sharing records: equipment, technology, training, funding… from a provider to a recipient."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Self

import pycountry
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper

from partnerships.choices import ResourceCategory, ResourceStatus
from partnerships.models.actors import Nation, Organization
from partnerships.models.agreements import Agreement
from partnerships.models.base import (
    RegistryRecord,
    Sourced,
    VisibilityQuerySet,
    active_on_q,
    can_view_restricted,
    pks_of,
    precision_constraint,
    precision_field,
    search_document_field,
)
from partnerships.models.parties import actor_nation_field, actor_visible_q, exactly_one_q
from partnerships.models.programs import Program

# The years a delivery may plausibly be given for (SIPRI's data start in 1950; its importer reads 1900-2100).
FIRST_YEAR, LAST_YEAR = 1900, 2100
TIV_HELP = (
    "SIPRI trend-indicator value, in millions: a measure of the volume of military capability "
    "transferred, not a price or a sum of money."
)


class YearSetField(ArrayField):
    """Years as a set: stored in increasing order, each once, whoever writes them.

    So "2011; 2010; 2010" from a form, the API or a file is the same value as
    "2010; 2011", and the change history never shows a reordering as a change.
    """

    def canonical(self, value: Any) -> Any:
        """Return ``value`` sorted without repeats; anything else (not a list, unsortable) unchanged."""
        if not isinstance(value, list | tuple):
            return value
        try:
            return sorted(set(value))
        except TypeError:  # items of mixed or unhashable types: left for validation to refuse
            return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.canonical(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Writes that bypass pre_save (QuerySet.update(), bulk_update()) pass here too.
        return super().get_db_prep_value(self.canonical(value), connection, prepared)


class ResourceSharingQuerySet(VisibilityQuerySet):
    def active(self, *, on: date) -> Self:
        """Return records under way on ``on`` (dates inclusive; no start date means "since ever")."""
        return self.filter(active_on_q("start_date", "end_date", on, end_inclusive=True))

    def involving(self, nation: Nation | int | Iterable[Nation | int], *, direction: str | None = None) -> Self:
        """Return records with ``nation`` (or one of its organizations) as provider or recipient.

        ``nation`` may also be several nations. ``direction`` narrows to "provided" or "received".
        """
        ids = pks_of(nation)
        provided = models.Q(provider_actor_nation__in=ids)
        received = models.Q(recipient_actor_nation__in=ids)
        if direction == "provided":
            return self.filter(provided)
        if direction == "received":
            return self.filter(received)
        if direction is not None:
            raise ValueError(f"direction must be 'provided', 'received' or None, not {direction!r}")
        return self.filter(provided | received)

    def visible_to(self, user: object) -> Self:  # type: ignore[override]
        """Return records ``user`` may see: the record and both named actors visible."""
        if can_view_restricted(user):  # type: ignore[arg-type]
            return self.all()
        return self.filter(
            models.Q(visibility="public")
            & actor_visible_q("provider_nation", "provider_organization")
            & actor_visible_q("recipient_nation", "recipient_organization")
        )


class ResourceSharing(Sourced, RegistryRecord):
    """A transfer or shared use of resources between two actors."""

    reference = models.CharField(
        max_length=80,
        blank=True,
        help_text="A stable identifier for this record (e.g. a case number); unique when given.",
    )
    provider_nation = models.ForeignKey(
        Nation, on_delete=models.PROTECT, null=True, blank=True, related_name="resources_provided"
    )
    provider_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="resources_provided"
    )
    recipient_nation = models.ForeignKey(
        Nation, on_delete=models.PROTECT, null=True, blank=True, related_name="resources_received"
    )
    recipient_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="resources_received"
    )
    provider_actor_nation = actor_nation_field("provider_")
    recipient_actor_nation = actor_nation_field("recipient_")
    category = models.CharField(max_length=16, choices=ResourceCategory.choices, db_index=True)
    description = models.TextField()
    quantity = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(max_length=40, blank=True, help_text="What the quantity counts, e.g. 'aircraft'.")
    value = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Monetary value in the currency below.",
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code, e.g. USD; required with a value.")
    start_date = models.DateField(null=True, blank=True, db_index=True)
    start_date_precision = precision_field("start_date")
    end_date = models.DateField(null=True, blank=True, help_text="Last day (inclusive), e.g. final delivery.")
    end_date_precision = precision_field("end_date")
    status = models.CharField(max_length=16, choices=ResourceStatus.choices, db_index=True)
    designation = models.CharField(
        max_length=120, blank=True, help_text="The equipment's designation, e.g. 'AW101' (SIPRI's weapon designation)."
    )
    condition = models.CharField(max_length=40, blank=True, help_text="e.g. new, second hand (SIPRI).")
    quantity_delivered = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="How much of the quantity was delivered.",
    )
    delivery_years = YearSetField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]),
        default=list,
        blank=True,
        help_text=(
            f"Years in which deliveries were made ({FIRST_YEAR}-{LAST_YEAR}, none before the order's year); "
            "stored in increasing order, each once."
        ),
    )
    tiv_unit = models.DecimalField(
        "TIV per unit",
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=f"Per unit ordered. {TIV_HELP}",
    )
    tiv_total = models.DecimalField(
        "TIV of the order",
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=f"Of the whole order (SIPRI: TIV for total order). {TIV_HELP}",
    )
    tiv_delivered = models.DecimalField(
        "TIV delivered",
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=f"Of what has been delivered (SIPRI: TIV of delivered weapons). {TIV_HELP}",
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, blank=True, related_name="resources")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="resources")

    search_document = search_document_field(("reference", "description"), ("unit",))

    objects = ResourceSharingQuerySet.as_manager()

    class Meta:
        verbose_name = "resource-sharing record"
        ordering = ["-start_date", "id"]
        constraints = [
            precision_constraint("resourcesharing", "start_date", "end_date"),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~models.Q(reference=""),
                name="resourcesharing_unique_reference",
                violation_error_message="A resource-sharing record with this reference already exists.",
            ),
            models.CheckConstraint(
                condition=exactly_one_q("provider_nation", "provider_organization"),
                name="resourcesharing_exactly_one_provider",
                violation_error_message="The provider is either a nation or an organization: choose exactly one.",
            ),
            models.CheckConstraint(
                condition=exactly_one_q("recipient_nation", "recipient_organization"),
                name="resourcesharing_exactly_one_recipient",
                violation_error_message="The recipient is either a nation or an organization: choose exactly one.",
            ),
            models.CheckConstraint(
                condition=~models.Q(provider_nation=models.F("recipient_nation"))
                & ~models.Q(provider_organization=models.F("recipient_organization")),
                name="resourcesharing_provider_is_not_recipient",
                violation_error_message="The provider and the recipient must differ.",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=0),
                name="resourcesharing_quantity_not_negative",
                violation_error_message="The quantity cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(models.Q(quantity_delivered__isnull=True) | models.Q(quantity_delivered__gte=0))
                & (models.Q(tiv_unit__isnull=True) | models.Q(tiv_unit__gte=0))
                & (models.Q(tiv_total__isnull=True) | models.Q(tiv_total__gte=0))
                & (models.Q(tiv_delivered__isnull=True) | models.Q(tiv_delivered__gte=0)),
                name="resourcesharing_delivery_figures_not_negative",
                violation_error_message="Delivered quantities and TIV values cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                name="resourcesharing_value_not_negative",
                violation_error_message="The value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(currency="") | models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="resourcesharing_currency_format",
                violation_error_message="The currency is a three-letter ISO 4217 code.",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | ~models.Q(currency=""),
                name="resourcesharing_value_has_currency",
                violation_error_message="A value needs its currency.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="resourcesharing_dates_in_order",
                violation_error_message="A resource-sharing record cannot end before it starts.",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_document"], name="resource_search_gin"),
            # Global search matches misspelt names by trigram word similarity on every name field.
            GinIndex(OpClass(Upper("reference"), name="gin_trgm_ops"), name="resource_reference_trgm"),
            models.Index(fields=["provider_nation", "start_date"], name="resourcesharing_provider_idx"),
            models.Index(fields=["recipient_nation", "start_date"], name="resourcesharing_recipient_idx"),
            # involving(): a nation's transfers, by the nation each end counts as, newest first (the lists' order).
            models.Index(fields=["provider_actor_nation", "start_date", "id"], name="resource_provider_actor_idx"),
            models.Index(fields=["recipient_actor_nation", "start_date", "id"], name="resource_recipient_actor_idx"),
            models.Index(fields=["end_date"], name="resourcesharing_end_idx"),
            models.Index(fields=["value"], name="resourcesharing_value_idx"),
            models.Index(fields=["designation"], name="resource_designation_idx"),
            # Analysts filter by a delivery year (delivery_year=, an array overlap) and sort by TIV.
            GinIndex(fields=["delivery_years"], name="resource_delivery_years_gin"),
            models.Index(fields=["tiv_total"], name="resource_tiv_total_idx"),
            GinIndex(OpClass(Upper("description"), name="gin_trgm_ops"), name="resource_description_trgm"),
        ]

    def __str__(self) -> str:
        # The enum's label, not get_category_display(): that flattens the choices on every call,
        # which showed in pages listing a thousand transfers.
        category = ResourceCategory(self.category).label if self.category in ResourceCategory.values else self.category
        return f"{self.provider} → {self.recipient}: {category}"

    @property
    def has_transfer_details(self) -> bool:
        """Whether the record holds any of the figures SIPRI gives for a deal (designation, deliveries, TIV…)."""
        return bool(
            self.designation
            or self.condition
            or self.quantity_delivered is not None
            or self.delivery_years
            or self.tiv_unit is not None
            or self.tiv_total is not None
            or self.tiv_delivered is not None
        )

    @property
    def provider(self) -> Nation | Organization | None:
        return self.provider_nation if self.provider_nation_id is not None else self.provider_organization

    @property
    def recipient(self) -> Nation | Organization | None:
        return self.recipient_nation if self.recipient_nation_id is not None else self.recipient_organization

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (self.provider_nation_id is None) == (self.provider_organization_id is None):
            errors["provider_nation"] = "Choose either a nation or an organization as the provider."
        if (self.recipient_nation_id is None) == (self.recipient_organization_id is None):
            errors["recipient_nation"] = "Choose either a nation or an organization as the recipient."
        same_nation = self.provider_nation_id is not None and self.provider_nation_id == self.recipient_nation_id
        same_org = (
            self.provider_organization_id is not None
            and self.provider_organization_id == self.recipient_organization_id
        )
        if same_nation or same_org:
            errors.setdefault("recipient_nation", "The recipient must differ from the provider.")
        self.currency = (self.currency or "").strip().upper()
        if self.currency and pycountry.currencies.get(alpha_3=self.currency) is None:
            errors["currency"] = f"“{self.currency}” is not an ISO 4217 currency code."
        if self.value is not None and not self.currency:
            errors.setdefault("currency", "A value needs its currency.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        years = self.delivery_years if isinstance(self.delivery_years, list | tuple) else []
        early = sorted(y for y in years if isinstance(y, int) and self.start_date and y < self.start_date.year)
        if early:
            errors["delivery_years"] = (
                f"A delivery cannot come before the order: {early[0]} is before {self.start_date.year}, "
                "the year of the start date."
            )
        if errors:
            raise ValidationError(errors)
