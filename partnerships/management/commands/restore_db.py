from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from registry_site.pg_tools import connection_arguments, tool


class Command(BaseCommand):
    help = (
        "Restore a dump written by backup_db into the configured database, which must be empty "
        "(a new database): the restore is one transaction, so it either completes or changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="The dump file written by backup_db.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        connection = connections[database]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            (tables,) = cursor.fetchone()
        if tables:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty ({tables} tables): restore into a "
                "new database (create it, point DATABASE_URL at it, then run restore_db)."
            )
        connection.close()
        arguments, environment = connection_arguments(connection.settings_dict)
        command = [tool("pg_restore", database), "--no-owner", "--single-transaction", "--exit-on-error", *arguments]
        result = subprocess.run([*command, str(path)], env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
        self.stdout.write(f"Restored {path} into {connection.settings_dict['NAME']}.")
