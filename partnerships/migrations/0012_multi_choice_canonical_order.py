"""Store every multi-choice value in its canonical form: the field's choices order, each value once.

``ChoiceArrayField`` writes values that way from now on; this rewrites the
rows written before. Rows are updated in place, without touching
``updated_at`` and without a history row: the set of values is the same, so
nothing changed that a reader or a sync client needs to know about. History
rows keep what was written then (the history's comparison ignores order).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def canonicalise(apps: Any, schema_editor: Any) -> None:
    """Rewrite each record's multi-choice arrays that are not in canonical form, in one UPDATE per field."""
    from partnerships.models.base import ChoiceArrayField

    quote = schema_editor.quote_name
    for model in apps.get_app_config("partnerships").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, ChoiceArrayField):
                continue
            choices = [str(value) for value, _label in field.base_field.flatchoices]
            column, table = quote(field.column), quote(model._meta.db_table)
            # Known values by their place among the choices, others after them in
            # the order they first appear (kept, not dropped), each value once.
            canonical = (
                f"ARRAY(SELECT item FROM unnest(record.{column}) WITH ORDINALITY AS items(item, position) "
                f"GROUP BY item ORDER BY coalesce(array_position(%s::text[], item::text), 2147483647), min(position))"
            )
            schema_editor.execute(
                f"UPDATE {table} AS record SET {column} = {canonical} "
                f"WHERE record.{column} IS NOT NULL AND record.{column} IS DISTINCT FROM {canonical}",
                [choices, choices],
            )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0011_shared_cache_table")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
