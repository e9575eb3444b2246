"""Middleware of the project (not of the partnerships app)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    """Add ``X-Query-Count``: how many SQL queries the request ran.

    On only when REGISTRY_QUERY_COUNT_HEADER is set (tests, benchmarks), so
    that query budgets can be checked over real HTTP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response


REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain (it ends up in logs).
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware:
    """Give every request an id: the caller's ``X-Request-ID`` if well formed, else a new one.

    The id is echoed in the response's ``X-Request-ID`` header and added to
    every log line written while the request runs (``RequestIdFilter``), so a
    user's report, the proxy's log and the app's log can be matched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        value = incoming if _WELL_FORMED.match(incoming) else uuid.uuid4().hex
        request.request_id = value  # type: ignore[attr-defined]
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = value
        return response
