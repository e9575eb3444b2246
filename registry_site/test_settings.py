"""Settings for the test suite: the real settings, with test-only defaults.

Tests run with DEBUG off, like production, so the variables production
requires get throwaway values here unless the environment sets them
(``DATABASE_URL`` in particular is honoured: CI runs the suite against a
second PostgreSQL server that way).
"""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("SECRET_KEY", "test-" + secrets.token_urlsafe(64))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ["DEBUG"] = "false"
os.environ["REGISTRY_QUERY_COUNT_HEADER"] = "true"
# The live-server and browser tests speak plain HTTP to 127.0.0.1; the
# production defaults (HTTPS redirect, secure cookies) have their own tests.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
# The suite's cache is the test database's table, which tests may clear; the
# Redis tests start app servers with a REDIS_URL and a key prefix of their own,
# so a developer's Redis is never touched.
os.environ.pop("REDIS_URL", None)
# The analytical answers are computed on every request, so that the suite checks the
# computations (and their query counts); tests/services/test_answer_cache.py turns the cache on.
os.environ.setdefault("ANALYSIS_CACHE_SECONDS", "0")
# Throttling has its own tests, with low rates; the rest of the suite must never hit it.
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")

from registry_site.settings import *  # noqa: F403

# Hashing passwords with PBKDF2 would dominate the run time of admin tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic before tests: serve the files as they are.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
