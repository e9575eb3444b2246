"""Load and soak test on loopback: gunicorn with production settings, many concurrent clients, zero errors.

    python3 bench/loadtest.py                       # 60 s at 64 concurrent connections
    python3 bench/loadtest.py --seconds 600 --soak  # 10 minutes, sampling each worker's memory

It starts its own gunicorn (registry_site/gunicorn.conf.py, DEBUG off,
persistent database connections) on the embedded PostgreSQL or DATABASE_URL,
in a separate database (``registry_loadtest``) loaded with the demo data, and
drives it from this process with a pool of client threads over a mix of
requests: API lists with filters, API details, the search page, network JSON,
and writes (create, change, delete a program through the API). Every answer
that is not the expected status counts as an error. The report (Markdown and
JSON) goes to bench/results/. Not part of the test suite; see the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
PYTHON = sys.executable


def environment(
    database_url: str | None, port: int, workers: int, *, database: str = "registry_loadtest"
) -> dict[str, str]:
    """Production settings for a gunicorn on loopback, on ``database_url`` or the embedded ``database``.

    A DATABASE_URL in this shell is not used unless given: a load run must not write into it.
    """
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "registry_site.settings",
            "REGISTRY_ENV_FILE": "/dev/null",
            "REGISTRY_NO_VENV": "1",
            "DEBUG": "false",
            "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DB_CONN_MAX_AGE": "600",
            "API_THROTTLE_ANON": "1000000/minute",
            "API_THROTTLE_USER": "1000000/minute",
            "REGISTRY_QUERY_COUNT_HEADER": "true",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_MAX_REQUESTS": "0",  # a soak must see the same workers throughout
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
        env["EMBEDDED_POSTGRES_DB"] = database
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, load the demo data, and make a user with a write token; return what the clients need."""
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")  # pages need the manifest, as in production
    manage(env, "load_demo")
    script = (
        "from django.contrib.auth.models import User; from partnerships.models import ApiToken, Agreement, Exercise;"
        "user, _ = User.objects.get_or_create(username='loadtest', defaults={'is_staff': True, 'is_superuser': True});"
        "user.set_password('load-test-password-42'); user.save();"
        "import json; print(json.dumps({'key': ApiToken.issue(user=user, name='load test', write_enabled=True).key,"
        "'agreements': list(Agreement.objects.values_list('pk', flat=True)),"
        "'exercises': list(Exercise.objects.values_list('pk', flat=True))}))"
    )
    return json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])


class Clients:
    """The request mix; each call returns (label, status ok?, seconds, queries)."""

    def __init__(self, base: str, data: dict[str, Any]) -> None:
        self.base, self.data = base, data
        self.local = threading.local()
        self.statuses: Counter = Counter()  # (label, unexpected status) -> count

    def session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Token {self.data['key']}"
            # The search page is a page: log in once per client with the form.
            login = f"{self.base}/accounts/login/"
            page = requests.Session()
            page.get(login, timeout=30)
            page.post(
                login,
                data={
                    "username": "loadtest",
                    "password": "load-test-password-42",
                    "csrfmiddlewaretoken": page.cookies.get("csrftoken", ""),
                },
                headers={"Referer": login},
                timeout=30,
            )
            session.cookies.update(page.cookies)
            self.local.session = session
        return session

    def call(self, label: str, method: str, path: str, expected: int, **kwargs: Any) -> tuple[str, bool, float, int]:
        started = time.perf_counter()
        try:
            response = self.session().request(method, f"{self.base}{path}", timeout=60, **kwargs)
            ok = response.status_code == expected
            if not ok:
                self.statuses[(label, response.status_code)] += 1
            queries = int(response.headers.get("X-Query-Count", 0))
            body = response.json() if ok and "json" in response.headers.get("Content-Type", "") else None
        except requests.RequestException:
            ok, queries, body = False, 0, None
        self.local.last = body
        return label, ok, time.perf_counter() - started, queries

    def one(self) -> list[tuple[str, bool, float, int]]:
        roll = random.random()
        if roll < 0.35:
            params = random.choice(["party=USA&in_force_on=2020-01-01", "party=PHL", "provisions=mutual_defense", ""])
            return [self.call("api list", "GET", f"/api/v1/agreements/?{params}&ordering=-signed_on", 200)]
        if roll < 0.55:
            pk = random.choice(self.data["agreements"])
            return [self.call("api detail", "GET", f"/api/v1/agreements/{pk}/", 200)]
        if roll < 0.65:
            pk = random.choice(self.data["exercises"])
            return [self.call("api detail", "GET", f"/api/v1/exercises/{pk}/", 200)]
        if roll < 0.80:
            term = random.choice(["Phillipines", "mutual defense", "Balikatan", "NATO"])
            return [self.call("search page", "GET", f"/search/?q={term}", 200)]
        if roll < 0.88:
            return [self.call("network", "GET", "/api/v1/network/?region=east_asia_pacific&as_of=2020-01-01", 200)]
        name = f"Load test program {secrets.token_hex(6)}"
        results = [
            self.call("write", "POST", "/api/v1/programs/", 201, json={"name": name, "program_type": "development"})
        ]
        created = self.local.last
        if results[0][1] and created:
            path = f"/api/v1/programs/{created['id']}/"
            results.append(self.call("write", "PATCH", path, 200, json={"acronym": "LT"}))
            results.append(self.call("write", "DELETE", path, 204))
        return results


def worker_rss(master: int) -> dict[int, int]:
    """Resident memory (kB) of each gunicorn worker (children of the master)."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            found[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--soak", action="store_true", help="Sample worker memory every 10 s and report its growth.")
    parser.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL"))
    parser.add_argument("--output", default=None, help="Report name (default: loadtest-<time> or soak-<time>).")
    args = parser.parse_args()

    env = environment(args.database_url, args.port, args.workers)
    data = prepare(env)
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(BASE_DIR / "registry_site/gunicorn.conf.py"), "registry_site.wsgi"],
        env=env,
        cwd=BASE_DIR,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        clients = Clients(base, data)
        latencies: dict[str, list[float]] = {}
        queries: dict[str, list[int]] = {}
        errors: Counter = Counter()
        samples: list[dict[str, Any]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()

        def loop() -> None:
            while time.monotonic() < deadline:
                for label, ok, seconds, count in clients.one():
                    with lock:
                        latencies.setdefault(label, []).append(seconds)
                        queries.setdefault(label, []).append(count)
                        if not ok:
                            errors[label] += 1

        def sample() -> None:
            while time.monotonic() < deadline:
                samples.append({"t": round(time.monotonic() - started), "rss_kb": worker_rss(server.pid)})
                time.sleep(10)

        with ThreadPoolExecutor(max_workers=args.connections + 1) as pool:
            if args.soak:
                pool.submit(sample)
            for _ in range(args.connections):
                pool.submit(loop)
        elapsed = time.monotonic() - started
        if args.soak:
            samples.append({"t": round(elapsed), "rss_kb": worker_rss(server.pid)})
    finally:
        server.terminate()
        server.wait(timeout=60)

    total = sum(len(v) for v in latencies.values())
    rows = {
        label: {
            "requests": len(values),
            "errors": errors[label],
            "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            "queries_per_request": round(statistics.mean(queries[label]), 1),
        }
        for label, values in sorted(latencies.items())
    }
    report: dict[str, Any] = {
        "kind": "soak" if args.soak else "load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "seconds": round(elapsed, 1),
        "connections": args.connections,
        "gunicorn_workers": args.workers,
        "requests": total,
        "errors": sum(errors.values()),
        "requests_per_second": round(total / elapsed, 1),
        "by_kind": rows,
    }
    if args.soak and samples:
        first, last = samples[0]["rss_kb"], samples[-1]["rss_kb"]
        # Growth is judged after a minute: the first requests load code and fill caches.
        warm = next((s["rss_kb"] for s in samples if s["t"] >= 60), first)
        report["memory"] = {
            "samples": samples,
            "workers": {
                str(pid): {
                    "start_mb": round(first[pid] / 1024, 1),
                    "after_60s_mb": round(warm.get(pid, 0) / 1024, 1),
                    "end_mb": round(last.get(pid, 0) / 1024, 1),
                }
                for pid in first
            },
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.output or f"{report['kind']}-{datetime.now(UTC):%Y%m%d-%H%M}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"# {report['kind'].capitalize()} test, {report['when']}",
        "",
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}; {args.connections} connections, "
        f"{args.workers} gunicorn workers, {report['seconds']} s: **{total} requests, {report['errors']} errors, "
        f"{report['requests_per_second']} requests/s**.",
        "",
        "| requests | count | errors | p50 ms | p95 ms | p99 ms | SQL queries each |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| {label} | {r['requests']} | {r['errors']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
            f"{r['queries_per_request']} |"
            for label, r in rows.items()
        ],
    ]
    if "memory" in report:
        lines += ["", "| worker | RSS at start (MB) | after 60 s | at the end |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {pid} | {m['start_mb']} | {m['after_60s_mb']} | {m['end_mb']} |"
            for pid, m in report["memory"]["workers"].items()
        ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    if clients.statuses:
        lines += ["", "Unexpected answers: " + ", ".join(f"{k[0]} {k[1]}: {n}" for k, n in clients.statuses.items())]
    sys.stdout.write("\n".join(lines) + "\n")
    if report["errors"]:
        sys.exit(f"{report['errors']} errors")


if __name__ == "__main__":
    main()
