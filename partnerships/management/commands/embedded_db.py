from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry_site.embedded_db import server_status, stop_server


class Command(BaseCommand):
    help = "Show the status of the embedded PostgreSQL server, or stop it. Neither starts it."
    # Looking at a server needs no model checks; the settings leave it as it is (only_inspects_server).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if settings.DATABASE_URL:
            raise CommandError("DATABASE_URL is set: this process does not use the embedded PostgreSQL.")
        data_dir = settings.VAR_DIR / "postgres"
        if action == "status":
            status = server_status(data_dir)
            if status is None:
                self.stdout.write(f"not running; data in {data_dir}")
            else:
                self.stdout.write(
                    f"running (pid {status['pid']}); data in {data_dir}, socket in {status['socket_dir']}"
                )
        elif stop_server(data_dir):
            self.stdout.write(self.style.SUCCESS(f"stopped the embedded PostgreSQL in {data_dir}"))
        else:
            self.stdout.write(f"the embedded PostgreSQL in {data_dir} was not running")
