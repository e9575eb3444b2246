"""OpenAPI generation: the registry's common parameters and error responses on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from partnerships.api.errors import ErrorResponseSerializer
from partnerships.api.fields import RESTRICTED_RECORD_SCHEMA

RENDERING_PARAMETERS = [
    OpenApiParameter(
        "brief", OpenApiTypes.BOOL, description="Return the brief form of each record (id, url, display, natural key)."
    ),
    OpenApiParameter(
        "fields",
        OpenApiTypes.STR,
        description=(
            "Comma-separated fields to return, e.g. `id,title,parties`; the others are neither loaded nor sent."
        ),
    ),
    OpenApiParameter("omit", OpenApiTypes.STR, description="Comma-separated fields to leave out."),
]
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you last read; the change is refused with 412 if the record changed since.",
)

ERROR_DESCRIPTIONS = {
    "400": "Invalid input or query parameter; `errors[].attr` names it.",
    "401": "No valid credentials (missing, unknown, expired or revoked token).",
    "403": "Authenticated, but not allowed (missing permission, read-only token, CSRF failure).",
    "404": "No such record, or one you may not see.",
    "409": "Conflicts with another record, or other records still refer to it.",
    "412": "If-Match does not match the record's current ETag.",
    "413": "The request body is larger than the registry accepts (2.5 MB); nothing was changed.",
    "415": "Send JSON (`Content-Type: application/json`).",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
    "503": "The database is unavailable; nothing was changed.",
}


class RegistryAutoSchema(AutoSchema):
    def _action(self) -> str:
        return getattr(self.view, "action", None) or ""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "GET" and getattr(self.view, "supports_rendering_parameters", False):
            parameters.extend(RENDERING_PARAMETERS)
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "supports_if_match", False):
            parameters.append(IF_MATCH)
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429", "503"]
        action = self._action()
        if self.method == "GET":
            codes.append("400")  # unknown or malformed query parameters
        if action in ("retrieve", "update", "partial_update", "destroy") or "{" in self.path:
            codes.append("404")
            if self.method == "GET":
                codes.append("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.extend(["400", "409", "413", "415"])
        if self.method == "DELETE":
            codes.append("409")
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "supports_if_match", False):
            codes.append("412")
        return sorted(set(codes))

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorResponseSerializer, code)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


def optional_response_fields(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: a record's response fields are all optional.

    ``?fields``, ``?omit`` and ``?brief`` can leave any field out, so the
    response schemas of full records list none as required (request schemas
    are untouched: they say what a client must send).
    """
    from partnerships.api.serializers import SERIALIZERS

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    # What a link to a record the user may not see looks like (NestedRelatedField refers to it).
    schemas["RestrictedRecord"] = RESTRICTED_RECORD_SCHEMA
    for full, _brief in SERIALIZERS.values():
        component = schemas.get(full.__name__.removesuffix("Serializer"))
        if component is not None:
            component.pop("required", None)
            component["description"] = (
                "All fields are returned unless ?fields, ?omit or ?brief (the brief form: id, url, display "
                "and the natural key) narrow the response."
            )
    return result
