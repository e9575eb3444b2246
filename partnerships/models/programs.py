"""Programs: enduring initiatives that agreements, exercises and transfers belong to."""

from __future__ import annotations

from datetime import date
from typing import Self

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower, Upper

from partnerships.choices import ProgramObjective, ProgramType
from partnerships.models.actors import Nation, Organization
from partnerships.models.base import (
    ChoiceArrayField,
    DatasetProvenance,
    RegistryRecord,
    VisibilityQuerySet,
    active_on_q,
    provenance_constraint,
    search_document_field,
)


class ProgramQuerySet(VisibilityQuerySet):
    def active(self, *, on: date) -> Self:
        """Return programs running on ``on`` (started on or before it, not yet ended)."""
        return self.filter(active_on_q("started_on", "ended_on", on))


class Program(DatasetProvenance, RegistryRecord):
    """An enduring initiative, e.g. NATO's Partnership for Peace or U.S. Foreign Military Sales."""

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=40, blank=True, db_index=True)
    program_type = models.CharField("type", max_length=32, choices=ProgramType.choices, db_index=True)
    objectives = ChoiceArrayField(
        models.CharField(max_length=32, choices=ProgramObjective.choices), default=list, blank=True
    )
    lead_nation = models.ForeignKey(
        Nation, on_delete=models.PROTECT, null=True, blank=True, related_name="led_programs"
    )
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="led_programs"
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Empty while the program runs.")
    description = models.TextField(blank=True)

    search_document = search_document_field(("name", "acronym"), ("description",))

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="program_search_gin"),
            # Global search matches misspelt names by trigram word similarity on every name field.
            GinIndex(OpClass(Upper("acronym"), name="gin_trgm_ops"), name="program_acronym_trgm"),
            GinIndex(fields=["objectives"], name="program_objectives_gin"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="program_name_trgm"),
            models.Index(fields=["started_on"], name="program_started_idx"),
            models.Index(fields=["ended_on"], name="program_ended_idx"),
        ]
        constraints = [
            provenance_constraint("program"),
            models.UniqueConstraint(
                Lower("name"),
                name="program_unique_name",
                violation_error_message="A program with this name already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="program_dates_in_order",
                violation_error_message="A program cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name
