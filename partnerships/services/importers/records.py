"""``import_data records``: read back the registry's own CSV or JSON record files (see services.record_io)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from partnerships.models.base import canonical_values
from partnerships.services.access import FULL_ACCESS
from partnerships.services.importers.base import ImportAborted, Importer, RowRejected, decode, read_rows
from partnerships.services.record_io import (
    RECORD_TYPES,
    ROW_FIELDS,
    Unresolved,
    natural_lookup,
    rows_from,
    values_from,
)
from partnerships.services.records import actor_key, save_record


class RecordsImporter(Importer):
    kind = "records"
    dataset = "records"
    description = "the registry's own record files (manage.py export_data records), CSV or JSON"
    required_columns = ("record_type",)

    def read(self, path: Path, encoding: str | None) -> list[tuple[int | str, dict[str, Any]]]:
        try:
            text = decode(path.read_bytes(), encoding)
        except OSError as exc:
            raise ImportAborted(f"Cannot read {path}: {exc.strerror or exc}") from exc
        if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            try:
                document = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ImportAborted(f"Not valid JSON: {exc}") from exc
            if not isinstance(document, dict) or "record_type" not in document or "records" not in document:
                raise ImportAborted('A JSON record file is {"record_type": …, "records": […]}.')
            return [
                (index, {**record, "record_type": document["record_type"]})
                for index, record in enumerate(document["records"], start=1)
            ]
        return list(read_rows(text, self.required_columns))

    def import_row(self, number: int | str, row: dict[str, Any]) -> None:
        record_type = RECORD_TYPES.get(str(row.get("record_type", "")))
        if record_type is None:
            raise RowRejected(
                f"record_type: “{row.get('record_type')}” is not one of {', '.join(sorted(RECORD_TYPES))}"
            )
        try:
            values = values_from(record_type, row)
            rows = rows_from(record_type, row.get(record_type.rows)) if record_type.rows else None
            lookup = natural_lookup(record_type, values)
        except (Unresolved, ValueError, TypeError) as exc:
            raise RowRejected(str(exc)) from exc
        model = record_type.model
        values = canonical_values(model, values)
        label = str(model._meta.verbose_name_plural)
        existing = model.objects.filter(**lookup).first()
        candidate = existing or model()
        changed = existing is None or any(getattr(existing, name) != value for name, value in values.items())
        if rows is not None and existing is not None and not changed:
            fields = ROW_FIELDS[record_type.rows or ""]
            saved = sorted(
                (row_.actor_key, *(getattr(row_, name) for name in fields))
                for row_ in getattr(existing, record_type.rows or "").all()
            )
            wanted = sorted((actor_key(row_), *(row_[name] for name in fields)) for row_ in rows)
            changed = saved != wanted
        assert self.report is not None
        if not changed:
            self.report.note(label, existing.pk, "unchanged")  # type: ignore[union-attr]
            return
        for name, value in values.items():
            setattr(candidate, name, value)
        candidate.full_clean(exclude=[record_type.rows] if record_type.rows else None)
        if record_type.rows == "parties":
            candidate.validate_parties([actor_key(r) for r in rows or []])
        save_record(instance=candidate, fields={}, rows_relation=record_type.rows, rows=rows, user=FULL_ACCESS)
        self.report.note(label, candidate.pk, "updated" if existing else "created")
