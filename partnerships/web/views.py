"""Analyst pages: dashboard, lists with filters and CSV export, details, network, timeline, search.

Every queryset goes through ``visible_to(request.user)``; lists filter with
the same FilterSets as the API. Views stay thin: the figures come from
``partnerships.services``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from partnerships.choices import Domain, ExercisePurpose, ProgramObjective, Provision, Region
from partnerships.filters.base import NO_NATION, AllNationsMethodFilter, NationFilter
from partnerships.models import (
    Agreement,
    AgreementParty,
    Assessment,
    AssessmentChallenge,
    Exercise,
    ExerciseParticipant,
    Finding,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    can_view_restricted,
)
from partnerships.models.agreements import involving_q
from partnerships.services import coverage, history, preferences, sources, stats
from partnerships.services.counting import BoundedPaginator
from partnerships.services.exports import csv_lines
from partnerships.services.links import url_maker
from partnerships.services.naming import namer_for
from partnerships.services.network import DEFAULT_HUBS, DEFAULT_LIMIT, PAGE_PROVISIONS
from partnerships.services.search import search
from partnerships.web import charts, profiles
from partnerships.web.chart_export import render_with_charts
from partnerships.web.lists import LIST_PAGES, Column, ListPage
from partnerships.web.personal import SavedSearchForm, save_search_from_list

PAGE_SIZES = (25, 50, 100)
MAX_ID = 2**63 - 1
RESERVED = {"page", "per_page", "export", "ordering", "columns"}
# Programs offered as a list in the filter panel; with more, the panel asks for the program's id.
PROGRAM_CHOICES = 300
DETAIL_MODELS: dict[str, type[models.Model]] = {
    "agreement": Agreement,
    "exercise": Exercise,
    "resource": ResourceSharing,
    "program": Program,
    "organization": Organization,
    "nation": Nation,
    "assessment": Assessment,
}


class RegistryPage(View):
    """Base of every page: a login is needed unless anonymous public read is on."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and not settings.REGISTRY_PUBLIC_READ:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


def _is_id(text: str) -> bool:
    """Whether ``text`` can be a record id: ASCII digits within bigint (``str.isdigit`` also says yes to ``²``)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def _query(params: Any, **changes: Any) -> str:
    """Return ``?…`` for ``params`` with ``changes`` applied (None removes a parameter)."""
    merged = params.copy()
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    encoded = merged.urlencode() if hasattr(merged, "urlencode") else urlencode(merged, doseq=True)
    return f"?{encoded}" if encoded else "?"


class RecordListView(RegistryPage):
    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.render_list(request, key)

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        """Save this search: keep the list's query string (the URL posted to) under the name given."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        search, form = save_search_from_list(request, key)
        if search is None:
            return self.render_list(request, key, save_form=form, status=400)
        messages.success(request, f"Saved the search “{search.name}”: it is listed on your dashboard.")
        return HttpResponseRedirect(request.get_full_path())

    def render_list(
        self, request: HttpRequest, key: str, save_form: SavedSearchForm | None = None, status: int = 200
    ) -> HttpResponse:
        page = LIST_PAGES[key]
        user = request.user
        queryset = page.model.objects.visible_to(user).select_related(*page.select_related)
        params = request.GET.copy()
        # Browsers submit the panel's empty fields too; an empty field is no filter.
        for name in list(params):
            values = [value for value in params.getlist(name) if value != ""]
            if values:
                params.setlist(name, values)
            else:
                del params[name]
        filter_params = params.copy()
        for name in RESERVED - {"ordering"}:
            filter_params.pop(name, None)
        filterset = page.filterset(filter_params, queryset=queryset, request=request)
        unknown = sorted(set(filter_params) - set(filterset.base_filters))
        exporting = request.GET.get("export") == "csv"
        columns, column_errors, remembered = self.columns(page, params, user, remember=not exporting)
        valid = filterset.is_valid() and not unknown and not column_errors
        # A list filtered as of a date shows that day's rows in its dated columns ("Parties on …").
        on = filterset.form.cleaned_data.get(page.as_of) if valid and page.as_of else None
        rows_queryset = (filterset.qs if valid else queryset.none()).prefetch_related(*page.prefetch(user, on))
        if exporting:
            if not valid:
                problems = "\n".join(self.errors(filterset, unknown, column_errors))
                return HttpResponse(
                    f"Fix the filters before exporting.\n{problems}\n", status=400, content_type="text/plain"
                )
            # Every column, whichever the page shows: an export's layout does not depend on the screen's.
            return self.export(page, page.columns, rows_queryset, request, on)
        per_page = int(params.get("per_page")) if _is_id(params.get("per_page", "")) else 50
        per_page = per_page if per_page in PAGE_SIZES else 50
        paginator = BoundedPaginator(rows_queryset, per_page)
        page_obj = paginator.get_page(params.get("page"))
        namer = namer_for(request)
        rows = [(obj, [column.cell(obj, namer) for column in columns]) for obj in page_obj.object_list]
        context = {
            "page": page,
            "rows": rows,
            "page_obj": page_obj,
            "paginator": paginator,
            "columns": self.column_headers(columns, params, on),
            "column_choices": self.column_choices(page, columns),
            # Sums over every match, as SIPRI's query pages give them: for a filtered list (sorting is no filter).
            "totals": self.totals(page, rows_queryset) if valid and set(filter_params) - {"ordering"} else None,
            "panel": self.panel(page, filterset, params, user),
            "active_filters": self.active_filters(page, filterset, params, user),
            "errors": self.errors(filterset, unknown, column_errors) if not valid else [],
            "notices": self.unknown_nations(filterset, params) if valid else [],
            "export_query": _query(params, export="csv", page=None),
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "query_without_page": _query(params, page=None),
            "query_without_columns": _query(params, columns=None, page=None),
            "params": params,
            "save_form": save_form or SavedSearchForm(),
            "saved_searches": list(preferences.saved_searches(user=user, list_key=key)),
            "columns_remembered": remembered,
        }
        return render(request, "partnerships/list.html", context, status=status)

    @staticmethod
    def columns(
        page: ListPage, params: Any, user: Any, *, remember: bool
    ) -> tuple[tuple[Column, ...], list[str], bool]:
        """The columns to show, a message per unknown name, and whether they are the user's remembered choice.

        The columns the URL names (``?columns=``), else those the user chose
        last. Columns the URL names are remembered for a logged-in user
        (``remember``); choosing the default columns forgets the choice.
        """
        stored = preferences.remembered_columns(user=user, list_key=page.key)
        if "columns" not in params:
            known = {column.key for column in page.columns}
            columns, errors = page.choose_columns([name for name in stored or [] if name in known])
            return columns, errors, stored is not None
        columns, errors = page.choose_columns(params.getlist("columns"))
        keys = [column.key for column in columns]
        default = [column.key for column in page.default_columns]
        if remember and not errors and user.is_authenticated and keys != stored and (stored or keys != default):
            preferences.remember_columns(user=user, list_key=page.key, columns=keys, default=default)
            stored = None if keys == default else keys
        return columns, errors, stored is not None

    def export(
        self,
        page: ListPage,
        columns: tuple[Column, ...],
        queryset: models.QuerySet,
        request: HttpRequest,
        on: Any = None,
    ) -> StreamingHttpResponse:
        header = ["id", *[column.header(on) for column in columns], "url"]
        base = request.build_absolute_uri("/")[:-1]

        detail_url = url_maker(f"partnerships:{page.key}-detail")
        namer = namer_for(request)

        def rows() -> Any:
            objects = page.export_rows(queryset) if page.export_rows else queryset.iterator(chunk_size=1000)
            for obj in objects:
                yield [obj.pk, *[column.cell(obj, namer) for column in columns], base + detail_url(obj.pk)]

        response = StreamingHttpResponse(csv_lines(header, rows()), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{page.plural}-{stamp}.csv"'
        return response

    @staticmethod
    def column_choices(page: ListPage, shown: tuple[Column, ...]) -> list[dict[str, Any]]:
        """The checkboxes of the panel's column chooser: every column, those shown ticked (the link column fixed)."""
        return [
            {"key": column.key, "label": column.label, "checked": column in shown, "fixed": index == 0}
            for index, column in enumerate(page.columns)
        ]

    @staticmethod
    def totals(page: ListPage, queryset: models.QuerySet) -> list[dict[str, Any]] | None:
        """The page's sums over every match of the filters (one query), or None for a list that has none."""
        if not page.totals:
            return None
        sums = stats.sums(queryset, [total.field for total in page.totals])
        return [{"label": total.label, "value": sums[total.field]} for total in page.totals]

    @staticmethod
    def column_headers(columns: tuple[Column, ...], params: Any, on: Any = None) -> list[dict[str, Any]]:
        current = params.get("ordering", "")
        headers = []
        for column in columns:
            entry: dict[str, Any] = {"label": column.header(on), "numeric": column.numeric, "sort": None}
            if column.ordering:
                ascending = current == column.ordering
                descending = current == f"-{column.ordering}"
                target = f"-{column.ordering}" if ascending else column.ordering
                entry["sort"] = _query(params, ordering=target, page=None)
                entry["direction"] = "ascending" if ascending else "descending" if descending else None
            headers.append(entry)
        return headers

    @staticmethod
    def panel(page: ListPage, filterset: Any, params: Any, user: Any) -> list[dict[str, Any]]:
        fields = []
        cleared = can_view_restricted(user)
        programs = None
        for spec in page.panel:
            if spec.cleared_only and not cleared:
                continue
            field: dict[str, Any] = {"spec": spec, "values": params.getlist(spec.name)}
            filter_ = filterset.base_filters[spec.name]
            if spec.kind in ("select", "multiselect"):
                field["choices"] = _choices(filter_)
            if spec.kind == "program":
                if programs is None:
                    visible = Program.objects.visible_to(user).only("name", "acronym").order_by("name")
                    programs = list(visible[: PROGRAM_CHOICES + 1])
                if len(programs) <= PROGRAM_CHOICES:
                    field["choices"] = [(str(p.pk), str(p)) for p in programs]
                else:
                    # Thousands of options would weigh more than the page: the id is typed instead.
                    chosen = [value for value in field["values"] if _is_id(value)]
                    field["by_id"] = True
                    field["chosen"] = [str(p) for p in Program.objects.visible_to(user).filter(pk__in=chosen)]
            fields.append(field)
        return fields

    @staticmethod
    def active_filters(page: ListPage, filterset: Any, params: Any, user: Any) -> list[dict[str, str]]:
        labels = {spec.name: spec for spec in page.panel}
        chips = []
        for name in params:
            if name in RESERVED:
                continue
            spec = labels.get(name)
            choices = dict(_choices(filterset.base_filters[name])) if name in filterset.base_filters else {}
            if isinstance(filterset.filters.get(name), NationFilter):
                # "Philippines (PHL)" for PHL, phil or Philippines: the nation the value names, if the user may see it.
                choices = {value: _nation_label(filterset, value) for value in params.getlist(name)}
            if spec is not None and spec.kind == "program":
                # Only programs the user may see are named: another id reads as one that does not exist.
                chosen = [v for v in params.getlist(name) if _is_id(v)]
                choices = {str(p.pk): str(p) for p in Program.objects.visible_to(user).filter(pk__in=chosen)}
            for value in params.getlist(name):
                if value == "":
                    continue
                remaining = params.copy()
                remaining.setlist(name, [v for v in params.getlist(name) if v != value])
                remaining.pop("page", None)
                chips.append(
                    {
                        "label": spec.label if spec else name,
                        "value": choices.get(value, value),
                        "remove": _query(remaining),
                    }
                )
        return chips

    @staticmethod
    def unknown_nations(filterset: Any, params: Any) -> list[str]:
        """Say which nation codes named no nation the user may see: they match nothing, silently otherwise."""
        notices = []
        for name, filter_ in filterset.filters.items():
            if not isinstance(filter_, NationFilter) or name not in params:
                continue
            # The form cleaned each value (empty ones were dropped above; a list of several split at its commas)
            # into a nation id, in order.
            resolved = filterset.form.cleaned_data.get(name) or []
            values = params.getlist(name)
            if isinstance(filter_, AllNationsMethodFilter):
                values = [part.strip() for value in values for part in value.split(",") if part.strip()]
            for value, nation in zip(values, resolved, strict=False):
                if nation == NO_NATION:
                    notices.append(f"{name}: “{value}” names no nation you may see, so nothing matches it.")
        return notices

    @staticmethod
    def errors(filterset: Any, unknown: list[str], column_errors: list[str] | None = None) -> list[str]:
        messages = [f"“{name}” is not a filter of this list." for name in unknown]
        messages += [f"columns: {error}" for error in column_errors or []]
        if filterset.is_bound and not filterset.is_valid():
            for name, errors in filterset.errors.items():
                for error in errors:
                    messages.append(f"{name}: {error}")
        return messages


def _nation_label(filterset: Any, value: str) -> str:
    """ "Philippines (PHL)" for a value naming a nation the user may see; the value itself otherwise."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    labels = []
    for part in parts:
        try:
            entry = filterset.nation_index.resolve(part)
        except forms.ValidationError:
            entry = None
        labels.append(entry.label if entry is not None else part)
    return ", ".join(labels) or value


def _choices(filter_: Any) -> list[tuple[str, str]]:
    import django_filters

    if isinstance(filter_, django_filters.BooleanFilter):
        return [("", "Any"), ("true", "Yes"), ("false", "No")]
    return [(str(value), str(label)) for value, label in filter_.extra.get("choices", [])]


class RecordDetailView(RegistryPage):
    def get(self, request: HttpRequest, key: str, pk: int) -> HttpResponse:
        model = DETAIL_MODELS[key]
        obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        return self.render_record(request, key, obj)

    def render_record(self, request: HttpRequest, key: str, obj: models.Model) -> HttpResponse:
        user = request.user
        context: dict[str, Any] = {
            "object": obj,
            "key": key,
            "page": LIST_PAGES[key],
            "history": history.changes(obj, user=user),
            "admin_url": _admin_url(user, obj),
        }
        status = 200
        if key == "nation":
            related, errors = profiles.nation_context(obj, request)
            status = 400 if errors else 200
        else:
            related = RELATED[key](obj, user)
        context.update(related)
        if hasattr(obj, "follows"):
            # Where the facts come from: each source's values beside the record's (sources are as visible as it).
            record_sources = list(obj.sources.all())
            context["record_sources"] = record_sources
            context["followed_source"] = next((source for source in record_sources if source.followed), None)
            context["source_facts"] = sources.comparison(obj, record_sources, user=user)
        return render_with_charts(request, f"partnerships/{key}_detail.html", context, status=status)


class NationByCodeView(RecordDetailView):
    """``/nations/PHL/``: a nation's profile by its ISO alpha-3 code."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:  # type: ignore[override]
        nation = get_object_or_404(Nation.objects.visible_to(request.user), iso3=code.upper())
        return self.render_record(request, "nation", nation)


def _admin_url(user: Any, obj: models.Model) -> str | None:
    opts = obj._meta
    if user.is_staff and user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return None


def _visible(model: type[models.Model], user: Any) -> models.QuerySet:
    return model.objects.visible_to(user)


def labels(values: list[str], choices: Any) -> list[str]:
    """Return the labels of the chosen values of an array-of-choices field, in the field's order."""
    lookup = dict(choices)
    return [str(lookup.get(value, value)) for value in values]


def _agreement_related(obj: Agreement, user: Any) -> dict[str, Any]:
    return {
        # An alias is as visible as its record, which this page already shows.
        "aliases": list(obj.aliases.all()),
        "provisions": labels(obj.provisions, Provision.choices),
        "last_known": coverage.last_known(obj),
        # A party's periods together, in date order.
        "parties": _visible(AgreementParty, user)
        .filter(agreement=obj)
        .select_related("nation", "organization")
        .order_by("nation__name", "organization__name", models.F("joined_on").asc(nulls_first=True), "id"),
        "exercises": _visible(Exercise, user).filter(agreement=obj),
        "resources": _visible(ResourceSharing, user)
        .filter(agreement=obj)
        .select_related("provider_nation", "provider_organization", "recipient_nation", "recipient_organization"),
        "assessments": _assessments_of(user, agreement=obj),
    }


def _exercise_related(obj: Exercise, user: Any) -> dict[str, Any]:
    return {
        "domains": labels(obj.domains, Domain.choices),
        "purposes": labels(obj.purposes, ExercisePurpose.choices),
        "participants": _visible(ExerciseParticipant, user)
        .filter(exercise=obj)
        .select_related("nation", "organization"),
        "assessments": _assessments_of(user, exercise=obj),
    }


def _resource_related(obj: ResourceSharing, user: Any) -> dict[str, Any]:
    return {}


def _program_related(obj: Program, user: Any) -> dict[str, Any]:
    return {
        "objectives": labels(obj.objectives, ProgramObjective.choices),
        "agreements": _visible(Agreement, user).filter(program=obj),
        "exercises": _visible(Exercise, user).filter(program=obj),
        "resources": _visible(ResourceSharing, user)
        .filter(program=obj)
        .select_related("provider_nation", "provider_organization", "recipient_nation", "recipient_organization"),
        "assessments": _assessments_of(user, program=obj),
    }


def _organization_related(obj: Organization, user: Any) -> dict[str, Any]:
    return {
        "aliases": list(obj.aliases.all()),
        "memberships": _visible(Membership, user).filter(organization=obj).select_related("nation"),
        "children": _visible(Organization, user).filter(parent=obj),
        "agreements": _visible(Agreement, user).filter(
            models.Exists(_visible(AgreementParty, user).filter(agreement=models.OuterRef("pk"), organization=obj))
        ),
        "led_programs": _visible(Program, user).filter(lead_organization=obj),
    }


def _assessments_of(user: Any, **subject: Any) -> models.QuerySet:
    return _visible(Assessment, user).filter(**subject).select_related("assessor").order_by("-conducted_on", "id")


def _assessment_related(obj: Assessment, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    findings = list(
        _visible(Finding, user).filter(assessment=obj).select_related("owner").order_by("kind", "due_on", "id")
    )
    for finding in findings:
        finding.overdue = finding.is_overdue(today)
    subject = obj.subject
    subject_key = obj.subject_kind
    if subject_key == "exercise":
        scorecard_url = reverse("partnerships:scorecard-series", args=[subject.series]) if subject.series else None
    else:
        scorecard_url = reverse(f"partnerships:scorecard-{subject_key}", args=[subject.pk])
    return {
        "scorecard_url": scorecard_url,
        "subject": subject,
        "subject_key": subject_key,
        "measurements": _visible(Measurement, user)
        .filter(assessment=obj)
        .select_related("indicator")
        .order_by("indicator__name", "measured_on"),
        "findings": [f for f in findings if f.kind == "finding"],
        "recommendations": [f for f in findings if f.kind == "recommendation"],
        "challenges": _visible(AssessmentChallenge, user)
        .filter(assessment=obj)
        .select_related("challenge_type", "challenge_type__parent"),
        "today": today,
    }


RELATED = {
    "agreement": _agreement_related,
    "exercise": _exercise_related,
    "resource": _resource_related,
    "program": _program_related,
    "organization": _organization_related,
    "assessment": _assessment_related,
}


class DashboardView(RegistryPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        per_year = stats.agreements_per_year(user=user)
        context = {
            "counts": stats.record_counts(user=user),
            "agreements_chart": charts.stacked_bar_chart(
                per_year, label="Agreements signed per year, by kind", name="agreements"
            ),
            "exercises_chart": charts.bar_chart(
                sorted(stats.exercises_per_year(user=user).items()), label="Exercises per year", name="exercises"
            ),
            "connected": stats.most_connected(user=user, on=timezone.localdate()),
            "changes": stats.latest_changes(user=user),
            "saved_searches": [
                (search, LIST_PAGES[search.list_key].title if search.list_key in LIST_PAGES else search.list_key)
                for search in preferences.saved_searches(user=user)
            ],
        }
        return render_with_charts(request, "partnerships/dashboard.html", context)


class SearchView(RegistryPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()
        groups = search(user=request.user, text=text) if text else []
        return render(request, "partnerships/search.html", {"q": text, "groups": groups})


class NetworkView(RegistryPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        nations = [
            {"code": n.iso3 or (f"cow:{n.cow_abbr}" if n.cow_abbr else str(n.pk)), "name": n.name, "region": n.region}
            for n in Nation.objects.visible_to(request.user)
            .only("pk", "name", "iso3", "cow_abbr", "region")
            .order_by("name")
        ]
        codes = [n["code"] for n in nations]
        context = {
            "programs": Program.objects.visible_to(request.user).order_by("name"),
            "regions": Region.choices,
            "provisions": [(value, Provision(value).label) for value in PAGE_PROVISIONS],
            "nations": nations,
            # The U.S. when the user may see it (the most connected nation in every published dataset).
            "default_focus": "USA" if "USA" in codes else (codes[0] if codes else ""),
            "default_hubs": DEFAULT_HUBS,
            "default_limit": DEFAULT_LIMIT,
            "today": timezone.localdate().isoformat(),
        }
        return render(request, "partnerships/network.html", context)


class TimelineView(RegistryPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        from partnerships.filters import AgreementFilterSet, ExerciseFilterSet

        user = request.user
        params = request.GET.copy()
        for name in list(params):
            if not any(params.getlist(name)):
                del params[name]  # the form's empty fields
        agreement_params = QueryDict(mutable=True)
        exercise_params = QueryDict(mutable=True)
        for name, values in params.lists():
            if name in AgreementFilterSet.base_filters:
                agreement_params.setlist(name, values)
            if name in ("program_id", "q"):
                exercise_params.setlist(name, values)
        if "party" in params:
            # Exercises have participants, not parties: the same nations, by the exercise filter's name.
            exercise_params.setlist("participant", params.getlist("party"))
        agreements = AgreementFilterSet(
            agreement_params,
            queryset=Agreement.objects.visible_to(user).filter(signed_on__isnull=False).order_by("signed_on", "id"),
            request=request,
        )
        exercises = ExerciseFilterSet(
            exercise_params,
            queryset=Exercise.objects.visible_to(user).filter(start_date__isnull=False).order_by("start_date", "id"),
            request=request,
        )
        valid = agreements.is_valid() and exercises.is_valid()
        agreement_rows = list(agreements.qs[:300]) if valid else []
        exercise_rows = list(exercises.qs[:300]) if valid else []
        party_spans: dict[int, list[Any]] = {}
        nations = agreements.form.cleaned_data.get("party") if valid else None
        if nations and agreement_rows:
            # Each bar over the time the nations named were parties, not the agreement's whole life.
            rows = (
                _visible(AgreementParty, user)
                .filter(involving_q(nations), agreement__in=[a.pk for a in agreement_rows])
                .values_list("agreement_id", "joined_on", "withdrew_on")
            )
            for agreement_id, joined, withdrew in rows:
                party_spans.setdefault(agreement_id, []).append((joined, withdrew))
        timeline = charts.timeline(agreement_rows, exercise_rows, today=timezone.localdate(), party_spans=party_spans)
        context = {
            "timeline": timeline,
            "errors": [f"{k}: {v}" for form in (agreements, exercises) for k, v in form.errors.items()],
            "programs": Program.objects.visible_to(user).order_by("name"),
            "params": params,
            "truncated": len(agreement_rows) == 300 or len(exercise_rows) == 300,
        }
        return render(request, "partnerships/timeline.html", context)
