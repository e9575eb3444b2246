"""The ReDoc bundle, served without its one hard-wired request to the Internet.

ReDoc's menu footer shows a logo loaded from its CDN, with no option to turn
it off. The registry makes no request off the machine, so this view serves
the sidecar's bundle with that address replaced by an empty inline image.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@lru_cache(maxsize=1)
def offline_redoc_bundle() -> bytes:
    """Return the bundle's text with the CDN logo replaced (read once per process)."""
    path = finders.find(BUNDLE)
    if path is None:  # pragma: no cover - drf-spectacular-sidecar is a requirement
        raise FileNotFoundError(BUNDLE)
    return Path(path).read_text(encoding="utf-8").replace(CDN_LOGO, EMPTY_IMAGE).encode()


@require_GET
@cache_control(max_age=86400, public=True)
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    return HttpResponse(offline_redoc_bundle(), content_type="text/javascript; charset=utf-8")
