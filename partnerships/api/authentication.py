"""Token authentication: ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from partnerships.models import ApiToken
from registry_site.proxies import client_address

logger = logging.getLogger("partnerships.api.tokens")


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with a hashed ApiToken; the user's own permissions apply."""

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token as `Authorization: Token <key>`, with no spaces in the key."
            )
        key = header[1].decode(errors="replace")
        token = ApiToken.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        token.record_use()
        client = client_address(request)
        logger.info(
            "API token #%s (%s) used by %s from %s: %s %s",
            token.pk,
            token.prefix,
            token.user.get_username(),
            client,
            request.method,
            request.path,
            extra={"token_id": token.pk, "user": token.user.get_username(), "client": client},
        )
        # History rows name the token that made a change (see partnerships.signals).
        request._request.api_token = token
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes token authentication in the OpenAPI schema."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>` (or `Bearer <key>`); keys come from the admin or `manage.py create_api_token`."
            ),
        }
