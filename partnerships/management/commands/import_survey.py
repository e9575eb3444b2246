from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partnerships.models import Assessment
from partnerships.services.importers import ImportAborted
from partnerships.services.surveys import ingest, parse_assignments


class Command(BaseCommand):
    help = (
        "Import survey answers (CSV: respondent,question,answer) into an assessment as indicator measurements: "
        "mean, distribution and response count per question. All or nothing: one bad row and nothing is written."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("assessment", type=int, help="The assessment's id.")
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument(
            "--target",
            action="append",
            default=[],
            metavar="SLUG=VALUE",
            help="The target of an indicator (repeat per indicator), e.g. --target interoperability=4.",
        )
        parser.add_argument(
            "--baseline", action="append", default=[], metavar="SLUG=VALUE", help="The baseline of an indicator."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--encoding", default=None, help="The file's encoding (default: UTF-8, else Windows-1252).")

    def handle(self, *args: Any, assessment: int, path: Path, **options: Any) -> None:
        record = Assessment.objects.filter(pk=assessment).first()
        if record is None:
            raise CommandError(f"There is no assessment {assessment}.")
        try:
            report = ingest(
                record,
                path,
                targets=parse_assignments(options["target"], "--target"),
                baselines=parse_assignments(options["baseline"], "--baseline"),
                dry_run=options["dry_run"],
                encoding=options["encoding"],
            )
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}. Nothing was written.") from exc
        except ImportAborted as exc:
            raise CommandError(f"{path}: {exc} Nothing was written.") from exc
        self.stdout.write(report.summary())
        if report.rejected:
            raise CommandError(f"{len(report.rejected)} row(s) rejected, so nothing was written (all or nothing).")
