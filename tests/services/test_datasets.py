"""The published datasets in data/: the manifest lists each one, byte for byte, and load_datasets checks it.

The whole load of the real files is in test_real_datasets.py (its module fixture);
the loads here use small files of their own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnerships.models import Nation
from partnerships.services.datasets import (
    DATA_DIR,
    DatasetRejected,
    ManifestError,
    load_datasets,
    read_manifest,
    unlisted_files,
    verify,
)
from partnerships.services.importers import IMPORTERS
from partnerships.services.importers.base import decode

COUNTRIES = "ISO3166-1-Alpha-3,ISO3166-1-Alpha-2,ISO3166-1-numeric,CLDR display name\nPHL,PH,608,Philippines\n"
STATES = "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday\n"


def test_every_file_the_manifest_lists_is_there_byte_for_byte() -> None:
    datasets = read_manifest()
    verify(datasets)  # raises, naming the file, if one is missing or changed
    for dataset in datasets:
        for data_file in dataset.files:
            assert hashlib.sha256((DATA_DIR / data_file.path).read_bytes()).hexdigest() == data_file.sha256


def test_every_file_in_the_data_folder_is_in_the_manifest() -> None:
    assert unlisted_files(read_manifest()) == []


def test_the_manifest_imports_the_nations_first_and_sipri_before_mme() -> None:
    """Alliance members are named by COW number; MME names organizations (NATO) the SIPRI register creates."""
    kinds = [dataset.kind for dataset in read_manifest()]
    assert kinds == ["countries", "cow-states", "cow-alliances", "atop", "sipri", "mme"]


def test_each_dataset_says_what_it_is_where_it_comes_from_and_on_what_terms() -> None:
    entries = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))["datasets"]
    for entry in entries:
        for name in ("kind", "title", "path", "version", "citation", "source_url"):
            assert isinstance(entry[name], str), (entry["kind"], name)
            assert entry[name].strip(), (entry["kind"], name)
        assert entry["source_url"].startswith(("http://", "https://")), entry["kind"]
        assert all(Path(f["path"]).is_relative_to(entry["path"]) for f in entry["files"]), entry["kind"]
        assert entry["licence"]["title"].strip(), entry["kind"]
        assert entry["licence"]["path"].startswith(("http://", "https://")), entry["kind"]
    licences = {entry["kind"]: entry["licence"] for entry in entries}
    assert licences["countries"]["name"] == "ODC-PDDL-1.0"
    assert "doi:10.7910/DVN/KHFODX" in licences["mme"]["title"]


def test_the_manifest_counts_the_rows_each_importer_reads() -> None:
    """The counts the progress of load_datasets is measured against (parsing only, nothing imported)."""
    for dataset in read_manifest():
        importer = IMPORTERS[dataset.kind]()
        rows = importer.read(DATA_DIR / dataset.path, dataset.import_options.get("encoding"))
        assert len(rows) == dataset.rows, dataset.kind
        for data_file in dataset.files:
            # Counted with the csv module itself, not the importers' reader: the rows the file has.
            text = decode((DATA_DIR / data_file.path).read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
            rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
            assert len(rows) - 1 == data_file.rows, data_file.path


def _copy_of_data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def test_a_changed_or_missing_file_is_refused_naming_it_and_both_checksums(tmp_path: Path) -> None:
    data = _copy_of_data(tmp_path)
    datasets = read_manifest(data)
    mme = next(dataset for dataset in datasets if dataset.kind == "mme").files[0]
    path = data / mme.path
    path.write_bytes(path.read_bytes().replace(b"Balikatan", b"Balikatam", 1))
    changed = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ManifestError) as refused:
        verify(datasets, data)
    assert f"data/mme/mme_v7.csv has changed: the manifest's sha256 is {mme.sha256}, the file's is {changed}" in str(
        refused.value
    )
    (data / "cow" / "states2016.csv").unlink()
    with pytest.raises(ManifestError, match=r"data/cow/states2016.csv is missing .*data/mme/mme_v7.csv has changed"):
        verify(datasets, data)
    (data / "cow" / "extra.csv").write_text("a\n1\n")
    assert unlisted_files(datasets, data) == ["cow/extra.csv"]


@pytest.mark.django_db
def test_load_datasets_refuses_a_changed_file_before_importing_anything(tmp_path: Path) -> None:
    data = _copy_of_data(tmp_path)
    (data / "sipri" / "uk-trade-register.csv").write_bytes(b"Recipient,Supplier\n")
    with pytest.raises(ManifestError, match=r"data/sipri/uk-trade-register\.csv has changed"):
        load_datasets(data_dir=data, rejects_dir=tmp_path / "rejects")
    assert not Nation.objects.exists()


def _small_data(tmp_path: Path, files: dict[str, str], options: dict[str, dict]) -> Path:
    """A data folder with these CSV files (one per kind, named after it) and their manifest."""
    data = tmp_path / "small"
    data.mkdir()
    entries = []
    for order, (kind, text) in enumerate(files.items(), start=1):
        (data / f"{kind}.csv").write_text(text, encoding="utf-8")
        entries.append(
            {
                "kind": kind,
                "order": order,
                "title": kind,
                "path": f"{kind}.csv",
                "version": "test",
                "citation": "written for this test",
                "licence": {"title": "none", "path": "https://example.org/"},
                "source_url": "https://example.org/",
                "import_options": options.get(kind, {}),
                "files": [
                    {
                        "path": f"{kind}.csv",
                        "sha256": hashlib.sha256(text.encode()).hexdigest(),
                        "rows": text.count("\n") - 1,
                    }
                ],
            }
        )
    (data / "manifest.json").write_text(json.dumps({"datasets": entries}), encoding="utf-8")
    return data


@pytest.mark.django_db
def test_an_all_or_nothing_dataset_that_rejects_a_row_leaves_nothing_of_the_load(tmp_path: Path) -> None:
    data = _small_data(
        tmp_path, {"countries": COUNTRIES, "cow-states": STATES + "PHI,eight,Philippines,1946,7,4,2016,12,31\n"}, {}
    )
    with pytest.raises(DatasetRejected, match=r"cow-states: 1 row\(s\) rejected .*nothing of the load was written"):
        load_datasets(data_dir=data, rejects_dir=tmp_path / "rejects")
    assert not Nation.objects.exists()  # the countries imported before it are rolled back too


@pytest.mark.django_db
def test_rows_rejected_by_a_skip_invalid_dataset_go_to_the_var_folder(tmp_path: Path, settings) -> None:
    data = _small_data(
        tmp_path,
        {
            "countries": COUNTRIES,
            "cow-states": STATES + "PHI,840,Philippines,1946,7,4,2016,12,31\nXXX,x,X,1,1,1,1,1,1\n",
        },
        {"cow-states": {"skip_invalid": True}},
    )
    settings.VAR_DIR = tmp_path / "var"
    result = load_datasets(data_dir=data)
    rejects = tmp_path / "var" / "rejects" / "cow-states.rejected.csv"
    assert result.reports()["cow-states"].rejects_path == str(rejects)
    assert "ccode" in rejects.read_text()
    assert sorted(path.name for path in data.iterdir()) == ["countries.csv", "cow-states.csv", "manifest.json"]
    assert Nation.objects.get(iso3="PHL").cow_code == 840
    assert "cow-states: 1 row(s) rejected, with their reasons in" in result.table()
    again = load_datasets(data_dir=data)
    assert again.changed == 0
    assert "Nothing changed" in again.table()


@pytest.mark.django_db
def test_a_dry_run_reports_the_table_and_writes_nothing(tmp_path: Path, settings) -> None:
    settings.VAR_DIR = tmp_path
    out, err = StringIO(), StringIO()
    call_command("load_datasets", "--only", "countries", "--dry-run", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["dataset", "rows", "read", "created", "updated", "unchanged", "rejected", "seconds"]
    assert lines[2].split()[:6] == ["countries", "249", "498", "0", "0", "0"]  # 249 nations and their source rows
    assert "Dry run: nothing was written." in out.getvalue()
    assert not Nation.objects.exists()
    with pytest.raises(CommandError, match="invalid choice: 'nations'"):
        call_command("load_datasets", "--only", "nations", stdout=out, stderr=err)
