"""API tokens for other systems: stored hashed, optionally expiring, read-only unless write-enabled."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Self

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerships.audit import HistoryChannelModel

TOKEN_PREFIX = "ppr"
# How stale last_used_at may get before a request updates it: one write per
# minute per token instead of one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(key: str) -> str:
    """Return the SHA-256 hex digest of a token key.

    Keys are 256 random bits, so a fast hash is enough: there is nothing to
    brute-force, unlike a password.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def _permission_names(*, through_groups: bool) -> RawSQL:
    """Return an array of ``app_label.codename``: the permissions of a token's user, its own or its groups'.

    Raw SQL because it is part of every API request: the same subquery built
    with the ORM took a millisecond of Python per request to compile.
    """
    quote = connection.ops.quote_name
    permission = quote(Permission._meta.db_table)
    content_type = quote(ContentType._meta.db_table)
    token_user = f"{quote(ApiToken._meta.db_table)}.{quote('user_id')}"
    if through_groups:
        granted = (
            f"JOIN {quote(Group.permissions.through._meta.db_table)} gp ON gp.permission_id = p.id "
            f"JOIN {quote(User.groups.through._meta.db_table)} ug ON ug.group_id = gp.group_id "
            f"WHERE ug.user_id = {token_user}"
        )
    else:
        granted = (
            f"JOIN {quote(User.user_permissions.through._meta.db_table)} up ON up.permission_id = p.id "
            f"WHERE up.user_id = {token_user}"
        )
    return RawSQL(
        f"ARRAY(SELECT ct.app_label || '.' || p.codename FROM {permission} p "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id {granted})",
        [],
        output_field=ArrayField(models.TextField()),
    )


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key; the key exists only here and is shown once."""

    token: ApiToken
    key: str


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, *, at: datetime | None = None) -> Self:
        """Return tokens neither revoked nor expired at ``at`` (default now)."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )

    def with_permission_names(self) -> Self:
        """Annotate each token with its user's permissions: ``user_permission_names`` and ``group_permission_names``."""
        return self.annotate(
            user_permission_names=_permission_names(through_groups=False),
            group_permission_names=_permission_names(through_groups=True),
        )


class ApiToken(models.Model):
    """A credential for another system, acting as its user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. 'dashboard sync'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False, help_text="The key's public first part.")
    key_digest = models.CharField(max_length=64, editable=False)
    write_enabled = models.BooleanField(
        default=False, help_text="Off: the token can only read, whatever its user may do."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"], bases=[HistoryChannelModel])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.prefix}…)"

    @classmethod
    def issue(
        cls, *, user: models.Model, name: str, write_enabled: bool = False, expires_at: datetime | None = None
    ) -> IssuedToken:
        """Create a token and return it with its key, which is never stored in clear."""
        prefix = secrets.token_hex(4)
        key = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            key_digest=digest(key),
            write_enabled=write_enabled,
            expires_at=expires_at,
        )
        return IssuedToken(token=token, key=key)

    @classmethod
    def authenticate(cls, key: str) -> ApiToken | None:
        """Return the usable token with this key, or None (unknown, revoked or expired)."""
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        # The user's permissions come in the same query: every API request
        # asks one (visible_to → view_restricted), and ModelBackend would
        # spend two more queries per request on them.
        token = cls.objects.usable().select_related("user").with_permission_names().filter(prefix=parts[1]).first()
        if token is None or not hmac.compare_digest(token.key_digest, digest(key)):
            return None
        if not token.user.is_superuser:
            # ModelBackend's own caches of the user's permissions, as it would
            # fill them (a superuser's are every permission: left to it).
            token.user._user_perm_cache = set(token.user_permission_names)
            token.user._group_perm_cache = set(token.group_permission_names)
        return token

    def revoke(self) -> None:
        """Make the token unusable from now on (the row stays, for the audit trail)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def record_use(self) -> None:
        """Note that the token was just used, at most once per LAST_USED_RESOLUTION."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > LAST_USED_RESOLUTION:
            # A queryset update: no history row and no race with a concurrent revoke.
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
