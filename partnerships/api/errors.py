"""One error shape for every API response that is not a success.

::

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "invalid", "detail": "…", "attr": "parties.1.nation" | null}]}

``attr`` names the field (a dotted path into nested data) or query parameter
at fault; it is null for errors about the request as a whole.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from registry_site.middleware import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag): read it again."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with another record."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the registry accepts."
    default_code = "request_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable. Nothing was changed; try again shortly."
    default_code = "service_unavailable"
    # DRF's handler turns ``wait`` into Retry-After, as it does for 429s.
    wait = RETRY_AFTER_SECONDS


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. 'required', 'invalid', 'not_found'.")
    detail = serializers.CharField(help_text="What went wrong, for people.")
    attr = serializers.CharField(
        allow_null=True, help_text="The field (dotted path) or query parameter at fault; null for the whole request."
    )


class ErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["validation_error", "client_error", "server_error"])
    errors = ErrorSerializer(many=True)


def flatten(detail: Any, path: str | None = None) -> list[dict[str, Any]]:
    """Return DRF error details (nested dicts and lists) as a flat list of {code, detail, attr}."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            whole = key in ("non_field_errors", "__all__")
            items.extend(flatten(value, path if whole else (f"{path}.{key}" if path else str(key))))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and value:
                items.extend(flatten(value, f"{path}.{index}" if path else str(index)))
            elif isinstance(value, dict | list):
                continue  # an item without errors in a list of nested objects
            else:
                items.extend(flatten(value, path))
        return items
    code = getattr(detail, "code", None) or "invalid"
    return [{"code": str(code), "detail": str(detail), "attr": path}]


def conflict_message(exc: IntegrityError) -> str:
    """Say which rule a change broke at the database (another request got there first), in the rule's words."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if not name:
        return Conflict.default_detail
    for model in apps.get_app_config("partnerships").get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return f"{constraint.get_violation_error_message()} (Another request may have just saved it.)"
        for field in model._meta.fields:
            if field.unique and name == f"{model._meta.db_table}_{field.column}_key":
                return (
                    f"Another {model._meta.verbose_name} already has this {field.verbose_name} "
                    "(it may have just been saved by another request)."
                )
    return Conflict.default_detail


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error in the registry's shape (see the module docstring)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # never echo what was looked for
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, RequestDataTooBig):
        # RequestGuardMiddleware refuses bodies by their Content-Length first; this is what Django finds reading one.
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError("The request has more fields than the registry accepts.")
    elif isinstance(exc, ProtectedError | RestrictedError):
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        exc = Conflict(f"Other records refer to this one ({', '.join(kinds)}): change or delete them first.")
    elif isinstance(exc, DataError):
        # Validation should have caught it; never answer a malformed value with a 500.
        logger.warning("data error on %s: %s", context.get("request") and context["request"].path, exc)
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of the range the registry can store."]})
    elif isinstance(exc, IntegrityError):
        logger.warning("integrity error on %s: %s", context.get("request") and context["request"].path, exc)
        exc = Conflict(conflict_message(exc))
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", exc)
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is None:
        if isinstance(exc, DatabaseError):
            set_rollback()
        logger.exception("unhandled error in the API", exc_info=exc)
        return Response(
            {
                "type": "server_error",
                "errors": [{"code": "error", "detail": "A server error occurred; it has been logged.", "attr": None}],
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    kind = (
        "validation_error"
        if isinstance(exc, exceptions.ValidationError)
        else ("server_error" if response.status_code >= 500 else "client_error")
    )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    errors = flatten(detail)
    if not errors:
        errors = [{"code": "error", "detail": str(detail), "attr": None}]
    response.data = {"type": kind, "errors": errors}
    return response
