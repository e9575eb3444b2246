"""Configuration from the environment: helpers fail loudly, production refuses unsafe settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from registry_site.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the real settings in a fresh interpreter with exactly these variables."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="registry_site.settings",
        REGISTRY_ENV_FILE=os.devnull,
        # A URL keeps the settings from starting a database server; nothing connects to it.
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    environment.update(env)
    code = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


def test_production_settings_refuse_a_missing_secret_key() -> None:
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="registry.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_a_weak_secret_key() -> None:
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="registry.example.org", SECRET_KEY="django-insecure-abc")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_settings_refuse_missing_allowed_hosts() -> None:
    result = load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_debug_off_is_the_default() -> None:
    result = load_settings(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="registry.example.org")
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_development_settings_start_without_a_secret_key(tmp_path: Path) -> None:
    result = load_settings(DEBUG="true", REGISTRY_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout
    assert len((tmp_path / "development_secret_key").read_text()) >= 50


def test_a_misspelt_boolean_stops_start_up() -> None:
    result = load_settings(DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_a_database_other_than_postgresql_is_refused() -> None:
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite:///registry.db")
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), ("off", False), ("", True)])
def test_env_bool_reads_yes_and_no_words(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=True) is expected


def test_env_int_rejects_non_numbers_and_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="NUMBER='ten' is not an integer"):
        env_int("NUMBER", 1)
    monkeypatch.setenv("NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("NUMBER", 1, minimum=0)
    monkeypatch.setenv("NUMBER", "42")
    assert env_int("NUMBER", 1) == 42


def test_env_list_and_str_and_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.setenv("EMPTY", "  ")
    assert env_str("EMPTY", "fallback") == "fallback"
    monkeypatch.setenv("LEVEL", "warning")
    assert env_choice("LEVEL", "INFO", ["INFO", "WARNING"]) == "WARNING"
    monkeypatch.setenv("LEVEL", "loud")
    with pytest.raises(ImproperlyConfigured, match="not one of INFO, WARNING"):
        env_choice("LEVEL", "INFO", ["INFO", "WARNING"])
