"""``import_data records``: read back the registry's own CSV or JSON record files (see services.record_io)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from partnerships.models import can_view_restricted
from partnerships.models.base import canonical_values
from partnerships.services import sources
from partnerships.services.importers.base import ImportAborted, Importer, RowRejected, decode, read_rows
from partnerships.services.naming import hidden_from
from partnerships.services.record_io import (
    HIDDEN_LINK,
    RECORD_TYPES,
    ROW_FIELDS,
    Unresolved,
    natural_lookup,
    rows_from,
    source_keys,
    source_lookup,
    values_from,
)
from partnerships.services.records import actor_key, period_key, save_record


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

    def keep_hidden_links(self, existing: Any, values: dict[str, Any]) -> None:
        """Keep the saved record's links the importing user may not see; refuse a row that would change one."""
        cleared = can_view_restricted(self.user)
        for name, value in values.items():
            field = type(existing or object)._meta.get_field(name) if existing is not None else None
            current = getattr(existing, name) if field is not None and field.is_relation else None
            if value is HIDDEN_LINK:
                if not hidden_from(current, cleared=cleared):
                    raise RowRejected(f"{name}: “restricted record” names no record you may link")
                values[name] = current
            elif hidden_from(current, cleared=cleared) and value != current:
                raise RowRejected(
                    f"{name}: the saved record links a record you may not see, and it stays as it is: "
                    "give “restricted record”, as the export does"
                )

    def keep_sources(self, record: Any, row: dict[str, Any]) -> None:
        """Give ``record`` a source row for each dataset:id of the file's "sources" column it lacks.

        The one of the dataset the record ``follows`` is followed. A dataset id
        another record carries is refused: the two are one record, for staff to merge.
        """
        from partnerships.models import SOURCE_MODELS

        assert self.report is not None
        Source = SOURCE_MODELS[type(record)]
        followed = False
        for dataset, dataset_id in _source_rows(row):
            source = Source.objects.filter(dataset=dataset, dataset_id=dataset_id).first()
            if source is not None and source.record_id != record.pk:
                raise RowRejected(
                    f"sources: {dataset}:{dataset_id} is a source of another record (#{source.record_id}); "
                    "merge the two in the admin"
                )
            follow = dataset == record.follows and not followed
            followed = followed or follow
            if source is None:
                source = Source(record=record, dataset=dataset, dataset_id=dataset_id, followed=follow)
                source.full_clean(exclude=["record"])
                source.save()
                self.report.note(str(Source._meta.verbose_name_plural), source.pk, "created")
        if record.follows and not record.sources.filter(followed=True).exists():
            sources.follow(record, None)  # a dataset it cannot follow without its source row: curated
        sources.refresh_differs(record)

    def import_row(self, number: int | str, row: dict[str, Any]) -> None:
        record_type = RECORD_TYPES.get(str(row.get("record_type", "")))
        if record_type is None:
            raise RowRejected(
                f"record_type: “{row.get('record_type')}” is not one of {', '.join(sorted(RECORD_TYPES))}"
            )
        try:
            values = values_from(record_type, row, user=self.user)
            rows = rows_from(record_type, row.get(record_type.rows), user=self.user) if record_type.rows else None
            try:
                lookup = natural_lookup(record_type, values)
            except Unresolved:
                lookup = source_lookup(row)  # a transfer without a reference: by the dataset that gives it
                if lookup is None:
                    raise
        except (Unresolved, ValueError, TypeError) as exc:
            raise RowRejected(str(exc)) from exc
        model = record_type.model
        values = canonical_values(model, values)
        label = str(model._meta.verbose_name_plural)
        existing = model.objects.visible_to(self.user).filter(**lookup).first()
        self.keep_hidden_links(existing, values)
        candidate = existing or model()
        changed = existing is None or any(getattr(existing, name) != value for name, value in values.items())
        hidden_keys: list[Any] = []
        if rows is not None and existing is not None:
            # Rows the importing user may not see are kept (save_record leaves them alone) and still count.
            saved_rows = getattr(existing, record_type.rows or "")
            visible = saved_rows.model.objects.visible_to(self.user).filter(pk__in=saved_rows.values("pk"))
            hidden_rows = list(saved_rows.exclude(pk__in=visible.values("pk")))
            hidden_keys = [_row_key(row_, record_type.rows) for row_ in hidden_rows]
        if rows is not None and existing is not None and not changed:
            fields = ROW_FIELDS[record_type.rows or ""]
            hidden_actors = {key[0] if record_type.rows == "parties" else key for key in hidden_keys}
            # Compared as multisets: a party may have several rows (periods), and dates may be missing.
            saved = Counter(
                (row_.actor_key, *(_hashable(getattr(row_, name)) for name in fields))
                for row_ in getattr(existing, record_type.rows or "").all()
                if row_.actor_key not in hidden_actors
            )
            wanted = Counter((actor_key(row_), *(_hashable(row_[name]) for name in fields)) for row_ in rows)
            changed = saved != wanted
        assert self.report is not None
        if not changed:
            self.report.note(label, existing.pk, "unchanged")  # type: ignore[union-attr]
            return
        for name, value in values.items():
            setattr(candidate, name, value)
        candidate.full_clean(exclude=[record_type.rows] if record_type.rows else None)
        if record_type.rows == "parties":
            candidate.validate_parties([period_key(r) for r in rows or []] + hidden_keys)
        save_record(instance=candidate, fields={}, rows_relation=record_type.rows, rows=rows, user=self.user)
        if hasattr(candidate, "follows"):
            self.keep_sources(candidate, row)
            if existing is not None:
                sources.after_edit(candidate)
        self.report.note(label, candidate.pk, "updated" if existing else "created")


def _source_rows(row: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        return source_keys(row)
    except Unresolved as exc:
        raise RowRejected(str(exc)) from exc


def _row_key(row: Any, rows: str | None) -> Any:
    """A saved nested row as the set rules compare it: a party's period, a participant's actor."""
    return row.period_key if rows == "parties" else row.actor_key


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
