"""Health endpoints for load balancers and orchestrators: no login, no session, no HTML."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry_site.middleware import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering (it does not touch the database)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database answers and every migration is applied; 503 with Retry-After otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        loader = MigrationLoader(connection)
        # Every migration the code has and the database lacks, not only those a leaf
        # needs: a migration missing in the middle is pending too.
        pending = sorted(key for key in loader.graph.nodes if key not in loader.applied_migrations)
    except DatabaseError as exc:
        logger.warning("readyz: database unavailable: %s", exc)
        return _unavailable({"status": "unavailable", "database": "unreachable"})
    if pending:
        names = [f"{app}.{name}" for app, name in pending]
        return _unavailable({"status": "unavailable", "database": "ok", "pending_migrations": names})
    return JsonResponse({"status": "ok", "database": "ok", "pending_migrations": []})


def _unavailable(body: dict) -> JsonResponse:
    """Return a 503 with ``body`` that tells the prober when to look again."""
    return JsonResponse(body, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
