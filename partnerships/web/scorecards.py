"""Scorecard pages: a program, an agreement, an exercise series or a nation, judged by its assessments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from partnerships.filters import resolve_nation_code
from partnerships.models import Agreement, Exercise, Nation, Program
from partnerships.services import scorecards
from partnerships.web import charts
from partnerships.web.chart_export import render_with_charts
from partnerships.web.views import RegistryPage


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, label="From", help_text="Assessments conducted on or after.")
    end = forms.DateField(required=False, label="Until", help_text="Assessments conducted on or before.")
    as_of = forms.DateField(required=False, label="Overdue as of", help_text="Today if empty.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The period ends before it starts.")
        return data


def _with_overdue(card: scorecards.Scorecard) -> list[Any]:
    for finding in card.pending:
        finding.overdue = finding.is_overdue(card.as_of)
    return card.pending


class ScorecardPage(RegistryPage):
    """Base: find the subject, read the period, build the scorecard, render it."""

    subject_type = ""

    def subject(self, request: HttpRequest, key: str) -> tuple[Any, str, models.QuerySet, str]:
        """Return (record or None, label, its assessments for the user, back link)."""
        raise NotImplementedError

    def api_url(self, key: str) -> str:
        return reverse(f"api:scorecard-{self.subject_type}", args=[key])

    def get(self, request: HttpRequest, key: Any) -> HttpResponse:
        record, label, assessments, back = self.subject(request, str(key))
        form = PeriodForm(request.GET or None)
        period: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            period = {name: value for name, value in form.cleaned_data.items() if value}
        period.setdefault("as_of", timezone.localdate())
        card = scorecards.build(assessments, user=request.user, subject=label, **period)
        trends = [
            {
                "trend": trend,
                "chart": charts.trend_chart(
                    trend, label=f"{trend.indicator.name} ({trend.indicator.unit})", name=trend.indicator.slug
                ),
            }
            for trend in card.indicators
        ]
        context = {
            "card": card,
            "record": record,
            "subject_type": self.subject_type,
            "back": back,
            "form": form,
            "trends": trends,
            "challenges_chart": charts.horizontal_bars(
                card.challenge_groups,
                label="Challenges: assessments that observed each",
                name="challenges",
                value_label="Assessments",
            ),
            "share_percent": round(card.share_met * 100) if card.share_met is not None else None,
            "api_url": self.api_url(str(key)),
            "query": request.GET.urlencode(),
            "pending_rows": _with_overdue(card),
        }
        # The indicators' charts, for their downloads (``?chart=<indicator slug>``).
        context["indicator_charts"] = [item["chart"] for item in trends]
        context["download_title"] = f"scorecard {label}"
        return render_with_charts(request, "partnerships/scorecard.html", context)


class ProgramScorecardPage(ScorecardPage):
    subject_type = "program"

    def subject(self, request: HttpRequest, key: str) -> tuple[Any, str, models.QuerySet, str]:
        program = get_object_or_404(Program.objects.visible_to(request.user), pk=int(key))
        back = reverse("partnerships:program-detail", args=[program.pk])
        return program, str(program), scorecards.for_program(program, request.user), back


class AgreementScorecardPage(ScorecardPage):
    subject_type = "agreement"

    def subject(self, request: HttpRequest, key: str) -> tuple[Any, str, models.QuerySet, str]:
        agreement = get_object_or_404(Agreement.objects.visible_to(request.user), pk=int(key))
        back = reverse("partnerships:agreement-detail", args=[agreement.pk])
        return (
            agreement,
            agreement.short_name or agreement.title,
            scorecards.for_agreement(agreement, request.user),
            back,
        )


class SeriesScorecardPage(ScorecardPage):
    subject_type = "series"

    def subject(self, request: HttpRequest, key: str) -> tuple[Any, str, models.QuerySet, str]:
        name = (
            Exercise.objects.visible_to(request.user)
            .filter(series__iexact=key)
            .values_list("series", flat=True)
            .first()
        )
        if name is None:
            raise Http404("No exercise series with this name.")
        back = reverse("partnerships:exercise-list") + "?" + urlencode({"series": name})
        return None, f"{name} (exercise series)", scorecards.for_series(name, request.user), back


class NationScorecardPage(ScorecardPage):
    subject_type = "nation"

    def subject(self, request: HttpRequest, key: str) -> tuple[Any, str, models.QuerySet, str]:
        try:
            nation = resolve_nation_code(key, Nation.objects.visible_to(request.user))
        except forms.ValidationError:
            raise Http404("No nation with this code.") from None
        back = reverse("partnerships:nation-detail", args=[nation.pk])
        return nation, str(nation), scorecards.for_nation(nation, request.user), back
