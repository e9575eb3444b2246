from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partnerships.choices import Region
from partnerships.services.dyads import dyad_years
from partnerships.services.exports import csv_lines


class Command(BaseCommand):
    help = (
        "Export data for other tools, streamed as CSV. dyads: one row per pair of nations per year with the "
        "agreement provisions in force between them, shared agreements and exercises, and resource flows."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=["dyads"], help="What to export.")
        parser.add_argument("--output", type=Path, default=None, help="File to write (default: standard output).")
        parser.add_argument("--from", dest="first_year", type=int, default=None, help="First year.")
        parser.add_argument("--to", dest="last_year", type=int, default=None, help="Last year.")
        parser.add_argument("--region", choices=Region.values, default=None, help="Only nations of this region.")
        parser.add_argument("--directed", action="store_true", help="One row per ordered pair (a→b and b→a).")
        parser.add_argument(
            "--as-user",
            default=None,
            help="Export what this user may see (default: everything, restricted records included).",
        )

    def handle(self, *args: Any, kind: str, output: Path | None, **options: Any) -> None:
        first, last = options["first_year"], options["last_year"]
        if first is not None and last is not None and last < first:
            raise CommandError("--to must not be before --from.")
        user: Any = _Everything()
        if options["as_user"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user “{options['as_user']}”.")
        rows = dyad_years(
            user=user,
            first_year=first,
            last_year=last,
            region=options["region"],
            directed=options["directed"],
        )
        handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        written = -1
        try:
            for line in csv_lines(next(rows), rows):
                handle.write(line)
                written += 1
        finally:
            if output:
                handle.close()
        if output:
            self.stderr.write(f"Wrote {written} dyad-year rows to {output}.")


class _Everything:
    """Stands for a user who may see restricted records (the server's own administrator)."""

    is_active = True

    @staticmethod
    def has_perm(permission: str) -> bool:
        return True
