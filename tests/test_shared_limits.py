"""Rate limits that hold across app servers and behind proxies, over real HTTP.

Two gunicorn app servers with production settings share the test database,
and so its cache table: "direct" is reached as the internet would reach it,
"proxied" sits behind a proxy that the tests play (TRUSTED_PROXIES=127.0.0.1,
TRUST_X_FORWARDED_PROTO=true). Both allow RATE requests a minute per client
and per token. Counts outlive each test, so every test uses client addresses
(any of 127.0.0.0/8 reaches a loopback server) and tokens of its own. A
second pair shares a Redis server instead, when one answers on 127.0.0.1:6379.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import pytest
import redis
import urllib3
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings

from partnerships.api import throttling
from partnerships.models import ApiToken
from registry_site.cache import DatabaseCache, RedisCache
from tests.factories import UserFactory
from tests.processes import database_url, free_port, served_environment, start_gunicorn

# The app servers use the test database, which exists only for tests that ask for it.
pytestmark = pytest.mark.django_db

RATE = 5
NATIONS = "/api/v1/nations/"
REDIS = ("127.0.0.1", 6379)
# A database of its own on the shared Redis server, and a key prefix per run within it.
REDIS_DATABASE = 7


@contextmanager
def _started(environments: dict[str, dict[str, str]]) -> Iterator[dict[str, str]]:
    """Start one gunicorn per environment, at once; give their base URLs by name; stop them at the end."""
    with ThreadPoolExecutor(len(environments)) as pool:
        started = dict(zip(environments, pool.map(start_gunicorn, environments.values()), strict=True))
    try:
        yield {name: base for name, (_, base) in started.items()}
    finally:
        # All told first, then waited for: each takes a second or two.
        for server, _ in started.values():
            server.terminate()
        for server, _ in started.values():
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def servers(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    limits = {
        "API_THROTTLE_ANON": f"{RATE}/minute",
        "API_THROTTLE_USER": f"{RATE}/minute",
        "CACHE_KEY_PREFIX": f"limits-{uuid4().hex}",
    }
    proxied = served_environment(url, TRUSTED_PROXIES="127.0.0.1", TRUST_X_FORWARDED_PROTO="true", **limits)
    with _started({"direct": served_environment(url, **limits), "proxied": proxied}) as bases:
        yield bases


def _request(
    base: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> urllib3.BaseHTTPResponse:
    """Send one request to ``base`` from the loopback address ``source``; never follow a redirect."""
    url = urllib3.util.parse_url(base)
    with urllib3.HTTPConnectionPool(url.host, url.port, source_address=(source, 0), retries=False, timeout=30) as pool:
        if fields is None:
            return pool.request(method, path, headers=headers or {})
        return pool.request_encode_body(method, path, fields=fields, headers=headers or {}, encode_multipart=False)


def _statuses(bases: list[str], **request: Any) -> list[int]:
    return [_request(base, NATIONS, **request).status for base in bases]


def test_two_app_servers_spend_one_anonymous_budget(servers: dict[str, str]) -> None:
    both = [servers["direct"], servers["proxied"]] * 3
    assert _statuses(both, source="127.0.0.2") == [200] * RATE + [429]
    refused = _request(servers["direct"], NATIONS, source="127.0.0.2")
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 120
    # Another client's budget is its own.
    assert _statuses([servers["direct"]], source="127.0.0.3") == [200]


def test_requests_arriving_at_once_in_both_servers_are_all_counted(servers: dict[str, str]) -> None:
    bases = [servers["direct"], servers["proxied"]] * 8
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda base: _request(base, NATIONS, source="127.0.0.4").status, bases))
    assert sorted(statuses) == [200] * RATE + [429] * (len(bases) - RATE)


@pytest.mark.django_db(transaction=True)  # the app servers must see the token
def test_two_app_servers_spend_one_token_budget(servers: dict[str, str]) -> None:
    key = ApiToken.issue(user=UserFactory(), name="limits").key
    both = [servers["direct"], servers["proxied"]] * 3
    assert _statuses(both, headers={"Authorization": f"Token {key}"}) == [200] * RATE + [429]


def test_a_forged_forwarded_for_does_not_escape_the_limit(servers: dict[str, str]) -> None:
    # 127.0.0.5 is no trusted proxy of either server: what it forwards is ignored.
    statuses = [
        _request(base, NATIONS, source="127.0.0.5", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status
        for n, base in enumerate([servers["direct"], servers["proxied"]] * 3)
    ]
    assert statuses == [200] * RATE + [429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(servers: dict[str, str]) -> None:
    def through_proxy(forwarded_for: str) -> int:
        return _request(servers["proxied"], NATIONS, headers={"X-Forwarded-For": forwarded_for}).status

    assert [through_proxy("198.51.100.10") for _ in range(RATE + 1)] == [200] * RATE + [429]
    assert through_proxy("198.51.100.11") == 200
    # The client wrote the first entry, the proxy appended the address it saw.
    assert through_proxy("198.51.100.11, 198.51.100.10") == 429


def test_x_forwarded_proto_is_believed_only_where_configured(servers: dict[str, str]) -> None:
    # HSTS is sent on HTTPS responses only: its presence shows what the app believed.
    claimed = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in _request(servers["direct"], "/healthz", headers=claimed).headers
    assert "Strict-Transport-Security" not in _request(servers["proxied"], "/healthz").headers
    assert "max-age=" in _request(servers["proxied"], "/healthz", headers=claimed).headers["Strict-Transport-Security"]


# Django's, as any cache without count_request; the registry's, as production configures it.
@pytest.mark.parametrize("backend", ["django.core.cache.backends.redis.RedisCache", "registry_site.cache.RedisCache"])
def test_requests_go_through_when_the_cache_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, backend: str
) -> None:
    monkeypatch.setattr(throttling, "_last_report", -throttling._REPORT_EVERY)
    nowhere = {
        "default": {
            "BACKEND": backend,
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=nowhere, API_THROTTLE_ANON="1/minute", REGISTRY_PUBLIC_READ=True):
        assert [client.get(NATIONS).status_code for _ in range(3)] == [200, 200, 200]
    assert "rate limits are off: the cache is unavailable" in caplog.text
    # Once per minute per process, not once per request.
    assert caplog.text.count("rate limits are off") == 1


def test_a_cache_without_count_request_still_limits(client: Client) -> None:
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid4().hex}}
    with override_settings(CACHES=local, API_THROTTLE_ANON="2/minute", REGISTRY_PUBLIC_READ=True):
        assert [client.get(NATIONS).status_code for _ in range(3)] == [200, 200, 429]


# --- The database cache's bookkeeping of a request ------------------------------------------------------


def test_the_database_cache_counts_a_request_in_two_statements(django_assert_num_queries: Any) -> None:
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    key, previous = f"count-{uuid4().hex}", f"count-{uuid4().hex}"
    assert cache.count_request(key, previous, timeout=120) == (1, 0)
    with django_assert_num_queries(2):
        assert cache.count_request(key, previous, timeout=120) == (2, 0)
    cache.add(previous, 7, timeout=120)
    assert cache.count_request(key, previous, timeout=120) == (3, 7)
    # The refused request taken off again, as the rate limiter does.
    assert cache.decr(key) == 2
    assert cache.count_request(key, previous, timeout=120) == (3, 7)


def test_the_database_cache_starts_an_expired_count_again() -> None:
    cache = caches["default"]
    key, previous = f"count-{uuid4().hex}", f"count-{uuid4().hex}"
    cache.add(key, 41, timeout=120)
    cache.add(previous, 5, timeout=120)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_cache SET expires = now() - interval '1 second' WHERE cache_key IN (%s, %s)",
            [cache.make_key(key), cache.make_key(previous)],
        )
    assert cache.count_request(key, previous, timeout=120) == (1, 0)
    assert cache.get(key) == 1


def test_a_count_changed_between_reading_and_writing_it_is_not_lost() -> None:
    cache = caches["default"]
    key, previous = f"count-{uuid4().hex}", f"count-{uuid4().hex}"
    cache.add(key, 1, timeout=120)
    interleaved = []

    def another_process_counts_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("UPDATE") and not interleaved:
            interleaved.append(sql)
            cache.incr(key)  # between this request's read and its write
        return execute(sql, params, many, context)

    with connection.execute_wrapper(another_process_counts_first):
        assert cache.count_request(key, previous, timeout=120) == (3, 0)
    assert interleaved
    assert cache.get(key) == 3


def test_the_cache_table_writes_no_write_ahead_log() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'registry_cache'")
        assert cursor.fetchone() == ("u",)  # UNLOGGED: a count's commit does not wait for the disk


# --- Redis ---------------------------------------------------------------------------------------------


def test_redis_counts_a_request_in_one_round_trip() -> None:
    if not _redis_answers():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"registry-test-{uuid4().hex}"
    cache = RedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DATABASE}", {"KEY_PREFIX": prefix})
    client = redis.Redis(*REDIS, db=REDIS_DATABASE)
    sent = []
    real_execute = redis.client.Pipeline.execute

    def execute(pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(len(pipeline.command_stack))
        return real_execute(pipeline, *args, **kwargs)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(redis.client.Pipeline, "execute", execute)
            assert cache.count_request("key", "previous", timeout=120) == (1, 0)
            assert cache.count_request("key", "previous", timeout=120) == (2, 0)
        assert sent == [3, 3]  # one pipeline a request
        assert 0 < client.ttl(cache.make_key("key")) <= 120
        cache.add("previous", 4, timeout=120)
        assert cache.count_request("key", "previous", timeout=120) == (3, 4)
        assert cache.decr("key") == 2
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def redis_servers(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    if not _redis_answers():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    prefix = f"registry-test-{uuid4().hex}"
    environment = served_environment(
        url,
        REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DATABASE}",
        CACHE_KEY_PREFIX=prefix,
        API_THROTTLE_ANON=f"{RATE}/minute",
    )
    try:
        with _started({"first": environment, "second": environment}) as bases:
            yield {**bases, "prefix": prefix}
    finally:
        client = redis.Redis(*REDIS, db=REDIS_DATABASE)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_two_app_servers_spend_one_budget_in_redis(redis_servers: dict[str, str]) -> None:
    both = [redis_servers["first"], redis_servers["second"]] * 3
    assert _statuses(both) == [200] * RATE + [429]
    counts = redis.Redis(*REDIS, db=REDIS_DATABASE).scan_iter(match=f"{redis_servers['prefix']}:*throttle_anon_*")
    assert list(counts), "the counts are not in Redis"
