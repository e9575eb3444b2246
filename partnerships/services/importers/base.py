"""What every importer shares: reading files robustly, validating rows, reporting, all-or-nothing writes.

An importer reads a CSV file row by row and turns each row into records
through the model layer (``full_clean()`` and the cross-row validators), so
an import enforces exactly the rules the admin and the API do. Every row is
accounted for: created, updated, unchanged, or rejected with its row number
and reasons. By default one rejected row rolls the whole file back; with
``skip_invalid`` the valid rows are kept and the rejected ones are written,
with their reasons, to a rejects file. ``dry_run`` does everything and then
rolls back. Records are matched on (dataset, source id), so running the same
import again changes nothing; a PostgreSQL advisory lock per dataset keeps two
concurrent imports of the same dataset from racing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TextIO

from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, connection, models, transaction

from partnerships.audit import Channel, recorded_as
from partnerships.choices import DatePrecision
from partnerships.models import SOURCE_MODELS, Agreement, Exercise, can_view_restricted
from partnerships.models.base import canonical_values
from partnerships.services import sources
from partnerships.services.access import FULL_ACCESS
from partnerships.services.csv_limit import DEFAULT_CELL, cell_limit, rows_within
from partnerships.services.naming import hidden_from
from partnerships.services.progress import Progress, Section

ENCODINGS = ("utf-8", "cp1252")
# No count, code or year in the datasets comes near this; larger numbers are errors, not data.
MAX_NUMBER = 10**9


class ImportAborted(Exception):
    """The file cannot be imported at all (missing columns, unreadable encoding); nothing was written."""


class RowRejected(Exception):
    """A row breaks a rule; ``reasons`` say which, in words."""

    def __init__(self, *reasons: str) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


class _DryRunRollback(Exception):
    pass


@dataclass
class Rejection:
    row: int | str  # the row's number, or "file row" when an import reads several files
    reasons: list[str]
    data: dict[str, str]


@dataclass(frozen=True)
class DatedResolution:
    """A name that meant another state on the row's date than it means today ("Germany" in 1960: West Germany)."""

    row: int | str
    column: str
    name: str
    on: Any  # the row's date
    named: Any  # the nation the name means undated
    nation: Any  # the nation it meant on that date

    def describe(self) -> str:
        codes = f"COW {self.nation.cow_code}" if self.nation.cow_code is not None else self.nation.code
        return f"{self.column} “{self.name}” → {self.nation.name} ({codes}), not {self.named.name}"


# What a row did to a record. Every row that is not rejected counts under exactly
# one outcome, so the outcomes account for every row, while "created" and
# "updated" count records, each once: what was written.
MAIN_OUTCOMES = ("created", "updated", "unchanged")
# The others, shown only when they happened, with the words reports use.
OTHER_OUTCOMES = {
    # Rows that changed a record an earlier row of the same import had already
    # created or updated (an alliance member's second phase, for one).
    "merged": "more rows merged into those",
    # Rows whose record was created, then removed when the file as a whole
    # broke a rule (an alliance left with one member): reported as rejected.
    "dropped": "created then dropped",
    # Records from before the import removed for the same reason.
    "deleted": "deleted",
}


@dataclass
class ImportReport:
    kind: str
    path: str
    dry_run: bool = False
    layout: str = ""  # the file's layout and what its rows became (see layouts.py)
    rows_read: int = 0
    outcomes: Counter = field(default_factory=Counter)  # rows per (record type, outcome); see MAIN_OUTCOMES
    rejected: list[Rejection] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0
    rejects_path: str | None = None
    # Source rows added to records another dataset or staff made ("attached"), per record type.
    attached: list[str] = field(default_factory=list)
    # Pairs of records that may be one real-world record, waiting for staff (None: this import does not look).
    candidates: int | None = None
    # Names resolved to another state because of the row's date, one per row and column.
    dated: list[DatedResolution] = field(default_factory=list)
    # What the import has done so far to each record it touched, by (record type, key),
    # and how to undo each step when a row's savepoint is rolled back.
    _records: dict[tuple[str, Any], str] = field(default_factory=dict, repr=False)
    _undo: list[tuple[tuple[str, Any], str | None, str, str | None]] = field(default_factory=list, repr=False)
    _dated_at: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)  # len(dated), len(attached)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def note(self, label: str, key: Any, outcome: str) -> None:
        """Account for what one row did to the record ``key`` (its pk, or any key unique per ``label``).

        ``outcome`` is what the row did to the record as the row found it:
        created it, updated it or left it unchanged. A record is counted as
        created or updated once; later rows that change it again count as merged.
        """
        state = self._records.get((label, key))
        if state is None:
            new_state, row_outcome = outcome, outcome
        elif outcome == "unchanged":
            new_state, row_outcome = state, "unchanged"
        elif state == "unchanged":
            # The first change to a record that was there before the import.
            new_state, row_outcome = "updated", "updated"
        else:
            new_state, row_outcome = state, "merged"
        self._apply((label, key), new_state, row_outcome)

    def note_later_change(self, label: str, key: Any) -> None:
        """Account for a change made after the rows (in ``finish()``) to a record the rows left unchanged."""
        state = self._records.get((label, key))
        if state == "unchanged":
            # One of the rows that left it unchanged now stands for its update.
            self._apply((label, key), "updated", "updated", moved_from="unchanged")
        elif state is None:
            self._apply((label, key), "updated", "updated")

    def note_removed(self, label: str, key: Any) -> None:
        """Account for the removal of a record the rows created (dropped), or that was there before (deleted)."""
        state = self._records.get((label, key))
        if state in ("dropped", "deleted"):
            return
        outcome = "dropped" if state == "created" else "deleted"
        self._apply((label, key), outcome, outcome, moved_from=state)

    def mark(self) -> int:
        """Return a point to roll the counts back to (see ``roll_back_to``)."""
        self._dated_at[len(self._undo)] = (len(self.dated), len(self.attached))
        return len(self._undo)

    def roll_back_to(self, mark: int) -> None:
        """Undo the counts (and the dated resolutions) of the writes after ``mark``: the database rolled them back."""
        dated, attached = self._dated_at.get(mark, (len(self.dated), len(self.attached)))
        del self.dated[dated:]
        del self.attached[attached:]
        while len(self._undo) > mark:
            key, previous, row_outcome, moved_from = self._undo.pop()
            self.outcomes[(key[0], row_outcome)] -= 1
            if moved_from is not None:
                self.outcomes[(key[0], moved_from)] += 1
            if previous is None:
                del self._records[key]
            else:
                self._records[key] = previous

    def _apply(self, key: tuple[str, Any], state: str, row_outcome: str, *, moved_from: str | None = None) -> None:
        self._undo.append((key, self._records.get(key), row_outcome, moved_from))
        self._records[key] = state
        self.outcomes[(key[0], row_outcome)] += 1
        if moved_from is not None:
            self.outcomes[(key[0], moved_from)] -= 1

    def describe(self, label: str) -> str:
        """Return the counts of one record type in words: "3 created, 1 updated, 0 unchanged[, …]"."""
        parts = [f"{self.outcomes[(label, outcome)]} {outcome}" for outcome in MAIN_OUTCOMES]
        return ", ".join(filter(None, [*parts, self.other_rows(label)]))

    def other_rows(self, label: str) -> str:
        """Return, in words, the rows of one record type neither created, updated nor unchanged ("" if none)."""
        return ", ".join(
            f"{self.outcomes[(label, outcome)]} {words}"
            for outcome, words in OTHER_OUTCOMES.items()
            if self.outcomes[(label, outcome)]
        )

    def summary(self) -> str:
        lines = [
            f"{self.kind}: {self.path}",
            f"  rows read: {self.rows_read}, rejected: {self.rows_rejected}, "
            f"{'dry run, nothing written' if self.dry_run else ('written' if self.committed else 'nothing written')}"
            f" ({self.seconds:.1f} s)",
        ]
        if self.layout:
            lines.insert(1, f"  {self.layout}")
        labels = sorted({label for label, _ in self.outcomes})
        for label in labels:
            lines.append(f"  {label}: {self.describe(label)}")
        for label, count in sorted(Counter(self.attached).items()):
            lines.append(f"  {label}: {count} rows attached as a source to a record already there (not duplicated)")
        if self.candidates is not None:
            lines.append(
                f"  possible duplicates waiting for review: {self.candidates} pairs "
                "(admin: Duplicate candidates; manage.py find_duplicates)"
            )
        lines += self.dated_lines()
        for rejection in self.rejected[:50]:
            lines.append(f"  row {rejection.row}: {'; '.join(rejection.reasons)}")
        if self.rows_rejected > 50:
            lines.append(f"  … and {self.rows_rejected - 50} more rejected rows")
        if self.rejects_path:
            lines.append(f"  rejected rows with their reasons: {self.rejects_path}")
        return "\n".join(lines)

    def dated_lines(self) -> list[str]:
        """Return one line per (name, state) resolved by the rows' dates: how many rows, which dates, which rows."""
        groups: dict[str, list[DatedResolution]] = {}
        for resolution in self.dated:
            groups.setdefault(resolution.describe(), []).append(resolution)
        if not groups:
            return []
        lines = [f"  resolved by the row's date (the state that existed then): {len(self.dated)} names"]
        for described, resolutions in groups.items():
            days = sorted(r.on for r in resolutions)
            span = str(days[0]) if days[0] == days[-1] else f"{days[0]} to {days[-1]}"
            rows = ", ".join(str(r.row) for r in resolutions[:10]) + (", …" if len(resolutions) > 10 else "")
            lines.append(f"    {described}: {len(resolutions)} rows dated {span} (rows {rows})")
        return lines


def decode(raw: bytes, encoding: str | None = None) -> str:
    """Return the file's text: the given encoding, else UTF-8 (with or without BOM), else Windows-1252."""
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ImportAborted(f"The file is not valid {encoding}: {exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    for candidate in ENCODINGS:
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise ImportAborted("The file is neither UTF-8 nor Windows-1252: name its encoding with --encoding.")


def read_rows(
    text: str,
    required: tuple[str, ...],
    *,
    optional: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) from CSV text with LF, CRLF or bare-CR line endings.

    Column names match the ``required`` and ``optional`` ones ignoring case,
    surrounding spaces and a byte-order mark (``StateAbb`` is ``stateabb``);
    rows use the names as given there. Row numbers count the header as row 1,
    as a spreadsheet shows them. Raise ImportAborted naming the columns really
    missing, or a column given twice, before any row is read, and naming the
    row that ``csv`` cannot read (a cell over its size limit).
    """
    # Normalise line endings first: csv would otherwise read a bare-CR file as one line.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        with cell_limit(DEFAULT_CELL):
            fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportAborted(f"Row 1 (the header) cannot be read as CSV: {exc}.") from exc
    header = _match_header(fieldnames, (*required, *optional))
    reader.fieldnames = header
    missing = [column for column in required if column not in reader.fieldnames]
    if missing:
        raise ImportAborted(
            f"Missing column(s): {', '.join(missing)}. The file has: {', '.join(header) or 'no header'}."
        )
    index = 1
    rows = rows_within(reader, DEFAULT_CELL)  # csv's default, whatever another reader of the process set
    while True:
        index += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportAborted(f"Row {index} cannot be read as CSV: {exc}.") from exc
        yield index, {key: (value or "").strip() for key, value in row.items() if key is not None}


# A byte-order mark as decoded when the file's encoding is named (UTF-8), or mistaken for Windows-1252.
BYTE_ORDER_MARKS = ("\ufeff", "\u00ef\u00bb\u00bf")


def _match_header(names: list[str], known: tuple[str, ...]) -> list[str]:
    """Return the header with each name that means a ``known`` column spelt as that column is.

    Raise ImportAborted when two names mean the same column: which one to read would be a guess.
    """
    spellings = {column.casefold(): column for column in known}
    header, seen = [], {}
    for index, name in enumerate(names):
        cleaned = name.strip()
        if index == 0:
            for mark in BYTE_ORDER_MARKS:
                cleaned = cleaned.removeprefix(mark).strip()
        column = spellings.get(cleaned.casefold(), cleaned)
        if column in seen and column in known:
            raise ImportAborted(f"Column {column} appears twice (as “{seen[column]}” and “{name.strip()}”).")
        seen[column] = name.strip()
        header.append(column)
    return header


def messages_of(error: ValidationError) -> list[str]:
    """Return a ValidationError's messages, prefixed with the field they concern."""
    if hasattr(error, "error_dict"):
        return [
            (message if field_name == "__all__" else f"{field_name}: {message}")
            for field_name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


class Importer:
    """Base of every importer: subclasses set the dataset and columns and turn a row into records."""

    kind: ClassVar[str]
    dataset: ClassVar[str]
    version: ClassVar[str] = ""
    required_columns: ClassVar[tuple[str, ...]] = ()
    # Columns read when present; matched, like the required ones, whatever their case.
    optional_columns: ClassVar[tuple[str, ...]] = ()
    # The layout these columns make, by name, and the dataset's other common layouts (layouts.Layout),
    # each recognised by its header.
    layout_name: ClassVar[str] = ""
    other_layouts: ClassVar[tuple[Any, ...]] = ()
    description: ClassVar[str] = ""
    # The dataset's citation, written on its source rows.
    source_url: ClassVar[str] = ""
    source_text: ClassVar[str] = ""

    def __init__(self, *, visibility: str = "public", user: Any = None) -> None:
        self.visibility = visibility
        # Whose import this is: links resolve among the records they may see, and links they may not see
        # are kept. Commands run with full access; the admin's upload page as its user.
        self.user = FULL_ACCESS if user is None else user
        self.report: ImportReport | None = None
        self.reset()

    def reset(self) -> None:
        """Forget what an earlier run of this importer learnt."""
        # Records whose source row from this dataset they follow (their fields are this dataset's).
        self.followed: set[int] = set()
        # Alliances: each one's member periods as its rows give them, by id in the dataset; how many
        # member rows were tried; the party rows this run wrote or confirmed; source rows whose values
        # wait for the members (facts_later).
        self.periods: dict[str, list[tuple[str, Any, Any, Any]]] = {}
        self.tried: Counter = Counter()
        self.claimed: set[int] = set()
        self.pending: dict[str, tuple[Any, dict[str, Any]]] = {}
        # Records given a source row of this dataset by this run (a crosswalk must not give them a second).
        self.taken: set[int] = set()
        # Records this run created, by type and pk: they have no related rows but those this run wrote.
        self.created_records: set[tuple[type[models.Model], int]] = set()
        # (agreement, nation) of the party rows this run saved.
        self.parties_of: set[tuple[int, int]] = set()
        # Records whose sources this run attached or changed: where they disagree is marked at the end.
        self.to_compare: set[tuple[type[models.Model], int]] = set()
        # This dataset's source rows, by record type and id in the dataset; whether crosswalks exist.
        self.sources_by_id: dict[type[models.Model], dict[str, Any]] = {}
        self.has_crosswalks: dict[type[models.Model], bool] = {}

    # --- to implement ---------------------------------------------------------------
    def prepare(self) -> None:
        """Load what the rows will look up (called once, inside the transaction)."""

    def import_row(self, number: int | str, row: dict[str, str]) -> None:
        """Create or update the records of one row; raise RowRejected (or ValidationError) if it is invalid."""
        raise NotImplementedError

    def read(self, path: Path, encoding: str | None) -> list[tuple[int | str, dict[str, str]]]:
        """Return the numbered rows to import, whichever of its layouts the file is in (several files: override)."""
        from partnerships.services.importers.layouts import read_layout

        return read_layout(self, Path(path), encoding)

    def finish(self) -> None:
        """Checks or writes that need every row (called once, after the last row)."""

    # --- helpers for subclasses -------------------------------------------------------
    # Which dataset a record follows when two describe it: the one with the higher precedence
    # (ATOP's per-member obligations and later end over COW's), whichever is imported first.
    precedence: ClassVar[int] = 0
    # Facts written to a source row only in finish() (an alliance's members come from several rows).
    facts_later: ClassVar[bool] = False
    # Look for records that may describe the same real-world record once the file is in (see duplicates).
    proposes_duplicates: ClassVar[bool] = False

    def find(
        self,
        model: type[models.Model],
        dataset_id: str,
        *,
        crosswalk: tuple[tuple[str, str], ...] = (),
        match: Callable[[], Iterable[models.Model]] | None = None,
    ) -> tuple[models.Model | None, Any]:
        """Return (record, its source row from this dataset) for the row with ``dataset_id``.

        The record is found by its source row from this dataset; failing that, by
        a crosswalk: a source of another dataset this row names (``crosswalk``:
        ATOP's cow4id names the COW alliance), a source that names this row in
        its own crosswalk, or ``match()`` (curated records the row describes
        though no source says so: an exercise series by name and year).
        A record that already has another row of this dataset is never matched:
        the dataset itself says they are two.
        """
        Source = SOURCE_MODELS[model]
        own = self.own_sources(model).get(dataset_id)
        if own is not None:
            return own.record, own
        named = models.Q(pk__in=[])
        if self.crosswalked(model):
            named |= models.Q(crosswalk__contains=[f"{self.dataset}:{dataset_id}"])
        for dataset, other_id in crosswalk:
            named |= models.Q(dataset=dataset, dataset_id=other_id)
        candidates = []
        if crosswalk or self.crosswalked(model):
            candidates = [source.record for source in Source.objects.select_related("record").filter(named)]
        if not candidates and match is not None:
            candidates = list(match())
        taken = self.taken | set(
            Source.objects.filter(record__in=candidates, dataset=self.dataset).values_list("record_id", flat=True)
        )
        for record in candidates:
            if record.pk not in taken:
                return record, None
        return None, None

    def own_sources(self, model: type[models.Model]) -> dict[str, Any]:
        """Return this dataset's source rows of ``model`` records, by id in the dataset (read once per run)."""
        if model not in self.sources_by_id:
            rows = SOURCE_MODELS[model].objects.select_related("record").filter(dataset=self.dataset)
            self.sources_by_id[model] = {source.dataset_id: source for source in rows}
        return self.sources_by_id[model]

    def crosswalked(self, model: type[models.Model]) -> bool:
        """Return whether any source row of ``model`` records names records of other datasets (read once per run)."""
        if model not in self.has_crosswalks:
            self.has_crosswalks[model] = SOURCE_MODELS[model].objects.exclude(crosswalk=[]).exists()
        return self.has_crosswalks[model]

    def upsert(
        self,
        model: type[models.Model],
        dataset_id: str,
        values: dict[str, Any],
        *,
        label: str | None = None,
        crosswalk: tuple[tuple[str, str], ...] = (),
        match: Callable[[], Iterable[models.Model]] | None = None,
        facts: dict[str, Any] | None = None,
    ) -> models.Model:
        """Create or update the record this dataset's row ``dataset_id`` describes; validate it first.

        The record is found by :meth:`find`. Its fields take ``values`` only
        when it follows this dataset (it was created from it, or this dataset
        takes precedence over the one it followed); otherwise the values go to
        this dataset's source row of the record only, and the record stays as
        its followed source or its staff made it. ``facts`` are key facts the
        row gives besides ``values`` (an exercise's participants).
        """
        assert self.report is not None
        label = label or str(model._meta.verbose_name_plural)
        record, source = self.find(model, dataset_id, crosswalk=crosswalk, match=match)
        if record is not None and hidden_from(record, cleared=can_view_restricted(self.user)):
            raise RowRejected(
                "this row updates a record you may not see: a user cleared for restricted records must import it"
            )
        values = canonical_values(model, values)
        facts = {**sources.facts_from_values(model, values), **(facts or {})}
        if record is None:
            record = model(**values, visibility=self.visibility, follows=self.dataset)
            self.save(record)
            self.report.note(label, record.pk, "created")
            self.created_records.add((model, record.pk))
            self.attach(record, dataset_id, facts, followed=True, crosswalk=crosswalk)
            return record
        followed = self.attach(record, dataset_id, facts, source=source, crosswalk=crosswalk)
        if not followed:
            self.report.note(label, record.pk, "unchanged")
            return record
        changed = [name for name, value in values.items() if getattr(record, name) != value]
        if not changed:
            self.report.note(label, record.pk, "unchanged")
            return record
        for name in changed:
            setattr(record, name, values[name])
        self.save(record)
        self.report.note(label, record.pk, "updated")
        return record

    def attach(
        self,
        record: models.Model,
        dataset_id: str,
        facts: dict[str, Any],
        *,
        source: Any = None,
        followed: bool | None = None,
        crosswalk: tuple[tuple[str, str], ...] = (),
    ) -> bool:
        """Write this dataset's source row of ``record`` (create it, or update what changed); return if followed.

        A new source row on a record another dataset or staff made is
        "attached"; it is followed only when the record followed a dataset of
        lower precedence (never when staff curated the record). ``followed``
        is given for a record this run has just created, which has no source rows yet.
        """
        assert self.report is not None
        Source = SOURCE_MODELS[type(record)]
        if source is None and followed is None:
            source = Source.objects.filter(record=record, dataset=self.dataset, dataset_id=dataset_id).first()
        switch = False
        if source is None:
            if followed is None:
                current = Source.objects.filter(record=record, followed=True).first()
                switch = current is not None and precedence_of(current.dataset) < self.precedence
                followed = False
                self.report.attached.append(str(type(record)._meta.verbose_name_plural))
            source = Source(record=record, dataset=self.dataset, dataset_id=dataset_id, followed=followed)
        wanted = {
            "version": self.version,
            "url": self.source_url,
            "citation": self.source_text,
            "crosswalk": sorted(f"{dataset}:{other}" for dataset, other in crosswalk),
        }
        self.taken.add(record.pk)
        if self.facts_later:
            if switch:
                self.write_source(source, wanted)  # saved now: the record follows it from here on
            # Written (again) with the members when the file is in (settle_agreements).
            self.pending[dataset_id] = (source, {**wanted, "values": facts})
        else:
            wanted["values"] = {**source.values, **facts} if source.pk else facts
            self.write_source(source, wanted)
        if switch:
            # This dataset takes precedence over the one the record followed: the record follows it now.
            sources.follow(record, source)
            self.report.note(str(type(current)._meta.verbose_name_plural), current.pk, "updated")
            self.report.note(str(type(record)._meta.verbose_name_plural), record.pk, "updated")
        if source.followed:
            self.followed.add(record.pk)
        return source.followed

    def compare_sources(self) -> None:
        """Mark where the sources of the records this run attached to or changed disagree with them."""
        by_model: dict[type[models.Model], list[int]] = {}
        for model, pk in self.to_compare:
            by_model.setdefault(model, []).append(pk)
        for model, pks in by_model.items():
            self.refresh_differs(model, pks)

    @staticmethod
    def refresh_differs(model: type[models.Model], pks: Iterable[int]) -> None:
        """Mark where the sources of the ``model`` records ``pks`` disagree with them, a few queries per 500."""
        related = {Agreement: ["parties", "sources"], Exercise: ["participants", "sources"]}.get(model, ["sources"])
        for record in model.objects.filter(pk__in=list(pks)).prefetch_related(*related).iterator(chunk_size=500):
            sources.refresh_differs(record)

    def write_source(self, source: Any, wanted: dict[str, Any]) -> None:
        """Save ``source`` with the ``wanted`` field values if any differs; count it ("agreement sources"…)."""
        assert self.report is not None
        from django.utils import timezone

        changed = [name for name, value in wanted.items() if getattr(source, name) != value]
        if source.pk is not None and not changed:
            self.report.note(str(type(source)._meta.verbose_name_plural), source.pk, "unchanged")
            return
        for name in changed:
            setattr(source, name, wanted[name])
        outcome = "updated" if source.pk else "created"
        source.imported_at = timezone.now()
        # Field checks only: find() guarantees the natural key, and the database constraints still
        # refuse anything that slips through (a query per constraint cost a third of an import).
        source.full_clean(exclude=["record"], validate_unique=False, validate_constraints=False)
        source.save()
        self.own_sources(type(source.record)).setdefault(source.dataset_id, source)
        self.report.note(str(type(source)._meta.verbose_name_plural), source.pk, outcome)
        if not source.followed or outcome == "updated":
            # What it says may now differ from the record (see refresh_differs after the rows).
            self.to_compare.add((type(source.record), source.record_id))

    def add_period(
        self,
        agreement: Any,
        nation: Any,
        joined: Any,
        withdrew: Any,
        obligations: list[str] | None = None,
        *,
        precisions: tuple[str, str] = (DatePrecision.DAY, DatePrecision.DAY),
        dataset_id: str,
    ) -> None:
        """Make ``nation`` a party of ``agreement`` for one period, with what it undertook in it.

        ``precisions`` are those of ``joined`` and ``withdrew`` (day, month or year).
        The period is one of the facts of this dataset's source row
        ``dataset_id``; it becomes a party row only when the agreement follows
        this dataset (see :meth:`upsert`).

        Alliance datasets list a member once per period (a phase of the
        alliance, or again after it left and rejoined): each becomes a party
        row of its own, found again on re-import by its start. A row an
        earlier import wrote in another shape (one span over several periods)
        that overlaps this period is replaced by it.
        """
        from partnerships.models import AgreementParty

        assert self.report is not None
        self.periods.setdefault(dataset_id, []).append((sources.actor(nation, None), joined, withdrew, obligations))
        if agreement.pk not in self.followed:
            return
        claimed = self.claimed
        rows = []
        if (type(agreement), agreement.pk) not in self.created_records or (agreement.pk, nation.pk) in self.parties_of:
            # An agreement this run created has no rows of the nation but those this run saved.
            rows = list(AgreementParty.objects.filter(agreement=agreement, nation=nation))
        party = next((row for row in rows if row.joined_on == joined), None)
        kept = []
        for row in rows:
            stale = row is not party and row.pk not in claimed
            if stale and _overlaps(row.joined_on, row.withdrew_on, joined, withdrew):
                pk = row.pk
                row.delete()
                self.report.note_removed("agreement parties", pk)
            elif row is not party:
                kept.append(row)
        # Obligations in the order they are stored in, or a period merged from two rows (their union,
        # sorted by name) would differ from the saved one at every re-import.
        values = canonical_values(
            AgreementParty,
            {
                "withdrew_on": withdrew,
                "obligations": obligations,
                "joined_on_precision": precisions[0],
                "withdrew_on_precision": precisions[1],
            },
        )
        if party is None:
            party = AgreementParty(agreement=agreement, nation=nation, joined_on=joined, **values)
            outcome = "created"
        else:
            if all(getattr(party, name) == value for name, value in values.items()):
                claimed.add(party.pk)
                self.report.note("agreement parties", party.pk, "unchanged")
                return
            for name, value in values.items():
                setattr(party, name, value)
            outcome = "updated"
        full_clean_in_hand(party)
        # The nation's other periods in this agreement are all in ``kept``: the exclusion constraint (no two
        # periods of a party overlap) is checked here rather than by a query per row; the others at once.
        if any(_overlaps(row.joined_on, row.withdrew_on, joined, withdrew) for row in kept):
            raise ValidationError("This nation is already a party to this agreement in that period.")
        validate_constraints_at_once(party, skip=(ExclusionConstraint,))
        party.save()
        self.parties_of.add((agreement.pk, nation.pk))
        claimed.add(party.pk)
        self.report.note("agreement parties", party.pk, outcome)

    def nation_on(self, named: Any, day: Any, *, resolver: Any, number: int | str, column: str, name: str) -> Any:
        """Return the state that existed on ``day`` where a row names ``named``; report it when that differs."""
        assert self.report is not None
        nation = resolver.on_date(named, day)
        if nation is not named:
            self.report.dated.append(DatedResolution(number, column, name, day, named, nation))
        return nation

    def reject(self, label: str, reasons: list[str]) -> None:
        """Report a problem found after the rows were read (e.g. an alliance left with one member)."""
        assert self.report is not None
        self.report.rejected.append(Rejection(label, reasons, {}))

    def settle_agreements(self, agreements: dict[str, Any], label: str) -> None:
        """Write each imported agreement's members to its source row; settle those that follow this dataset.

        An agreement that follows this dataset takes its scope and provisions
        from its parties, loses the party rows this dataset no longer lists
        (when all its member rows were imported), and must keep the party
        rules. One that breaks them (an alliance whose other members could not
        be imported) is reported and, when invalid rows are skipped, dropped
        rather than kept half-imported.
        """
        from partnerships.choices import AgreementScope
        from partnerships.models import AgreementParty
        from partnerships.models.base import canonical_values
        from partnerships.services.titles import refresh_generated_title

        assert self.report is not None
        settled: list[tuple[type[models.Model], int]] = []
        for dataset_id, agreement in agreements.items():
            periods = self.periods.get(dataset_id, [])
            owed = {item for *_, obligations in periods if obligations is not None for item in obligations}
            source, wanted = self.pending.pop(dataset_id, (None, {}))
            if source is not None:
                provisions = canonical_values(type(agreement), {"provisions": sorted(owed)})["provisions"]
                facts = {**wanted["values"], "provisions": sources.plain(provisions), **sources.member_facts(periods)}
                self.write_source(source, {**wanted, "values": facts})
            if agreement.pk not in self.followed:
                settled.append((type(agreement), agreement.pk))
                continue
            created = (type(agreement), agreement.pk) in self.created_records
            if self.tried.get(dataset_id, 0) == len(periods) and not created:
                # Every member row of the alliance was read: rows it no longer lists go (an agreement this run
                # created has only rows it wrote). The claimed rows are left out here: an IN list of every
                # row the run wrote, per agreement, was a tenth of an alliance import.
                stale = AgreementParty.objects.visible_to(self.user).filter(agreement=agreement)
                for party in (row for row in stale if row.pk not in self.claimed):
                    pk = party.pk
                    party.delete()
                    self.report.note_removed("agreement parties", pk)
            parties = list(agreement.parties.all())
            keys = [party.period_key for party in parties]
            scope = AgreementScope.BILATERAL if len({key for key, *_ in keys}) == 2 else AgreementScope.MULTILATERAL
            # The agreement's provisions are what its parties undertook, in any period.
            owed = {item for party in parties if party.obligations is not None for item in party.obligations}
            provisions = canonical_values(type(agreement), {"provisions": sorted(owed)})["provisions"]
            if not any(party.obligations is not None for party in parties):
                provisions = agreement.provisions
            try:
                with transaction.atomic():
                    rescoped = agreement.scope != scope or agreement.provisions != provisions
                    if rescoped:
                        agreement.scope, agreement.provisions = scope, provisions
                        agreement.save(update_fields=["scope", "provisions", "updated_at"])
                    agreement.validate_parties(keys)
            except ValidationError as exc:
                self.reject(f"{label} {dataset_id}", [*exc.messages, "the agreement was not imported"])
                for row in agreement.sources.all():  # deleted with it
                    self.report.note_removed(str(type(row)._meta.verbose_name_plural), row.pk)
                    self.own_sources(type(agreement)).pop(row.dataset_id, None)
                pk = agreement.pk  # delete() clears it
                agreement.delete()
                # Deleting the agreement deletes its parties too.
                self.report.note_removed("agreements", pk)
                for party in parties:
                    self.report.note_removed("agreement parties", party.pk)
            else:
                # A generated title describes the parties and obligations just settled (see services.titles).
                retitled = refresh_generated_title(agreement)
                if rescoped or retitled:
                    self.report.note_later_change("agreements", agreement.pk)
                settled.append((type(agreement), agreement.pk))
        # Where the sources of the agreements settled disagree with them, all at once; those compare_sources()
        # will look at after finish() are left to it (it used to be done twice).
        by_model: dict[type[models.Model], list[int]] = {}
        for model, pk in settled:
            if (model, pk) not in self.to_compare:
                by_model.setdefault(model, []).append(pk)
        for model, pks in by_model.items():
            self.refresh_differs(model, pks)

    def apply_reference_names(self) -> None:
        """Give this dataset's records of well-known treaties their common titles and aliases (the curated list)."""
        from partnerships.services.reference_names import apply_reference_names

        assert self.report is not None
        applied = apply_reference_names(datasets=[self.dataset])
        for agreement in applied.retitled:
            self.report.note_later_change("agreements", agreement.pk)
        for alias in applied.aliases:
            self.report.note("agreement aliases", alias.pk, "created")

    @staticmethod
    def save(instance: models.Model) -> None:
        full_clean_in_hand(instance)
        validate_constraints_at_once(instance)
        instance.save()

    # --- running ----------------------------------------------------------------------
    def run(
        self,
        path: Path,
        *,
        dry_run: bool = False,
        skip_invalid: bool = False,
        encoding: str | None = None,
        rejects_path: Path | None = None,
        progress: TextIO | Progress | None = None,
    ) -> ImportReport:
        """Import the file; return the report. Raise ImportAborted if it cannot be read at all.

        ``progress`` is a stream to show the import's progress on, or the
        Progress of a larger job this import is a section of.
        """
        started = time.monotonic()
        report = self.report = ImportReport(kind=self.kind, path=str(path), dry_run=dry_run)
        self.reset()
        rows = self.read(Path(path), encoding)
        bar: Progress | Section = (
            progress.section(self.kind, len(rows))
            if isinstance(progress, Progress)
            else Progress(progress, len(rows), f"Importing {self.kind}")
        )
        try:
            with recorded_as(Channel.IMPORT), transaction.atomic():
                self._lock()
                self.prepare()
                for done, (number, row) in enumerate(rows, start=1):
                    report.rows_read += 1
                    self._import_one(number, row, skip_invalid=skip_invalid)
                    bar.update(done)
                if not (report.rejected and not skip_invalid):
                    self._finish(skip_invalid)
                    self.compare_sources()
                if self.proposes_duplicates and not (report.rejected and not skip_invalid):
                    from partnerships.services.duplicates import propose_candidates

                    report.candidates = propose_candidates()
                if report.rejected and not skip_invalid:
                    transaction.set_rollback(True)
                elif dry_run:
                    raise _DryRunRollback
                else:
                    report.committed = True
        except _DryRunRollback:
            pass
        finally:
            bar.close()
        if report.rejected and rejects_path is not None:
            self._write_rejects(rejects_path, report)
        report.seconds = time.monotonic() - started
        return report

    def _lock(self) -> None:
        key = int(hashlib.sha256(f"import:{self.dataset}".encode()).hexdigest()[:15], 16)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def _import_one(self, number: int | str, row: dict[str, str], *, skip_invalid: bool) -> None:
        assert self.report is not None
        # A rejected row's savepoint is rolled back: so are the counts of what it wrote.
        mark = self.report.mark()
        try:
            with transaction.atomic():
                self.import_row(number, row)
        except RowRejected as exc:
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(number, exc.reasons, row))
        except ValidationError as exc:
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(number, messages_of(exc), row))
        except IntegrityError as exc:
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(number, [f"database refused the row: {exc}".splitlines()[0]], row))
        except (ValueError, OverflowError, DataError) as exc:
            # A value no check of the importer caught (a number too large for its column, a character
            # PostgreSQL refuses): the row is rejected with the reason, and the import goes on as for any other.
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(number, [f"a value cannot be stored: {exc}".splitlines()[0]], row))

    def _finish(self, skip_invalid: bool) -> None:
        assert self.report is not None
        mark = self.report.mark()
        try:
            with transaction.atomic():
                self.finish()
        except RowRejected as exc:
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(0, exc.reasons, {}))
        except ValidationError as exc:
            self.report.roll_back_to(mark)
            self.report.rejected.append(Rejection(0, messages_of(exc), {}))

    @staticmethod
    def _write_rejects(path: Path, report: ImportReport) -> None:
        columns: list[str] = ["row", "reasons"]
        for rejection in report.rejected:
            columns += [key for key in rejection.data if key not in columns]
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for rejection in report.rejected:
                writer.writerow({"row": rejection.row, "reasons": "; ".join(rejection.reasons), **rejection.data})
        report.rejects_path = str(path)


def related_in_hand(instance: models.Model) -> list[str]:
    """Return the foreign keys of ``instance`` whose record is in hand, read from or saved to the database.

    ``full_clean()`` checks that each foreign key's record exists with a query
    of its own: for the nations, agreements and exercises an importer has just
    read or written in its transaction, that check cannot fail and was a
    quarter of an import's queries. Keys restricted by ``limit_choices_to``,
    or given as a bare id, are still checked (and the database's foreign key
    constraints refuse anything that slips through).
    """
    names = []
    for model_field in instance._meta.concrete_fields:
        if not model_field.many_to_one or model_field.remote_field.limit_choices_to:
            continue
        related = model_field.get_cached_value(instance, default=None)
        if related is not None and not related._state.adding and related.pk == getattr(instance, model_field.attname):
            names.append(model_field.name)
    return names


def full_clean_in_hand(instance: models.Model) -> None:
    """Validate ``instance`` as ``full_clean(validate_constraints=False)`` does, without re-reading records in hand.

    The foreign keys :func:`related_in_hand` names skip only their existence
    query: unique checks still see every field. Raise ValidationError with the same messages.
    """
    errors: dict[str, Any] = {}
    try:
        instance.full_clean(exclude=related_in_hand(instance), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        # As full_clean(): unique checks only for the fields that passed validation.
        instance.validate_unique(exclude={name for name in errors if name != NON_FIELD_ERRORS})
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def validate_constraints_at_once(instance: models.Model, *, skip: tuple[type, ...] = ()) -> None:
    """Validate ``instance`` against its model's constraints, as ``full_clean()`` does, in fewer queries.

    Django checks each CHECK constraint with a query of its own: for an
    exercise (seven constraints) that was half of an import's time. Here all
    of a model's CHECK constraints are one query; the others (unique,
    exclusion) are validated as Django validates them, except those of a type
    in ``skip`` (the caller checked them). Raise ValidationError with the same messages.
    """
    from django.db import router
    from django.db.models import BooleanField, ExpressionWrapper, Value
    from django.db.models.functions import Coalesce
    from django.db.models.sql import Query
    from django.db.models.sql.constants import SINGLE

    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, Any] = {}
    for model_class, constraints in instance.get_constraints():
        checks = [constraint for constraint in constraints if isinstance(constraint, models.CheckConstraint)]
        for constraint in constraints:
            if constraint in checks or isinstance(constraint, skip):
                continue
            try:
                constraint.validate(model_class, instance, using=using)
            except ValidationError as exc:
                fields = getattr(constraint, "fields", ())
                if getattr(exc, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(exc)
                else:
                    errors = exc.update_error_dict(errors)
        if not checks:
            continue
        query = Query(None)
        for name, value in instance._get_field_expression_map(meta=model_class._meta).items():
            query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
        for index, constraint in enumerate(checks):
            # As Q.check(): a condition that is NULL (unknown) passes, as in the database.
            passes = Coalesce(ExpressionWrapper(constraint.condition, output_field=BooleanField()), Value(True))
            query.add_annotation(passes, f"_check_{index}")
        row = query.get_compiler(using=using).execute_sql(SINGLE)
        for passed, constraint in zip(row or [], checks, strict=False):
            if not passed:
                exc = ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
                errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def precedence_of(dataset: str) -> int:
    """Return the precedence of ``dataset``'s importer (0 for a dataset no importer reads)."""
    from partnerships.services.importers import IMPORTERS

    return max((importer.precedence for importer in IMPORTERS.values() if importer.dataset == dataset), default=0)


def _overlaps(start: Any, end: Any, other_start: Any, other_end: Any) -> bool:
    """Whether the [start, end) spans share a day (a missing start or end is open)."""
    return (end is None or other_start is None or other_start < end) and (
        other_end is None or start is None or start < other_end
    )


def settle_periods(
    rows: list[tuple[Any, dict[str, str]]],
    member: Any,
    span: Any,
    obligations: Any,
) -> None:
    """Work out each member row's period before the rows are imported, as alliance datasets need.

    ``member(row)`` names the member in its alliance, ``span(row)`` gives
    [start, end) and ``obligations(row)`` what it undertook. A member's rows
    that start on the same day are one period (phases coded twice: the
    obligations of both, the later end); a period ends where the member's
    next one starts (ATOP ends one phase on the day the next begins). Each
    row gets ``__joined``, ``__withdrew`` and ``__obligations``; a row whose
    dates cannot be read is left as it is, for its import to reject.
    """
    groups: dict[Any, list[tuple[dict[str, str], Any, Any, list[str]]]] = {}
    for _number, row in rows:
        try:
            start, end = span(row)
            groups.setdefault(member(row), []).append((row, start, end, obligations(row)))
        except (RowRejected, ValueError):
            continue
    for periods in groups.values():
        periods.sort(key=lambda period: (period[1] is not None, period[1] or 0))
        merged: list[list[Any]] = []
        for row, start, end, owed in periods:
            if merged and merged[-1][0] == start:
                same = merged[-1]
                same[1] = None if same[1] is None or end is None else max(same[1], end)
                same[2] = sorted(set(same[2]) | set(owed))
                same[3].append(row)
            else:
                merged.append([start, end, list(owed), [row]])
        for index, (start, end, owed, members) in enumerate(merged):
            following = merged[index + 1][0] if index + 1 < len(merged) else None
            if following is not None and (end is None or following < end):
                end = following
            for row in members:
                row["__joined"], row["__withdrew"], row["__obligations"] = start, end, owed


def settle_precisions(rows: list[tuple[Any, dict[str, str]]], member: Any, span: Any, precisions: Any) -> None:
    """Give each row settled by :func:`settle_periods` the precisions of its period's dates.

    ``precisions(row)`` gives those of the row's own start and end (see
    :func:`precision_of`). A period's start is one of the member's starts, and
    its end one of the member's ends or, when the next period cut it short,
    that period's start: each takes the precision the file gives that date.
    Rows get ``__joined_precision`` and ``__withdrew_precision``.
    """
    starts: dict[Any, dict[Any, str]] = {}
    ends: dict[Any, dict[Any, str]] = {}
    for _number, row in rows:
        try:
            start, end = span(row)
            start_precision, end_precision = precisions(row)
        except (RowRejected, ValueError):
            continue
        starts.setdefault(member(row), {}).setdefault(start, start_precision)
        ends.setdefault(member(row), {}).setdefault(end, end_precision)
    for _number, row in rows:
        if "__joined" not in row:
            continue
        key, withdrew = member(row), row["__withdrew"]
        row["__joined_precision"] = starts.get(key, {}).get(row["__joined"], DatePrecision.DAY)
        own_ends, own_starts = ends.get(key, {}), starts.get(key, {})
        row["__withdrew_precision"] = own_ends.get(withdrew) or own_starts.get(withdrew) or DatePrecision.DAY


def precision_of(year: str, month: str, day: str, *, missing: tuple[str, ...]) -> str:
    """Return how precise a date given in year, month and day columns is; ``missing`` are the unknown markers.

    No year is no date at all: its precision is left at "day", the default.
    """
    if year.strip().lower() in missing:
        return DatePrecision.DAY
    if month.strip().lower() in missing:
        return DatePrecision.YEAR
    if day.strip().lower() in missing:
        return DatePrecision.MONTH
    return DatePrecision.DAY


def parse_int(value: str, column: str, *, missing: tuple[str, ...] = ("", "-9", "-99")) -> int | None:
    """Return ``value`` as an int, None for the dataset's 'missing' markers; raise RowRejected otherwise."""
    if value in missing:
        return None
    try:
        number = int(float(value)) if value.replace(".", "", 1).lstrip("-").isdigit() else int(value)
    except (ValueError, OverflowError):
        raise RowRejected(f"{column}: “{value}” is not a number") from None
    if abs(number) > MAX_NUMBER:
        raise RowRejected(f"{column}: {value} is out of range")
    return number
