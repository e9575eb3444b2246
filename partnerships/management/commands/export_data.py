from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from partnerships.choices import Region
from partnerships.services.access import FULL_ACCESS
from partnerships.services.dyads import DATASETS, YearsOutsideData, dyad_years, export_years
from partnerships.services.exports import csv_lines
from partnerships.services.package import export_package
from partnerships.services.package_schema import PackageError
from partnerships.services.progress import Progress
from partnerships.services.record_io import RECORD_TYPES, csv_header, csv_row, export_records


class Command(BaseCommand):
    help = (
        "Export data, streamed. dyads: one row per pair of nations per year (CSV). records: every record of one "
        "type (--type) as CSV or JSON, which `import_data records` reads back. package DIR: the whole registry as "
        "a Frictionless data package (datapackage.json and one CSV per resource), which `import_data package` "
        "loads into an empty registry."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=["dyads", "records", "package"], help="What to export.")
        parser.add_argument("path", nargs="?", type=Path, default=None, help="package: the folder to write (new).")
        parser.add_argument("--output", type=Path, default=None, help="File to write (default: standard output).")
        parser.add_argument(
            "--as-user",
            default=None,
            help="Export what this user may see (default: everything, restricted records included).",
        )
        records = parser.add_argument_group("records")
        records.add_argument("--type", dest="record_type", choices=sorted(RECORD_TYPES), help="Record type.")
        records.add_argument("--format", choices=["csv", "json"], default="csv")
        package = parser.add_argument_group("package")
        package.add_argument(
            "--since",
            type=Path,
            default=None,
            help="A previous package's folder: also write CHANGELOG.md and changes.csv, the rows changed since it.",
        )
        dyads = parser.add_argument_group("dyads")
        dyads.add_argument("--from", dest="first_year", type=int, default=None, help="First year.")
        dyads.add_argument("--to", dest="last_year", type=int, default=None, help="Last year.")
        dyads.add_argument("--region", choices=Region.values, default=None, help="Only nations of this region.")
        dyads.add_argument("--directed", action="store_true", help="One row per ordered pair (a→b and b→a).")
        dyads.add_argument(
            "--dataset",
            choices=DATASETS,
            default=None,
            help="Only records imported from this dataset (cow-alliances: the table COW's member file gives).",
        )
        dyads.add_argument(
            "--extend-open",
            action="store_true",
            help="Carry agreements known only from a dataset that has ended (COW v4.1: 2012; ATOP 4.01: 2018), "
            "and still in force then, on to today instead of stopping them where their dataset ends.",
        )

    def handle(self, *args: Any, kind: str, path: Path | None, output: Path | None, **options: Any) -> None:
        user: Any = FULL_ACCESS
        if options["as_user"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user “{options['as_user']}”.")
        if kind == "package":
            self.package(path, user, options["since"])
            return
        if path is not None:
            raise CommandError(f"{kind} takes no folder: write to a file with --output.")
        handle: TextIO = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        # Progress on standard error, unless the rows themselves scroll past on the same terminal.
        progress = sys.stderr if output or not sys.stdout.isatty() else None
        try:
            if kind == "dyads":
                written = self.dyads(handle, user, options, progress)
            else:
                written = self.records(handle, user, options, progress)
        finally:
            if output:
                handle.close()
        if output:
            self.stderr.write(f"Wrote {written} {kind} row(s) to {output}.")

    def package(self, directory: Path | None, user: Any, since: Path | None) -> None:
        if directory is None:
            raise CommandError("Name the folder to write the package to: export_data package DIR.")
        try:
            result = export_package(directory=directory, user=user, since=since, progress=sys.stderr)
        except PackageError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())

    def dyads(self, handle: TextIO, user: Any, options: dict[str, Any], progress: TextIO | None) -> int:
        first, last = options["first_year"], options["last_year"]
        if first is not None and last is not None and last < first:
            raise CommandError("--to must not be before --from.")
        try:
            years = export_years(user=user, first_year=first, last_year=last)
        except YearsOutsideData as exc:
            options_named = " and ".join("--from" if which == "first" else "--to" for which in exc.which)
            raise CommandError(f"{options_named}: {exc}") from exc
        rows = dyad_years(
            user=user,
            first_year=years[0] if years else None,
            last_year=years[1] if years else None,
            region=options["region"],
            directed=options["directed"],
            dataset=options["dataset"],
            extend_open=options["extend_open"],
        )
        header = next(rows)
        # The rows come year by year: how many years are done measures the way (the later years have more rows).
        first_year, years = (years[0], years[1] - years[0] + 1) if years else (0, 0)
        bar = Progress(progress, years, "Exporting dyads", unit="years")
        counted = _Counted(rows, bar, years_done=lambda row: row[0] - first_year)
        try:
            for text in csv_lines(header, counted):
                handle.write(text)
        finally:
            bar.close()
        return counted.count

    def records(self, handle: TextIO, user: Any, options: dict[str, Any], progress: TextIO | None) -> int:
        if not options["record_type"]:
            raise CommandError("Name the record type with --type (nations, agreements, …).")
        record_type = RECORD_TYPES[options["record_type"]]
        total = record_type.model.objects.visible_to(user).count()
        bar = Progress(progress, total, f"Exporting {record_type.name}")
        records = _Counted(export_records(record_type, user=user), bar)
        try:
            if options["format"] == "json":
                handle.write(f'{{"record_type": {json.dumps(record_type.name)}, "records": [\n')
                for record in records:
                    handle.write(("" if records.count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
                handle.write("\n]}\n")
                return records.count
            # No trailer line: `import_data records` reads these files back, and a command that fails exits non-zero.
            rows = (csv_row(record_type, record) for record in records)
            for text in csv_lines(csv_header(record_type), rows, trailer=False):
                handle.write(text)
            return records.count
        finally:
            bar.close()


class _Counted:
    """Rows passed through, counted (the CSV text comes in chunks of many rows), their progress shown.

    ``years_done(row)``, when given, is how far a row is in the progress's
    units; otherwise each row is one unit.
    """

    # Rows between two updates of the progress: its clock is read at each.
    EVERY = 200

    def __init__(
        self, rows: Iterable[Any], progress: Progress, *, years_done: Callable[[Any], int] | None = None
    ) -> None:
        self.rows, self.progress, self.years_done = rows, progress, years_done
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            if self.count % self.EVERY == 0:
                self._show(row)
            yield row
        if self.years_done is not None:
            self.progress.update(self.progress.total or 0, rows=self.count)
        else:
            self.progress.update(self.count)

    def _show(self, row: Any) -> None:
        if self.years_done is not None:
            self.progress.update(self.years_done(row), rows=self.count)
        else:
            self.progress.update(self.count)
