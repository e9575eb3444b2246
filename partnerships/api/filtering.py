"""The filter backend: the shared FilterSets, with unknown parameters refused."""

from __future__ import annotations

from typing import Any

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# Parameters that are not filters but are understood by the API.
RESERVED_PARAMS = {"limit", "offset", "after", "count", "brief", "fields", "omit", "format"}


class StrictFilterBackend(DjangoFilterBackend):
    """Filter with the view's FilterSet; a parameter nobody understands is a 400, never ignored."""

    def filter_queryset(self, request: Request, queryset: models.QuerySet, view: Any) -> models.QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(RESERVED_PARAMS)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        if getattr(view, "action", None) == "list":
            unknown = sorted(set(request.query_params) - known)
        else:
            # Detail views take no filters: only the rendering parameters.
            unknown = sorted(set(request.query_params) - RESERVED_PARAMS)
            if not unknown:
                return queryset
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        return super().filter_queryset(request, queryset, view)
