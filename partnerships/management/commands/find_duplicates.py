from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partnerships.services.duplicates import DEFAULTS, Settings, propose_candidates


class Command(BaseCommand):
    help = (
        "Propose pairs of agreements that may be one real-world agreement, for review in the admin "
        "(Duplicate candidates). Refreshes open pairs; pairs staff merged or kept apart are left alone."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULTS.days,
            help=f"The most days apart two signature dates known to the day may be (default {DEFAULTS.days}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = propose_candidates(settings=Settings(days=options["days"]))
        self.stdout.write(f"{count} open duplicate candidate(s) to review.")
