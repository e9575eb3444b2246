"""Concurrency: the same record created twice at once, the same file imported twice at once.

(Concurrent updates of one record under If-Match are in test_contract.py.)
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from partnerships.models import Agreement, AgreementParty, Nation, Program
from tests.api.conftest import Api
from tests.processes import BASE_DIR, database_url, production_environment

pytestmark = pytest.mark.django_db(transaction=True)
DATA = BASE_DIR / "data"


def _race(api: Api, path: str, payload: dict, clients: int = 6) -> list[Any]:
    barrier = threading.Barrier(clients)
    responses: list[Any] = [None] * clients

    def send(index: int) -> None:
        barrier.wait()
        responses[index] = api.post(path, payload)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_nation_created_at_once_is_created_once(writer_api: Api, attempt: int) -> None:
    payload = {"name": f"Raceland {attempt}", "iso3": "QRC", "iso2": "QR", "region": "south_asia"}
    responses = _race(writer_api, "nations", payload)
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) == 1, statuses
    assert Nation.objects.filter(iso3="QRC").count() == 1
    for response in responses:
        if response.status_code == 201:
            continue
        # Refused either by validation (the other had committed) or by the database (a true race).
        assert response.status_code in (400, 409), response.json()
        detail = " ".join(error["detail"] for error in response.json()["errors"])
        assert "already" in detail, detail


def test_the_same_program_name_created_at_once_is_a_clear_conflict(writer_api: Api) -> None:
    responses = _race(writer_api, "programs", {"name": "Shared Name Initiative", "program_type": "development"}, 8)
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert Program.objects.filter(name__iexact="Shared Name Initiative").count() == 1
    conflicts = [r.json()["errors"][0]["detail"] for r in responses if r.status_code == 409]
    for detail in conflicts:
        assert detail.startswith("A program with this name already exists."), detail


def _import(kind: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "import_data", kind, str(path)],
        env=production_environment(DATABASE_URL=database_url(connection.settings_dict)),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_same_file_imported_twice_at_once_creates_each_record_once(tmp_path: Path) -> None:
    from partnerships.services.importers import IMPORTERS

    IMPORTERS["cow-states"]().run(DATA / "cow" / "states2016.csv")
    lines = (DATA / "cow" / "alliance_v4.1_by_member.csv").read_text(encoding="utf-8", errors="replace").splitlines()
    # The first 150 rows or so, cut where an alliance ends (each alliance's members are consecutive rows).
    cut = next(n for n in range(150, len(lines)) if lines[n].split(",")[0] != lines[n + 1].split(",")[0])
    sample = tmp_path / "alliances.csv"
    sample.write_text("\n".join(lines[: cut + 1]) + "\n", encoding="utf-8")
    processes = [_import("cow-alliances", sample) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    # One import created the records; the others, waiting on its lock, found them and changed nothing.
    assert sum("agreements: 0 created" in out for out, _ in outputs) == 1, outputs
    created = Agreement.objects.count()
    assert created > 10
    assert Agreement.objects.values("sources__dataset", "sources__dataset_id").distinct().count() == created
    # A member may have several periods (rows), each once.
    parties = AgreementParty.objects.values("agreement", "nation", "joined_on").distinct().count()
    assert parties == AgreementParty.objects.count()
    again = _import("cow-alliances", sample)
    again.communicate(timeout=300)
    assert Agreement.objects.count() == created
