"""Middleware of the project (not of the partnerships app)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control

from registry_site.errors import is_api, refusal, too_large

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


class PrivateResponsesMiddleware:
    """Keep what a signed-in user (session or API token) was shown out of shared caches.

    Such a response depends on who asked (restricted records, permissions): it
    carries ``Cache-Control: private``, and a download (CSV and other
    attachments) ``no-store`` as well, so that no browser or proxy keeps a copy
    of an export. Responses that already say ``no-cache``/``no-store`` (health
    checks, the admin) keep what they say.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        download = response.get("Content-Type", "").startswith("text/csv") or response.get(
            "Content-Disposition", ""
        ).startswith("attachment")
        if download:
            patch_cache_control(response, private=True, no_store=True)
        else:
            patch_cache_control(response, private=True)
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


NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _shown(name: str) -> str:
    """``name`` fit to print in a message: its NUL characters written out."""
    return name.replace(NUL, "\\x00")


class RequestGuardMiddleware:
    """Refuse, before any view or query sees it, input the registry can neither store nor parse.

    - A NUL character anywhere a request carries text (the path, a query
      parameter's name or value, a cookie, a header, a page's form field):
      400 saying where. PostgreSQL refuses NUL in text, so letting one
      through turns the first query that uses it into a 500.
    - A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB): 413 before
      it is read. Multipart uploads are the exception: their files stream to
      disk and the importers check their size; Django still refuses more than
      the limit of ordinary form fields in them (``handler400`` makes that a 413).

    API requests are refused in the API's JSON error shape, pages with a short page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refuse(request)
        return refused if refused is not None else self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse | None:
        """Return the refusal of ``request``, or None when it may go on."""
        if NUL in request.path_info:
            return self.nul(request, "the address")
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                return self.nul(request, f"the query parameter “{_shown(name)}”", attr=_shown(name))
        for name, value in request.COOKIES.items():
            if NUL in name or NUL in value:
                return self.nul(request, f"the cookie “{_shown(name)}”")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
                return self.nul(request, f"the header “{key.removeprefix('HTTP_').replace('_', '-').title()}”")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit is not None and not content_type.startswith("multipart/form-data"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # Django reads no body then either
            if length > limit:
                return too_large(request, limit)
        # API bodies are JSON (or CSV), checked field by field by the serializers; pages post forms.
        if request.method == "POST" and not is_api(request) and content_type.startswith(FORM_TYPES):
            for name, values in request.POST.lists():
                if NUL in name or any(NUL in value for value in values):
                    return self.nul(request, f"the form field “{_shown(name)}”")
        return None

    @staticmethod
    def nul(request: HttpRequest, where: str, attr: str | None = None) -> HttpResponse:
        detail = f"{where[0].upper()}{where[1:]} contains a NUL character (\\x00), which the registry cannot store."
        return refusal(request, 400, "null_characters_not_allowed", detail, attr)
