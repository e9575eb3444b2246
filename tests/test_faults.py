"""Faults: PostgreSQL stops under the app and comes back; a worker is killed mid-request.

A PostgreSQL server of its own (initdb into a temporary folder, with the
embedded package's binaries) runs under a gunicorn started with production
settings, so that the server can be stopped and started at will. Expected:
clean 503 answers (JSON for the API, a page for people) while it is down, no
partial rows, and the same app process serving again once it is back; an
import interrupted by the outage fails with a clear message and writes
nothing; killing a worker loses no committed data and leaves nothing
half-written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
import pytest
import requests

from registry_site.embedded_db import ensure_database, ensure_server, stop_server
from tests.processes import BASE_DIR, manage, served_environment, start_gunicorn

DATA = BASE_DIR / "data"


class Postgres:
    """A PostgreSQL server of the test's own (the embedded package's), in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.data = root / "postgres"

    def start(self) -> None:
        # The same folder gives the same unix socket: the app's settings stay valid across restarts.
        self.host, self.port = ensure_server(self.data)
        ensure_database(self.host, self.port, "faults")

    def stop(self) -> None:
        # As abrupt as a crash, and patient with a loaded machine.
        assert stop_server(self.data, mode="immediate", timeout=180)

    def url(self, name: str) -> str:
        return f"postgres://postgres@{quote(self.host, safe='')}:{self.port}/{name}"

    def query(self, sql: str) -> list[tuple]:
        with (
            psycopg2.connect(host=self.host, port=self.port, user="postgres", dbname="faults") as raw,
            raw.cursor() as cursor,
        ):
            cursor.execute(sql)
            return cursor.fetchall()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    postgres = Postgres(tmp_path_factory.mktemp("faults"))
    postgres.start()
    env = served_environment(postgres.url("faults"), DB_CONN_MAX_AGE="600")
    manage("migrate", "--verbosity", "0", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    key = (
        manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from partnerships.models import ApiToken;"
            "user = User.objects.create_superuser('faults', 'f@example.org', 'unused-password-1234');"
            "print(ApiToken.issue(user=user, name='faults', write_enabled=True).key)",
            env=env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server, base = start_gunicorn(env, workers=2)
    yield {"postgres": postgres, "env": env, "base": base, "key": key, "server": server}
    server.terminate()
    server.wait(timeout=30)
    postgres.stop()


def _post(stack: dict, path: str, body: dict) -> requests.Response:
    return requests.post(
        f"{stack['base']}{path}", json=body, timeout=30, headers={"Authorization": f"Token {stack['key']}"}
    )


def test_an_outage_answers_503_loses_nothing_and_heals_without_a_restart(stack: dict) -> None:
    postgres = stack["postgres"]
    assert _post(stack, "/api/v1/programs/", {"name": "Before", "program_type": "development"}).status_code == 201
    postgres.stop()
    try:
        write = _post(stack, "/api/v1/programs/", {"name": "During", "program_type": "development"})
        assert write.status_code == 503
        assert write.headers["Content-Type"].startswith("application/json")
        assert write.json()["type"] == "server_error" or write.json()["errors"]
        assert "Traceback" not in write.text
        read = requests.get(f"{stack['base']}/api/v1/programs/", timeout=30)
        assert read.status_code == 503
        page = requests.get(f"{stack['base']}/programs/", timeout=30)
        assert page.status_code == 503
        assert "database is not answering" in page.text
        ready = requests.get(f"{stack['base']}/readyz", timeout=30)
        assert ready.status_code == 503
        # Every 503 says when to try again.
        assert [int(response.headers["Retry-After"]) > 0 for response in (write, read, page, ready)] == [True] * 4
        assert requests.get(f"{stack['base']}/healthz", timeout=30).status_code == 200
    finally:
        postgres.start()
    assert stack["server"].poll() is None  # the same app server, never restarted
    recovered = None
    for _ in range(20):
        recovered = _post(stack, "/api/v1/programs/", {"name": "After", "program_type": "development"})
        if recovered.status_code == 201:
            break
        time.sleep(0.5)
    assert recovered.status_code == 201, recovered.text
    names = {row[0] for row in postgres.query("SELECT name FROM partnerships_program")}
    assert names == {"Before", "After"}


def test_an_import_interrupted_by_an_outage_writes_nothing(stack: dict) -> None:
    postgres = stack["postgres"]
    env = stack["env"]
    manage("import_data", "countries", str(DATA / "countries" / "country-codes.csv"), env=env)
    manage("import_data", "cow-states", str(DATA / "cow" / "states2016.csv"), env=env)
    before = postgres.query("SELECT count(*) FROM partnerships_agreement")[0][0]
    process = subprocess.Popen(
        [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "import_data",
            "cow-alliances",
            str(DATA / "cow" / "alliance_v4.1_by_member.csv"),
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Stop the server as soon as the import reports rows done: inside its one transaction.
    first = process.stderr.readline()
    while first and "rows (" not in first:
        first = process.stderr.readline()
    assert "rows (" in first, "the import never reported progress"
    postgres.stop()
    _, rest = process.communicate(timeout=120)
    stderr = first + rest
    postgres.start()
    assert process.returncode != 0
    assert "the database became unavailable during the import" in stderr
    assert "Traceback" not in stderr
    assert postgres.query("SELECT count(*) FROM partnerships_agreement")[0][0] == before


def test_a_killed_worker_loses_no_committed_data_and_leaves_nothing_half_written(stack: dict) -> None:
    postgres = stack["postgres"]
    nations = [row[0] for row in postgres.query("SELECT id FROM partnerships_nation WHERE iso3 IS NOT NULL LIMIT 40")]
    if len(nations) < 4:
        manage(
            "shell", "-c", "from partnerships.services.nations import seed_nations; seed_nations()", env=stack["env"]
        )
        nations = [row[0] for row in postgres.query("SELECT id FROM partnerships_nation LIMIT 40")]

    def create(index: int) -> tuple[int, int | None]:
        body = {
            "title": f"Crash test agreement {index}",
            "kind": "mou",
            "scope": "multilateral",
            "status": "signed",
            "signed_on": "2020-01-01",
            "parties": [{"nation": nations[(index + k) % len(nations)]} for k in range(3)],
        }
        try:
            response = _post(stack, "/api/v1/agreements/", body)
            return response.status_code, response.json().get("id") if response.status_code == 201 else None
        except requests.RequestException:
            return 0, None

    workers = [
        int(line.split()[0])
        for line in subprocess.run(["ps", "-o", "pid=,ppid=", "-A"], capture_output=True, text=True).stdout.splitlines()
        if line.split()[1] == str(stack["server"].pid)
    ]
    assert workers
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(create, index) for index in range(60)]
        time.sleep(0.3)
        os.kill(workers[0], signal.SIGKILL)  # mid-flight: gunicorn replaces the worker
        results = [future.result() for future in futures]
    created = {pk for status, pk in results if status == 201}
    assert created  # the surviving worker and the replacement went on serving
    rows = postgres.query(
        "SELECT a.id, count(p.id) FROM partnerships_agreement a LEFT JOIN partnerships_agreementparty p "
        "ON p.agreement_id = a.id WHERE a.title LIKE 'Crash test agreement %%' GROUP BY a.id"
    )
    saved = dict(rows)
    # Every acknowledged write is there; every agreement there is whole (its three parties).
    assert created <= set(saved)
    assert set(saved.values()) == {3}
    assert stack["server"].poll() is None
