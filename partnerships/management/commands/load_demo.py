from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partnerships.services.demo import DemoDataError, load_demo


class Command(BaseCommand):
    help = (
        "Load the nations and the real, cited demo records (NATO and the Partnership for Peace, "
        "Foreign Military Sales, EDCA, AUKUS, Cooperative Threat Reduction, major exercises). "
        "Records already present are left untouched, so running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo()
        except DemoDataError as exc:
            raise CommandError(f"Demo data not loaded (nothing was written): {exc}") from exc
        self.stdout.write(result.summary())
        created = sum(result.created.values())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created} records created."))
