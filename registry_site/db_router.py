"""Reads from read replicas, writes to the primary: the scale-out path for the database.

With ``DATABASE_REPLICA_URLS`` set, each URL becomes a read-only database
alias (``replica1``, ``replica2``…) and this router sends reads there, and
everything else to ``default`` (the primary):

- writes, and reads inside a transaction, always use the primary;
- once a request (or a task) has written, its later reads use the primary
  too, so nobody misses their own change because of replication lag;
- requests that change things (POST, PUT, PATCH, DELETE) read from the
  primary from the start (they validate against what they are about to change);
- migrations run on the primary only; replicas receive them by replication;
- the database cache (the API's rate-limit counters) is read and written on
  the primary, and writing it does not count as the request's own write.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections

_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
_one_replica: ContextVar[str | None] = ContextVar("one_replica_for_reads", default=None)
PRIMARY = "default"
# Read right after they are written, by the next request: a lagging replica would
# log people out (sessions), forget failed logins (axes) or rate-limit counts
# (the database cache's app label).
CACHE_APP = "django_cache"
PRIMARY_ONLY_APPS = {"sessions", "axes", CACHE_APP}


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def pin_to_primary() -> None:
    """Send the rest of this request's (or task's) reads to the primary."""
    _pinned.set(True)


@contextmanager
def one_database_for_reads() -> Iterator[str]:
    """Send the block's reads to one database, and yield its alias.

    Replicas lag by different amounts: a value read from one and rows read from
    another may not belong together. Inside the block every read goes to the
    alias yielded (one replica chosen once, or the primary); the reads the router
    sends to the primary anyway (after a write, in a transaction) only see newer data.
    """
    available = replicas()
    if not available or _pinned.get() or connections[PRIMARY].in_atomic_block:
        yield PRIMARY
        return
    chosen = _one_replica.get() or random.choice(available)
    token = _one_replica.set(chosen)
    try:
        yield chosen
    finally:
        _one_replica.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        available = replicas()
        if (
            not available
            or _pinned.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return _one_replica.get() or random.choice(available)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Every API request writes its rate-limit count: that is not a change of
        # its own to read back, and pinning on it would send every read to the primary.
        if model._meta.app_label != CACHE_APP:
            pin_to_primary()
        return PRIMARY

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


class PrimaryReplicaMiddleware:
    """Start every request unpinned, and pinned to the primary if it changes things."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _pinned.set(request.method in self.UNSAFE)
        try:
            return self.get_response(request)
        finally:
            _pinned.reset(token)
