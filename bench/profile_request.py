"""The fixed cost of an API request, measured in-process through the whole WSGI handler.

    .venv/bin/python bench/profile_request.py --database-url postgres://…/registry_bench_l_copy --issue-token
    .venv/bin/python bench/profile_request.py --database-url URL --token KEY --cache redis --requests 300

Each request goes through ``registry_site.wsgi.application`` (every
middleware, the request signals that check and recycle persistent database
connections, the renderer) as gunicorn would hand it over: HTTPS, the
production settings (DEBUG off, ``SECURE_SSL_REDIRECT``, persistent
connections), ``Authorization: Token …`` of the benchmark's analyst. Three
requests are timed, each ``--requests`` times after a warm-up: a trivial one
(one nation), the agreement detail and the filtered agreement list of the
benchmark's ``api-detail`` and ``api-agreements`` scenarios. The report gives,
for each, the median and 90th percentile in milliseconds, the SQL statements
per request (all of them, the rate limiter's included, and those the
``X-Query-Count`` header counts), and the functions that took the most
cumulative time under cProfile.

The rate limits count in the cache the settings choose: PostgreSQL's
(``--cache database``, the default, as the benchmark's gunicorn runs) or
Redis (``--cache redis``, with a key prefix of this run's own). They are set
as high as the benchmark's, so that no request is refused.

This writes: the rate-limit counts (database cache), the token's
``last_used_at`` and, with ``--issue-token``, the ``bench-analyst`` user and
a read-only token. Run it on a benchmark database or a copy, not on a
registry in use.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.benchmark import AGREEMENT_FILTER  # noqa: E402

ANALYST = "bench-analyst"


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def configure(args: argparse.Namespace) -> None:
    """Set the production environment (bench/loadtest.py's) before Django reads its settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "registry_site.settings",
            "REGISTRY_ENV_FILE": "/dev/null",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "registry.example.org",
            "DATABASE_URL": args.database_url,
            "DB_CONN_MAX_AGE": "600",
            "API_THROTTLE_ANON": "1000000/minute",
            "API_THROTTLE_USER": "1000000/minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("REGISTRY_QUERY_COUNT_HEADER", "DATABASE_REPLICA_URLS", "REDIS_URL", "CACHE_KEY_PREFIX"):
        os.environ.pop(name, None)
    if args.cache == "redis":
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["CACHE_KEY_PREFIX"] = f"profile-{secrets.token_hex(4)}"


def issue_token() -> str:
    """Return the key of a new read-only token of the analyst (made if missing, with no permissions)."""
    from django.contrib.auth.models import User

    from partnerships.models import ApiToken

    user, _ = User.objects.get_or_create(username=ANALYST)
    return ApiToken.issue(user=user, name="profile_request", write_enabled=False).key


def detail_pk() -> int:
    """The benchmark's detail record: public, with parties, exercises and transfers, the most linked one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.id FROM partnerships_agreement a
               WHERE a.visibility = 'public'
                 AND EXISTS (SELECT 1 FROM partnerships_exercise e WHERE e.agreement_id = a.id)
                 AND EXISTS (SELECT 1 FROM partnerships_resourcesharing r WHERE r.agreement_id = a.id)
               ORDER BY (SELECT count(*) FROM partnerships_agreementparty p WHERE p.agreement_id = a.id) DESC, a.id
               LIMIT 1"""
        )
        return cursor.fetchone()[0]


def trivial_path() -> str:
    from partnerships.models import Nation

    return f"/api/v1/nations/{Nation.objects.order_by('id').values_list('id', flat=True).first()}/"


def requester(token: str) -> Callable[[str], tuple[int, bytes, dict[str, str]]]:
    """Return a function that sends a GET through the WSGI application and returns status, body and headers."""
    from registry_site.wsgi import application

    def get(path: str) -> tuple[int, bytes, dict[str, str]]:
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "registry.example.org",
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "registry.example.org",
            "HTTP_ACCEPT": "application/json",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started["status"], started["headers"] = int(status.split()[0]), dict(headers)

        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return started["status"], body, started["headers"]

    return get


def count_queries(get: Callable[[str], Any], path: str, show: bool = False) -> tuple[int, int]:
    """Return (all SQL statements, those X-Query-Count counts) of one request to ``path``; print them if ``show``."""
    from django.db import connection

    from registry_site.middleware import _not_counted

    counts = [0, 0]

    def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        counts[0] += 1
        counted = not _not_counted.get()
        counts[1] += counted
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if show:
                took = (time.perf_counter() - start) * 1000
                say(f"  {took:6.2f} ms {'' if counted else '(not counted) '}{sql[:160]}")

    with connection.execute_wrapper(counter):
        get(path)
    return counts[0], counts[1]


def server_cpu_seconds() -> float | None:
    """Return the CPU time the PostgreSQL backend of this process's connection has used, if it runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime, the 14th and 15th fields (the 12th and 13th after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(get: Callable[[str], Any], path: str, requests: int, warmup: int, show: bool) -> dict[str, Any]:
    status, body, _ = get(path)
    if status != 200:
        raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    for _ in range(warmup):
        get(path)
    times = []
    server = server_cpu_seconds()
    cpu = time.process_time()
    for _ in range(requests):
        start = time.perf_counter()
        get(path)
        times.append((time.perf_counter() - start) * 1000)
    cpu = time.process_time() - cpu
    server = server_cpu_seconds() - server if server is not None else None
    times.sort()
    if show:
        say(f"SQL of {path}:")
    statements, counted = count_queries(get, path, show)
    return {
        "p50_ms": statistics.median(times),
        "p90_ms": times[int(len(times) * 0.9)],
        "cpu_ms": cpu * 1000 / requests,
        "server_cpu_ms": None if server is None else server * 1000 / requests,
        "statements": statements,
        "counted": counted,
        "bytes": len(body),
    }


def profile(get: Callable[[str], Any], path: str, requests: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a benchmark database or a copy (this writes)")
    parser.add_argument("--token", help="the analyst's token key (see --issue-token)")
    parser.add_argument("--issue-token", action="store_true", help="make the analyst (if missing) and a token")
    parser.add_argument("--cache", choices=["database", "redis"], default="database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per path (default 200)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", type=int, default=100, help="requests per path under cProfile (0: none)")
    parser.add_argument("--top", type=int, default=35, help="functions listed per profile")
    parser.add_argument("--only", nargs="*", choices=["trivial", "detail", "list"])
    parser.add_argument("--show-sql", action="store_true", help="print each request's SQL statements once")
    args = parser.parse_args()
    if not args.token and not args.issue_token:
        parser.error("give --token KEY or --issue-token")
    configure(args)
    import django

    django.setup()
    token = issue_token() if args.issue_token else args.token
    if args.issue_token:
        say(f"token: {token}")
    paths = {
        "trivial": trivial_path(),
        "detail": f"/api/v1/agreements/{detail_pk()}/",
        "list": f"/api/v1/agreements/?{AGREEMENT_FILTER}&limit=50",
    }
    get = requester(token)
    results = {}
    for name, path in paths.items():
        if args.only and name not in args.only:
            continue
        results[name] = measure(get, path, args.requests, args.warmup, args.show_sql)
        say(f"{name:8} {path}")
    say(f"\ncache: {args.cache}; {args.requests} requests per path after {args.warmup} warm-up requests")
    say("(CPU: this process's, and its PostgreSQL backend's when on this machine, per request)")
    say(f"{'request':8} {'p50 ms':>8} {'p90 ms':>8} {'CPU ms':>8} {'PG CPU':>8} {'SQL (all)':>10} {'counted':>8}")
    for name, row in results.items():
        server = "-" if row["server_cpu_ms"] is None else f"{row['server_cpu_ms']:.2f}"
        say(
            f"{name:8} {row['p50_ms']:8.2f} {row['p90_ms']:8.2f} {row['cpu_ms']:8.2f} {server:>8} "
            f"{row['statements']:10} {row['counted']:8}"
        )
    if args.profile:
        for name in results:
            say(f"\n==== cProfile: {name} ({args.profile} requests), by cumulative time ====")
            say(profile(get, paths[name], args.profile, args.top))


if __name__ == "__main__":
    main()
