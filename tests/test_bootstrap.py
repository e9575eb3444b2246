"""manage.py's start-up (registry_site/bootstrap.py): the process an operator starts is the one that serves."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from django.db import connection

from tests.processes import BASE_DIR, database_url, free_port, production_environment


@pytest.mark.django_db
def test_killing_the_process_id_of_runserver_stops_the_server() -> None:
    env = production_environment(DATABASE_URL=database_url(connection.settings_dict), ALLOWED_HOSTS="127.0.0.1")
    # As an operator starts it: with a Python outside the project's environment, which
    # manage.py switches to (REGISTRY_VENV names the one the tests run in).
    del env["REGISTRY_NO_VENV"]
    env["REGISTRY_VENV"] = sys.prefix
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    server = subprocess.Popen(
        [sys._base_executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"],  # type: ignore[attr-defined]
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    serving: list[psutil.Process] = []
    try:
        for _ in range(300):
            try:
                assert requests.get(health, timeout=2).status_code == 200
                break
            except requests.ConnectionError:
                assert server.poll() is None, "runserver exited before serving"
                time.sleep(0.2)
        # The started process id is the environment's Python, not a parent waiting for it.
        assert Path(psutil.Process(server.pid).cmdline()[0]) == Path(sys.prefix) / "bin" / "python"
        serving = psutil.Process(server.pid).children(recursive=True)  # the autoreloader's child serves
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        _gone, alive = psutil.wait_procs(serving, timeout=30)
        assert not alive, f"still running after its parent was killed: {alive}"
        with pytest.raises(requests.ConnectionError):
            requests.get(health, timeout=2)
    finally:
        if server.poll() is None:
            server.kill()
        for process in serving:
            if process.is_running():
                process.kill()
