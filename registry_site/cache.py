"""The cache every app process and server shares: PostgreSQL's by default, Redis when ``REDIS_URL`` is set.

The API's rate limits count there (partnerships.api.throttling), so a count
must never be lost when two processes add to it at once: Redis increments
atomically, and :class:`DatabaseCache` adds an atomic ``incr`` to Django's
database cache, whose own reads the value and writes it back. Its table,
``registry_cache``, is made by the migration partnerships 0011, so that a
plain ``migrate`` (quick start, deployments, test databases) makes it.

Both backends also offer :meth:`count_request`, the rate limiter's whole
bookkeeping of one request in one round trip (Redis) or two statements
(PostgreSQL), instead of three to five: every API request pays for it.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now
from redis.exceptions import RedisError

# What the cache raises when its server cannot be reached or fails.
CACHE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, RedisError)

# Compare-and-set attempts of DatabaseCache.count_request before it waits for a row lock instead.
_CAS_ATTEMPTS = 5


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with an ``incr`` (and so ``decr``) that loses no concurrent update."""

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` to the value of ``key`` and return the sum; keep its expiry.

        Raise ``ValueError`` if the key is missing or expired, as every Django
        cache does.
        """
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # FOR UPDATE: an increment in another process waits for this one
            # to commit and then reads its result, so neither is lost.
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires > %s FOR UPDATE",
                [key, connection.ops.adapt_datetimefield_value(now())],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            value = self._decode(row[0]) + delta
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [self._encode(value), key])
        return value

    def count_request(self, key: str, previous_key: str, timeout: int) -> tuple[int, int]:
        """Count one more under ``key`` (made for ``timeout`` seconds if missing); return it and ``previous_key``'s.

        ``previous_key``'s count is 0 when it is missing or expired. In two
        statements outside any transaction: both counts are read, then this
        one written back only if it is still the value read (compare and
        set), so a concurrent increment is never lost, only retried.
        """
        cache_key = self.make_and_validate_key(key)
        previous_cache_key = self.make_and_validate_key(previous_key)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        for _ in range(_CAS_ATTEMPTS):
            moment = connection.ops.adapt_datetimefield_value(now())
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT cache_key, value FROM {table} WHERE cache_key IN (%s, %s) AND expires > %s",
                    [cache_key, previous_cache_key, moment],
                )
                stored = dict(cursor.fetchall())
                previous = self._decode(stored[previous_cache_key]) if previous_cache_key in stored else 0
                if cache_key not in stored:
                    if self.add(key, 1, timeout=timeout):
                        return 1, previous
                    continue  # another process made it first
                count = self._decode(stored[cache_key]) + 1
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s AND value = %s AND expires > %s",
                    [self._encode(count), cache_key, stored[cache_key], moment],
                )
                if cursor.rowcount == 1:
                    return count, previous
        # Many processes counting for one client at once: wait for the row lock instead.
        return self.incr(key), self.get(previous_key, 0)

    def _decode(self, stored: str) -> int:
        """Return the value of a row, stored as Django's database cache stores it."""
        return pickle.loads(base64.b64decode(stored.encode()))

    def _encode(self, value: int) -> str:
        """Return ``value`` as Django's database cache stores it."""
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with the rate limiter's bookkeeping in one round trip."""

    def count_request(self, key: str, previous_key: str, timeout: int) -> tuple[int, int]:
        """Count one more under ``key`` (made for ``timeout`` seconds if missing); return it and ``previous_key``'s.

        ``previous_key``'s count is 0 when it is missing. One MULTI/EXEC
        pipeline: the count is made and incremented atomically.
        """
        cache_key = self.make_and_validate_key(key)
        previous_cache_key = self.make_and_validate_key(previous_key)
        pipeline = self._cache.get_client(cache_key, write=True).pipeline(transaction=True)
        # Counts are stored as plain integers (Django's RedisSerializer), so INCR applies.
        pipeline.set(cache_key, 0, ex=timeout, nx=True)
        pipeline.incr(cache_key)
        pipeline.get(previous_cache_key)
        _, count, previous = pipeline.execute()
        return count, 0 if previous is None else int(previous)
