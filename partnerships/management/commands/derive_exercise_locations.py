from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from partnerships.audit import Channel, recorded_as
from partnerships.models import Exercise
from partnerships.services.exercises import derive_exercise_location
from partnerships.services.importers.resolver import NationResolver


class Command(BaseCommand):
    help = (
        "Derive every exercise's location country from its coordinates (a country staff chose is kept), "
        "then make host the participant whose territory that is. Re-running changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        resolver = NationResolver()
        located = hosts = 0
        with recorded_as(Channel.SYSTEM), transaction.atomic():
            for exercise in Exercise.objects.filter(latitude__isnull=False).order_by("pk").iterator():
                changed, promoted = derive_exercise_location(exercise=exercise, resolver=resolver)
                located += changed
                hosts += len(promoted)
        self.stdout.write(f"Location countries changed: {located}; participants made host: {hosts}.")
