"""Pagination: limit/offset for browsing, and an id cursor (``after``) for full synchronisation.

Offset pages are deterministic because every ordering ends with ``id``.
The cursor walks records by ascending id (``?after=0``, then the ``next``
link): rows added during the walk appear at its end, deleted ones simply
vanish, and no row is skipped or repeated, which offsets cannot promise.

``count`` is exact up to 1,000 matches; beyond that it is the query planner's
estimate and ``count_exact`` is false (``?count=exact`` asks for an exact
count, at its cost). Whether there is a next page never depends on the
estimate: one row more than the page is read.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.db import models
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from partnerships.services.counting import EXACT_COUNT_LIMIT, bounded_count

CURSOR_PARAM = "after"
COUNT_PARAM = "count"


def _non_negative_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"“{raw}” is not a whole number."]}) from None
    if value < 0:
        raise ValidationError({name: ["Must be 0 or more."]})
    return value


def _exact_count(request: Request) -> bool:
    raw = request.query_params.get(COUNT_PARAM)
    if raw is None or raw == "":
        return False
    if raw != "exact":
        raise ValidationError({COUNT_PARAM: [f"“{raw}” is not a valid choice: the only choice is “exact”."]})
    return True


class RegistryPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000

    def paginate_queryset(self, queryset: models.QuerySet, request: Request, view: Any = None) -> list | None:
        self.request = request
        self.limit = min(_non_negative_int(request, self.limit_query_param) or self.default_limit, self.max_limit)
        after = _non_negative_int(request, CURSOR_PARAM)
        self.cursor_mode = after is not None
        if not self.cursor_mode:
            self.offset = _non_negative_int(request, self.offset_query_param) or 0
            counted = bounded_count(queryset, exact=_exact_count(request))
            self.count, self.count_exact = counted.value, counted.exact
            if self.count_exact and (self.count == 0 or self.offset >= self.count):
                self.has_more = False
                return []
            rows = list(queryset[self.offset : self.offset + self.limit + 1])
            self.has_more = len(rows) > self.limit
            return rows[: self.limit]
        if request.query_params.get(COUNT_PARAM):
            raise ValidationError({COUNT_PARAM: ["The cursor mode does not count: leave count out."]})
        if request.query_params.get("ordering") or request.query_params.get(self.offset_query_param):
            raise ValidationError(
                {CURSOR_PARAM: ["The cursor walks records by id: do not combine it with ordering or offset."]}
            )
        rows = list(queryset.order_by("id").filter(id__gt=after)[: self.limit + 1])
        self.has_more = len(rows) > self.limit
        self.page = rows[: self.limit]
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_more:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_paginated_response(self, data: list) -> Response:
        if not self.cursor_mode:
            envelope = (self.count, self.count_exact, self.get_next_link(), self.get_previous_link())
        else:
            next_link = None
            if self.has_more:
                url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
                next_link = replace_query_param(url, CURSOR_PARAM, self.page[-1].pk)
            envelope = (None, None, next_link, None)
        names = ("count", "count_exact", "next", "previous")
        return Response(OrderedDict([*zip(names, envelope, strict=True), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = (
            f"Matching records: exact up to {EXACT_COUNT_LIMIT:,}, beyond that the query planner's estimate "
            "unless count=exact was asked for; null in cursor mode."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean",
            "nullable": True,
            "description": "Whether count is exact (false: an estimate); null in cursor mode.",
        }
        response["required"] = ["count", "count_exact", "next", "previous", "results"]
        return response

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = f"Records per page (default {self.default_limit}, max {self.max_limit})."
                parameter["schema"]["minimum"] = 0
            if parameter["name"] == self.offset_query_param:
                parameter["schema"]["minimum"] = 0
        parameters.append(
            {
                "name": COUNT_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    f"`exact` counts every match, however many; by default counts above {EXACT_COUNT_LIMIT:,} "
                    "are the query planner's estimate (see count_exact)."
                ),
                "schema": {"type": "string", "enum": ["exact"]},
            }
        )
        parameters.append(
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    "Cursor mode for full synchronisation: return records with an id greater than this, "
                    "in id order (start with 0, then follow `next`). Not combinable with ordering or offset."
                ),
                "schema": {"type": "integer", "minimum": 0},
            }
        )
        return parameters
