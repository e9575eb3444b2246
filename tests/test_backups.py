"""Backup and restore: a dump restored into a new database holds every record and its whole history."""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from partnerships.models import Agreement, ApiToken
from partnerships.services.demo import load_demo
from tests.factories import ProgramFactory, UserFactory
from tests.processes import database_url, manage, production_environment, recreate_database

RESTORED = "registry_restore_check"


def _tables() -> list[str]:
    models = [model for model in apps.get_models() if model._meta.app_label in ("partnerships", "auth")]
    return sorted(model._meta.db_table for model in models)


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables():
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def restored_database(transactional_db: None):
    settings = connection.settings_dict
    recreate_database(settings, RESTORED)
    options = {
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }
    yield database_url(settings, RESTORED), options
    recreate_database(settings, RESTORED, create=False)


def _restore(path: Path, url: str) -> subprocess.CompletedProcess:
    return manage("restore_db", str(path), env=production_environment(DATABASE_URL=url), check=False)


def test_a_dump_restores_every_record_and_its_history(tmp_path: Path, restored_database) -> None:
    url, options = restored_database
    load_demo()
    edited = Agreement.objects.get(short_name="EDCA")
    edited.description = "Edited after loading, so that its history has two rows."
    edited.save()
    ProgramFactory(name="Restricted program", visibility="restricted")
    ApiToken.issue(user=UserFactory(username="backup-user"), name="kept", write_enabled=False)
    dump = tmp_path / "registry.dump"
    out = StringIO()
    call_command("backup_db", str(dump), stdout=out)
    assert dump.stat().st_size > 10_000
    assert "Wrote" in out.getvalue()
    assert not dump.with_name("registry.dump.partial").exists()

    result = _restore(dump, url)
    assert result.returncode == 0, result.stderr
    with connection.cursor() as cursor:
        before = _counts(cursor)
    with psycopg2.connect(dbname=RESTORED, **options) as restored, restored.cursor() as cursor:
        after = _counts(cursor)
        cursor.execute(
            "SELECT history_type, description, history_channel FROM partnerships_historicalagreement "
            "WHERE id = %s ORDER BY history_date",
            [edited.pk],
        )
        history = cursor.fetchall()
    assert after == before
    assert before["partnerships_historicalagreement"] >= before["partnerships_agreement"] > 10
    assert before["partnerships_historicalassessment"] > 0
    assert [row[0] for row in history] == ["+", "~"]
    assert history[-1][1] == "Edited after loading, so that its history has two rows."
    assert history[0][2] == "import"

    # Restoring again into the now full database is refused, and changes nothing.
    again = _restore(dump, url)
    assert again.returncode != 0
    assert "is not empty" in again.stderr


def test_backup_and_restore_explain_bad_paths(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore_db", str(tmp_path / "missing.dump"))
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup_db", str(tmp_path))
