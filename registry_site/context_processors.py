"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def environment(request: HttpRequest) -> dict[str, bool]:
    """Tell templates whether this is a development server, so they can say so."""
    return {"is_development": settings.DEBUG}
