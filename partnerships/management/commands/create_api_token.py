from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from partnerships.models import ApiToken


def default_name(username: str, *, write: bool, on: date) -> str:
    """Return the name of a token issued without one, e.g. "alice, read-write, issued 2026-11-30 (command line)"."""
    name = f"{username}, {'read-write' if write else 'read-only'}, issued {on.isoformat()} (command line)"
    return name[: ApiToken._meta.get_field("name").max_length]


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print its key once (only a hash is stored). "
        "The token acts with the user's permissions; it is read-only unless --write is given."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument(
            "--name",
            default=None,
            help="What will use the token, e.g. 'dashboard sync' (default: the user, access and date of issue).",
        )
        parser.add_argument("--write", action="store_true", help="Allow writes (within the user's permissions).")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after this many days.")

    def handle(
        self, *args: Any, username: str, name: str | None, write: bool, expires_in_days: int | None, **options: Any
    ) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user “{username}”.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be 1 or more.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        if not (name or "").strip():
            # A name lets staff tell tokens apart in the admin when one must be revoked.
            name = default_name(username, write=write, on=timezone.localdate())
        issued = ApiToken.issue(user=user, name=name, write_enabled=write, expires_at=expires_at)
        self.stderr.write(
            f"Token #{issued.token.pk} for {username} ({'read-write' if write else 'read-only'}"
            f"{', expires ' + expires_at.isoformat() if expires_at else ''}). "
            "The key is shown this once; store it now:"
        )
        self.stdout.write(issued.key)
