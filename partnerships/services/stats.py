"""Figures for the dashboard, counted over what the user may see."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse

from partnerships.models import (
    Agreement,
    Exercise,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.services.network import build_network

COUNTED = (
    ("Agreements", Agreement),
    ("Exercises", Exercise),
    ("Resource-sharing records", ResourceSharing),
    ("Programs", Program),
    ("Organizations", Organization),
    ("Nations", Nation),
)
HISTORY_MODELS = (Agreement, Exercise, ResourceSharing, Program, Organization, Membership, Nation)


def record_counts(*, user: Any) -> list[tuple[str, int, type]]:
    return [(label, model.objects.visible_to(user).count(), model) for label, model in COUNTED]


def agreements_per_year(*, user: Any) -> dict[int, dict[str, int]]:
    """Return {year: {kind: agreements signed}} for the visible agreements."""
    rows = (
        Agreement.objects.visible_to(user)
        .filter(signed_on__isnull=False)
        .annotate(year=ExtractYear("signed_on"))
        .values("year", "kind")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    years: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        years[row["year"]][row["kind"]] = row["n"]
    return dict(years)


def exercises_per_year(*, user: Any) -> dict[int, int]:
    rows = (
        Exercise.objects.visible_to(user)
        .filter(start_date__isnull=False)
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    return {row["year"]: row["n"] for row in rows}


def most_connected(*, user: Any, on: date, limit: int = 10) -> list[dict[str, Any]]:
    """Return the nations with the most partners (agreements in force, recent exercises, flows) on ``on``."""
    graph = build_network(user=user, as_of=on)
    return [node for node in graph["nodes"] if node["kind"] == "nation"][:limit]


DETAIL_PAGES = {
    Agreement: "agreement",
    Exercise: "exercise",
    ResourceSharing: "resource",
    Program: "program",
    Organization: "organization",
    Nation: "nation",
}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _label(model: type, row: Any) -> str:
    if model is Membership:
        return "a membership"
    if model is ResourceSharing:
        return row.reference or row.description[:60]
    if model is Agreement:
        return row.short_name or row.title
    return row.name


def latest_changes(*, user: Any, limit: int = 10) -> list[dict[str, Any]]:
    """Return the most recent changes to records the user may see now (one query per record type).

    Changes to records since deleted, or since made restricted, are left out.
    """
    rows = []
    for model in HISTORY_MODELS:
        visible = model.objects.visible_to(user).values("pk")
        history = model.history.filter(id__in=visible).select_related("history_user").order_by("-history_date")
        for row in history[:limit]:
            if model is Membership:
                url = reverse("partnerships:organization-detail", args=[row.organization_id])
            else:
                url = reverse(f"partnerships:{DETAIL_PAGES[model]}-detail", args=[row.id])
            rows.append(
                {
                    "when": row.history_date,
                    "who": row.history_user.get_username() if row.history_user else "system",
                    "action": ACTIONS.get(row.history_type, "changed"),
                    "kind": str(model._meta.verbose_name),
                    "label": _label(model, row),
                    "url": url,
                }
            )
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows[:limit]


def sums(queryset: QuerySet, fields: list[str]) -> dict[str, Any]:
    """Return the sum of each of ``fields`` over every row of ``queryset``, in one query (None where all are null).

    ``queryset`` is what the user may see, filtered (``visible_to`` applied by
    the caller): the sums are over all its rows, not a page of them. Rows a
    filter across a to-many relation would repeat are counted once.
    """
    if not fields:
        return {}
    rows = queryset.order_by()
    if rows.query.distinct:
        rows = queryset.model._default_manager.filter(pk__in=rows.values("pk"))
    return rows.aggregate(**{field: Sum(field) for field in fields})
