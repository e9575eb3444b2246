"""The review queue of candidate duplicates, and the merges made from it (undone from their list).

Staff see only pairs whose records they may all see (``visible_to``). A
pair's page shows both records side by side and merges them (into the
survivor staff choose) or keeps them apart; the list does either to several
pairs at once, with the default survivor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Concat
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from partnerships.admin_guards import GuardedAdminMixin
from partnerships.choices import AgreementKind, CandidateStatus
from partnerships.dates import at_precision
from partnerships.models import Agreement, AgreementParty, AgreementSource, DuplicateCandidate, MergeRecord
from partnerships.services.duplicates import default_survivor, keep_apart
from partnerships.services.merges import MergeError, merge_records, undo_merge

MERGE_PERMISSIONS = ("partnerships.change_agreement", "partnerships.delete_agreement")
UNDO_PERMISSIONS = ("partnerships.add_agreement", "partnerships.change_agreement")


def _count(queryset: models.QuerySet, outer: str) -> models.Subquery:
    """A subquery counting ``queryset``'s rows of the agreement in ``outer`` (one query for the whole list)."""
    rows = queryset.filter(agreement=models.OuterRef(outer)).order_by().values("agreement")
    return models.Subquery(rows.annotate(n=models.Count("pk")).values("n"), output_field=models.IntegerField())


def _source_keys(outer: str) -> ArraySubquery:
    """The record's sources as dataset:id, or "citation", in one array per row."""
    label = models.Case(
        models.When(dataset="", then=models.Value("citation")),
        default=Concat("dataset", models.Value(":"), "dataset_id"),
        output_field=models.CharField(),
    )
    return ArraySubquery(
        AgreementSource.objects.filter(record=models.OuterRef(outer))
        .order_by("-followed", "dataset", "dataset_id", "id")
        .annotate(label=label)
        .values("label")
    )


def _record_html(record: Agreement | None, parties: int | None, sources: list[str] | None) -> str:
    if record is None:
        return format_html('<span class="muted">{}</span>', "merged into the other record")
    signed = at_precision(record, "signed_on")
    return format_html(
        '<a href="{}">{}</a> <small>#{}</small><br>{} · signed {} · {} parties<br><small>sources: {}</small>',
        reverse("admin:partnerships_agreement_change", args=[record.pk]),
        record.title,
        record.pk,
        record.get_kind_display(),
        signed or "—",
        parties or 0,
        ", ".join(sources or []) or "none (curated)",
    )


class StatusFilter(admin.SimpleListFilter):
    """Open pairs unless another status (or all) is asked for: the queue is what is left to review."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*CandidateStatus.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        value = self.value() or CandidateStatus.OPEN
        for lookup, label in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value() or CandidateStatus.OPEN
        if value == "all":
            return queryset
        if value not in CandidateStatus.values:
            return queryset.none()
        return queryset.filter(status=value)


class KindFilter(admin.SimpleListFilter):
    title = "kind (either record)"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(AgreementKind.choices)

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(models.Q(first__kind=self.value()) | models.Q(second__kind=self.value()))


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ("score_display", "first_record", "second_record", "reasons_text", "status", "decided")
    list_display_links = ("score_display",)
    list_filter = (StatusFilter, KindFilter)
    list_select_related = ("first", "second", "decided_by")
    search_fields = ("first__title", "second__title", "first__short_name", "second__short_name")
    actions = ("keep_apart_action", "merge_action")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        parties = AgreementParty.objects.visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(
                _first_parties=_count(parties, "first"),
                _second_parties=_count(parties, "second"),
                _first_sources=_source_keys("first"),
                _second_sources=_source_keys("second"),
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # pairs are proposed by the service (or kept apart from a pair's page)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a decision is a record: it is undone (merges), never deleted

    @admin.display(description="score", ordering="score")
    def score_display(self, obj: DuplicateCandidate) -> str:
        return f"{obj.score:.2f}"

    @admin.display(description="record")
    def first_record(self, obj: DuplicateCandidate) -> str:
        return _record_html(obj.first, obj._first_parties, obj._first_sources)

    @admin.display(description="may be the same as")
    def second_record(self, obj: DuplicateCandidate) -> str:
        return _record_html(obj.second, obj._second_parties, obj._second_sources)

    @admin.display(description="reasons")
    def reasons_text(self, obj: DuplicateCandidate) -> str:
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((reason,) for reason in obj.reasons)))

    @admin.display(description="decided", ordering="decided_at")
    def decided(self, obj: DuplicateCandidate) -> str:
        if obj.decided_at is None:
            return "—"
        return f"{obj.decided_by or 'system'}, {obj.decided_at:%Y-%m-%d %H:%M}"

    def _may_merge(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and request.user.has_perms(MERGE_PERMISSIONS)

    @admin.action(description="Keep the selected pairs apart (never proposed again)")
    def keep_apart_action(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied
        kept = 0
        for candidate in queryset.filter(status=CandidateStatus.OPEN):
            keep_apart(first=candidate.first_id, second=candidate.second_id, user=request.user)
            kept += 1
        messages.success(request, f"Kept {kept} pair(s) apart.")

    @admin.action(description="Merge the selected pairs (into the curated record, else the older one)")
    def merge_action(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        if not self._may_merge(request):
            raise PermissionDenied
        merged = 0
        for candidate in queryset.filter(status=CandidateStatus.OPEN):
            candidate.refresh_from_db()  # an earlier merge of this run may have taken one of its records
            if candidate.status != CandidateStatus.OPEN or candidate.first is None or candidate.second is None:
                continue
            survivor = default_survivor(candidate)
            other = candidate.second if survivor.pk == candidate.first_id else candidate.first
            merge_records(survivor=survivor, other=other, user=request.user)
            merged += 1
        messages.success(request, f"Merged {merged} pair(s).")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The pair's review page: both records side by side, merge (choosing the survivor) or keep apart."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            candidate = self.get_queryset(request).get(pk=int(unquote(object_id)))
        except (ValueError, DuplicateCandidate.DoesNotExist):
            raise Http404("No such pair.") from None
        records = [record for record in (candidate.first, candidate.second) if record is not None]
        is_open = candidate.status == CandidateStatus.OPEN and len(records) == 2
        if request.method == "POST":
            if not is_open or not self.has_change_permission(request):
                raise PermissionDenied
            decision = request.POST.get("decision")
            if decision == "keep_apart":
                keep_apart(first=candidate.first_id, second=candidate.second_id, user=request.user)
                messages.success(request, "The two records are kept apart; the pair will not be proposed again.")
            elif decision == "merge":
                if not self._may_merge(request):
                    raise PermissionDenied
                by_id = {str(record.pk): record for record in records}
                survivor = by_id.get(request.POST.get("survivor", ""))
                if survivor is None:
                    messages.error(request, "Choose the record that survives the merge.")
                    return HttpResponseRedirect(request.path)
                other = next(record for record in records if record.pk != survivor.pk)
                try:
                    merge_records(survivor=survivor, other=other, user=request.user)
                except MergeError as exc:
                    messages.error(request, str(exc))
                    return HttpResponseRedirect(request.path)
                messages.success(request, f"Merged agreement {other.pk} into {survivor.pk}.")
            else:
                messages.error(request, "Choose to merge or to keep apart.")
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(reverse("admin:partnerships_duplicatecandidate_changelist"))
        parties = AgreementParty.objects.visible_to(request.user).select_related("nation", "organization")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review: {candidate}",
            "candidate": candidate,
            "sides": [
                {
                    "record": record,
                    "html": _record_html(
                        record,
                        getattr(candidate, "_first_parties" if record.pk == candidate.first_id else "_second_parties"),
                        getattr(candidate, "_first_sources" if record.pk == candidate.first_id else "_second_sources"),
                    ),
                    "parties": [str(party) for party in parties.filter(agreement=record)],
                    "in_force_from": at_precision(record, "in_force_from"),
                    "ended_on": at_precision(record, "ended_on"),
                }
                for record in records
            ],
            "is_open": is_open,
            "may_decide": is_open and self.has_change_permission(request),
            "may_merge": is_open and self._may_merge(request),
            "default_survivor": default_survivor(candidate).pk if is_open else None,
            "merges": candidate.merges.visible_to(request.user).filter(undone_at__isnull=True),
        }
        return TemplateResponse(request, "admin/partnerships/duplicatecandidate/review.html", context)


@admin.register(MergeRecord)
class MergeRecordAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ("merged_at", "survivor_link", "other_id", "other_title", "merged_by", "undone_at", "undone_by")
    list_filter = (("undone_at", admin.EmptyFieldListFilter),)
    list_select_related = ("survivor", "merged_by", "undone_by")
    search_fields = ("other_title", "survivor__title")
    readonly_fields = (
        "candidate",
        "survivor",
        "other_id",
        "other_title",
        "other_visibility",
        "moved",
        "merged_by",
        "merged_at",
        "undone_by",
        "undone_at",
    )
    actions = ("undo_action",)
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only: a merge is undone, not edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="survivor", ordering="survivor")
    def survivor_link(self, obj: MergeRecord) -> str:
        if obj.survivor is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:partnerships_agreement_change", args=[obj.survivor_id]), obj.survivor
        )

    @admin.action(description="Undo the selected merges")
    def undo_action(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        if not request.user.has_perms(UNDO_PERMISSIONS):
            raise PermissionDenied
        undone = 0
        # Latest first: a later merge into the same record must be undone before an earlier one.
        for merge in queryset.filter(undone_at__isnull=True).order_by("-merged_at", "-id"):
            try:
                undo_merge(merge=merge, user=request.user)
            except MergeError as exc:
                messages.error(request, f"{merge}: {exc}")
                continue
            undone += 1
        messages.success(request, f"Undid {undone} merge(s).")
