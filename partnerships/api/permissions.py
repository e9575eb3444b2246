"""Who may do what through the API.

Reading public records needs a login (or REGISTRY_PUBLIC_READ for anonymous
visitors); restricted records are filtered by ``visible_to()`` in every
queryset, so they are simply absent (404) for users without the permission.
Writes need the model's add/change/delete permission and, through a token, a
write-enabled token; browser sessions must pass CSRF (SessionAuthentication).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import permissions
from rest_framework.request import Request

from partnerships.models import ApiToken

WRITE_PERMISSIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class RegistryPermission(permissions.BasePermission):
    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return bool(user and user.is_authenticated) or settings.REGISTRY_PUBLIC_READ
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and not request.auth.write_enabled:
            self.message = "This token is read-only: ask for a write-enabled token."
            return False
        action = WRITE_PERMISSIONS.get(request.method or "")
        model = getattr(getattr(view, "queryset", None), "model", None)
        if action is None or model is None:
            return False
        opts = model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            self.message = f"You need the permission to {action} {opts.verbose_name_plural}."
            return False
        return True
