"""Pagination: limit/offset for browsing, and an id cursor (``after``) for full synchronisation.

Offset pages are deterministic because every ordering ends with ``id``.
The cursor walks records by ascending id (``?after=0``, then the ``next``
link): rows added during the walk appear at its end, deleted ones simply
vanish, and no row is skipped or repeated, which offsets cannot promise.
Each cursor page is the next ``limit`` records by id (``offset`` skips that
many first); ``ordering`` orders the records within the page, and
``count=exact`` counts every match, as it does without the cursor.

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

from partnerships.filters.base import MAX_INTEGER
from partnerships.services.counting import EXACT_COUNT_LIMIT, bounded_count

CURSOR_PARAM = "after"
COUNT_PARAM = "count"


def _non_negative_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # ASCII digits only, as the schema says (int() would also take " 5", "+5", Arabic-Indic digits or "1_000").
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_INTEGER:
        raise ValidationError({name: [f"“{raw}” is not a whole number from 0 to {MAX_INTEGER}."]})
    return int(raw)


def _exact_count(request: Request) -> bool:
    raw = request.query_params.get(COUNT_PARAM)
    if raw is None:
        return False
    if raw != "exact":
        raise ValidationError({COUNT_PARAM: [f"“{raw}” is not a valid choice: the only choice is “exact”."]})
    return True


def _pk(row: Any) -> Any:
    """The id of a page's row: a record, or a ``values()`` row of the lean read path."""
    return row["id"] if isinstance(row, dict) else row.pk


class RegistryPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000

    def paginate_queryset(self, queryset: models.QuerySet, request: Request, view: Any = None) -> list | None:
        self.request = request
        # The view may read the page's rows in another form (``values()``) than the records it counts.
        rows_of = getattr(view, "page_rows", None) or (lambda records: records)
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
            rows = list(rows_of(queryset)[self.offset : self.offset + self.limit + 1])
            self.has_more = len(rows) > self.limit
            return rows[: self.limit]
        self.offset = _non_negative_int(request, self.offset_query_param) or 0
        self.count, self.count_exact = None, None
        if _exact_count(request):
            self.count, self.count_exact = bounded_count(queryset, exact=True).value, True
        # The page is the next records by id, one more to know whether there is a next page; the
        # ordering asked for (the queryset's) applies within it. One query, as without the cursor.
        walk = queryset.order_by("id").filter(id__gt=after).values("id")[self.offset : self.offset + self.limit + 1]
        # Without an ordering asked for, the page is in id order, as the walk.
        ordered = queryset if request.query_params.get("ordering") else queryset.order_by("id")
        rows = list(rows_of(ordered.filter(id__in=walk)))
        self.has_more = len(rows) > self.limit
        if self.has_more:
            beyond = max(_pk(row) for row in rows)
            rows = [row for row in rows if _pk(row) != beyond]
        self.last_id = max((_pk(row) for row in rows), default=None)
        self.page = rows
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
                next_link = replace_query_param(url, CURSOR_PARAM, self.last_id)
            envelope = (self.count, self.count_exact, next_link, None)
        names = ("count", "count_exact", "next", "previous")
        return Response(OrderedDict([*zip(names, envelope, strict=True), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = (
            f"Matching records: exact up to {EXACT_COUNT_LIMIT:,}, beyond that the query planner's estimate "
            "unless count=exact was asked for; null in cursor mode unless count=exact."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean",
            "nullable": True,
            "description": "Whether count is exact (false: an estimate); null when count is.",
        }
        # The links echo the request's query string, which may hold any character: text, not an RFC 3986 URI.
        for link in ("next", "previous"):
            response["properties"][link].pop("format", None)
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
                    "in id order (start with 0, then follow `next`); `ordering` orders the records within each page."
                ),
                "schema": {"type": "integer", "minimum": 0},
            }
        )
        return parameters
