"""Template filters for figures and dates, and the tag that names related records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from partnerships.dates import at_precision as _at_precision
from partnerships.services import coverage

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


@register.filter
def status_text(record: Any) -> str:
    """An agreement's status as it should be read: "In force as of 2012 (COW v4.1); later status unknown"."""
    return coverage.status_text(record)


@register.filter
def at_precision(record: Any, field: str) -> str:
    """``record``'s date ``field`` as far as it is known ("14 Jan 1980", "Mar 1985", "2007"); "" when it has none.

    Used as ``{{ object|at_precision:"signed_on"|default:"—" }}``: the precision is read from
    ``<field>_precision`` (see ``partnerships.dates``).
    """
    value = _at_precision(record, field)
    return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def related(context: template.Context, record: Any, attribute: str = "") -> str:
    """Link a related record by its name (or ``attribute``), or show “restricted record” to users who may not see it.

    Every page names linked records through this tag, so the visibility rule
    (``partnerships.services.naming``) holds on every page alike.
    """
    from partnerships.services.naming import namer_for

    namer = namer_for(context["request"])
    if attribute:
        return namer.link(record, lambda obj: str(getattr(obj, attribute) or obj))
    return namer.link(record)


@register.simple_tag(takes_context=True)
def chart_url(context: template.Context, chart: dict[str, Any], kind: str) -> str:
    """The page's own URL, its parameters kept, asking for ``chart`` as ``kind`` (``svg`` or ``csv``)."""
    params = context["request"].GET.copy()
    params["chart"] = chart["name"]
    params["format"] = kind
    return f"?{params.urlencode()}"
