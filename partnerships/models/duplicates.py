"""Pairs of records that may be one real-world record, staff's decisions on them, and the merges made.

Where no crosswalk decides whether two records are one (a curated treaty and
a dataset's alliance), ``partnerships.services.duplicates`` proposes pairs
with a score and its reasons; staff merge them or keep them apart. A merge
is recorded with everything it moved, so that it can be undone.
"""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from partnerships.choices import CandidateStatus, Visibility
from partnerships.models.agreements import Agreement
from partnerships.models.base import can_view_restricted, pk_of


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, but times keep their microseconds (Django's cuts them to milliseconds):
    an undone merge restores the timestamps it recorded exactly."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class DuplicateCandidateQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Return the pairs ``user`` may see: neither record (nor a merged one) restricted."""
        if can_view_restricted(user):
            return self.all()
        merged_restricted = MergeRecord.objects.filter(
            candidate=models.OuterRef("pk"), other_visibility=Visibility.RESTRICTED
        )
        return self.exclude(first__visibility=Visibility.RESTRICTED).exclude(
            models.Q(second__visibility=Visibility.RESTRICTED) | models.Exists(merged_restricted)
        )

    def pair(self, a: Agreement | int, b: Agreement | int) -> Self:
        """Return the row of the unordered pair (a, b), if there is one."""
        first, second = sorted((pk_of(a), pk_of(b)))
        return self.filter(first=first, second=second)

    def involving(self, record: Agreement | int) -> Self:
        return self.filter(models.Q(first=pk_of(record)) | models.Q(second=pk_of(record)))


class DuplicateCandidate(models.Model):
    """Two agreements that may be one real-world agreement, and staff's decision on them.

    One row per unordered pair, the lower id first. When a merge deletes one
    of the two, its side becomes empty; undoing the merge fills it in again.
    The relations are hidden (``related_name="+"``): a merge moves a record's
    related rows, and these are not the record's but the review's.
    """

    first = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, related_name="+")
    second = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, related_name="+")
    score = models.FloatField(help_text="From 0 to 1: how likely the two are one record.")
    reasons = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = "duplicate candidate"
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"],
                name="duplicatecandidate_unique_pair",
                violation_error_message="This pair of records is already a candidate.",
            ),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")),
                name="duplicatecandidate_lower_id_first",
                violation_error_message="A pair stores the record with the lower id first.",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1),
                name="duplicatecandidate_score_range",
                violation_error_message="A score is from 0 to 1.",
            ),
        ]
        indexes = [models.Index(fields=["second"], name="duplicatecandidate_second_idx")]

    def __str__(self) -> str:
        return f"agreements {self.first_id or '—'} and {self.second_id or '—'}"


class MergeRecordQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Return the merges ``user`` may see: the surviving and the merged record both public."""
        if can_view_restricted(user):
            return self.all()
        return self.exclude(survivor__visibility=Visibility.RESTRICTED).exclude(other_visibility=Visibility.RESTRICTED)


class MergeRecord(models.Model):
    """One merge of an agreement into another: what moved, what was dropped, so it can be undone.

    ``moved`` holds the merged record's field values (``record``), the ids of
    its rows that moved, per relation (``relations``, keyed ``app.model.field``),
    the rows dropped because the survivor already had them (``dropped``, their
    field values), the sources that stopped being followed (``unfollowed``)
    and the review rows changed (``candidates``).
    """

    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges"
    )
    survivor = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, related_name="+")
    other_id = models.BigIntegerField("merged record's id", help_text="The id of the record merged (deleted).")
    other_title = models.CharField("merged record's title", max_length=300)
    other_visibility = models.CharField(max_length=16, choices=Visibility.choices)
    moved = models.JSONField(default=dict, encoder=ExactJSONEncoder)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = MergeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(other_visibility__in=Visibility.values),
                name="mergerecord_other_visibility_valid",
                violation_error_message="A visibility is public or restricted.",
            ),
        ]

    def __str__(self) -> str:
        return f"agreement {self.other_id} merged into {self.survivor_id or '—'}"
