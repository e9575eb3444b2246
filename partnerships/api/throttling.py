"""Request rate limits per anonymous client and per token (or session user)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from partnerships.models import ApiToken


class AnonymousThrottle(throttling.AnonRateThrottle):
    """API_THROTTLE_ANON requests per period for each anonymous client address."""

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_ANON


class TokenThrottle(throttling.UserRateThrottle):
    """API_THROTTLE_USER requests per period for each token, or each user of a browser session."""

    scope = "user"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_USER

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None  # anonymous clients are AnonymousThrottle's
        return self.cache_format % {"scope": self.scope, "ident": ident}
