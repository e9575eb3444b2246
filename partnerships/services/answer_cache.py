"""Cached analytical answers (network, partners, comparison, strength), never stale.

Each answer is kept in the shared cache (settings ``CACHES``: Redis in
production) under a key made of

- the question: the view's name and its parameters, normalised;
- what the caller may see: whether they hold the restricted-records permission
  (``can_view_restricted``), the only way these answers depend on the user;
- the code: a fingerprint of the registry's sources (``code_version``), so that
  a new release never reads what an older one kept;
- the data version: a number the database raises, in the writing transaction,
  with every statement that changes a table of records or actors (migration
  ``0023_analysis_data_version``), read here in one query.

A write of any kind (ORM, bulk, importer, admin, raw SQL) raises the version in
the same commit that makes its rows visible, so the next request asks for a
new key and computes the answer afresh; old entries are never read again and
expire. The version and the answer are read from the same database (one
replica, or the primary), so an answer is never older than the version it is
filed under. Answers taking more than ``ANALYSIS_CACHE_MAX_BYTES`` (pickled and
compressed) are not kept;
``ANALYSIS_CACHE_SECONDS=0`` turns the cache off.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import json
import logging
import pickle
import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import django
import rest_framework
from django.conf import settings
from django.core.cache import cache
from django.db import connections, models
from django.utils import timezone

from partnerships.models.base import can_view_restricted
from registry_site.cache import CACHE_ERRORS
from registry_site.db_router import one_database_for_reads

logger = logging.getLogger(__name__)

T = TypeVar("T")
VERSION_SQL = 'SELECT "version" FROM "partnerships_data_version"'
KEY_PREFIX = "answer:v1"


@functools.cache
def code_version() -> str:
    """Return a fingerprint of the code that shapes the answers: the registry's Python sources and Django's and
    REST framework's versions. A deployment that changes any of them files its answers under new keys, so
    that no process reads an answer another version of the code wrote."""
    digest = hashlib.sha256(f"{django.__version__} {rest_framework.VERSION}".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def data_version(*, using: str = "default") -> int:
    """Return the data version the database ``using`` holds (one indexed read of a one-row table)."""
    with connections[using].cursor() as cursor:
        cursor.execute(VERSION_SQL)
        return cursor.fetchone()[0]


def _normal(value: Any) -> Any:
    """Return ``value`` as JSON-able data that two equal questions share (for the key)."""
    if isinstance(value, models.Model):
        return [value._meta.label_lower, value.pk]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, _normal(dataclasses.asdict(value))]
    if isinstance(value, Mapping):
        return {str(key): _normal(item) for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))}
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_normal(item) for item in value), key=repr)
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"Cannot key an answer on a {type(value).__name__}")


def answer_key(*, view: str, params: Mapping[str, Any], restricted: bool, version: int) -> str:
    """Return the cache key of ``view``'s answer to ``params`` for a caller of that visibility, at ``version``."""
    # Today is part of every question: defaults such as "in force today" move with it.
    question = json.dumps(
        {"params": _normal(params), "today": str(timezone.localdate())}, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(question.encode()).hexdigest()
    visibility = "restricted" if restricted else "public"
    return f"{KEY_PREFIX}:{code_version()}:{view}:{visibility}:{version}:{digest}"


def cached_answer(*, view: str, params: Mapping[str, Any], user: Any, compute: Callable[[], T]) -> T:
    """Return ``compute()``, from the cache when the same question was answered on the same data.

    ``params`` must name everything the answer depends on besides the user's
    visibility and the data (the view, the parameters, the host of absolute URLs).
    """
    seconds = settings.ANALYSIS_CACHE_SECONDS
    if not seconds:
        return compute()
    with one_database_for_reads() as alias:
        key = answer_key(
            view=view, params=params, restricted=can_view_restricted(user), version=data_version(using=alias)
        )
        try:
            stored = cache.get(key)
        except CACHE_ERRORS:  # A cache that fails must not fail the answer: compute it.
            logger.warning("answer cache: could not read %s", key, exc_info=True)
            stored = None
        if stored is not None:
            # Unpickled safely: only this module writes these keys, in the registry's own cache.
            return pickle.loads(zlib.decompress(stored))
        answer = compute()
    # Compressed: a region's network is megabytes of JSON, a tenth of that compressed.
    stored = zlib.compress(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL), 1)
    if len(stored) <= settings.ANALYSIS_CACHE_MAX_BYTES:
        try:
            cache.set(key, stored, seconds)
        except CACHE_ERRORS:
            logger.warning("answer cache: could not keep %s", key, exc_info=True)
    return answer
