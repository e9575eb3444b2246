"""The performance benchmark: a synthetic registry (scale S, M or L) served as in production, against raw SQL.

    .venv/bin/python bench/benchmark.py --scale L            # build (once) and measure scale L
    .venv/bin/python bench/benchmark.py --scale S --seconds 3 # a quick run

1. The database ``registry_bench_<scale>`` on the embedded PostgreSQL (or
   ``--database-url``) is migrated and filled by ``bench/synthetic.py`` when
   it holds no agreements (``--rebuild`` replaces what is there).
2. gunicorn serves the registry with the production settings (DEBUG off,
   persistent connections, ``registry_site/gunicorn.conf.py``) on loopback,
   and a second gunicorn serves the raw-SQL baseline (``bench/baseline.py``)
   from the same database with as many workers.
3. Each scenario is measured from this separate process: wrk (Debian's
   package; a Python client when wrk is not installed) for latency (one
   connection, requests back to back) and throughput (``--connections``),
   and a streaming Python client for the cursor sync and the exports, which
   also samples the workers' memory. Every request is authenticated as an
   analyst without the restricted-records permission, so visibility rules
   apply as they do for most users.
4. The main (slowest) SQL query of each scenario is run once more under
   ``EXPLAIN (ANALYZE, BUFFERS)`` and its plan goes into the report.

The report, Markdown and JSON with the machine's details, goes to
``bench/results/benchmark-<scale>.{md,json}``. Nothing here asserts times:
the targets are compared and reported, the ratio to the baseline measured in
the same run being the figure that counts on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.loadtest import environment as loadtest_environment  # noqa: E402
from bench.loadtest import percentile, worker_rss  # noqa: E402
from bench.synthetic import SCALES  # noqa: E402

RESULTS = BASE_DIR / "bench" / "results"
LUA = BASE_DIR / "bench" / "wrk_report.lua"
PYTHON = sys.executable
# Tables too big to scan on a hot path: a sequential scan of one of them is flagged in the report.
BIG_TABLES = (
    "partnerships_agreement",
    "partnerships_agreementparty",
    "partnerships_exercise",
    "partnerships_exerciseparticipant",
    "partnerships_resourcesharing",
    "partnerships_organization",
    "partnerships_agreementsource",
    "partnerships_exercisesource",
    "partnerships_resourcesource",
)

AGREEMENT_FILTER = "party=USA&in_force_on=2015-01-01&provisions=mutual_defense&ordering=-signed_on"
EXERCISE_FILTER = "participant=USA&start_date__gte=2000-01-01&domains=sea&ordering=-start_date"
RESOURCE_FILTER = "provider=USA&start_date__gte=2000-01-01&category=equipment&ordering=-start_date"
# The network page's default focused view (partnerships/services/network.py DEFAULT_LIMIT, DEFAULT_HUBS).
NETWORK_FOCUSED = "focus=USA&as_of=2015-01-01&depth=1&limit=20&hubs=6"


@dataclass
class Scenario:
    key: str
    title: str
    kind: str  # latency | sync | stream | throughput | throughput-pair (two registry servers)
    path: str
    target: str
    baseline: str | None = None
    auth: str = "token"  # token (API) or session (pages)
    limits: dict[str, float] = field(default_factory=dict)
    explain: bool = True


def scenarios(params: dict[str, Any]) -> list[Scenario]:
    list_limits = {"ratio": 2}
    return [
        Scenario("api-agreements", "API agreement list: party + in force on + provision, sorted, 50 per page",
                 "latency", f"/api/v1/agreements/?{AGREEMENT_FILTER}&limit=50",
                 "≤ 2x the baseline", baseline="/agreements/?limit=50", limits=list_limits),
        Scenario("api-exercises", "API exercise list: participant + start date + domain, sorted, 50 per page",
                 "latency", f"/api/v1/exercises/?{EXERCISE_FILTER}&limit=50",
                 "≤ 2x the baseline", baseline="/exercises/?limit=50", limits=list_limits),
        Scenario("api-resources", "API resource-sharing list: provider + start date + category, sorted, 50 per page",
                 "latency", f"/api/v1/resources/?{RESOURCE_FILTER}&limit=50",
                 "≤ 2x the baseline", baseline="/resources/?limit=50", limits=list_limits),
        Scenario("api-detail", f"API agreement detail (#{params['detail_pk']}: parties, exercises, transfers)",
                 "latency", f"/api/v1/agreements/{params['detail_pk']}/", "≤ 3x the baseline",
                 baseline=f"/agreements/{params['detail_pk']}/", limits={"ratio": 3}),
        Scenario("page-agreements", "HTML agreement list page with the same filters", "latency",
                 f"/agreements/?{AGREEMENT_FILTER}", "p50 ≤ 60 ms", auth="session", limits={"p50_ms": 60}),
        Scenario("search-two-words", "Global search: “maritime patrol”", "latency", "/search/?q=maritime+patrol",
                 "p50 ≤ 60 ms", auth="session", limits={"p50_ms": 60}),
        Scenario("search-misspelled", "Global search, misspelled: “Balikatn”", "latency", "/search/?q=Balikatn",
                 "p50 ≤ 60 ms", auth="session", limits={"p50_ms": 60}),
        # outside=false: the region's own links, as this scenario measured before regions kept outside partners.
        Scenario("network-region", "Network JSON: Europe & Central Asia as of 2015-01-01, its own links", "latency",
                 "/api/v1/network/?region=europe_central_asia&as_of=2015-01-01&outside=false", "p50 ≤ 300 ms",
                 limits={"p50_ms": 300}),
        Scenario("strength-nation", "Partnership strength: the U.S.'s partners in 2000, ranked (JSON)", "latency",
                 "/api/v1/strength/?nation=USA&year=2000", "p50 ≤ 150 ms", limits={"p50_ms": 150}),
        Scenario("network-focused", "Network JSON, the page's default focused view: the U.S. as of 2015-01-01, "
                 "its 20 strongest partners, hubs above 6 parties", "latency",
                 f"/api/v1/network/?{NETWORK_FOCUSED}", "p50 ≤ 150 ms", limits={"p50_ms": 150}),
        Scenario("network-focused-depth-2", "Network JSON: the same, partners of partners (depth 2)", "latency",
                 f"/api/v1/network/?{NETWORK_FOCUSED.replace('depth=1', 'depth=2')}", "p50 ≤ 300 ms",
                 limits={"p50_ms": 300}),
        Scenario("network-region-page", "Network JSON: Europe & Central Asia as the page asks for it (hubs above 6 "
                 "parties, the 200 strongest links)", "latency",
                 "/api/v1/network/?region=europe_central_asia&as_of=2015-01-01&hubs=6&limit=200", "p50 ≤ 300 ms",
                 limits={"p50_ms": 300}),
        Scenario("page-network", "HTML network page (the script then fetches network-focused)", "latency",
                 "/network/?focus=USA&as_of=2015-01-01", "p50 ≤ 60 ms", auth="session", limits={"p50_ms": 60}),
        Scenario("page-partners", "Partners page: the U.S. on 2015-01-01, every link kind", "latency",
                 "/partners/?nation=USA&on=2015-01-01", "p50 ≤ 150 ms", auth="session", limits={"p50_ms": 150}),
        Scenario("page-compare", "Comparison page: the U.S. and the U.K. (agreements, exercises, transfers, overlap)",
                 "latency", "/compare/?a=USA&b=GBR", "p50 ≤ 150 ms", auth="session", limits={"p50_ms": 150}),
        Scenario("sync-agreements", "Full cursor sync of all agreements (1,000 per page)", "sync",
                 "/api/v1/agreements/?after=0&limit=1000", "≥ 5,000 records/s",
                 baseline="/agreements/?after=0&limit=1000", limits={"rows_per_s": 5000}),
        Scenario("dyads", "Dyad-year export over all years, streamed (CSV)", "stream", "/api/v1/dyads/",
                 "≥ 100,000 rows/s, memory growth < 300 MB", limits={"rows_per_s": 100_000, "memory_mb": 300}),
        Scenario("export-resources", f"CSV export of {params['export_rows']:,} filtered resource-sharing records",
                 "stream", f"/resources/?export=csv&category=equipment&start_date__gte={params['export_from']}",
                 "first byte < 1 s, ≥ 30,000 rows/s", auth="session",
                 limits={"first_byte_s": 1, "rows_per_s": 30_000}),
        Scenario("throughput-agreements", "Throughput: the filtered API agreement list, many clients", "throughput",
                 f"/api/v1/agreements/?{AGREEMENT_FILTER}&limit=50", "≥ 0.5 of the baseline's requests/s, no errors",
                 baseline="/agreements/?limit=50", limits={"throughput_share": 0.5}, explain=False),
        Scenario("throughput-two-servers", "Throughput: the same, two app servers (gunicorn instances) on one "
                 "database and one shared cache, half the clients each", "throughput-pair",
                 f"/api/v1/agreements/?{AGREEMENT_FILTER}&limit=50", "no errors; adds up with a core per server",
                 explain=False),
    ]  # fmt: skip


# ---- preparing the database -------------------------------------------------
def environment(args: argparse.Namespace, port: int) -> dict[str, str]:
    database = f"registry_bench_{args.scale.lower()}"
    env = loadtest_environment(args.database_url, port, args.workers, database=database)
    env["GUNICORN_TIMEOUT"] = "600"  # the dyad table of scale L streams for minutes
    return env


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Migrate, build or reuse the synthetic data, make the analyst; return the run's parameters."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.synthetic import TABLES, build
    from partnerships.models import Agreement, ApiToken

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages need the manifest, as in production
    built: dict[str, Any] | None = None
    if args.rebuild or not Agreement.objects.exists():
        say(f"Building scale {args.scale} (seed {args.seed})…")
        counts = build(scale=args.scale, seed=args.seed, replace=args.rebuild)
        steps = {name: round(seconds, 1) for name, seconds in counts.seconds.items()}
        built = {"seconds": steps["total"], "steps": steps}
    user, _ = User.objects.get_or_create(username="bench-analyst")
    user.set_password(secrets.token_urlsafe(16))
    user.save()
    token = ApiToken.issue(user=user, name=f"benchmark {datetime.now(UTC):%Y-%m-%d %H:%M}", write_enabled=False)
    client = Client()
    client.force_login(user)
    with connection.cursor() as cursor:
        rows = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[table.removeprefix("partnerships_")] = cursor.fetchone()[0]
        cursor.execute("SELECT version(), pg_database_size(current_database())")
        server, size = cursor.fetchone()
        # The detail scenario's agreement: public, with parties, exercises and transfers, the most linked one.
        cursor.execute(
            """SELECT a.id FROM partnerships_agreement a
               WHERE a.visibility = 'public'
                 AND EXISTS (SELECT 1 FROM partnerships_exercise e WHERE e.agreement_id = a.id)
                 AND EXISTS (SELECT 1 FROM partnerships_resourcesharing r WHERE r.agreement_id = a.id)
               ORDER BY (SELECT count(*) FROM partnerships_agreementparty p WHERE p.agreement_id = a.id) DESC, a.id
               LIMIT 1"""
        )
        found = cursor.fetchone()
        detail_pk = found[0] if found else Agreement.objects.order_by("id").values_list("id", flat=True).first()
        # The export scenario: equipment records since the year that makes about 100,000 at scale L.
        wanted = int(100_000 * SCALES[args.scale])
        cursor.execute(
            """SELECT extract(year FROM start_date)::int, count(*) FROM partnerships_resourcesharing
               WHERE category = 'equipment' AND start_date IS NOT NULL GROUP BY 1 ORDER BY 1 DESC"""
        )
        total, export_from = 0, 2025
        for year, count in cursor.fetchall():
            if total >= wanted:
                break
            total, export_from = total + count, year
    return {
        "token": token.key,
        "session": client.cookies["sessionid"].value,
        "rows": rows,
        "postgresql": server,
        "database_mb": round(size / 2**20),
        "built": built,
        "detail_pk": detail_pk,
        "export_from": f"{export_from}-01-01",
        "export_rows": total,
    }


# ---- measuring ------------------------------------------------------------------
def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def headers_for(scenario: Scenario, params: dict[str, Any]) -> dict[str, str]:
    if scenario.auth == "session":
        return {"Cookie": f"sessionid={params['session']}"}
    return {"Authorization": f"Token {params['token']}"}


def run_wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> dict[str, Any]:
    threads = min(connections, os.cpu_count() or 1)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s"]
    command += ["-s", str(LUA)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 180)
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("WRK-JSON "))
    latency = data["latency_us"]
    return {
        "tool": "wrk",
        "requests": data["requests"],
        "errors": sum(data["errors"].values()),
        "requests_per_s": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(latency["p50"] / 1000, 1),
        "p95_ms": round(latency["p95"] / 1000, 1),
        "p99_ms": round(latency["p99"] / 1000, 1),
    }


def run_python(url: str, headers: dict[str, str], seconds: float, connections: int) -> dict[str, Any]:
    """The same measurement with a pool of Python clients, for machines without wrk."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.headers.update(headers)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=60).status_code < 400
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for _ in range(connections):
            pool.submit(client)
    elapsed = time.monotonic() - started
    return {
        "tool": "python",
        "requests": len(latencies),
        "errors": errors[0],
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def load(url: str, headers: dict[str, str], seconds: float, connections: int) -> dict[str, Any]:
    if shutil.which("wrk"):
        return run_wrk(url, headers, seconds, connections)
    return run_python(url, headers, seconds, connections)


def load_together(urls: list[str], headers: dict[str, str], seconds: float, connections: int) -> list[dict[str, Any]]:
    """Load several servers at once, ``connections`` clients each; one result per server."""
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        return list(pool.map(lambda url: load(url, headers, seconds, connections), urls))


def combined(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Several servers' loads as one: requests and errors added up, the slowest server's percentiles."""
    return {
        "tool": results[0]["tool"],
        "requests": sum(r["requests"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "requests_per_s": round(sum(r["requests_per_s"] for r in results), 1),
        **{key: max(r[key] for r in results) for key in ("p50_ms", "p95_ms", "p99_ms")},
    }


def query_count(url: str, headers: dict[str, str]) -> int | None:
    response = requests.get(url, headers=headers, timeout=600)
    response.raise_for_status()
    value = response.headers.get("X-Query-Count")
    return int(value) if value is not None else None


def sync(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Follow ``next`` links from ``url`` to the end; return records, pages and records/s."""
    session = requests.Session()
    session.headers.update(headers)
    records = pages = 0
    queries: list[int] = []
    started = time.perf_counter()
    next_url: str | None = url
    while next_url:
        response = session.get(next_url, timeout=600)
        response.raise_for_status()
        body = response.json()
        records += len(body["results"])
        pages += 1
        if "X-Query-Count" in response.headers:
            queries.append(int(response.headers["X-Query-Count"]))
        next_url = body["next"]
    seconds = time.perf_counter() - started
    return {
        "records": records,
        "pages": pages,
        "seconds": round(seconds, 2),
        "rows_per_s": round(records / seconds),
        "queries_per_page": round(statistics.mean(queries), 1) if queries else None,
    }


def stream(url: str, headers: dict[str, str], master: int) -> dict[str, Any]:
    """Download a streamed CSV: time to first byte, rows/s, and the growth of the busiest worker's memory."""
    before = worker_rss(master)
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid, rss in worker_rss(master).items():
                peak[pid] = max(peak.get(pid, 0), rss)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = size = 0
    tail = b""
    first_byte = None
    started = time.perf_counter()
    try:
        with requests.get(url, headers=headers, stream=True, timeout=3600) as response:
            response.raise_for_status()
            queries = response.headers.get("X-Query-Count")
            for chunk in response.iter_content(chunk_size=65536):
                if first_byte is None and chunk:
                    first_byte = time.perf_counter() - started
                lines += chunk.count(b"\n")
                size += len(chunk)
                tail = (tail + chunk)[-300:]
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    # A whole export ends with "# complete: N rows" (partnerships.services.exports); a cut one does not.
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode(errors="replace")
    complete = last.startswith("# complete: ")
    rows = int(last.split()[2]) if complete else max(lines - 1, 0)
    growth = max((peak[pid] - before.get(pid, peak[pid]) for pid in peak), default=0)
    return {
        "rows": rows,
        "complete": complete,
        "megabytes": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or seconds, 3),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "memory_mb": round(growth / 1024, 1),
        "queries": int(queries) if queries is not None else None,
    }


def explain(scenario: Scenario, params: dict[str, Any]) -> dict[str, Any]:
    """Run the scenario in this process once, then EXPLAIN (ANALYZE, BUFFERS) its slowest query."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from partnerships.services.network_focus import STEP_TABLE

    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(User.objects.get(username="bench-analyst"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(scenario.path)
        if getattr(response, "streaming", False):
            for _ in response.streaming_content:
                pass
    # A query over a temporary table of the request (the focused network's steps) cannot be run again here.
    statements = [
        q
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH")) and STEP_TABLE not in q["sql"]
    ]
    if not statements:
        return {"sql": None, "plan": None, "seq_scans": []}
    main = max(statements, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scans = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)) & set(BIG_TABLES))
    return {"sql": main["sql"], "seconds": float(main["time"]), "plan": plan, "seq_scans": scans}


def same_answer(url: str, headers: dict[str, str], baseline_url: str, base: str, baseline_base: str) -> bool:
    """Whether the baseline answers the same page as the registry: same records, same JSON (hosts aside).

    Counts are compared when the registry's is exact; both count exactly up to 1,000.
    """
    ours = requests.get(url, headers=headers, timeout=600).json()
    theirs = json.loads(requests.get(baseline_url, timeout=600).text.replace(baseline_base, base))
    if "results" not in ours:
        return ours == theirs
    ours_next, theirs_next = ours.get("next"), theirs.get("next")
    same = ours["results"] == theirs["results"] and (ours_next is None) == (theirs_next is None)
    if ours.get("count_exact"):
        same = same and ours["count"] == theirs["count"]
    return same


def judge(scenario: Scenario, result: dict[str, Any]) -> list[str]:
    """Return the targets ``result`` misses (empty: all met)."""
    missed = []
    limits = scenario.limits
    api = result.get("api", {})
    if scenario.kind == "latency" and api.get("requests") == 0:
        # Not one answer within the window: its percentiles read 0 ms, which is no figure at all.
        missed.append("no request completed within the run")
    if "p50_ms" in limits and api.get("p50_ms", 0) > limits["p50_ms"]:
        missed.append(f"p50 {api['p50_ms']} ms > {limits['p50_ms']} ms")
    if "p99_ms" in limits and api.get("p99_ms", 0) > limits["p99_ms"]:
        missed.append(f"p99 {api['p99_ms']} ms > {limits['p99_ms']} ms")
    if "ratio" in limits and result.get("ratio") and result["ratio"] > limits["ratio"]:
        missed.append(f"{result['ratio']}x the baseline > {limits['ratio']}x")
    if "rows_per_s" in limits and (api.get("rows_per_s") or 0) < limits["rows_per_s"]:
        missed.append(f"{api.get('rows_per_s')} rows/s < {limits['rows_per_s']:,}")
    if "memory_mb" in limits and api.get("memory_mb", 0) >= limits["memory_mb"]:
        missed.append(f"memory grew {api['memory_mb']} MB ≥ {limits['memory_mb']} MB")
    if "first_byte_s" in limits and api.get("first_byte_s", 0) >= limits["first_byte_s"]:
        missed.append(f"first byte after {api['first_byte_s']} s ≥ {limits['first_byte_s']} s")
    share = result.get("share")
    if "throughput_share" in limits and share is not None and share < limits["throughput_share"]:
        missed.append(f"{result['share']:.2f} of the baseline's throughput < {limits['throughput_share']:g}")
    if api.get("errors"):
        missed.append(f"{api['errors']} errors")
    return missed


def start(command: list[str], env: dict[str, str], base: str, probe: str) -> subprocess.Popen:
    port = int(base.rsplit(":", 1)[1])
    with socket.socket() as probe_socket:
        if probe_socket.connect_ex(("127.0.0.1", port)) == 0:
            # Something else answers there: the probe would measure it instead.
            raise SystemExit(f"port {port} is already in use: choose another with --port or --baseline-port")
    server = subprocess.Popen(command, env=env, cwd=BASE_DIR)
    for _ in range(300):
        try:
            if requests.get(base + probe, timeout=2).status_code < 500:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{' '.join(command)} did not start")


def machine(params: dict[str, Any]) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"MemTotal:\s*(\d+)", meminfo)
    wrk = None
    if shutil.which("wrk"):
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BASE_DIR)
    import django

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "memory_gb": round(int(memory.group(1)) / 2**20, 1) if memory else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": params["postgresql"].split(" on ")[0],
        "load_tool": wrk or "python client (wrk not installed)",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit.stdout.strip() or None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = environment(args, args.port)
    params = prepare(args, env)
    report: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(params),
        "data": {"rows": params["rows"], "database_mb": params["database_mb"], "built": params["built"]},
        "settings": {
            "seconds": args.seconds,
            "connections": args.connections,
            "gunicorn_workers": args.workers,
            "cache": "redis" if env.get("REDIS_URL") else "database",
        },
        "scenarios": [],
    }
    baseline_port = args.baseline_port or args.port + 1
    base, baseline_base = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{baseline_port}"
    gunicorn = [PYTHON, "-m", "gunicorn", "-c", str(BASE_DIR / "registry_site/gunicorn.conf.py")]
    baseline_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{baseline_port}"}
    chosen = [s for s in scenarios(params) if not args.only or s.key in args.only]
    servers: list[subprocess.Popen] = []
    try:
        # Inside the try: if the second server cannot start, the first one is stopped too.
        servers.append(start([*gunicorn, "registry_site.wsgi"], env, base, "/readyz"))
        server = servers[0]
        servers.append(start([*gunicorn, "bench.baseline:application"], baseline_env, baseline_base, "/agreements/1/"))
        second_port = args.second_port or baseline_port + 1
        second_base = f"http://127.0.0.1:{second_port}"
        if any(scenario.kind == "throughput-pair" for scenario in chosen):
            # A second app server: its own gunicorn, the same database and the same shared cache.
            second_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{second_port}"}
            servers.append(start([*gunicorn, "registry_site.wsgi"], second_env, second_base, "/readyz"))
        for scenario in chosen:
            say(f"  {scenario.key}…")
            headers = headers_for(scenario, params)
            url = base + scenario.path
            result: dict[str, Any] = {"key": scenario.key, "title": scenario.title, "target": scenario.target}
            if scenario.baseline and scenario.kind != "throughput":
                result["same_answer"] = same_answer(
                    url, headers, baseline_base + scenario.baseline, base, baseline_base
                )
            if scenario.kind in ("latency", "throughput"):
                connections = 1 if scenario.kind == "latency" else args.connections
                seconds = args.seconds if scenario.kind == "latency" else args.throughput_seconds
                result["queries"] = query_count(url, headers)
                load(url, headers, min(seconds, 2), connections)  # warm up: connections, caches
                result["api"] = load(url, headers, seconds, connections)
                if scenario.baseline:
                    load(baseline_base + scenario.baseline, {}, min(seconds, 2), connections)
                    result["baseline"] = load(baseline_base + scenario.baseline, {}, seconds, connections)
                    if scenario.kind == "latency":
                        result["ratio"] = round(result["api"]["p50_ms"] / max(result["baseline"]["p50_ms"], 0.1), 2)
                    else:
                        result["share"] = round(
                            result["api"]["requests_per_s"] / max(result["baseline"]["requests_per_s"], 0.1), 2
                        )
            elif scenario.kind == "throughput-pair":
                urls = [url, second_base + scenario.path]
                half = max(1, args.connections // 2)
                result["queries"] = query_count(url, headers)
                load_together(urls, headers, min(args.throughput_seconds, 2), half)  # warm up both
                result["servers"] = load_together(urls, headers, args.throughput_seconds, half)
                result["api"] = combined(result["servers"])
                single = next((r for r in report["scenarios"] if r["key"] == "throughput-agreements"), None)
                if single:
                    # Does throughput add up? Two servers' requests/s over one server's, same clients in all.
                    result["scaling"] = round(
                        result["api"]["requests_per_s"] / max(single["api"]["requests_per_s"], 0.1), 2
                    )
            elif scenario.kind == "sync":
                result["api"] = sync(url, headers)
                if scenario.baseline:
                    result["baseline"] = sync(baseline_base + scenario.baseline, {})
                    result["ratio"] = round(result["baseline"]["rows_per_s"] / max(result["api"]["rows_per_s"], 1), 2)
            else:
                result["api"] = stream(url, headers, server.pid)
                result["queries"] = result["api"].pop("queries")
            result["missed"] = judge(scenario, result)
            report["scenarios"].append(result)
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=60)
    if not args.no_explain:
        for scenario, result in zip(chosen, report["scenarios"], strict=True):
            if scenario.explain:
                say(f"  EXPLAIN {scenario.key}…")
                result["explain"] = explain(scenario, params)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


# ---- the report ---------------------------------------------------------------
def figures(result: dict[str, Any]) -> str:
    api = result["api"]
    if "p50_ms" in api:
        text = f"p50 {api['p50_ms']} / p95 {api['p95_ms']} / p99 {api['p99_ms']} ms, {api['requests_per_s']} req/s"
    elif "records" in api:
        text = f"{api['records']:,} records in {api['seconds']} s: **{api['rows_per_s']:,} records/s**"
    else:
        text = (
            f"{api['rows']:,} rows ({api['megabytes']} MB) in {api['seconds']} s: **{api['rows_per_s']:,} rows/s**, "
            f"first byte {api['first_byte_s']} s, memory +{api['memory_mb']} MB"
        )
    if api.get("errors"):
        text += f", **{api['errors']} errors**"
    return text


def baseline_figures(result: dict[str, Any]) -> str:
    base = result.get("baseline")
    if not base:
        return "-"
    if "p50_ms" in base:
        return f"p50 {base['p50_ms']} / p99 {base['p99_ms']} ms, {base['requests_per_s']} req/s"
    return f"{base['rows_per_s']:,} records/s"


def ratio_text(result: dict[str, Any]) -> str:
    if "scaling" in result:
        return f"{result['scaling']:.2f}x one server's req/s"
    if "share" in result:
        return f"{result['share']:.2f} of its req/s"
    if "ratio" in result:
        return f"{result['ratio']}x"
    return "-"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    rows = report["data"]["rows"]
    built = report["data"]["built"]
    lines = [
        f"# Benchmark, scale {report['scale']} (seed {report['seed']}), {report['when']}",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, {m['platform']}; Python {m['python']}, "
        f"Django {m['django']}, {m['postgresql']}; load tool {m['load_tool']}; load average "
        f"{m['load_average_at_start']} at the start, {m.get('load_average_at_end')} at the end; commit {m['commit']}.",
        "",
        "Data: "
        + ", ".join(f"{count:,} {table}" for table, count in rows.items())
        + f"; {report['data']['database_mb']:,} MB. "
        + (f"Built in {built['seconds']} s." if built else "Reused from an earlier build."),
        "",
        f"gunicorn with {report['settings']['gunicorn_workers']} workers (registry and baseline alike); latency with "
        "one "
        f"connection for {report['settings']['seconds']} s per scenario; throughput with "
        f"{report['settings']['connections']} connections. Ratio: registry p50 ÷ baseline p50 (sync: baseline "
        "records/s ÷ registry's); throughput: registry req/s ÷ baseline req/s.",
        "",
        "| scenario | target (at L) | registry | SQL queries | raw-SQL baseline | ratio | targets missed |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in report["scenarios"]:
        queries = result.get("queries")
        if queries is None and "queries_per_page" in result["api"]:
            queries = f"{result['api']['queries_per_page']} per page"
        lines.append(
            f"| {result['title']} | {result['target']} | {figures(result)} | {queries if queries is not None else '-'} "
            f"| {baseline_figures(result)} | {ratio_text(result)} | {'; '.join(result['missed']) or 'none'} |"
        )
    explained = [r for r in report["scenarios"] if r.get("explain", {}).get("plan")]
    if explained:
        lines += ["", "## Main query of each scenario: EXPLAIN (ANALYZE, BUFFERS)", ""]
        for result in explained:
            scans = result["explain"]["seq_scans"]
            lines += [
                f"### {result['title']}",
                "",
                f"Slowest of its queries ({result['explain']['seconds'] * 1000:.1f} ms when captured); "
                + (f"sequential scan of {', '.join(scans)}." if scans else "no sequential scan of a large table."),
                "",
                "```sql",
                result["explain"]["sql"],
                "```",
                "",
                "```",
                result["explain"]["plan"],
                "```",
                "",
            ]
    return "\n".join(lines) + "\n"


def headline(result: dict[str, Any]) -> str:
    """One scenario's main figure, short enough for a table cell."""
    api = result["api"]
    if "records" in api:
        return f"{api['rows_per_s']:,} rec/s"
    if "rows" in api:
        return f"{api['rows_per_s']:,} rows/s, +{api['memory_mb']:.0f} MB, 1st byte {api['first_byte_s']:.2f} s"
    if result["key"].startswith("throughput"):
        return f"{api['requests_per_s']} req/s, {api['errors']} errors"
    return f"{api['p50_ms']:g} / {api['p99_ms']:g} ms"


def summary(reports: list[dict[str, Any]]) -> str:
    """A Markdown table of several reports side by side (the README's): figure, and ratio to the baseline."""
    scales = [report["scale"] for report in reports]
    lines = [
        "| scenario | target at L | " + " | ".join(f"{scale}: registry (ratio to baseline)" for scale in scales) + " |",
        "| --- | --- | " + " | ".join("---" for _ in scales) + " |",
    ]
    by_key = [{result["key"]: result for result in report["scenarios"]} for report in reports]
    for result in reports[-1]["scenarios"]:
        cells = []
        for results in by_key:
            found = results.get(result["key"])
            if found is None:
                cells.append("-")
                continue
            ratio = ratio_text(found)
            mark = "" if found["missed"] else " ✓"
            cells.append(headline(found) + (f" ({ratio})" if ratio != "-" else "") + mark)
        lines.append(f"| {result['title']} | {result['target']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="L")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="Replace the data already in the database.")
    parser.add_argument("--database-url", help="A database of its own (default: registry_bench_<scale>, embedded).")
    parser.add_argument("--seconds", type=float, default=10, help="Per latency scenario (default 10).")
    parser.add_argument("--throughput-seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32, help="Clients in the throughput scenario.")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8811, help="The registry's port.")
    parser.add_argument("--baseline-port", type=int, default=None, help="The baseline's port (default: the next).")
    parser.add_argument(
        "--second-port", type=int, default=None, help="The second app server's port (default: the baseline's + 1)."
    )
    parser.add_argument("--only", nargs="*", help="Run only these scenarios (keys).")
    parser.add_argument(
        "--redis-url",
        help="The app servers' shared cache (default: $REDIS_URL, else a Redis on 127.0.0.1:6379 if one answers; "
        "'none': the database cache).",
    )
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--output", default=None, help="Report name (default benchmark-<scale>).")
    parser.add_argument("--results", default=str(RESULTS), help="Folder for the report.")
    parser.add_argument(
        "--summary", nargs="+", metavar="SCALE", help="Print the saved reports of these scales side by side, and stop."
    )
    args = parser.parse_args(argv)
    if args.summary:
        reports = [json.loads((Path(args.results) / f"benchmark-{scale}.json").read_text()) for scale in args.summary]
        sys.stdout.write(summary(reports))
        return {"reports": reports}
    report = run(args)
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    name = args.output or f"benchmark-{args.scale}"
    (folder / f"{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    text = markdown(report)
    (folder / f"{name}.md").write_text(text)
    sys.stdout.write(text.split("\n## ")[0])
    return report


if __name__ == "__main__":
    main()
