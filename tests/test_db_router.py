"""The primary/replica router, against two real PostgreSQL servers and a real app server.

The primary is a database on the test's own server; the "replica" is a
database on a second embedded PostgreSQL started for this module. They are
filled differently on purpose (as a lagging replica would be), so that every
answer shows which server it came from.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import psycopg2
import pytest
import requests
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from registry_site import db_router
from registry_site.embedded_db import ensure_database, ensure_server, stop_server
from tests.processes import BASE_DIR, database_url, manage, recreate_database, served_environment, start_gunicorn


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        own = connection.settings_dict
    recreate_database(own, "registry_router_primary")
    replica_dir = tmp_path_factory.mktemp("replica") / "postgres"
    replica_host, replica_port = ensure_server(replica_dir)
    ensure_database(replica_host, replica_port, "registry_router_replica")
    primary_url = database_url(own, "registry_router_primary")
    replica_url = database_url(
        {"USER": "postgres", "HOST": replica_host, "PORT": replica_port}, "registry_router_replica"
    )
    # Both get the schema (a real replica would receive it by replication) and different marker rows.
    migrations = [
        subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--verbosity", "0"],
            env=served_environment(url),
            cwd=BASE_DIR,
        )
        for url in (primary_url, replica_url)
    ]
    assert [process.wait(timeout=300) for process in migrations] == [0, 0]
    for url, marker in ((primary_url, "Primary marker"), (replica_url, "Replica marker")):
        manage(
            "shell",
            "-c",
            f"from partnerships.models import Program; Program.objects.create(name={marker!r}, "
            "program_type='development')",
            env=served_environment(url),
        )
    key = (
        manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from partnerships.models import ApiToken; "
            "user = User.objects.create_superuser('router', 'router@example.org', 'x-unused-password-123'); "
            "print(ApiToken.issue(user=user, name='router', write_enabled=True).key)",
            env=served_environment(primary_url),
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server, base = start_gunicorn(served_environment(primary_url, DATABASE_REPLICA_URLS=replica_url))
    yield {"base": base, "key": key, "primary": primary_url, "replica": replica_url}
    server.terminate()
    server.wait(timeout=30)
    stop_server(replica_dir)


def _names(url: str) -> set[str]:
    import dj_database_url

    settings = dj_database_url.parse(url)
    with (
        psycopg2.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            dbname=settings["NAME"],
        ) as raw,
        raw.cursor() as cursor,
    ):
        cursor.execute("SELECT name FROM partnerships_program")
        return {row[0] for row in cursor.fetchall()}


def test_reads_come_from_the_replica_and_writes_go_to_the_primary(servers: dict) -> None:
    listing = requests.get(f"{servers['base']}/api/v1/programs/", timeout=30)
    assert listing.status_code == 200, listing.text
    assert [row["name"] for row in listing.json()["results"]] == ["Replica marker"]
    created = requests.post(
        f"{servers['base']}/api/v1/programs/",
        json={"name": "Written through the API", "program_type": "development"},
        headers={"Authorization": f"Token {servers['key']}"},
        timeout=30,
    )
    # The create reads its record back: from the primary, or it would not find it.
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Written through the API"
    assert "Written through the API" in _names(servers["primary"])
    assert "Written through the API" not in _names(servers["replica"])
    # The health check looks at the primary's migrations.
    assert requests.get(f"{servers['base']}/readyz", timeout=30).json()["status"] == "ok"


REPLICA = {"ENGINE": "django.db.backends.postgresql", "NAME": "unused", "HOST": "127.0.0.1", "PORT": "1"}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # only the router reads the copy
def test_the_router_rules() -> None:
    # No database: the router only reads settings and the connection's transaction state.
    from django.conf import settings

    router = db_router.PrimaryReplicaRouter()
    from partnerships.models import Program

    with override_settings(DATABASES={**settings.DATABASES, "replica1": REPLICA}):
        token = db_router._pinned.set(False)
        try:
            assert router.db_for_read(Program) == "replica1"
            from django.contrib.sessions.models import Session

            assert router.db_for_read(Session) == "default"
            connection.in_atomic_block = True
            try:
                assert router.db_for_read(Program) == "default"
            finally:
                connection.in_atomic_block = False
            # The rate-limit counts (the database cache) live on the primary, and
            # counting a request does not send its reads there.
            cache_entry = caches["default"].cache_model_class
            assert router.db_for_read(cache_entry) == "default"
            assert router.db_for_write(cache_entry) == "default"
            assert router.db_for_read(Program) == "replica1"
            assert router.db_for_write(Program) == "default"
            # After a write, the same request reads its own writes from the primary.
            assert router.db_for_read(Program) == "default"
        finally:
            db_router._pinned.reset(token)
        assert router.allow_migrate("default", "partnerships")
        assert not router.allow_migrate("replica1", "partnerships")
    assert router.db_for_read(Program) == "default"  # no replicas configured
