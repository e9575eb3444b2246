"""API views: one viewset per model on a shared base.

The base applies ``visible_to()`` to every queryset (restricted records are
absent, so 404, for users without permission), renders ``?brief``,
``?fields`` and ``?omit`` and joins or prefetches only what it renders,
and guards writes with ETag / If-Match.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from partnerships.api.errors import PreconditionFailed
from partnerships.api.lean import LeanReader, reader_for
from partnerships.api.schema import IF_MATCH_PATTERN
from partnerships.api.serializers import SERIALIZERS, BriefSerializer, RecordSerializer
from partnerships.api.throttling import AnonymousThrottle
from partnerships.filters import FILTERSETS
from partnerships.models import (
    Agreement,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)

# What the schema's booleans allow on the wire (any case): everything else is refused, not guessed at.
TRUE_WORDS = {"1", "true"}
FALSE_WORDS = {"0", "false"}
# RFC 9110: "*" or a comma-separated list of entity tags, as the schema's pattern says.
ENTITY_TAGS = re.compile(IF_MATCH_PATTERN)


def etag_for(instance: models.Model) -> str:
    """Return the record's weak ETag: it changes whenever the record (or its nested rows) is saved."""
    return version_tag(instance.pk, instance.updated_at)


def version_tag(pk: Any, updated_at: Any) -> str:
    """Return the weak ETag of record ``pk`` last saved at ``updated_at``."""
    version = int(updated_at.timestamp() * 1_000_000)
    return f'W/"{pk}-{version}"'


def _strip_weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


class RegistryViewSet(viewsets.ModelViewSet):
    """Base of every resource: visibility, rendering parameters, query planning, lost-update protection."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    supports_rendering_parameters = True
    supports_if_match = True
    brief_serializer_class: type[BriefSerializer]
    # The lean reader rendering this request's records, when it has one (partnerships.api.lean).
    lean: LeanReader | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.queryset.model
        cls.serializer_class, cls.brief_serializer_class = SERIALIZERS[model]
        cls.filterset_class = FILTERSETS[model]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            # DRF throttles only after authentication and permissions pass; refused
            # clients count too, so that nobody can guess tokens at full speed.
            throttle = AnonymousThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            raise

    # --- rendering ------------------------------------------------------------------
    def is_brief(self) -> bool:
        raw = self.request.query_params.get("brief")
        if raw is None:
            return False
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        raise ValidationError({"brief": [f"“{raw}” is not a boolean: use true or false."]})

    def _field_list(self, name: str, available: list[str]) -> list[str] | None:
        raw = self.request.query_params.get(name)
        if raw is None:
            return None
        # Spaces around names are allowed, nothing else (the schema's pattern says the same).
        names = [part.strip(" ") for part in raw.split(",") if part.strip(" ")]
        unknown = [part for part in names if part not in available]
        if unknown:
            raise ValidationError(
                {name: [f"Unknown field(s): {', '.join(unknown)}. Available: {', '.join(available)}."]}
            )
        return names

    def rendered_fields(self) -> list[str]:
        """Return the names of the fields this response will contain, checking the parameters.

        ``fields`` and ``omit`` may name any field of the record; with ``brief``
        they narrow the brief form (a field it lacks is simply not there).
        """
        shown = list(
            (self.brief_serializer_class if self.is_brief() else self.serializer_class).Meta.fields  # type: ignore[attr-defined]
        )
        if self.request.method not in ("GET", "HEAD"):
            return shown
        available = list(dict.fromkeys([*self.serializer_class.Meta.fields, *shown]))  # type: ignore[attr-defined]
        fields = self._field_list("fields", available)
        omit = self._field_list("omit", available) or []
        return [name for name in shown if (fields is None or name in fields) and name not in omit]

    def get_serializer_class(self) -> type:
        if self.request is not None and self.request.method in ("GET", "HEAD") and self.is_brief():
            return self.brief_serializer_class
        return self.serializer_class

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.request is not None and self.request.method in ("GET", "HEAD"):
            context["fields"] = set(self.rendered_fields())
            if self.is_brief():
                context["brief_fields"] = context["fields"]
        return context

    # --- querying -------------------------------------------------------------------
    def visible_queryset(self) -> models.QuerySet:
        """Return the records the request's user may see (the one place every read starts from)."""
        return self.queryset.model.objects.visible_to(self.request.user)

    def get_queryset(self) -> models.QuerySet:
        return self.plan(self.visible_queryset())

    def plan(self, queryset: models.QuerySet) -> models.QuerySet:
        """Join and prefetch exactly what the rendered fields need: a constant number of queries."""
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.request.method in ("GET", "HEAD") and self.is_brief():
            return queryset.select_related(*self.brief_serializer_class.related)
        serializer_class: type[RecordSerializer] = self.serializer_class
        fields = self.rendered_fields()
        related = [path for name in fields for path in serializer_class.related.get(name, ())]
        if related:
            queryset = queryset.select_related(*related)
        # Prefetched rows are read-only snapshots: a write answers with what it saved, read afresh.
        prefetches = [
            serializer_class.prefetch[name](self.request)
            for name in fields
            if name in serializer_class.prefetch and self.request.method in ("GET", "HEAD")
        ]
        if prefetches:
            queryset = queryset.prefetch_related(*prefetches)
        return queryset

    # --- lost-update protection -----------------------------------------------------
    def if_match(self) -> str | None:
        """Return the request's If-Match header; raise ValidationError (400) if it is not a list of entity tags."""
        header = self.request.headers.get("If-Match")
        if header is not None and not ENTITY_TAGS.match(header):
            raise ValidationError({"If-Match": ['Give the ETag you read, e.g. W/"12-1732406400123456", or "*".']})
        return header

    def check_if_match(self, instance: models.Model) -> None:
        header = self.if_match()
        if header is None:
            return
        if header.strip() == "*":
            return
        current = _strip_weak(etag_for(instance))
        if current not in {_strip_weak(tag) for tag in parse_etags(header)} and quote_etag(current) not in header:
            raise PreconditionFailed()

    def get_object(self) -> models.Model:
        queryset = self.filter_queryset(self.get_queryset())
        if self.action in ("update", "partial_update", "destroy"):
            # Lock the row until the transaction ends, so that two clients
            # holding the same ETag cannot both pass the If-Match check. By the
            # action, not the method: OPTIONS looks the record up as if for a PUT
            # (to describe what may be sent), outside any transaction.
            queryset = queryset.select_for_update(of=("self",))
        instance = get_object_or_404(queryset, pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, instance)
        return instance

    # --- reading ----------------------------------------------------------------------
    def lean_reader(self) -> LeanReader | None:
        """Return the reader rendering this GET from ``values()`` rows, when its resource has one.

        Only where the answer cannot differ from the serializers': listing or
        retrieving, with permissions that never look at the record itself.
        """
        if self.request.method not in ("GET", "HEAD") or self.action not in ("list", "retrieve"):
            return None
        if any(
            type(permission).has_object_permission is not permissions.BasePermission.has_object_permission
            for permission in self.get_permissions()
        ):
            return None
        return reader_for(self.get_serializer_class(), self.rendered_fields(), self.request)

    def page_rows(self, queryset: models.QuerySet) -> models.QuerySet:
        """Return what the paginator reads a page of ``queryset`` from: the lean reader's rows, or the records."""
        return self.lean.rows(queryset) if self.lean is not None else queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.lean = self.lean_reader()
        if self.lean is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.visible_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self.lean.render(list(self.page_rows(queryset))))
        return self.get_paginated_response(self.lean.render(page))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.lean = self.lean_reader()
        if self.lean is None:
            instance = self.get_object()
            etag = etag_for(instance)
        else:
            queryset = self.page_rows(self.filter_queryset(self.visible_queryset()))
            row = get_object_or_404(queryset, pk=self.kwargs[self.lookup_field])
            etag = version_tag(row["id"], row["updated_at"])
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and _strip_weak(etag) in {_strip_weak(tag) for tag in parse_etags(if_none_match)}:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        data = self.get_serializer(instance).data if self.lean is None else self.lean.render([row])[0]
        response = Response(data)
        response["ETag"] = etag
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED:
            instance = self.queryset.model.objects.get(pk=response.data["id"])
            response["ETag"] = etag_for(instance)
            response["Location"] = response.data["url"]
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.if_match()  # a malformed header is a 400 before anything is read
        with transaction.atomic():
            instance = self.get_object()
            serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
            # A malformed body is refused as such (400) whatever the record's version; a well-formed
            # change to a version other than the one read is refused with 412. Both under the row lock.
            serializer.is_valid(raise_exception=True)
            self.check_if_match(instance)
            serializer.save()
        fresh = self.get_queryset().get(pk=instance.pk)
        response = Response(self.serializer_class(fresh, context=self.get_serializer_context()).data)
        response["ETag"] = etag_for(fresh)
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.if_match()
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(instance)
            instance.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _described(name: str, plural: str) -> Any:
    return extend_schema_view(
        list=extend_schema(description=f"List {plural}, filtered, ordered and paginated."),
        retrieve=extend_schema(description=f"One {name}. The response carries an ETag for If-Match."),
        create=extend_schema(description=f"Create a {name}."),
        update=extend_schema(description=f"Replace a {name} (send If-Match to refuse lost updates)."),
        partial_update=extend_schema(description=f"Change some fields of a {name} (If-Match honoured)."),
        destroy=extend_schema(description=f"Delete a {name} (If-Match honoured)."),
    )


@_described("nation", "nations")
class NationViewSet(RegistryViewSet):
    queryset = Nation.objects.all()


@_described("organization", "organizations")
class OrganizationViewSet(RegistryViewSet):
    queryset = Organization.objects.all()


@_described("membership", "memberships of nations in multinational organizations")
class MembershipViewSet(RegistryViewSet):
    queryset = Membership.objects.all()


@_described("program", "programs")
class ProgramViewSet(RegistryViewSet):
    queryset = Program.objects.all()


@_described("agreement (parties nested and writable)", "agreements")
class AgreementViewSet(RegistryViewSet):
    queryset = Agreement.objects.all()


@_described("exercise (participants nested and writable)", "exercises")
class ExerciseViewSet(RegistryViewSet):
    queryset = Exercise.objects.all()


@_described("resource-sharing record", "resource-sharing records")
class ResourceSharingViewSet(RegistryViewSet):
    queryset = ResourceSharing.objects.all()


@_described(
    "assessment (measurements, findings and challenges listed; edit them at their own resources)", "assessments"
)
class AssessmentViewSet(RegistryViewSet):
    queryset = Assessment.objects.all()


@_described("indicator of the catalogue", "indicators")
class IndicatorViewSet(RegistryViewSet):
    queryset = Indicator.objects.all()


@_described("challenge type of the taxonomy", "challenge types")
class ChallengeTypeViewSet(RegistryViewSet):
    queryset = ChallengeType.objects.all()


@_described("measurement of an indicator in an assessment", "measurements")
class MeasurementViewSet(RegistryViewSet):
    queryset = Measurement.objects.all()


@_described("finding or recommendation of an assessment, with its follow-up", "findings and recommendations")
class FindingViewSet(RegistryViewSet):
    queryset = Finding.objects.all()


@_described("challenge observed by an assessment", "challenges observed by assessments")
class AssessmentChallengeViewSet(RegistryViewSet):
    queryset = AssessmentChallenge.objects.all()
