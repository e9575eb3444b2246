from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partnerships.models import ApiToken
from partnerships.models.tokens import TOKEN_PREFIX


class Command(BaseCommand):
    help = "Revoke an API token, named by its id or by its prefix (ppr_1a2b3c4d or 1a2b3c4d). The row stays for audit."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("token", help="The token's id, or the public prefix shown in the admin.")

    def handle(self, *args: Any, token: str, **options: Any) -> None:
        prefix = token.removeprefix(f"{TOKEN_PREFIX}_").split("_")[0]
        found = ApiToken.objects.filter(pk=int(token)) if token.isdigit() else ApiToken.objects.filter(prefix=prefix)
        api_token = found.first()
        if api_token is None:
            raise CommandError(f"No API token “{token}”.")
        if api_token.revoked_at is not None:
            self.stdout.write(f"{api_token} was already revoked on {api_token.revoked_at.isoformat()}.")
            return
        api_token.revoke()
        self.stdout.write(self.style.SUCCESS(f"Revoked {api_token} of {api_token.user}."))
