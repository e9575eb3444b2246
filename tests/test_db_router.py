"""The primary/replica router, against two real PostgreSQL servers and a real app server.

The primary is a database on the test's own server; the "replica" is a
database on a second embedded PostgreSQL started for this module. They are
filled differently on purpose (as a lagging replica would be), so that every
answer shows which server it came from.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
import pytest
import requests
from django.db import connection
from django.test import override_settings

from registry_site import db_router
from registry_site.embedded_db import ensure_database, ensure_server, stop_server

BASE_DIR = Path(__file__).resolve().parent.parent


def _url(host: str, port: int | str, name: str, user: str = "postgres", password: str = "") -> str:
    credentials = user + (f":{quote(password)}" if password else "")
    return f"postgres://{credentials}@{quote(host, safe='')}:{port}/{name}"


def _environment(**extra: str) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "registry_site.settings",
        "REGISTRY_ENV_FILE": "/dev/null",
        "REGISTRY_NO_VENV": "1",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "REGISTRY_PUBLIC_READ": "true",
        "API_THROTTLE_ANON": "100000/minute",
    }
    environment.update(extra)
    return environment


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _drop_and_create(host: str, port: int | str, name: str, user: str, password: str) -> None:
    admin = psycopg2.connect(host=host, port=port, user=user, password=password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    admin.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        own = connection.settings_dict
    primary_host, primary_port = own["HOST"], own["PORT"]
    user, password = own["USER"], own["PASSWORD"] or ""
    _drop_and_create(primary_host, primary_port, "registry_router_primary", user, password)
    replica_dir = tmp_path_factory.mktemp("replica") / "postgres"
    replica_host, replica_port = ensure_server(replica_dir)
    ensure_database(replica_host, replica_port, "registry_router_replica")
    primary_url = _url(primary_host, primary_port, "registry_router_primary", user, password)
    replica_url = _url(replica_host, replica_port, "registry_router_replica")
    # Both get the schema (a real replica would receive it by replication) and different marker rows.
    migrations = [
        subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--verbosity", "0"],
            env=_environment(DATABASE_URL=url),
            cwd=BASE_DIR,
        )
        for url in (primary_url, replica_url)
    ]
    assert [process.wait(timeout=300) for process in migrations] == [0, 0]
    for url, marker in ((primary_url, "Primary marker"), (replica_url, "Replica marker")):
        _manage(
            "shell",
            "-c",
            f"from partnerships.models import Program; Program.objects.create(name={marker!r}, "
            "program_type='development')",
            env=_environment(DATABASE_URL=url),
        )
    key = (
        _manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from partnerships.models import ApiToken; "
            "user = User.objects.create_superuser('router', 'router@example.org', 'x-unused-password-123'); "
            "print(ApiToken.issue(user=user, name='router', write_enabled=True).key)",
            env=_environment(DATABASE_URL=primary_url),
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "registry_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=_environment(DATABASE_URL=primary_url, DATABASE_REPLICA_URLS=replica_url),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
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
            assert router.db_for_write(Program) == "default"
            # After a write, the same request reads its own writes from the primary.
            assert router.db_for_read(Program) == "default"
        finally:
            db_router._pinned.reset(token)
        assert router.allow_migrate("default", "partnerships")
        assert not router.allow_migrate("replica1", "partnerships")
    assert router.db_for_read(Program) == "default"  # no replicas configured
