from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from registry_site.pg_tools import connection_arguments, tool


class Command(BaseCommand):
    help = (
        "Dump the whole registry database (records, history, users, tokens) to one file with pg_dump's "
        "custom format; restore it with restore_db. Consistent even while the site runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="The dump file to write, e.g. registry-2026-11-25.dump.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        if path.exists() and path.is_dir():
            raise CommandError(f"{path} is a folder: give a file name.")
        path.parent.mkdir(parents=True, exist_ok=True)
        arguments, environment = connection_arguments(connections[database].settings_dict)
        temporary = path.with_name(path.name + ".partial")
        command = [tool("pg_dump", database), "--format=custom", "--no-owner", "--file", str(temporary), *arguments]
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            temporary.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        # Never leave a half-written file under the real name.
        temporary.replace(path)
        self.stdout.write(f"Wrote {path} ({path.stat().st_size:,} bytes).")
