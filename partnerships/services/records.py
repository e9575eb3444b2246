"""Saving a record together with its nested rows (agreement parties, exercise participants)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from partnerships.choices import TitleOrigin
from partnerships.services.titles import refresh_generated_title

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
    aliases: list[dict[str, Any]] | None = None,
    user: Any = None,
) -> models.Model:
    """Save ``instance`` with ``fields`` and, when ``rows`` is given, make its nested rows match them.

    ``aliases`` (agreements and organizations), when given, become the
    record's aliases (see :func:`set_aliases`). Changing an agreement's title
    makes it staff's (``title_origin``): nothing rewrites it after that. A
    generated title is described again once the parties are saved.

    Rows are matched to saved ones by the nation or organization they name
    (and, for a party with several periods, period by period in date order):
    matching rows are updated, new ones created, and saved rows the ``user``
    may see but ``rows`` no longer lists are deleted. Rows the user may not
    see are left alone. All or nothing: any error rolls the whole save back.
    Callers validate first (the model's ``full_clean()`` and the cross-row
    validators); the database constraints stay the last line of defence.
    """
    if "title" in fields and hasattr(instance, "title_origin") and fields["title"] != instance.title:
        fields = {**fields, "title_origin": TitleOrigin.STAFF}
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()
    if aliases is not None:
        set_aliases(record=instance, aliases=aliases)
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
        if hasattr(instance, "title_origin"):
            refresh_generated_title(instance)
    return instance


def set_aliases(*, record: models.Model, aliases: list[dict[str, Any]]) -> None:
    """Make ``record``'s aliases exactly ``aliases`` (dicts of name, kind, language).

    An alias is matched to a saved one by its name, ignoring case: a saved
    alias keeps its row (and its history) when only its case, kind or
    language changes. Callers validate first (no two names equal ignoring case).
    """
    manager = record.aliases  # type: ignore[attr-defined]
    saved = {alias.name.lower(): alias for alias in manager.all()}
    for data in aliases:
        alias = saved.pop(data["name"].lower(), None)
        if alias is None:
            manager.model.objects.create(**{manager.field.name: record}, **data)
        elif _values(alias, data):
            for name, value in data.items():
                setattr(alias, name, value)
            alias.save()
    for alias in saved.values():
        alias.delete()


def _values(row: models.Model, data: dict[str, Any]) -> list[str]:
    """Return the names of the fields whose value in ``data`` differs from ``row``'s."""
    return [name for name, value in data.items() if getattr(row, name) != value]
