"""A record's change history, as people read it: who, when, what changed from what to what.

The analyst pages and the admin's history pages both show changes through
:class:`ChangeFormatter`, so a changed link names the linked record the same
way everywhere: by name, or as "restricted record" to users who may not see
it (never by its id).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models

from partnerships.audit import reason_for
from partnerships.services.naming import Namer

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Fields every change touches; listing them would bury the real changes.
IGNORED = {"updated_at", "created_at"}
DELETED_LABEL = "deleted record"


class ChangeFormatter:
    """Turns field changes of one model into text for one user.

    Give it every change first (:meth:`expect`), so the linked records they
    name are read with one query per linked model, then ask for the text of
    each value (:meth:`display`).
    """

    def __init__(self, model: type[models.Model], namer: Namer) -> None:
        self.model = model
        self.namer = namer
        self._wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self._loaded: dict[type[models.Model], dict[Any, models.Model]] = {}

    def _relation(self, field_name: str) -> type[models.Model] | None:
        field = self.model._meta.get_field(field_name)
        return field.related_model if field.many_to_one or field.one_to_one else None

    def expect(self, field_name: str, *values: Any) -> None:
        """Note the linked records ``values`` (ids or instances) of ``field_name`` will need."""
        related = self._relation(field_name)
        if related is None:
            return
        for value in values:
            if value is not None and not isinstance(value, models.Model):
                self._wanted[related].add(value)

    def _record(self, related: type[models.Model], pk: Any) -> models.Model | None:
        loaded = self._loaded.get(related)
        if loaded is None:
            ids = self._wanted.get(related, set())
            loaded = self._loaded[related] = {obj.pk: obj for obj in related._default_manager.filter(pk__in=ids)}
        if pk not in loaded:
            # Not expected beforehand: read it now rather than show a bare id.
            found = related._default_manager.filter(pk=pk).first()
            if found is not None:
                loaded[pk] = found
        return loaded.get(pk)

    def display(self, field_name: str, value: Any) -> str:
        """Return ``value`` of ``field_name`` as text: choice labels, linked records by name, a dash for none."""
        field = self.model._meta.get_field(field_name)
        if value in (None, "", []):
            return "—"
        related = self._relation(field_name)
        if related is not None:
            record = value if isinstance(value, models.Model) else self._record(related, value)
            if record is None:
                return DELETED_LABEL
            return self.namer.name(record)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        base = getattr(field, "base_field", None)
        if base is not None and base.choices and isinstance(value, list):
            labels = dict(base.flatchoices)
            return ", ".join(str(labels.get(item, item)) for item in value)
        return str(value)


def changes(obj: models.Model, *, user: Any, limit: int = 25) -> list[dict[str, Any]]:
    """Return the latest ``limit`` changes of ``obj``, newest first, each with its field-by-field differences."""
    rows = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    formatter = ChangeFormatter(model, Namer(user))
    deltas = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        delta = None
        if older is not None and row.history_type == "~":
            delta = [c for c in row.diff_against(older, foreign_keys_are_objs=False).changes if c.field not in IGNORED]
            for change in delta:
                formatter.expect(change.field, change.old, change.new)
        deltas.append(delta or [])
    entries = []
    for row, delta in zip(rows[:limit], deltas, strict=True):
        entries.append(
            {
                "when": row.history_date,
                "who": row.history_user.get_username() if row.history_user else "system",
                "action": ACTIONS.get(row.history_type, row.history_type),
                "reason": reason_for(row.history_change_reason or "", user),
                "channel": row.get_history_channel_display(),
                "changes": [
                    {
                        "field": str(model._meta.get_field(change.field).verbose_name),
                        "old": formatter.display(change.field, change.old),
                        "new": formatter.display(change.field, change.new),
                    }
                    for change in delta
                ],
            }
        )
    return entries
