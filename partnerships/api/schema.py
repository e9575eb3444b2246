"""OpenAPI generation: the registry's common parameters and error responses on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from partnerships.api.errors import ErrorResponseSerializer
from partnerships.api.fields import RESTRICTED_RECORD_SCHEMA
from partnerships.filters.base import DECIMAL_PATTERN, MAX_INTEGER

RENDERING_PARAMETERS = [
    OpenApiParameter(
        "brief", OpenApiTypes.BOOL, description="Return the brief form of each record (id, url, display, natural key)."
    ),
]
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The ETag you last read (or `*`); the change is refused with 412 if the record changed since, "
        "with 400 if this is not a list of entity tags."
    ),
)
# RFC 9110's entity-tag list, or "*": what RegistryViewSet.if_match() accepts, in a dialect Python and ECMA share.
IF_MATCH_PATTERN = r'^ *(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*) *$'
# Text the registry can store: anything but NUL (RequestGuardMiddleware refuses it with a 400).
NO_NUL_PATTERN = "^[^\\x00]*$"
# Years 0001 to 9999, as Python's dates have them (a JSON Schema date would also allow 0000).
YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
DATE_PATTERN = f"^{YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
# RFC 3339 as the filters read it: seconds 00-59, at most microseconds, an offset PostgreSQL can store.
TIMESTAMP_PATTERN = (
    f"^{YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{{1,6}})?"
    "([Zz]|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)

ERROR_DESCRIPTIONS = {
    "400": "Invalid input or query parameter; `errors[].attr` names it.",
    "401": "No valid credentials (missing, unknown, expired or revoked token).",
    "403": "Authenticated, but not allowed (missing permission, read-only token, CSRF failure).",
    "404": "No such record, or one you may not see.",
    "409": "Conflicts with another record, or other records still refer to it.",
    "412": "If-Match does not match the record's current ETag.",
    "413": "The request body is larger than the registry accepts (2.5 MB); nothing was changed.",
    "414": (
        "The address (path and query string) is longer than the HTTP server accepts; it answers before "
        "the registry sees the request, in its own format (HTML)."
    ),
    "415": "Send JSON (`Content-Type: application/json`).",
    "431": (
        "The request's headers are more or larger than the HTTP server accepts; it answers before the "
        "registry sees the request, in its own format (HTML)."
    ),
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
            serializer_class = getattr(self.view, "serializer_class", None)
            brief_class = getattr(self.view, "brief_serializer_class", None)
            if serializer_class is not None and brief_class is not None:
                names = list(dict.fromkeys([*serializer_class.Meta.fields, *brief_class.Meta.fields]))
                parameters.extend(field_list_parameters(names))
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "supports_if_match", False):
            parameters.append(IF_MATCH)
        return parameters

    def _error_codes(self) -> list[str]:
        # Any request: a NUL anywhere is a 400 and a body over the limit a 413 (RequestGuardMiddleware),
        # an address or headers too long for the HTTP server a 414 or 431, before any view runs.
        codes = ["400", "401", "403", "413", "414", "429", "431", "503"]
        action = self._action()
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
                if code in ("414", "431"):
                    response["content"]["text/html"] = {"schema": {"type": "string"}}
                responses[code] = response
        return responses


def field_list_parameters(names: list[str]) -> list[OpenApiParameter]:
    """Return ``fields`` and ``omit`` for a record with these field names: comma-separated, spaces allowed."""
    name = "(" + "|".join(names) + ")"
    pattern = f"^ *({name} *)?(, *({name} *)?)*$"
    return [
        OpenApiParameter(
            "fields",
            {"type": "string", "pattern": pattern},
            description=(
                "Comma-separated fields to return, e.g. `id,title,parties`; the others are neither loaded nor "
                f"sent. With `brief`, narrows the brief form. Fields: {', '.join(names)}."
            ),
        ),
        OpenApiParameter(
            "omit", {"type": "string", "pattern": pattern}, description="Comma-separated fields to leave out."
        ),
    ]


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
    for full, brief in SERIALIZERS.values():
        component = schemas.get(full.__name__.removesuffix("Serializer"))
        if component is not None:
            component.pop("required", None)
            component["description"] = (
                "All fields are returned unless ?fields, ?omit or ?brief (the brief form: id, url, display "
                "and the natural key) narrow the response."
            )
            # ?brief answers with the brief form, where a field may be shown differently (a measurement's
            # indicator by its slug, not as a linked record): the record's schema allows either.
            brief_component = schemas.get(brief.__name__.removesuffix("Serializer"), {})
            properties = component.get("properties", {})
            for name, shown in brief_component.get("properties", {}).items():
                if name in properties and properties[name] != shown:
                    properties[name] = {"anyOf": [properties[name], shown]}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                tighten_parameter(parameter)
    return result


def tighten_parameter(parameter: dict[str, Any]) -> None:
    """Make a generated parameter schema say exactly what the API accepts.

    django-filter's schemas come from the model fields, which say what a
    record may hold, not what a filter reads: a filter value is never null,
    a comparison may use any number (not only the model's range), a
    multiple-choice filter on an array field takes one choice per value.
    """
    schema = parameter.get("schema", {})
    if parameter["in"] == "header" and parameter["name"] == "If-Match":
        schema["pattern"] = IF_MATCH_PATTERN
        return
    value = schema
    if schema.get("type") == "array":
        value = schema["items"]
        if value.get("type") == "array":  # a choice among an array field's values
            value = schema["items"] = {"type": "string", "enum": value.get("enum") or value["items"]["enum"]}
    value.pop("nullable", None)
    kind, spelled = value.get("type"), value.get("format")
    if kind == "integer" and schema is not value:  # filter values (BoundedIntegerField)
        value.update(minimum=-MAX_INTEGER, maximum=MAX_INTEGER)
    elif kind == "integer":
        value.setdefault("maximum", MAX_INTEGER)
    elif kind == "string" and spelled == "decimal":
        value["pattern"] = DECIMAL_PATTERN
    elif kind == "string" and spelled == "date":
        value["pattern"] = DATE_PATTERN
    elif kind == "string" and spelled == "date-time":
        value["pattern"] = TIMESTAMP_PATTERN
    elif kind == "string" and "enum" not in value and "pattern" not in value:
        value["pattern"] = NO_NUL_PATTERN
