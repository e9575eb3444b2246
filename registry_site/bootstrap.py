"""Make ``python3 manage.py quickstart`` and ``python3 manage.py test`` work on a fresh machine.

This module uses only the standard library: it runs before Django is
installed. It creates the project's virtual environment in ``.venv``,
installs ``requirements.txt`` into it (again whenever the file changes), and
re-runs ``manage.py`` with that environment's Python.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_DIR = Path(os.environ.get("REGISTRY_VENV", BASE_DIR / ".venv"))
REQUIREMENTS = BASE_DIR / "requirements.txt"
STAMP = VENV_DIR / ".requirements.sha256"
# Commands that may build the environment themselves; others expect it to exist.
BOOTSTRAP_COMMANDS = {"quickstart", "test"}
MINIMUM_PYTHON = (3, 11)


def _say(message: str) -> None:
    print(f"[registry] {message}", file=sys.stderr, flush=True)


def _venv_python() -> Path:
    return VENV_DIR / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV_DIR.resolve()


def _requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def _install_requirements() -> None:
    python = str(_venv_python())
    if not _venv_python().exists():
        _say(f"creating the virtual environment in {VENV_DIR}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV_DIR)
    _say("installing requirements.txt (first run takes a minute)")
    quiet = [] if os.environ.get("CI") else ["--quiet"]
    subprocess.run(
        [python, "-m", "pip", "install", *quiet, "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
        check=True,
    )
    STAMP.write_text(_requirements_hash())


def _environment_is_current() -> bool:
    return _venv_python().exists() and STAMP.exists() and STAMP.read_text() == _requirements_hash()


def ensure_environment(argv: list[str]) -> None:
    """Build or refresh ``.venv`` when needed and re-run the command inside it.

    Return only when the current interpreter is the one to run Django with.
    ``manage.py test`` does not return: it becomes ``python -m pytest``.
    """
    if sys.version_info < MINIMUM_PYTHON:
        sys.exit(f"The registry needs Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer.")
    command = argv[1] if len(argv) > 1 else ""
    if os.environ.get("REGISTRY_NO_VENV") != "1":
        if command in BOOTSTRAP_COMMANDS and not _environment_is_current():
            try:
                _install_requirements()
            except subprocess.CalledProcessError as exc:
                sys.exit(f"Installing requirements failed (exit status {exc.returncode}).")
        if not _inside_venv():
            if not _venv_python().exists():
                sys.exit(
                    "The project's virtual environment does not exist yet: run "
                    "`python3 manage.py quickstart` (or `python3 manage.py test`) first."
                )
            python = str(_venv_python())
            os.execv(python, [python, str(BASE_DIR / "manage.py"), *argv[1:]])
    if command == "quickstart" and not (BASE_DIR / ".env").exists():
        shutil.copyfile(BASE_DIR / ".env.example", BASE_DIR / ".env")
        _say("created .env from .env.example (local development settings)")
    if command == "test":
        os.chdir(BASE_DIR)
        os.execv(sys.executable, [sys.executable, "-m", "pytest", *argv[2:]])
