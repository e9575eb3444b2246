"""Where a record's facts come from: any number of sources per record, one of which it may follow.

One real-world treaty is described by several datasets (COW Formal Alliances,
ATOP) and often by staff too. Each description is a source row of the one
record: the dataset (or, for a citation, none), its version, the record's id
in it, a URL and a citation, when it was imported, and the values it gives
for the record's key facts (dates, members and their periods, obligations,
quantities). The record's own fields follow at most one source (``followed``):
an import of that source updates them; an import of any other source updates
only its own row. A record that follows no source was curated by staff, and
imports never change its fields. Where a source's values differ from the
record's, ``differs`` names the facts (see ``partnerships.services.sources``).

There is one table per record type (no generic relation, see DESIGN.md), each
with a foreign key its database enforces.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from partnerships.models.actors import Nation, Organization
from partnerships.models.agreements import Agreement
from partnerships.models.base import TimestampedRow
from partnerships.models.exercises import Exercise
from partnerships.models.resources import ResourceSharing


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> models.QuerySet:
        """Return the source rows of records ``user`` may see: a source is as visible as its record."""
        records = self.model._meta.get_field("record").related_model.objects.visible_to(user)
        return self.filter(record__in=records)

    def from_dataset(self, dataset: str, dataset_id: str) -> models.QuerySet:
        """Return the row of ``dataset``'s record ``dataset_id`` (at most one: a natural key)."""
        return self.filter(dataset=dataset, dataset_id=dataset_id)


class Source(TimestampedRow):
    """Abstract base of the per-record-type source tables."""

    dataset = models.CharField(
        max_length=40,
        blank=True,
        help_text="The dataset this source is, e.g. cow-alliances, atop; empty for a citation (a text, a web page).",
    )
    version = models.CharField(max_length=20, blank=True, help_text="The dataset's version, e.g. 4.1.")
    dataset_id = models.CharField(
        "id in the dataset", max_length=80, blank=True, help_text="The record's identifier in that dataset."
    )
    url = models.URLField("URL", max_length=500, blank=True, help_text="Where the source can be read.")
    citation = models.TextField(blank=True, help_text="The citation as text: author, title, date, quotation.")
    imported_at = models.DateTimeField(
        null=True, blank=True, help_text="When an import first gave these values, or last changed them."
    )
    followed = models.BooleanField(
        default=False,
        help_text="The record's fields follow this source: an import of it updates them. "
        "A record that follows no source was curated by staff, and imports leave its fields alone.",
    )
    values = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="The values this source gives for the record's key facts (dates, members and their periods, "
        "obligations, quantities), as it gives them.",
    )
    crosswalk = ArrayField(
        models.CharField(max_length=130),
        default=list,
        blank=True,
        help_text="Records of other datasets this source says are the same, as dataset:id (ATOP's cow4id: "
        "cow-alliances:227). An import of those finds this record.",
    )
    differs = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="The key facts on which this source disagrees with the record (kept by the registry).",
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-followed", "dataset", "dataset_id", "id"]

    def __str__(self) -> str:
        if self.dataset:
            version = f" v{self.version}" if self.version else ""
            return f"{self.dataset}{version} {self.dataset_id}".strip()
        return (self.citation or self.url or "citation")[:80]

    @property
    def key(self) -> str:
        """The source as dataset:id (what crosswalks name), or "" for a citation."""
        return f"{self.dataset}:{self.dataset_id}" if self.dataset else ""


def source_constraints(name: str) -> list[models.BaseConstraint]:
    """Return the invariants of a source table: natural key, one followed source, dataset rows with ids."""
    return [
        models.UniqueConstraint(
            fields=["dataset", "dataset_id"],
            condition=~models.Q(dataset=""),
            name=f"{name}_unique_dataset_id",
            violation_error_message="Another record already has this dataset's record with this id as a source.",
        ),
        models.UniqueConstraint(
            fields=["record"],
            condition=models.Q(followed=True),
            name=f"{name}_one_followed",
            violation_error_message="A record follows at most one source.",
        ),
        models.CheckConstraint(
            condition=models.Q(dataset="") | ~models.Q(dataset_id=""),
            name=f"{name}_dataset_has_id",
            violation_error_message="A dataset source needs the record's id in that dataset.",
        ),
        models.CheckConstraint(
            condition=~models.Q(dataset="") | models.Q(followed=False),
            name=f"{name}_citation_not_followed",
            violation_error_message="Only a dataset can be followed: a record with citations only is curated.",
        ),
    ]


def source_indexes(name: str) -> list[models.Index]:
    """Return a source table's indexes; ``name`` is short (index names have at most 30 characters)."""
    return [
        GinIndex(fields=["crosswalk"], name=f"{name}_crosswalk_gin"),
        models.Index(fields=["record", "dataset"], name=f"{name}_record_idx"),
        # The disagreement filter: records with a source that differs.
        models.Index(fields=["record"], condition=~models.Q(differs=[]), name=f"{name}_differs_idx"),
    ]


class AgreementSource(Source):
    record = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="sources")

    class Meta(Source.Meta):
        constraints = source_constraints("agreementsource")
        indexes = source_indexes("agrsrc")


class ExerciseSource(Source):
    record = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="sources")

    class Meta(Source.Meta):
        constraints = source_constraints("exercisesource")
        indexes = source_indexes("exsrc")


class ResourceSource(Source):
    record = models.ForeignKey(ResourceSharing, on_delete=models.CASCADE, related_name="sources")

    class Meta(Source.Meta):
        constraints = source_constraints("resourcesource")
        indexes = source_indexes("ressrc")


class OrganizationSource(Source):
    record = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sources")

    class Meta(Source.Meta):
        constraints = source_constraints("organizationsource")
        indexes = source_indexes("orgsrc")


class NationSource(Source):
    record = models.ForeignKey(Nation, on_delete=models.CASCADE, related_name="sources")

    class Meta(Source.Meta):
        constraints = source_constraints("nationsource")
        indexes = source_indexes("natsrc")


SOURCE_MODELS: dict[type[models.Model], type[Source]] = {
    Agreement: AgreementSource,
    Exercise: ExerciseSource,
    ResourceSharing: ResourceSource,
    Organization: OrganizationSource,
    Nation: NationSource,
}
