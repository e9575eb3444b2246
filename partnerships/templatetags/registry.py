"""Template filters for figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any) -> str:
    """A measured value without trailing zeros (4.5000 → 4.5), or a dash when there is none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)
