"""The cache every app process and server shares: PostgreSQL's by default, Redis when ``REDIS_URL`` is set.

The API's rate limits count there (partnerships.api.throttling), so a count
must never be lost when two processes add to it at once: Redis increments
atomically, and :class:`DatabaseCache` adds an atomic ``incr`` to Django's
database cache, whose own reads the value and writes it back. Its table,
``registry_cache``, is made by the migration partnerships 0011, so that a
plain ``migrate`` (quick start, deployments, test databases) makes it.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now
from redis.exceptions import RedisError

# What the cache raises when its server cannot be reached or fails.
CACHE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, RedisError)


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
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value
