"""Scorecards as JSON (``/api/v1/scorecards/…``) and survey upload (``/api/v1/assessments/{id}/survey/``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.filters import resolve_nation_code
from partnerships.models import Agreement, Assessment, Measurement, Nation, Program
from partnerships.services import scorecards, surveys
from partnerships.services.importers import ImportAborted


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day of the period (assessments conducted from).")
    end = serializers.DateField(required=False, help_text="Last day of the period (inclusive).")
    as_of = serializers.DateField(required=False, help_text="The day recommendations are overdue on; today by default.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise ValidationError({"end": ["The period ends before it starts."]})
        return attrs


MAX_ID = 2**63 - 1
PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="Assessments conducted on or after (YYYY-MM-DD)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Assessments conducted on or before (YYYY-MM-DD)."),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="Day recommendations are overdue on (default today)."),
]


def record_id(key: str) -> int:
    """Return ``key`` as a record id; a malformed or impossible id is a 404, like an unknown one."""
    if not (key.isascii() and key.isdigit()) or int(key) > MAX_ID:
        raise Http404("No record with this id.")
    return int(key)


def period(params: Any) -> dict[str, Any]:
    """Read and check ``start``, ``end`` and ``as_of``; refuse any other parameter."""
    unknown = sorted(set(params) - {"start", "end", "as_of", "format"})
    if unknown:
        raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
    query = PeriodSerializer(data={key: params.get(key) for key in ("start", "end", "as_of") if params.get(key)})
    query.is_valid(raise_exception=True)
    values = dict(query.validated_data)
    values.setdefault("as_of", timezone.localdate())
    return values


class ScorecardView(APIView):
    """Base: the subject from the URL, the period from the query, the scorecard as JSON."""

    supports_rendering_parameters = False
    subject_type = ""

    def subject(self, request: Request, key: str) -> tuple[str, models.QuerySet]:
        raise NotImplementedError

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, key: str) -> Response:
        label, assessments = self.subject(request, key)
        card = scorecards.build(assessments, user=request.user, subject=label, **period(request.query_params))
        data = scorecards.as_json(
            card,
            url_for=lambda a: request.build_absolute_uri(reverse("api:assessment-detail", args=[a.pk])),
        )
        return Response({"subject_type": self.subject_type, **data})


class ProgramScorecardView(ScorecardView):
    """A program's scorecard: its own assessments and those of its agreements and exercises."""

    subject_type = "program"

    def subject(self, request: Request, key: str) -> tuple[str, models.QuerySet]:
        program = get_object_or_404(Program.objects.visible_to(request.user), pk=record_id(key))
        return str(program), scorecards.for_program(program, request.user)


class AgreementScorecardView(ScorecardView):
    """An agreement's scorecard."""

    subject_type = "agreement"

    def subject(self, request: Request, key: str) -> tuple[str, models.QuerySet]:
        agreement = get_object_or_404(Agreement.objects.visible_to(request.user), pk=record_id(key))
        return str(agreement), scorecards.for_agreement(agreement, request.user)


class SeriesScorecardView(ScorecardView):
    """A recurring exercise's scorecard, over all its editions."""

    subject_type = "exercise_series"

    def subject(self, request: Request, key: str) -> tuple[str, models.QuerySet]:
        from partnerships.models import Exercise

        editions = Exercise.objects.visible_to(request.user).filter(series__iexact=key)
        name = editions.values_list("series", flat=True).first()
        if name is None:
            raise Http404("No exercise series with this name.")
        return name, scorecards.for_series(name, request.user)


class NationScorecardView(ScorecardView):
    """A nation's scorecard: programs it leads, agreements it is party to, exercises it joined."""

    subject_type = "nation"

    def subject(self, request: Request, key: str) -> tuple[str, models.QuerySet]:
        from django import forms

        try:
            nation = resolve_nation_code(key, Nation.objects.visible_to(request.user))
        except forms.ValidationError:
            raise Http404("No nation with this code.") from None
        return str(nation), scorecards.for_nation(nation, request.user)


class CsvParser(BaseParser):
    """A request body that is a CSV file, handed over as bytes."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:
        return stream.read() if stream is not None else b""


class SurveyUploadView(APIView):
    """Import survey answers into an assessment: all or nothing, with row-numbered errors."""

    # Writes need the permission to add measurements (RegistryPermission reads this model).
    queryset = Measurement.objects.all()
    parser_classes = [CsvParser]
    supports_rendering_parameters = False

    @extend_schema(
        request={"text/csv": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("target", str, many=True, description="SLUG=VALUE: an indicator's target (repeat)."),
            OpenApiParameter("baseline", str, many=True, description="SLUG=VALUE: an indicator's baseline (repeat)."),
            OpenApiParameter("dry_run", bool, description="Check and report, write nothing."),
        ],
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: str) -> Response:
        if not request.user.has_perm("partnerships.change_measurement"):
            self.permission_denied(request, message="You need the permission to change measurements.")
        unknown = sorted(set(request.query_params) - {"target", "baseline", "dry_run", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        assessment = get_object_or_404(Assessment.objects.visible_to(request.user), pk=record_id(pk))
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes", "on"}
        try:
            report = surveys.ingest(
                assessment,
                "upload",
                raw=request.data if isinstance(request.data, bytes) else b"",
                targets=surveys.parse_assignments(request.query_params.getlist("target"), "target"),
                baselines=surveys.parse_assignments(request.query_params.getlist("baseline"), "baseline"),
                dry_run=dry_run,
            )
        except ImportAborted as exc:
            raise ValidationError({"file": [f"{exc} Nothing was written."]}) from exc
        if report.rejected:
            raise ValidationError(
                {f"row {r.row}": r.reasons for r in report.rejected[:100]}
                | {"file": [f"{len(report.rejected)} row(s) rejected, so nothing was written (all or nothing)."]}
            )
        body = {
            "assessment": assessment.pk,
            "dry_run": dry_run,
            "rows_read": report.rows_read,
            "answers": report.answers,
            "no_answer": report.skipped,
            "respondents": report.respondents,
            "measurements": {key: report.outcomes[key] for key in ("created", "updated", "unchanged")},
        }
        created = report.outcomes["created"] and not dry_run
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
