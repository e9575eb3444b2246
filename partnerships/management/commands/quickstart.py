from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

LOCAL_ADMIN = "admin"


class Command(BaseCommand):
    help = (
        "Set up a local development registry and serve it: migrate, load the demo data (with --datasets, then the "
        "published datasets in data/), create (or show) a local admin login, and run the development "
        "server. Needs DEBUG on."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="Where to serve the site.")
        parser.add_argument("--no-serve", action="store_true", help="Set everything up but do not start the server.")
        parser.add_argument("--noreload", action="store_true", help="Serve without the autoreloader.")
        parser.add_argument(
            "--datasets",
            action="store_true",
            help="Also load every published dataset in data/ (load_datasets: a few minutes the first time).",
        )

    def handle(self, *args: Any, addrport: str, no_serve: bool, noreload: bool, datasets: bool, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "quickstart is for local development and creates an admin login: run it with DEBUG=true "
                "(the .env it creates from .env.example does that)."
            )
        if not no_serve and not noreload and os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # The autoreloader's child, started again after every code change: the
            # parent process did the set-up and printed the login; only serve.
            call_command("runserver", addrport, use_reloader=True)
            return
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("load_demo", stdout=self.stdout)
        if datasets:
            # After the demo: the importers attach their rows to the demo's records (NATO, the treaties) by
            # name and crosswalk. The other way round, the demo made a second NATO beside the SIPRI register's,
            # and renamed nations the next load then renamed generated titles after: it wrote 1,121 changes.
            self.stdout.write("Loading the published datasets in data/ (a few minutes the first time)…")
            call_command("load_datasets", stdout=self.stdout)
        username, password = self._local_admin()
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nLocal admin login: {username} / {password}\n"
                f"Open http://{host}/ (analyst pages) or http://{host}/admin/ (editing) and log in.\n"
            )
        )
        if not no_serve:
            call_command("runserver", addrport, use_reloader=not noreload)

    def _local_admin(self) -> tuple[str, str]:
        """Return the local admin's username and password (or a hint), creating the account on first run.

        The generated password is kept in the git-ignored VAR_DIR so that every
        run can show it; a password someone changed since is left alone.
        """
        password_file = settings.VAR_DIR / "local_admin_password"
        User = get_user_model()
        user = User.objects.filter(username=LOCAL_ADMIN).first()
        if user is not None:
            if password_file.exists() and user.check_password(password_file.read_text().strip()):
                return LOCAL_ADMIN, password_file.read_text().strip()
            return LOCAL_ADMIN, "(the password you set; reset it with `python manage.py changepassword admin`)"
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(LOCAL_ADMIN, email="", password=password)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password)
        password_file.chmod(0o600)
        return LOCAL_ADMIN, password
