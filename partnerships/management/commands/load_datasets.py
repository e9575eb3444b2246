from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from partnerships.services.datasets import DatasetRejected, ManifestError, load_datasets, read_manifest
from partnerships.services.importers import ImportAborted


class Command(BaseCommand):
    help = (
        "Import every published dataset in data/ (data/manifest.json), in its order: nations, states, alliances, "
        "ATOP, the SIPRI register, MME. The files' checksums are verified first; the load is one transaction; "
        "running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        try:
            kinds = [dataset.kind for dataset in read_manifest()]
        except ManifestError:
            kinds = None  # handle() says what is wrong with the manifest
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="KIND",
            choices=kinds,
            default=None,
            help=f"Import only these datasets (still in the manifest's order): {', '.join(kinds or [])}.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Import everything, report, then write nothing.")

    def handle(self, *args: Any, only: list[str] | None, dry_run: bool, **options: Any) -> None:
        try:
            result = load_datasets(only=only, dry_run=dry_run, progress=sys.stderr)
        except ManifestError as exc:
            raise CommandError(f"{exc} Nothing was written.") from exc
        except DatasetRejected as exc:
            self.stdout.write(exc.load.report.summary())
            raise CommandError(str(exc)) from exc
        except ImportAborted as exc:
            raise CommandError(f"{exc} Nothing was written.") from exc
        except (OperationalError, InterfaceError) as exc:
            raise CommandError(
                f"The database became unavailable during the load ({str(exc).strip()}). "
                "Nothing was written: run it again once the database is back."
            ) from exc
        if options["verbosity"] > 1:
            for load in result.loads:
                self.stdout.write(load.report.summary())
        self.stdout.write(result.table())
