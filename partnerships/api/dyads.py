"""``/api/v1/dyads/``: the dyad-year table as streamed CSV, over the records the caller may see."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from partnerships.api.filtering import refuse_blank_values
from partnerships.choices import Region
from partnerships.services.dyads import DATASETS, YearsOutsideData, dyad_csv, export_years, header
from partnerships.services.exports import csv_text

DESCRIPTION = (
    "One row per pair of nations per year: provisions in force, shared agreements and exercises, flows. "
    "CSV, streamed. `year_from` and `year_to` must lie within the years of the data you may see (a 400 says "
    "which). The last line of a whole file is `# complete: N rows`; a file that ends otherwise (with "
    "`# incomplete: …`, or with neither, when the connection was cut) is not the whole table."
)

YEAR_PARAMETERS = {"first": "year_from", "last": "year_to"}


class DyadQuerySerializer(serializers.Serializer):
    year_from = serializers.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="First year; default the data's first."
    )
    year_to = serializers.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="Last year; default the data's last (or this year)."
    )
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    directed = serializers.BooleanField(required=False, default=False, help_text="One row per ordered pair.")
    dataset = serializers.ChoiceField(
        choices=DATASETS, required=False, help_text="Only records imported from this dataset, e.g. cow-alliances."
    )
    extend_open = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Carry agreements known only from a dataset that has ended, and in force then, on to today "
        "(by default they stop where their dataset ends: their later status is unknown).",
    )

    def validate(self, attrs: dict) -> dict:
        if "year_from" in attrs and "year_to" in attrs and attrs["year_to"] < attrs["year_from"]:
            raise serializers.ValidationError({"year_to": "Must not be before year_from."})
        return attrs


class DyadView(APIView):
    """One row per pair of nations per year: provisions in force, shared agreements and exercises, flows."""

    @extend_schema(
        description=DESCRIPTION,
        # The parameters as the serializer that reads them declares them: bounds included.
        parameters=[DyadQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="CSV, streamed, ending with `# complete: N rows` when whole."
            )
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        unknown = sorted(set(request.query_params) - set(DyadQuerySerializer().fields) - {"format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        refuse_blank_values(request)
        query = DyadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            years = export_years(user=request.user, first_year=params.get("year_from"), last_year=params.get("year_to"))
        except YearsOutsideData as exc:
            raise ValidationError({YEAR_PARAMETERS[which]: [str(exc)] for which in exc.which}) from exc
        lines = dyad_csv(
            user=request.user,
            first_year=years[0] if years else None,
            last_year=years[1] if years else None,
            region=params.get("region"),
            directed=params["directed"],
            dataset=params.get("dataset"),
            extend_open=params["extend_open"],
        )
        table = csv_text(header(directed=params["directed"]), lines)
        response = StreamingHttpResponse(table, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dyad-years.csv"'
        return response
