"""``/api/v1/strength/``: the partnership-strength index, a nation's partners ranked or one pair over time."""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.api.filtering import refuse_blank_values
from partnerships.filters import resolve_nation_code
from partnerships.models import Nation
from partnerships.services import strength
from partnerships.services.answer_cache import cached_answer
from partnerships.services.dyads import YearsOutsideData, export_years

DESCRIPTION = (
    "The partnership-strength index (0-100) of pairs of nations per year, from the agreements in force between "
    "them (obligation depth and number), their joint exercises (a bilateral one weighing more than a "
    "multinational one) and transfers (SIPRI TIV, USD values); the README gives the method. Either `nation` "
    "with `year` (the nation's partners that year, strongest first) or `a` and `b` (the pair every year, "
    "`year_from` to `year_to`, by default the years of the data). Weights are relative: "
    "`w_agreements=1&w_exercises=0&w_transfers=0` ranks by agreements alone."
)
YEAR_PARAMETERS = {"first": "year_from", "last": "year_to"}


def _weight(name: str) -> serializers.FloatField:
    return serializers.FloatField(
        required=False,
        min_value=0,
        max_value=strength.MAX_WEIGHT,
        default=strength.DEFAULT_WEIGHTS[name],
        help_text=f"Weight of the {name} component (default {strength.DEFAULT_WEIGHTS[name]}).",
    )


class StrengthQuerySerializer(serializers.Serializer):
    nation = serializers.CharField(required=False, help_text="ISO code of the nation whose partners to rank.")
    year = serializers.IntegerField(required=False, min_value=1, max_value=9999, help_text="With nation: the year.")
    a = serializers.CharField(required=False, help_text="With b: one nation of the pair (ISO code).")
    b = serializers.CharField(required=False, help_text="With a: the other nation of the pair (ISO code).")
    year_from = serializers.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="With a and b: first year; default the data's first."
    )
    year_to = serializers.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="With a and b: last year; default the data's last."
    )
    w_agreements = _weight("agreements")
    w_exercises = _weight("exercises")
    w_transfers = _weight("transfers")
    extend_open = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Carry agreements known only from a dataset that has ended on to today (as the dyad table).",
    )

    def _nation(self, code: str) -> Nation:
        user = self.context["request"].user
        try:
            return resolve_nation_code(code, Nation.objects.visible_to(user))
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        by_nation, by_pair = "nation" in attrs, "a" in attrs or "b" in attrs
        if by_nation == by_pair:
            raise serializers.ValidationError(
                {"non_field_errors": ["Give either nation (with year) or a and b (a pair over time)."]}
            )
        if by_nation:
            if "year" not in attrs:
                errors["year"] = "Required with nation."
            errors.update({name: "Only with a and b." for name in ("year_from", "year_to") if name in attrs})
        else:
            errors.update({name: "Required with the other of a and b." for name in ("a", "b") if name not in attrs})
            if "year" in attrs:
                errors["year"] = "Only with nation: use year_from and year_to for a pair."
            if "year_from" in attrs and "year_to" in attrs and attrs["year_to"] < attrs["year_from"]:
                errors["year_to"] = "Must not be before year_from."
        if errors:
            raise serializers.ValidationError(errors)
        resolved = {}
        for name in ("nation", "a", "b"):
            if name in attrs:
                try:
                    resolved[name] = self._nation(attrs[name])
                except serializers.ValidationError as exc:
                    errors[name] = exc.detail[0]
        if not errors and by_pair and resolved["a"] == resolved["b"]:
            errors["b"] = "Choose a nation other than a."
        weights = {name: attrs.pop(f"w_{name}") for name in strength.COMPONENTS}
        try:
            attrs["weights"] = strength.Weights(**weights)
        except ValueError as exc:
            # The weight to blame: the first that is not a number in range (NaN), else (all 0) the first.
            bad = [name for name, value in weights.items() if not 0 <= value <= strength.MAX_WEIGHT]
            errors[f"w_{bad[0]}" if bad else "w_agreements"] = str(exc)
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, **resolved}


NATION_KEYS = ("id", "name", "iso3", "cow_code")


# Functions, not constants: inline_serializer's class creation takes the fields out of the dict it is given.
def _nation_fields() -> dict[str, serializers.Field]:
    return {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "iso3": serializers.CharField(allow_null=True),
        "cow_code": serializers.IntegerField(allow_null=True),
    }


class StrengthAgreementsSerializer(serializers.Serializer):
    score = serializers.FloatField()
    count = serializers.IntegerField()
    depth = serializers.FloatField()
    provisions = serializers.ListField(child=serializers.CharField())


class StrengthExercisesSerializer(serializers.Serializer):
    score = serializers.FloatField()
    count = serializers.IntegerField()
    weighted = serializers.FloatField()


class StrengthTransfersSerializer(serializers.Serializer):
    score = serializers.FloatField()
    count = serializers.IntegerField()
    tiv = serializers.FloatField()
    value_usd = serializers.FloatField()


def _component_fields() -> dict[str, Any]:
    # One class per component, so that the schema has one component for each, used twice.
    return {
        "index": serializers.FloatField(help_text="0-100"),
        "agreements": StrengthAgreementsSerializer(),
        "exercises": StrengthExercisesSerializer(),
        "transfers": StrengthTransfersSerializer(),
    }


def _nation_brief(nation: Nation | dict[str, Any]) -> dict[str, Any]:
    if isinstance(nation, Nation):
        nation = {"id": nation.pk, "name": nation.name, "iso3": nation.iso3, "cow_code": nation.cow_code}
    return {name: nation[name] for name in NATION_KEYS}


class StrengthView(APIView):
    """Partnership strength: a nation's partners ranked in a year, or one pair of nations over time."""

    supports_rendering_parameters = False

    @extend_schema(
        description=DESCRIPTION,
        parameters=[StrengthQuerySerializer],
        responses=inline_serializer(
            "Strength",
            {
                "weights": serializers.DictField(child=serializers.FloatField()),
                "nation": inline_serializer("StrengthNation", _nation_fields(), required=False),
                "year": serializers.IntegerField(required=False),
                "partners": inline_serializer(
                    "StrengthPartner",
                    {"partner": inline_serializer("StrengthPartnerNation", _nation_fields()), **_component_fields()},
                    many=True,
                    required=False,
                ),
                "a": inline_serializer("StrengthA", _nation_fields(), required=False),
                "b": inline_serializer("StrengthB", _nation_fields(), required=False),
                "years": inline_serializer(
                    "StrengthYear",
                    {"year": serializers.IntegerField(), **_component_fields()},
                    many=True,
                    required=False,
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - set(StrengthQuerySerializer().fields) - {"format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        refuse_blank_values(request)
        data = {key: value for key, value in request.query_params.items() if key != "format"}
        query = StrengthQuerySerializer(data=data, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        question = {
            name: params.get(name) for name in ("nation", "year", "a", "b", "year_from", "year_to", "extend_open")
        }
        return Response(
            cached_answer(
                view="api-strength",
                params={**question, "weights": params["weights"].as_dict()},
                user=request.user,
                compute=lambda: self.answer(request, params),
            )
        )

    @staticmethod
    def answer(request: Request, params: dict[str, Any]) -> dict[str, Any]:
        """Return the response's data: a nation's partners ranked in a year, or a pair's years."""
        weights = params["weights"]
        if "nation" in params:
            ranked = strength.partners_in_year(
                user=request.user,
                nation=params["nation"],
                year=params["year"],
                weights=weights,
                extend_open=params["extend_open"],
            )
            return {
                "weights": weights.as_dict(),
                "nation": _nation_brief(params["nation"]),
                "year": params["year"],
                "partners": [{"partner": _nation_brief(r.partner), **r.score.as_dict()} for r in ranked],
            }
        try:
            years = export_years(user=request.user, first_year=params.get("year_from"), last_year=params.get("year_to"))
        except YearsOutsideData as exc:
            raise ValidationError({YEAR_PARAMETERS[which]: [str(exc)] for which in exc.which}) from exc
        series = (
            strength.pair_over_time(
                user=request.user,
                a=params["a"],
                b=params["b"],
                first_year=years[0],
                last_year=years[1],
                weights=weights,
                extend_open=params["extend_open"],
            )
            if years
            else []
        )
        return {
            "weights": weights.as_dict(),
            "a": _nation_brief(params["a"]),
            "b": _nation_brief(params["b"]),
            "years": [{"year": year, **scored.as_dict()} for year, scored in series],
        }
