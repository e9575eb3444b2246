from __future__ import annotations

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnership registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from partnerships.signals import note_api_token, note_channel

        pre_create_historical_record.connect(note_api_token, dispatch_uid="partnerships.note_api_token")
        pre_create_historical_record.connect(note_channel, dispatch_uid="partnerships.note_channel")
