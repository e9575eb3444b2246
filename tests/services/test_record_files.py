"""The registry's own record files: every model exported (CSV and JSON) and read back to the same records."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from partnerships.models import (
    Agreement,
    AgreementParty,
    Assessment,
    Exercise,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.services.access import FULL_ACCESS
from partnerships.services.demo import load_demo
from partnerships.services.importers import IMPORTERS
from partnerships.services.record_io import RECORD_TYPES, export_records

pytestmark = pytest.mark.django_db
ORDER = ["nations", "organizations", "programs", "memberships", "agreements", "exercises", "resources"]


def snapshot() -> dict[str, list[dict]]:
    return {name: list(export_records(RECORD_TYPES[name], user=FULL_ACCESS)) for name in ORDER}


def wipe() -> None:
    # Assessments are not part of the record files (they refer to the records, which are).
    Assessment.objects.all().delete()
    for model in (ResourceSharing, Exercise, Agreement, Membership, Program):
        model.objects.all().delete()
    while Organization.objects.exists():
        Organization.objects.filter(children__isnull=True).delete()
    Nation.objects.all().delete()


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_every_model_round_trips_through_export_and_records_import(tmp_path: Path, file_format: str) -> None:
    load_demo()
    ResourceSharing.objects.filter(reference__startswith="DEMO-EDCA").update(visibility="restricted")
    # Dates known only to their month or year travel with their precision, on records and party rows alike.
    ResourceSharing.objects.filter(pk=ResourceSharing.objects.order_by("pk")[0].pk).update(start_date_precision="year")
    Agreement.objects.filter(pk=Agreement.objects.order_by("pk")[0].pk).update(signed_on_precision="month")
    AgreementParty.objects.filter(pk=AgreementParty.objects.order_by("pk")[0].pk).update(joined_on_precision="year")
    before = snapshot()
    assert any(record["start_date_precision"] == "year" for record in before["resources"])
    assert any(party["joined_on_precision"] == "year" for a in before["agreements"] for party in a["parties"])
    files = {}
    for name in ORDER:
        files[name] = tmp_path / f"{name}.{file_format}"
        call_command(
            "export_data",
            "records",
            "--type",
            name,
            "--format",
            file_format,
            "--output",
            str(files[name]),
            stderr=StringIO(),
        )
    wipe()
    assert not Agreement.objects.exists()
    for name in ORDER:
        report = IMPORTERS["records"]().run(files[name])
        assert report.committed, report.summary()
        assert report.rows_read == len(before[name])
    assert snapshot() == before
    # Reading the same files again changes nothing.
    again = IMPORTERS["records"]().run(files["agreements"])
    assert again.outcomes[("agreements", "unchanged")] == len(before["agreements"])


def test_records_files_report_bad_rows_with_reasons(tmp_path: Path) -> None:
    load_demo()
    document = {
        "record_type": "agreements",
        "records": [
            {
                "title": "Orphan Accord",
                "kind": "mou",
                "scope": "bilateral",
                "status": "signed",
                "signed_on": "2020-01-01",
                "parties": [{"actor": "nation:PHL"}, {"actor": "nation:ATL"}],
            },
            {
                "title": "Lonely Accord",
                "kind": "mou",
                "scope": "bilateral",
                "status": "signed",
                "signed_on": "2020-01-01",
                "parties": [{"actor": "nation:PHL"}],
            },
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    report = IMPORTERS["records"]().run(path)
    assert not report.committed
    assert [(r.row, r.reasons) for r in report.rejected] == [
        (1, ["no nation “ATL”"]),
        (2, ["A bilateral agreement has exactly two distinct parties; this one has 1."]),
    ]
    assert not Agreement.objects.filter(title__in=["Orphan Accord", "Lonely Accord"]).exists()
