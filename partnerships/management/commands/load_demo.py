from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partnerships.services.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the nations and the real, cited demo records (NATO and the Partnership for Peace, "
        "Foreign Military Sales, EDCA, AUKUS, Cooperative Threat Reduction, major exercises). "
        "Records already present are left untouched, so running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        self.stdout.write(result.summary())
        created = sum(result.created.values())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created} records created."))
