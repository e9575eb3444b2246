"""Error pages that tell people what to do next."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from registry_site.errors import is_api, refusal


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if is_api(request):
        # An address under /api/ that names no endpoint: the API's JSON error, like any other 404 there.
        return refusal(request, 404, "not_found", "Not found: no endpoint has this address.")
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: the error may come from them.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
