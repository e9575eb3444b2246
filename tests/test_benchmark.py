"""The benchmark harness, end to end at a small scale, so that it cannot rot.

It builds the synthetic registry in a database of its own, serves it and the
raw-SQL baseline with gunicorn, drives every scenario from a separate load
process and writes the report. Times are not asserted: they belong to the
benchmark's report, not to the test suite. What is asserted is that every
scenario ran without errors, that the baseline answered the very same pages,
and that the report carries its figures, its plans and the machine's details.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import BASE_DIR, database_url, free_port, recreate_database

DATABASE = "registry_bench_check"
SCENARIOS = {
    "api-agreements",
    "api-exercises",
    "api-resources",
    "api-detail",
    "page-agreements",
    "search-two-words",
    "search-misspelled",
    "network-region",
    "strength-nation",
    "network-focused",
    "network-focused-depth-2",
    "page-network",
    "network-region-page",
    "page-partners",
    "page-compare",
    "sync-agreements",
    "dyads",
    "export-resources",
    "throughput-agreements",
    "throughput-two-servers",
}


@pytest.fixture
def bench_database(transactional_db: None):
    settings = connection.settings_dict
    recreate_database(settings, DATABASE)
    yield database_url(settings, DATABASE)
    recreate_database(settings, DATABASE, create=False)


def _run(url: str, results: Path) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "REGISTRY_NO_VENV": "1",
    }
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    port, baseline_port, second_port = sorted(ports)
    command = [sys.executable, str(BASE_DIR / "bench" / "benchmark.py"), "--scale", "S", "--database-url", url]
    command += ["--seconds", "1", "--throughput-seconds", "1", "--connections", "4", "--workers", "2"]
    command += ["--port", str(port), "--baseline-port", str(baseline_port), "--second-port", str(second_port)]
    command += ["--results", str(results), "--output", "check"]
    return subprocess.run(command, env=environment, cwd=BASE_DIR, capture_output=True, text=True, timeout=900)


def test_the_benchmark_runs_every_scenario_against_its_baseline(bench_database: str, tmp_path: Path) -> None:
    run = _run(bench_database, tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    report = json.loads((tmp_path / "check.json").read_text())

    assert report["scale"] == "S"
    rows = report["data"]["rows"]
    assert rows["agreement"] == 1000
    assert rows["resourcesharing"] == 10_000
    assert rows["organization"] == 200
    # As imported: every record of the sourced types has its source row.
    assert rows["agreementsource"] == rows["agreement"]
    assert rows["resourcesource"] == rows["resourcesharing"]
    assert rows["agreementalias"] > 0
    assert report["data"]["built"]["seconds"] > 0  # built in this run, in the empty database
    machine = report["machine"]
    assert machine["cpus"] >= 1
    assert machine["postgresql"].startswith("PostgreSQL")
    assert machine["load_tool"].startswith("wrk" if shutil.which("wrk") else "python")

    results = {result["key"]: result for result in report["scenarios"]}
    assert set(results) == SCENARIOS
    for key, result in results.items():
        api = result["api"]
        assert not api.get("errors"), (key, api)
        if "p50_ms" in api:
            assert api["requests"] > 0, key
            assert 0 < api["p50_ms"] <= api["p99_ms"], (key, api)
            assert result["queries"] > 0, key  # the X-Query-Count header was read
        if not key.startswith("throughput"):
            plan = result["explain"]["plan"]
            assert "actual time" in plan, key  # EXPLAIN (ANALYZE, BUFFERS)
            assert "Buffers" in plan, key
    for key in ("api-agreements", "api-exercises", "api-resources", "api-detail", "sync-agreements"):
        # The raw-SQL baseline answered the same records, in the same order, as the API.
        assert results[key]["same_answer"] is True, key
        assert "ratio" in results[key], key
    assert results["throughput-agreements"]["baseline"]["requests"] > 0
    assert results["throughput-agreements"]["share"] > 0
    # Two app servers on the same database and cache, both loaded at once: each answered, and the sum is compared
    # with one server's requests/s.
    two = results["throughput-two-servers"]
    assert len(two["servers"]) == 2
    assert all(server["requests"] > 0 and not server["errors"] for server in two["servers"])
    assert two["api"]["requests"] == sum(server["requests"] for server in two["servers"])
    assert two["scaling"] > 0
    assert report["settings"]["cache"] in ("redis", "database")

    # Streams: every visible agreement synced; dyad rows and the filtered export arrived, whole.
    public_agreements = results["sync-agreements"]["api"]["records"]
    assert public_agreements == results["sync-agreements"]["baseline"]["records"]
    assert 900 <= public_agreements < 1000  # 5 % are restricted and the analyst may not see them
    assert results["dyads"]["api"]["rows"] > 1000
    assert 0 < results["export-resources"]["api"]["rows"] <= 1100
    assert results["dyads"]["api"]["complete"]
    assert results["export-resources"]["api"]["complete"]

    markdown = (tmp_path / "check.md").read_text()
    assert "| scenario | target (at L) | registry |" in markdown
    assert "EXPLAIN (ANALYZE, BUFFERS)" in markdown
    assert markdown.count("\n| ") >= len(SCENARIOS) + 1


def test_the_synthetic_registry_is_the_same_for_the_same_seed() -> None:
    from bench.synthetic import Generator

    nations = [{"id": n, "iso3": code, "name": code} for n, code in enumerate(["USA", "GBR", "FRA", "PHL", "AAA"], 1)]

    def sample(seed: int) -> list[list]:
        generator = Generator(scale="S", seed=seed, nations=nations)
        organizations = list(generator.organization_rows())
        agreements = list(generator.agreement_rows())
        aliases = list(generator.agreement_alias_rows())[:10]
        sources = [line.split("\t") for line in generator.source_lines(5)]
        return organizations[:20] + agreements[:50] + aliases + sources + list(generator.party_rows())[:200]

    first, again, other = sample(7), sample(7), sample(8)
    assert first == again
    assert first != other
    # Most parties are the hub nations: the first of the ranking (the United States) leads.
    parties = [row for row in sample(7) if len(row) == 11 and row[6] == "party"]
    nations_seen = [row[3] for row in parties if row[3] is not None]
    assert max(set(nations_seen), key=nations_seen.count) == 1


def test_the_synthetic_rows_carry_the_nation_each_actor_counts_as() -> None:
    """The load runs with triggers off: the generator writes ``actor_nation`` as the triggers would."""
    from bench.synthetic import COLUMNS, Generator

    nations = [{"id": n, "iso3": code, "name": code} for n, code in enumerate(["USA", "GBR", "FRA", "PHL", "AAA"], 1)]
    generator = Generator(scale="S", seed=7, nations=nations)
    nation_at = COLUMNS["partnerships_organization"].index("nation_id")
    organization_nation = {row[0]: row[nation_at] for row in generator.organization_rows()}
    list(generator.agreement_rows())

    def counted(columns: list[str], row: list, side: str = "") -> tuple:
        nation, organization = row[columns.index(f"{side}nation_id")], row[columns.index(f"{side}organization_id")]
        expected = nation if nation is not None else organization_nation[organization]
        return row[columns.index(f"{side}actor_nation_id")], expected

    columns = COLUMNS["partnerships_agreementparty"]
    pairs = [counted(columns, row) for row in generator.party_rows()]
    columns = COLUMNS["partnerships_exerciseparticipant"]
    list(generator.exercise_rows())
    pairs += [counted(columns, row) for row in generator.participant_rows()]
    columns = COLUMNS["partnerships_resourcesharing"]
    for row in generator.resource_rows():
        pairs += [counted(columns, row, "provider_"), counted(columns, row, "recipient_")]
    assert all(len(row) == len(columns) for row in generator.resource_rows())
    assert all(kept == expected for kept, expected in pairs)
    # Organizations are among the actors, multinational ones (no nation) too.
    assert any(kept is None for kept, _ in pairs)


def test_a_latency_scenario_with_no_answer_in_its_window_misses_its_target() -> None:
    from bench.benchmark import Scenario, judge

    scenario = Scenario("page-x", "A page", "latency", "/x/", "p50 ≤ 150 ms", limits={"p50_ms": 150})
    assert judge(scenario, {"api": {"requests": 0, "p50_ms": 0.0, "errors": 0}}) == [
        "no request completed within the run"
    ]
    assert judge(scenario, {"api": {"requests": 12, "p50_ms": 90.0, "errors": 0}}) == []
