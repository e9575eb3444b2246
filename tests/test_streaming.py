"""Long exports under gunicorn: they outlive the worker timeout while they send, and a cut one says so.

gunicorn runs with the project's configuration, production settings and a
worker timeout of 2 s, on this test's own database (the rows each test
commits are what it serves). A dyad table of a few megabytes is read by a
deliberately slow client, so that sending it takes several times the
timeout; and a stream whose database connection dies part-way must end with
its ``# incomplete`` line and without the final chunk of a chunked response,
never as a file that looks whole.
"""

from __future__ import annotations

import datetime
import socket
import time
from typing import Any

import psycopg2
import pytest
import requests
from django.db import connection
from requests.adapters import HTTPAdapter

from partnerships.models import Agreement, AgreementParty, ApiToken, Nation
from tests.factories import UserFactory
from tests.processes import database_url, served_environment, start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 2


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        own = dict(connection.settings_dict)
    # --preload: the workers start from a loaded app, so that booting never takes longer than the timeout itself.
    env = served_environment(
        database_url(own), GUNICORN_TIMEOUT=str(TIMEOUT), GUNICORN_CMD_ARGS="--preload", DB_CONN_MAX_AGE="0"
    )
    process, base = start_gunicorn(env)
    yield {"base": base, "database": own}
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def token(transactional_db: None) -> str:
    user = UserFactory(username="exporter")
    return ApiToken.issue(user=user, name="exports").key


def _alliance(members: int, since: int) -> None:
    """One multilateral agreement of ``members`` nations, in force since ``since``: a row per pair and year."""
    nations = Nation.objects.bulk_create(
        Nation(name=f"Stream nation {n:03}", iso3=f"S{n // 26 % 26 + 65:c}{n % 26 + 65:c}", cow_code=3000 + n)
        for n in range(members)
    )
    agreement = Agreement.objects.create(
        title="Streaming alliance",
        kind="treaty",
        scope="multilateral",
        status="in_force",
        signed_on=datetime.date(since, 1, 1),
        in_force_from=datetime.date(since, 1, 1),
        provisions=["mutual_defense"],
    )
    AgreementParty.objects.bulk_create(AgreementParty(agreement=agreement, nation=nation) for nation in nations)


class _SmallWindow(HTTPAdapter):
    """A client socket with a small receive buffer: the server can only send as fast as the client reads."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["socket_options"] = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]
        super().init_poolmanager(*args, **kwargs)


def test_a_stream_longer_than_the_worker_timeout_arrives_whole(server: dict, token: str) -> None:
    _alliance(members=30, since=1960)  # 435 pairs x 67 years: about 29,000 rows, 3 MB
    session = requests.Session()
    session.mount("http://", _SmallWindow())
    started = time.monotonic()
    received = bytearray()
    with session.get(
        f"{server['base']}/api/v1/dyads/", headers={"Authorization": f"Token {token}"}, stream=True, timeout=60
    ) as response:
        assert response.status_code == 200
        for chunk in response.iter_content(chunk_size=16384):
            received += chunk
            # A slow client, 400 kB/s at most: the pace is the client's, so the download outlasts the worker
            # timeout however fast the server writes (it once wrote the 3 MB in under 4 s at 800 kB/s).
            time.sleep(0.04)
    elapsed = time.monotonic() - started
    lines = received.decode().splitlines()
    assert elapsed > 2 * TIMEOUT, f"the download took only {elapsed:.1f} s: the test proves nothing"
    assert lines[-1] == f"# complete: {len(lines) - 2} rows"
    assert len(lines) - 2 == 435 * (datetime.date.today().year - 1960 + 1)


def _blocked_backend(database: dict) -> int:
    """The pid of the server's connection waiting for a lock (the export, stopped after its header)."""
    with (
        psycopg2.connect(
            host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
        ) as probe,
        probe.cursor() as cursor,
    ):
        for _ in range(200):
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError("the export never waited for the lock")


def test_an_export_whose_database_connection_dies_ends_incomplete_and_aborted(server: dict, token: str) -> None:
    _alliance(members=3, since=2000)
    database = server["database"]
    # Hold the parties table, so that the export stops right after its header, waiting; then cut its connection,
    # as a database restart or a network failure would.
    holder = psycopg2.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE partnerships_agreementparty IN ACCESS EXCLUSIVE MODE")
        response = requests.get(
            f"{server['base']}/api/v1/dyads/", headers={"Authorization": f"Token {token}"}, stream=True, timeout=60
        )
        assert response.status_code == 200  # already sent: the status can no longer tell
        chunks = response.iter_content(chunk_size=None)
        received = bytearray(next(chunks))
        assert received.startswith(b"year,nation_a")
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [_blocked_backend(database)])
    finally:
        holder.rollback()
        holder.close()
    aborted = False
    try:
        for chunk in chunks:
            received += chunk
    except requests.exceptions.ChunkedEncodingError:
        aborted = True  # the transfer itself ended without its final chunk
    text = received.decode()
    assert text.splitlines()[-1] == (
        "# incomplete: the export stopped after 0 rows because the database became unavailable; this file is cut short."
    )
    assert "# complete" not in text
    assert aborted
