from __future__ import annotations

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnership registry"
    default_auto_field = "django.db.models.BigAutoField"
