"""Middleware of the project (not of the partnerships app)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

# Seconds a 503 asks clients to wait before trying again (Retry-After): about
# what a database restart or fail-over takes.
RETRY_AFTER_SECONDS = 30

_not_counted: ContextVar[bool] = ContextVar("queries_not_counted", default=False)


@contextmanager
def queries_not_counted() -> Iterator[None]:
    """Leave the queries run inside out of ``X-Query-Count``.

    For the rate limiter's bookkeeping: with the database cache it runs a few
    queries, more on a client's first request of a period, none with Redis;
    counting them would make an endpoint's budget depend on the cache and the clock.
    """
    token = _not_counted.set(True)
    try:
        yield
    finally:
        _not_counted.reset(token)


class QueryCountMiddleware:
    """Add ``X-Query-Count``: how many SQL queries the request ran (but see :func:`queries_not_counted`).

    On only when REGISTRY_QUERY_COUNT_HEADER is set (tests, benchmarks), so
    that query budgets can be checked over real HTTP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
            nonlocal count
            if not _not_counted.get():
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


class DatabaseUnavailableMiddleware:
    """Answer a page request that finds the database down with a 503 page, not a 500.

    The API has its own JSON 503 (partnerships.api.errors). Connections are
    health-checked before reuse (CONN_HEALTH_CHECKS), so the next request after
    the database is back gets a fresh one: no restart needed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable on %s: %s", request.path, exception)
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
