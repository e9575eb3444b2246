"""The filter backend: the shared FilterSets, with unknown parameters refused."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from partnerships.filters import MultiValueFilter, NationFilter

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
        if filterset_class is not None:
            # An empty value is text's empty string, but no date, number, boolean or choice: a 400, as the
            # schema says, rather than the filter left out as a form's blank field would be on a page.
            blank = sorted(
                name
                for name, values in request.query_params.lists()
                if name in filterset_class.base_filters
                and "" in values
                and not takes_text(filterset_class.base_filters[name])
            )
            if blank:
                raise ValidationError({name: ["Give a value, or leave the parameter out."] for name in blank})
        return super().filter_queryset(request, queryset, view)


def takes_text(filter_: django_filters.Filter) -> bool:
    """Whether an empty value is a value for ``filter_`` (free text, an empty list), not a malformed one."""
    if isinstance(filter_, NationFilter | django_filters.CharFilter):
        return True
    if isinstance(filter_, django_filters.OrderingFilter):
        return True  # a comma-separated list (explode: false): empty is the empty list, the default order
    return isinstance(filter_, MultiValueFilter) and filter_.value_field is forms.CharField


def refuse_blank_values(request: Request) -> None:
    """Raise ValidationError (400) naming each query parameter given an empty value.

    For views whose parameters are all typed (numbers, dates, choices, booleans):
    DRF's serializers would read ``?region=`` as the parameter left out.
    """
    blank = sorted(name for name, values in request.query_params.lists() if "" in values)
    if blank:
        raise ValidationError({name: ["Give a value, or leave the parameter out."] for name in blank})
