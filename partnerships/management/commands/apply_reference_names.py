from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partnerships.models import Agreement
from partnerships.services.reference_names import apply_reference_names
from partnerships.services.titles import refresh_generated_title


class Command(BaseCommand):
    help = (
        "Describe again every agreement whose title is generated, then give the records of the well-known "
        "treaties in partnerships/reference/treaties.csv their common titles and aliases. Titles staff typed "
        "are never replaced; running it again changes nothing. The COW-alliances and ATOP imports do the same "
        "for their own records."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        described = sum(
            refresh_generated_title(agreement)
            for agreement in Agreement.objects.filter(title_origin="generated").order_by("pk")
        )
        applied = apply_reference_names()
        self.stdout.write(
            self.style.SUCCESS(
                f"{described} generated titles rewritten; curated list: {len(applied.retitled)} agreements "
                f"retitled, {len(applied.aliases)} aliases added."
            )
        )
