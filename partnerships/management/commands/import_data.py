from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from partnerships.choices import Visibility
from partnerships.services.importers import IMPORTERS, ImportAborted
from partnerships.services.package_import import import_package
from partnerships.services.package_schema import PackageError


class Command(BaseCommand):
    help = (
        "Import a published dataset. All or nothing by default: one invalid row and nothing is written, "
        "and every rejected row is reported with its number and reasons. Re-running an import changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        kinds = ", ".join(f"{kind} ({importer.description})" for kind, importer in IMPORTERS.items())
        kinds += ", package (a data package folder written by `export_data package`, into an empty registry)"
        parser.add_argument("kind", choices=[*sorted(IMPORTERS), "package"], help=f"What the file is: {kinds}.")
        parser.add_argument("path", type=Path, help="The CSV file (package: the package's folder).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and write the rejected ones, with reasons, to --rejects.",
        )
        parser.add_argument("--rejects", type=Path, default=None, help="Where to write rejected rows (CSV).")
        parser.add_argument("--encoding", default=None, help="The file's encoding (default: UTF-8, else Windows-1252).")
        parser.add_argument(
            "--supplier",
            default=None,
            help="sipri only: the supplier of a register in the older layout, which has no supplier column "
            "(a name or ISO code; default: from the file name <iso2>-trade-register.csv).",
        )
        parser.add_argument(
            "--visibility",
            choices=Visibility.values,
            default=Visibility.PUBLIC,
            help="Visibility of the records created (default: public).",
        )

    def handle(self, *args: Any, kind: str, path: Path, **options: Any) -> None:
        if kind == "package":
            if options["skip_invalid"]:
                raise CommandError("A package loads whole or not at all: --skip-invalid does not apply to it.")
            self.package(path, dry_run=options["dry_run"])
            return
        extra = {}
        if options["supplier"]:
            if kind != "sipri":
                raise CommandError("--supplier is for sipri registers only.")
            extra["supplier"] = options["supplier"]
        importer = IMPORTERS[kind](visibility=options["visibility"], **extra)
        rejects = options["rejects"]
        if options["skip_invalid"] and rejects is None:
            rejects = path.with_name(f"{path.stem}.rejected.csv")
        try:
            report = importer.run(
                path,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                encoding=options["encoding"],
                rejects_path=rejects,
                progress=sys.stderr,
            )
        except ImportAborted as exc:
            raise CommandError(f"{path}: {exc} Nothing was written.") from exc
        except (OperationalError, InterfaceError) as exc:
            # The import is one transaction: PostgreSQL rolled it back when the connection went.
            raise CommandError(
                f"{path}: the database became unavailable during the import ({str(exc).strip()}). "
                "Nothing was written: run the import again once the database is back."
            ) from exc
        self.stdout.write(report.summary())
        if report.rejected and not options["skip_invalid"]:
            raise CommandError(
                f"{report.rows_rejected} row(s) rejected, so nothing was written (all or nothing). "
                "Fix them, or import the valid rows with --skip-invalid."
            )

    def package(self, directory: Path, *, dry_run: bool) -> None:
        try:
            result = import_package(directory=directory, dry_run=dry_run, progress=sys.stderr)
        except PackageError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
