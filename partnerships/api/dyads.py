"""``/api/v1/dyads/``: the dyad-year table as streamed CSV, over the records the caller may see."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from partnerships.choices import Region
from partnerships.services.dyads import dyad_years
from partnerships.services.exports import csv_lines


class DyadQuerySerializer(serializers.Serializer):
    year_from = serializers.IntegerField(required=False, min_value=1, max_value=9999)
    year_to = serializers.IntegerField(required=False, min_value=1, max_value=9999)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    directed = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if "year_from" in attrs and "year_to" in attrs and attrs["year_to"] < attrs["year_from"]:
            raise serializers.ValidationError({"year_to": "Must not be before year_from."})
        return attrs


class DyadView(APIView):
    """One row per pair of nations per year: provisions in force, shared agreements and exercises, flows."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year_from", int),
            OpenApiParameter("year_to", int),
            OpenApiParameter("region", str, enum=list(Region.values)),
            OpenApiParameter("directed", OpenApiTypes.BOOL, description="One row per ordered pair."),
        ],
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="CSV, streamed.")},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        unknown = sorted(set(request.query_params) - set(DyadQuerySerializer().fields) - {"format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        query = DyadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = dyad_years(
            user=request.user,
            first_year=params.get("year_from"),
            last_year=params.get("year_to"),
            region=params.get("region"),
            directed=params["directed"],
        )
        response = StreamingHttpResponse(csv_lines(next(rows), rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dyad-years.csv"'
        return response
