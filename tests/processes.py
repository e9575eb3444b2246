"""Helpers for tests that run the registry as separate processes: manage.py commands and gunicorn.

They start from an operator's environment (production settings, DEBUG off),
not from the test settings, so what they exercise is what would be deployed.
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

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
WSGI_APPLICATION = "registry_site.wsgi"


def production_environment(**extra: str) -> dict[str, str]:
    """The environment of a production start: only what an operator would set, plus ``extra``."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "registry_site.settings",
        "REGISTRY_ENV_FILE": "/dev/null",
        "REGISTRY_NO_VENV": "1",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "registry.example.org",
    }
    environment.update(extra)
    return environment


def served_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings for an app server the tests reach over plain HTTP on loopback; ``extra`` wins."""
    environment = production_environment(
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        REGISTRY_PUBLIC_READ="true",
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
    )
    environment.update(extra)
    return environment


def manage(*args: str, env: dict[str, str], check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``manage.py`` with ``args`` in its own process; by default fail the test if it fails."""
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def database_url(settings: dict[str, Any], name: str | None = None) -> str:
    """A DATABASE_URL for a database (by default the one ``settings`` name) on the server of ``settings``."""
    credentials = settings["USER"] + (f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else "")
    host = quote(str(settings["HOST"]), safe="")
    return f"postgres://{credentials}@{host}:{settings['PORT']}/{name or settings['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], *, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """Start gunicorn with the project's configuration; return the process and its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(BASE_DIR / "registry_site/gunicorn.conf.py"),
            "registry_site.wsgi",
        ],
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
        },
        cwd=BASE_DIR,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{base}/healthz", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.2)
    return server, base


def recreate_database(settings: dict[str, Any], name: str, *, create: bool = True) -> None:
    """Drop database ``name`` if it exists and (unless ``create`` is false) create it empty."""
    import psycopg2

    admin = psycopg2.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        dbname="postgres",
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        admin.close()
