"""Refusals of malformed requests, in the shape the caller reads: the API's JSON, or a short page.

Used by ``RequestGuardMiddleware`` (NUL characters, bodies too large) and as
Django's ``handler400``, which receives what Django itself refuses
(``SuspiciousOperation``: a body or form beyond the upload limits, too many
fields, a host not allowed…).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

TITLES = {400: "Bad request", 413: "Request too large"}
TOO_LARGE = (
    "The request body is larger than the registry accepts ({limit}). Send less at a time; "
    "for big files use the import commands (manage.py import_data, import_survey)."
)


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the REST API (which answers in JSON), not a page."""
    return request.path_info.startswith("/api/")


def refusal(request: HttpRequest, status: int, code: str, detail: str, attr: str | None = None) -> HttpResponse:
    """Return a 4xx response saying ``detail``: the API's error shape for API paths, a plain page otherwise.

    The page uses no context processor and no database: the request it answers
    may be one the rest of the stack cannot handle.
    """
    if is_api(request):
        # The shape of partnerships.api.errors: {"type": …, "errors": [{"code", "detail", "attr"}]}.
        kind = "validation_error" if status == 400 and attr is not None else "client_error"
        body = {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
        # Rendered as DRF renders the API's own errors: UTF-8, compact.
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    context = {"title": TITLES.get(status, "Refused"), "detail": detail}
    page = loader.get_template("request_refused.html").render(context)
    return HttpResponse(page, status=status)


def size_limit(limit: int) -> str:
    """Return ``limit`` bytes for people, in Django's units: 2,621,440 bytes are ``2.5 MB``."""
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit:,} bytes"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """Return the 413 for a body over ``limit`` bytes."""
    return refusal(request, 413, "request_too_large", TOO_LARGE.format(limit=size_limit(limit)))


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """``handler400``: what Django refused, said in the caller's shape (413 for a body over the limits)."""
    from django.conf import settings

    if isinstance(exception, RequestDataTooBig):
        return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return refusal(request, 400, "too_many_fields", "The form has more fields or files than the registry accepts.")
    return refusal(request, 400, "bad_request", "The request is malformed and was not processed.")
