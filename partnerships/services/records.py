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

    Rows are matched to saved ones by the nation or organization they name:
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
        saved = {row.actor_key: row for row in editable}
        wanted = {actor_key(data): data for data in rows}
        for key, row in saved.items():
            if key not in wanted:
                row.delete()
        for key, data in wanted.items():
            row = saved.get(key)
            if row is None:
                row_model.objects.create(**{parent_field: instance}, **data)
                continue
            changed = [name for name, value in data.items() if getattr(row, name) != value]
            if changed:
                for name in changed:
                    setattr(row, name, data[name])
                row.save()
    return instance
