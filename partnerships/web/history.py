"""A record's change history, as people read it: who, when, what changed from what to what."""

from __future__ import annotations

from typing import Any

from django.db import models

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Fields every change touches; listing them would bury the real changes.
IGNORED = {"updated_at", "created_at"}


def _display(model: type[models.Model], field_name: str, value: Any) -> str:
    field = model._meta.get_field(field_name)
    if value in (None, "", []):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    base = getattr(field, "base_field", None)
    if base is not None and base.choices and isinstance(value, list):
        labels = dict(base.flatchoices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    return str(value)


def changes(obj: models.Model, *, limit: int = 25) -> list[dict[str, Any]]:
    """Return the latest ``limit`` changes of ``obj``, newest first, each with its field-by-field differences."""
    rows = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    entries = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        differences = []
        if older is not None and row.history_type == "~":
            delta = row.diff_against(older, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in IGNORED:
                    continue
                differences.append(
                    {
                        "field": str(model._meta.get_field(change.field).verbose_name),
                        "old": _display(model, change.field, change.old),
                        "new": _display(model, change.field, change.new),
                    }
                )
        entries.append(
            {
                "when": row.history_date,
                "who": row.history_user.get_username() if row.history_user else "system",
                "action": ACTIONS.get(row.history_type, row.history_type),
                "reason": row.history_change_reason or "",
                "channel": row.get_history_channel_display(),
                "changes": differences,
            }
        )
    return entries
