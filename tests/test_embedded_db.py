"""The embedded PostgreSQL: one server shared safely by concurrent processes, data kept across restarts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from registry_site.embedded_db import server_status, stop_server
from tests.processes import manage, production_environment

BASE_DIR = Path(__file__).resolve().parent.parent

# Each process does what settings do (start or attach, create the database),
# then writes a row and reports which server instance answered.
CLIENT = """
import sys
from pathlib import Path
import psycopg2
from registry_site.embedded_db import database_settings

db = database_settings(Path(sys.argv[1]))
connection = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
connection.autocommit = True
with connection.cursor() as cursor:
    # CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL; take turns.
    cursor.execute("SELECT pg_advisory_lock(42)")
    cursor.execute("CREATE TABLE IF NOT EXISTS visits (process text)")
    cursor.execute("SELECT pg_advisory_unlock(42)")
    cursor.execute("INSERT INTO visits VALUES (%s)", [sys.argv[2]])
    cursor.execute("SELECT pg_postmaster_start_time(), (SELECT count(*) FROM visits)")
    started, visits = cursor.fetchone()
print(started.isoformat(), visits)
"""


def run_clients(data_dir: Path, names: list[str]) -> list[str]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, str(data_dir), name],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    return outputs


@pytest.fixture
def data_dir(tmp_path: Path):
    path = tmp_path / "pg"
    yield path
    stop_server(path)


def test_concurrent_processes_share_one_server_and_data_survives_a_restart(data_dir: Path) -> None:
    outputs = run_clients(data_dir, ["a", "b", "c", "d"])
    start_times = {line.split()[0] for line in outputs}
    assert len(start_times) == 1, f"more than one server answered: {outputs}"
    assert sorted(int(line.split()[1]) for line in outputs)[-1] == 4

    status = server_status(data_dir)
    assert status is not None
    assert status["socket_dir"] == str(data_dir)
    assert stop_server(data_dir) is True
    assert server_status(data_dir) is None
    assert stop_server(data_dir) is False

    (restarted,) = run_clients(data_dir, ["after-restart"])
    started_again, visits = restarted.split()
    assert started_again not in start_times
    assert int(visits) == 5


@pytest.fixture
def var_dir(tmp_path: Path):
    """A fresh REGISTRY_VAR_DIR; whatever server a test starts in it is stopped afterwards."""
    yield tmp_path
    stop_server(tmp_path / "postgres")


def test_status_only_looks_and_stop_never_starts(var_dir: Path) -> None:
    env = production_environment(REGISTRY_VAR_DIR=str(var_dir))
    status = manage("embedded_db", "status", env=env)
    assert status.stdout.startswith(f"not running; data in {var_dir / 'postgres'}")
    stop = manage("embedded_db", "stop", env=env)
    assert "was not running" in stop.stdout
    assert server_status(var_dir / "postgres") is None
    assert not (var_dir / "postgres" / "PG_VERSION").exists()  # not even created
