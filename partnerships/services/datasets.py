"""The published datasets kept in ``data/``: their manifest, their checksums, and loading them all.

``data/manifest.json`` lists each dataset: the importer KIND that reads it,
its path, title, version, citation, licence terms, source, the sha256 of each
of its files, and the order and options of its import. The files are kept
byte for byte as published: :func:`verify` refuses any that changed, before
anything is imported. :func:`load_datasets` runs the importers (the same ones
``import_data`` runs) in the manifest's order, in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from partnerships.services.importers import IMPORTERS, ImportAborted, ImportReport
from partnerships.services.progress import Progress

DATA_DIR = Path(settings.BASE_DIR) / "data"
MANIFEST = "manifest.json"
# The files of data/ that describe the datasets rather than being one.
OWN_FILES = frozenset({MANIFEST, "README.md"})
# The options of Importer.run() a manifest may set for an import.
IMPORT_OPTIONS = frozenset({"skip_invalid", "encoding"})


class ManifestError(Exception):
    """The manifest cannot be read, or a file it lists is missing or not the one published."""


@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the data folder
    sha256: str
    rows: int  # data rows, the header excluded


@dataclass(frozen=True)
class Dataset:
    kind: str
    order: int
    title: str
    path: str  # what the importer reads: a file, or a folder of files
    version: str
    citation: str
    licence: dict[str, str]  # a Frictionless licence: name (SPDX, where there is one), title, path
    source_url: str
    import_options: dict[str, Any]
    files: tuple[DataFile, ...]

    @property
    def rows(self) -> int:
        return sum(data_file.rows for data_file in self.files)


def read_manifest(data_dir: Path = DATA_DIR) -> list[Dataset]:
    """Return the datasets ``data_dir/manifest.json`` lists, in import order.

    Raise ManifestError when the manifest is missing or malformed, names a
    KIND no importer has, or an import option ``Importer.run()`` does not take.
    """
    path = data_dir / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["datasets"]
        datasets = [
            Dataset(
                **{name: entry[name] for name in Dataset.__dataclass_fields__ if name != "files"},
                files=tuple(DataFile(f["path"], f["sha256"], f["rows"]) for f in entry["files"]),
            )
            for entry in entries
        ]
    except OSError as exc:
        raise ManifestError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{path} is malformed: {exc!r}.") from exc
    for dataset in datasets:
        if not isinstance(dataset.licence, dict) or not dataset.licence.get("path"):
            raise ManifestError(f'{path}: {dataset.kind}\'s licence needs the "path" where its terms are published.')
        if dataset.kind not in IMPORTERS:
            raise ManifestError(f"{path}: no importer reads the kind “{dataset.kind}”.")
        unknown = set(dataset.import_options) - IMPORT_OPTIONS
        if unknown:
            raise ManifestError(
                f"{path}: {dataset.kind} has import option(s) {', '.join(sorted(unknown))}; "
                f"the options are {', '.join(sorted(IMPORT_OPTIONS))}."
            )
    kinds = [dataset.kind for dataset in datasets]
    if len(set(kinds)) != len(kinds):
        raise ManifestError(f"{path} lists a kind twice: {', '.join(kinds)}.")
    return sorted(datasets, key=lambda dataset: dataset.order)


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(datasets: Iterable[Dataset], data_dir: Path = DATA_DIR) -> None:
    """Check that every file of ``datasets`` is there, byte for byte as the manifest records it.

    Raise ManifestError naming each file missing or changed, with the
    manifest's checksum and the file's.
    """
    problems = []
    for dataset in datasets:
        for data_file in dataset.files:
            path = data_dir / data_file.path
            if not path.is_file():
                problems.append(f"data/{data_file.path} is missing ({dataset.kind} lists it)")
                continue
            found = sha256_of(path)
            if found != data_file.sha256:
                problems.append(
                    f"data/{data_file.path} has changed: the manifest's sha256 is {data_file.sha256}, "
                    f"the file's is {found}"
                )
    if problems:
        raise ManifestError(
            "; ".join(problems) + ". The datasets are kept byte for byte as published: restore the file "
            "(git checkout -- data/), or, for a new release of a dataset, update data/manifest.json with it."
        )


def unlisted_files(datasets: Iterable[Dataset], data_dir: Path = DATA_DIR) -> list[str]:
    """Return the files of ``data_dir`` (relative paths) that no dataset of the manifest lists."""
    listed = {data_file.path for dataset in datasets for data_file in dataset.files} | OWN_FILES
    found = (path.relative_to(data_dir).as_posix() for path in data_dir.rglob("*") if path.is_file())
    return sorted(path for path in found if path not in listed)


@dataclass
class DatasetLoad:
    """One dataset's import within a load: its report and when it ran."""

    dataset: Dataset
    report: ImportReport
    started_at: Any  # aware datetimes: what the import wrote has history rows between the two
    finished_at: Any

    def count(self, outcome: str) -> int:
        """Return the records of every type (records, party rows, source rows…) with ``outcome``."""
        return sum(number for (_label, counted), number in self.report.outcomes.items() if counted == outcome)

    @property
    def changed(self) -> int:
        return self.count("created") + self.count("updated") + self.count("deleted")


@dataclass
class LoadResult:
    loads: list[DatasetLoad] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return sum(load.changed for load in self.loads)

    def reports(self) -> dict[str, ImportReport]:
        return {load.dataset.kind: load.report for load in self.loads}

    def table(self) -> str:
        """Return the summary: a row per dataset, a total, and whether anything changed."""
        header = ("dataset", "rows read", "created", "updated", "unchanged", "rejected", "seconds")
        rows = [
            (
                load.dataset.kind,
                load.report.rows_read,
                load.count("created"),
                load.count("updated"),
                load.count("unchanged"),
                load.report.rows_rejected,
                f"{load.report.seconds:.1f}",
            )
            for load in self.loads
        ]
        totals = [sum(row[index] for row in rows) for index in range(1, 6)]
        rows.append(("total", *totals, f"{self.seconds:.1f}"))
        cells = [[f"{value:,}" if isinstance(value, int) else str(value) for value in row] for row in [header, *rows]]
        widths = [max(len(row[index]) for row in cells) for index in range(len(header))]

        def line(row: list[str]) -> str:
            return "  ".join(
                value.ljust(width) if index == 0 else value.rjust(width)
                for index, (value, width) in enumerate(zip(row, widths, strict=True))
            )

        lines = [line(cells[0]), "  ".join("-" * width for width in widths), *map(line, cells[1:-1])]
        lines += ["  ".join("-" * width for width in widths), line(cells[-1])]
        lines.append(
            "created, updated and unchanged count records of every type an import writes "
            "(records, party and participant rows, source rows)."
        )
        for load in self.loads:
            deleted = load.count("deleted")
            if deleted:
                lines.append(
                    f"{load.dataset.kind}: {deleted:,} record(s) an earlier import wrote deleted "
                    "(its report says which: -v 2)."
                )
            if load.report.rejects_path:
                lines.append(
                    f"{load.dataset.kind}: {load.report.rows_rejected:,} row(s) rejected, "
                    f"with their reasons in {load.report.rejects_path}"
                )
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        elif self.changed:
            lines.append(f"Written: {self.changed:,} records created, updated or deleted.")
        else:
            lines.append("Nothing changed: every record was already as the files give it.")
        return "\n".join(lines)


class DatasetRejected(Exception):
    """An all-or-nothing import rejected rows: nothing of the load was written."""

    def __init__(self, result: LoadResult, load: DatasetLoad) -> None:
        self.result, self.load = result, load
        rejected = load.report.rows_rejected
        where = f" (their reasons: {load.report.rejects_path})" if load.report.rejects_path else ""
        super().__init__(
            f"{load.dataset.kind}: {rejected} row(s) rejected{where}; its import is all or nothing, "
            "so nothing of the load was written."
        )


def load_datasets(
    *,
    only: Iterable[str] | None = None,
    dry_run: bool = False,
    progress: TextIO | None = None,
    rejects_dir: Path | None = None,
    data_dir: Path = DATA_DIR,
    visibility: str = "public",
) -> LoadResult:
    """Import the manifest's datasets (those of the kinds ``only`` names, or all) in order; return the result.

    The files are verified first (ManifestError if one is missing or
    changed). Each import is the importer ``import_data`` runs, with the
    manifest's options; rejected rows go to ``rejects_dir`` (default
    ``VAR_DIR/rejects``), one CSV per dataset, never into the data folder.
    The whole load is one transaction: an import that rejects rows without
    ``skip_invalid`` raises DatasetRejected and nothing is written, and a dry
    run imports everything (later datasets need the nations of earlier ones)
    and then rolls it all back. Running it again changes nothing.
    """
    started = time.monotonic()
    datasets = read_manifest(data_dir)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {dataset.kind for dataset in datasets}
        if unknown:
            raise ManifestError(f"No dataset of kind {', '.join(sorted(unknown))} in the manifest.")
        datasets = [dataset for dataset in datasets if dataset.kind in wanted]
    verify(datasets, data_dir)
    rejects_dir = Path(settings.VAR_DIR) / "rejects" if rejects_dir is None else rejects_dir
    rejects_dir.mkdir(parents=True, exist_ok=True)
    result = LoadResult(dry_run=dry_run)
    bar = Progress(progress, sum(dataset.rows for dataset in datasets), "Loading datasets")
    try:
        with transaction.atomic():
            for dataset in datasets:
                load = _load_one(dataset, data_dir, rejects_dir, bar, visibility=visibility)
                result.loads.append(load)
                if load.report.rejected and not dataset.import_options.get("skip_invalid"):
                    raise DatasetRejected(result, load)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        bar.close()
        result.seconds = time.monotonic() - started
    if dry_run:
        for load in result.loads:
            load.report.dry_run, load.report.committed = True, False
    return result


def _load_one(dataset: Dataset, data_dir: Path, rejects_dir: Path, bar: Progress, *, visibility: str) -> DatasetLoad:
    rejects = rejects_dir / f"{dataset.kind}.rejected.csv"
    # A rejects file of an earlier load would be taken for this one's.
    rejects.unlink(missing_ok=True)
    importer = IMPORTERS[dataset.kind](visibility=visibility)
    started_at = timezone.now()
    try:
        report = importer.run(
            data_dir / dataset.path,
            skip_invalid=bool(dataset.import_options.get("skip_invalid")),
            encoding=dataset.import_options.get("encoding"),
            rejects_path=rejects,
            progress=bar,
        )
    except ImportAborted as exc:
        raise ImportAborted(f"{dataset.kind} (data/{dataset.path}): {exc}") from exc
    return DatasetLoad(dataset, report, started_at, timezone.now())
