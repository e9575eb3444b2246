"""Saving a record together with its nested rows (agreement parties, exercise participants)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

ActorKey = tuple[str, int | None]


def actor_key(row: dict[str, Any]) -> ActorKey:
    """Return ("nation", id) or ("organization", id) for row data holding model instances."""
    if row.get("nation") is not None:
        return ("nation", row["nation"].pk)
    organization = row.get("organization")
    return ("organization", organization.pk if organization is not None else None)


def period_key(row: dict[str, Any]) -> tuple[ActorKey, Any, Any]:
    """Return (actor key, joined_on, withdrew_on) for party row data, as the party rules compare rows."""
    return (actor_key(row), row.get("joined_on"), row.get("withdrew_on"))


def _by_actor(rows: list[Any], key: Any, start: Any) -> dict[ActorKey, list[Any]]:
    """Group rows by the actor they name, each group in the order of its periods (undated first)."""
    groups: dict[ActorKey, list[Any]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    for group in groups.values():
        group.sort(key=lambda row: (start(row) is not None, start(row) or 0))
    return groups


@transaction.atomic
def save_record(
    *,
    instance: models.Model,
    fields: dict[str, Any],
    rows_relation: str | None = None,
    rows: list[dict[str, Any]] | None = None,
    user: Any = None,
) -> models.Model:
    """Save ``instance`` with ``fields`` and, when ``rows`` is given, make its nested rows match them.

    Rows are matched to saved ones by the nation or organization they name
    (and, for a party with several periods, period by period in date order):
    matching rows are updated, new ones created, and saved rows the ``user``
    may see but ``rows`` no longer lists are deleted. Rows the user may not
    see are left alone. All or nothing: any error rolls the whole save back.
    Callers validate first (the model's ``full_clean()`` and the cross-row
    validators); the database constraints stay the last line of defence.
    """
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()
    if rows_relation is not None and rows is not None:
        manager = getattr(instance, rows_relation)
        row_model = manager.model
        parent_field = manager.field.name
        editable = row_model.objects.visible_to(user).filter(**{parent_field: instance})
        dated = any(field.name == "joined_on" for field in row_model._meta.concrete_fields)
        saved = _by_actor(list(editable), lambda row: row.actor_key, lambda row: getattr(row, "joined_on", None))
        wanted = _by_actor(rows, actor_key, lambda data: data.get("joined_on") if dated else None)
        pairs: list[tuple[Any, dict[str, Any]]] = []
        for key, datas in wanted.items():
            saved_rows = saved.pop(key, [])
            if len(datas) > 1 or len(saved_rows) > 1:
                # Several periods of one party: shifting them one by one could make two overlap on
                # the way (the database refuses that at once), so its rows are written afresh.
                changed = [_values(row, data) for row, data in zip(saved_rows, datas, strict=False)]
                if len(saved_rows) != len(datas) or any(changed):
                    for row in saved_rows:
                        row.delete()
                    saved_rows = []
            pairs.extend(zip(saved_rows, datas, strict=False))
            pairs.extend((None, data) for data in datas[len(saved_rows) :])
            for row in saved_rows[len(datas) :]:
                row.delete()
        for rows_left in saved.values():
            for row in rows_left:
                row.delete()
        for row, data in pairs:
            if row is None:
                row_model.objects.create(**{parent_field: instance}, **data)
                continue
            changed = _values(row, data)
            if changed:
                for name in changed:
                    setattr(row, name, data[name])
                row.save()
    return instance


def _values(row: models.Model, data: dict[str, Any]) -> list[str]:
    """Return the names of the fields whose value in ``data`` differs from ``row``'s."""
    return [name for name, value in data.items() if getattr(row, name) != value]
