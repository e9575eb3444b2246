"""The partnership-strength page: a nation's strongest partners over the decades, or one pair over time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partnerships.filters import resolve_nation_code
from partnerships.models import Nation
from partnerships.services import strength
from partnerships.services.answer_cache import cached_answer
from partnerships.services.dyads import year_range
from partnerships.services.exports import csv_lines
from partnerships.web import charts
from partnerships.web.chart_export import render_with_charts
from partnerships.web.views import RegistryPage

COMPONENT_LABELS = [("agreements", "Agreements"), ("exercises", "Exercises"), ("transfers", "Transfers")]


def _weight(name: str) -> forms.FloatField:
    return forms.FloatField(
        required=False,
        min_value=0,
        max_value=strength.MAX_WEIGHT,
        label=f"Weight: {name}",
        widget=forms.NumberInput(attrs={"step": "0.05", "placeholder": strength.DEFAULT_WEIGHTS[name]}),
    )


class StrengthForm(forms.Form):
    nation = forms.CharField(required=False, label="Nation", help_text="Its top partners by decade.")
    a = forms.CharField(required=False, label="Pair: nation A")
    b = forms.CharField(required=False, label="Pair: nation B")
    year_from = forms.IntegerField(required=False, min_value=1, max_value=9999, label="From year")
    year_to = forms.IntegerField(required=False, min_value=1, max_value=9999, label="To year")
    w_agreements = _weight("agreements")
    w_exercises = _weight("exercises")
    w_transfers = _weight("transfers")
    extend_open = forms.BooleanField(required=False, label="Carry agreements on past their dataset's end")

    def __init__(self, *args: Any, nations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nations = nations

    def _nation(self, name: str) -> Nation | None:
        value = self.cleaned_data.get(name)
        return resolve_nation_code(value, self.nations) if value else None

    def clean_nation(self) -> Nation | None:
        return self._nation("nation")

    def clean_a(self) -> Nation | None:
        return self._nation("a")

    def clean_b(self) -> Nation | None:
        return self._nation("b")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("nation") and (data.get("a") or data.get("b")):
            self.add_error("nation", "Give a nation, or a pair (A and B), not both.")
        elif bool(data.get("a")) != bool(data.get("b")):
            self.add_error("b" if data.get("a") else "a", "A pair needs both nations.")
        elif data.get("a") and data["a"] == data.get("b"):
            self.add_error("b", "Choose a nation other than A.")
        if data.get("year_from") and data.get("year_to") and data["year_to"] < data["year_from"]:
            self.add_error("year_to", "Must not be before the first year.")
        weights = {name: data.get(f"w_{name}") for name in strength.COMPONENTS}
        try:
            data["weights"] = strength.Weights(
                **{name: strength.DEFAULT_WEIGHTS[name] if value is None else value for name, value in weights.items()}
            )
        except ValueError as exc:
            self.add_error("w_agreements", str(exc))
        return data


def _code(nation: dict[str, Any] | Nation) -> str:
    """A code resolve_nation_code reads back: ISO alpha-3, else the id (historical states have no ISO code)."""
    if isinstance(nation, Nation):
        return nation.iso3 or str(nation.pk)
    return nation["iso3"] or str(nation["id"])


class StrengthPage(RegistryPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        nations = Nation.objects.visible_to(user)
        form = StrengthForm(request.GET or None, nations=nations)
        context: dict[str, Any] = {
            "form": form,
            "defaults": strength.DEFAULT_WEIGHTS,
            "exercise_half": strength.EXERCISE_HALF,
            "transfer_half": strength.TRANSFER_HALF,
            "weights": strength.Weights(),
        }
        if not form.is_bound or not form.is_valid():
            return render(request, "partnerships/strength.html", context, status=400 if form.is_bound else 200)
        data = form.cleaned_data
        context["weights"] = weights = data["weights"]
        bounds = year_range(user=user)
        if bounds is None or not (data.get("nation") or data.get("a")):
            return render(request, "partnerships/strength.html", context)
        first = max(bounds[0], data.get("year_from") or bounds[0])
        last = min(bounds[1], data.get("year_to") or bounds[1])
        exporting = request.GET.get("export") == "csv"
        weight_params = {f"w_{k}": v for k, v in weights.as_dict().items() if v != strength.DEFAULT_WEIGHTS[k]}
        if data.get("extend_open"):
            weight_params["extend_open"] = "on"
        common = {"weights": weights, "extend_open": data["extend_open"], "first_year": first, "last_year": last}
        if data.get("nation"):
            nation = data["nation"]
            decades = cached_answer(
                view="page-strength-decades",
                params={**common, "nation": nation},
                user=user,
                compute=lambda: strength.top_partners_by_decade(user=user, nation=nation, **common),
            )
            if exporting:
                return self.decades_csv(nation, decades)
            context.update(
                nation=nation,
                decades=[
                    (
                        decade,
                        [
                            (rank, "?" + urlencode({"a": _code(nation), "b": _code(rank.partner), **weight_params}))
                            for rank in ranks
                        ]
                        + [(None, "")] * (10 - len(ranks)),
                    )
                    for decade, ranks in decades
                ],
                ranks=range(1, 11),
            )
        else:
            series = cached_answer(
                view="page-strength-pair",
                params={**common, "a": data["a"], "b": data["b"]},
                user=user,
                compute=lambda: strength.pair_over_time(user=user, a=data["a"], b=data["b"], **common),
            )
            if exporting:
                return self.pair_csv(data["a"], data["b"], series)
            total = sum(getattr(weights, name) for name in strength.COMPONENTS)
            per_year = {
                year: {name: 100 * getattr(weights, name) * getattr(s, name) / total for name in strength.COMPONENTS}
                for year, s in series
            }
            years = [year for year, parts in per_year.items() if any(parts.values())]
            shown = {year: per_year[year] for year in range(min(years), max(years) + 1)} if years else {}
            context.update(
                a=data["a"],
                b=data["b"],
                chart=charts.series_chart(
                    shown,
                    COMPONENT_LABELS,
                    label=f"Partnership strength, {data['a']} and {data['b']}, by year (0-100)",
                    value_label="Index",
                    name="strength",
                    digits=2,
                ),
                rows=[(year, s) for year, s in series if s.index > 0],
            )
        context["export_query"] = "?" + urlencode({**request.GET.dict(), "export": "csv"})
        return render_with_charts(request, "partnerships/strength.html", context)

    @staticmethod
    def _attachment(header: list[str], rows: list[list[Any]], name: str) -> HttpResponse:
        response = HttpResponse("".join(csv_lines(header, iter(rows))), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="strength-{name}-{stamp}.csv"'
        return response

    def decades_csv(self, nation: Nation, decades: list[Any]) -> HttpResponse:
        header = ["decade", "rank", "partner", "iso3", "cow", "index", "agreements", "exercises", "transfers"]
        rows = [
            [
                decade,
                position,
                rank.partner["name"],
                rank.partner["iso3"] or "",
                rank.partner["cow_code"] or "",
                *(f"{value:.4f}" for value in (rank.index, rank.agreements, rank.exercises, rank.transfers)),
            ]
            for decade, ranks in decades
            for position, rank in enumerate(ranks, 1)
        ]
        return self._attachment(header, rows, _code(nation))

    def pair_csv(self, a: Nation, b: Nation, series: list[Any]) -> HttpResponse:
        header = [
            "year",
            "index",
            "agreements_score",
            "agreements",
            "depth",
            "exercises_score",
            "exercises",
            "exercises_weighted",
            "transfers_score",
            "transfers",
            "tiv",
            "value_usd",
        ]
        rows = []
        for year, s in series:
            raw = s.raw
            rows.append(
                [
                    year,
                    f"{s.index:.4f}",
                    f"{s.agreements:.4f}",
                    len(raw.agreements),
                    raw.depth,
                    f"{s.exercises:.4f}",
                    raw.exercises,
                    f"{raw.exercise_weight:.4f}",
                    f"{s.transfers:.4f}",
                    raw.transfers,
                    raw.tiv,
                    raw.usd,
                ]
            )
        return self._attachment(header, rows, f"{_code(a)}-{_code(b)}")
