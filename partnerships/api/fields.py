"""Related records rendered in brief form and written as an id (or, for nations, a code)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from partnerships.filters import resolve_nation_code
from partnerships.models import Nation, can_view_restricted
from partnerships.services.naming import RESTRICTED_LABEL, hidden_from


class KeepHiddenLink:
    """What a client sends back for a link it read as a restricted record: keep the link as it is."""

    def __repr__(self) -> str:
        return "KEEP_HIDDEN_LINK"


KEEP_HIDDEN_LINK = KeepHiddenLink()


def restricted_brief() -> dict[str, Any]:
    """Return how a linked record the user may not see is shown: no name, no id, no link."""
    return {"id": None, "url": None, "display": RESTRICTED_LABEL, "restricted": True}


class NestedRelatedField(serializers.RelatedField):
    """A foreign key shown as ``{"id", "url", "display", …}`` and written as an id or ``{"id": …}``.

    Nations may also be written as an ISO code or ``cow:NUMBER``. Only records
    the requesting user may see can be linked. A linked record they may not
    see is shown as :func:`restricted_brief` (as on every page: "restricted
    record"), and sending that object back keeps the link as it is.
    """

    default_error_messages = {
        "does_not_exist": "No {model} matches “{value}”.",
        "incorrect_type": "Give an id, an object with an id{codes}, not {data_type}.",
        "empty": "Give an id{codes}, or null to leave it unlinked, not an empty string.",
    }

    def __init__(self, brief_serializer: type[serializers.Serializer], **kwargs: Any) -> None:
        self.brief_serializer = brief_serializer
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        request = self.context.get("request")
        return queryset.visible_to(getattr(request, "user", None))

    def use_pk_only_optimization(self) -> bool:
        return False

    @cached_property
    def cleared(self) -> bool:
        request = self.context.get("request")
        return can_view_restricted(getattr(request, "user", None))

    def to_representation(self, value: models.Model) -> dict[str, Any] | None:
        if hidden_from(value, cleared=self.cleared):
            return restricted_brief()
        return self.brief.to_representation(value)

    @cached_property
    def brief(self) -> serializers.Serializer:
        """One brief serializer for every row this field renders: building its fields is the costly part."""
        return self.brief_serializer(context=self.context)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # DRF reads "" as null for a link; the schema says id or null, so "" is refused rather than guessed.
        if isinstance(data, str) and data == "":
            codes = " or a nation code" if self.get_queryset().model is Nation else ""
            self.fail("empty", codes=codes)
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> models.Model:
        queryset = self.get_queryset()
        model_name = queryset.model._meta.verbose_name
        if isinstance(data, dict):
            if data.get("restricted") is True and data.get("id") is None:
                return KEEP_HIDDEN_LINK  # type: ignore[return-value]  # RecordSerializer resolves it
            data = data.get("id")
        if isinstance(data, bool) or not isinstance(data, int | str):
            codes = " or a nation code" if queryset.model is Nation else ""
            self.fail("incorrect_type", codes=codes, data_type=type(data).__name__)
        if isinstance(data, str) and not data.strip().isdigit():
            if queryset.model is not Nation:
                self.fail("incorrect_type", codes="", data_type="text")
            try:
                return resolve_nation_code(data, queryset)
            except Exception:
                self.fail("does_not_exist", model=model_name, value=data)
        try:
            return queryset.get(pk=int(data))
        except (queryset.model.DoesNotExist, ValueError, OverflowError):
            self.fail("does_not_exist", model=model_name, value=data)


RESTRICTED_RECORD_REF = {"$ref": "#/components/schemas/RestrictedRecord"}
RESTRICTED_RECORD_SCHEMA = {
    "type": "object",
    "description": "A linked record the user may not see: no name, no id, no link.",
    "properties": {
        "id": {"type": "integer", "nullable": True, "enum": [None]},
        "url": {"type": "string", "nullable": True, "enum": [None]},
        "display": {"type": "string", "enum": [RESTRICTED_LABEL]},
        "restricted": {"type": "boolean", "enum": [True]},
    },
    "required": ["id", "url", "display", "restricted"],
}


class NestedRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NestedRelatedField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        field = self.target
        if direction == "response":
            reference = auto_schema.resolve_serializer(field.brief_serializer, direction).ref
            # Null when empty; RestrictedRecord when it names a record the user may not see.
            return {"oneOf": [reference, RESTRICTED_RECORD_REF], "nullable": True}
        identifier: list[dict[str, Any]] = [
            {"type": "integer", "minimum": 1},
            {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
            {
                **RESTRICTED_RECORD_REF,
                "description": "A link read as a restricted record, sent back unchanged: the link is kept.",
            },
        ]
        if field.queryset is not None and field.queryset.model is Nation:
            identifier.append({"type": "string", "description": "ISO alpha-2/alpha-3 code, or cow:NUMBER / cow:ABBR"})
        schema: dict[str, Any] = {"oneOf": identifier}
        if field.allow_null:
            schema["nullable"] = True
        return schema
