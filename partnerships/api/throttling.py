"""Request rate limits per anonymous client and per token (or session user), shared by every app process.

The counts live in the shared cache (registry_site.cache: PostgreSQL's, or
Redis), so all workers of all app servers spend one budget. Each budget is a
sliding window: this period's count plus the previous period's, weighted by
the part of it that is still less than one period ago. Counts are changed
with the cache's atomic increment, so requests arriving at once in different
processes are all counted; a refused request is taken off again, so a client
sending faster than its rate still gets its rate.

When the cache cannot be reached the request is let through and the outage
logged: the limits protect the service, and refusing every request (or
answering 500) because of them would be the outage they guard against.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from partnerships.models import ApiToken
from registry_site.cache import CACHE_ERRORS
from registry_site.middleware import queries_not_counted
from registry_site.proxies import client_address

logger = logging.getLogger(__name__)

# At most one log line per process per this many seconds while the cache is
# away, rather than one per request.
_REPORT_EVERY = 60.0
_last_report = -_REPORT_EVERY


def _report_cache_unavailable(exc: Exception) -> None:
    global _last_report
    if time.monotonic() - _last_report >= _REPORT_EVERY:
        _last_report = time.monotonic()
        logger.error("rate limits are off: the cache is unavailable (%s: %s)", type(exc).__name__, exc)


def seconds_until_allowed(*, previous: int, current: int, elapsed: float, limit: int, duration: int) -> float:
    """Return how long until a client refused now may make a request, at least one second.

    ``previous`` and ``current`` are the counts of the previous and the
    current period (this refused request not included); ``elapsed`` is the
    part of the current period gone (0 to 1).
    """
    if current < limit and previous:
        # Later in this period, once enough of the previous period's weight has faded.
        needed = 1 - (limit - current - 1) / previous
        wait = (needed - elapsed) * duration
    else:
        # In the next period, where this period's count is the fading one.
        needed = max(0.0, 1 - (limit - 1) / current) if current else 0.0
        wait = (1 - elapsed + needed) * duration
    return max(1.0, wait)


class SharedRateThrottle(throttling.SimpleRateThrottle):
    """A budget of ``rate`` requests per period for each key that ``get_cache_key`` gives."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        periods, elapsed = divmod(self.timer() / self.duration, 1)
        current_key, previous_key = f"{key}:{int(periods)}", f"{key}:{int(periods) - 1}"
        try:
            with queries_not_counted():
                current, previous = self._count(current_key, previous_key)
                if previous * (1 - elapsed) + current <= self.num_requests:
                    return True
                self.cache.decr(current_key)
        except (*CACHE_ERRORS, ValueError) as exc:
            # ValueError: the database cache could not store a count (it fails
            # silently), so the next increment found none.
            _report_cache_unavailable(exc)
            return True
        self._wait = seconds_until_allowed(
            previous=previous, current=current - 1, elapsed=elapsed, limit=self.num_requests, duration=self.duration
        )
        return False

    def _count(self, current_key: str, previous_key: str) -> tuple[int, int]:
        """Count one request in this period; return this period's count so far and the previous period's."""
        # The shared caches (registry_site.cache) do it in one round trip or two; any other takes a few.
        count_request = getattr(self.cache, "count_request", None)
        if count_request is not None:
            return count_request(current_key, previous_key, timeout=2 * self.duration)
        return self._increment(current_key), self.cache.get(previous_key, 0)

    def _increment(self, key: str) -> int:
        """Count one request under ``key`` and return the count so far."""
        try:
            return self.cache.incr(key)
        except ValueError:
            # The period's first request. Kept for two periods: in the second
            # it is the previous period's count.
            if self.cache.add(key, 1, timeout=2 * self.duration):
                return 1
            return self.cache.incr(key)  # another process added it first

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonymousThrottle(SharedRateThrottle, throttling.AnonRateThrottle):
    """API_THROTTLE_ANON requests per period for each anonymous client address (registry_site.proxies)."""

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_ANON

    def get_ident(self, request: Request) -> str:
        return client_address(request)


class TokenThrottle(SharedRateThrottle):
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
