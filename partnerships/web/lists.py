"""What each list page shows: its columns, its filter panel and what it loads.

The filtering itself is the model's FilterSet from ``partnerships.filters``,
the same one the API uses; this module only says which of its parameters
the panel offers and how rows are displayed and exported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.html import escape, format_html
from django.utils.text import slugify

from partnerships.dates import at_precision
from partnerships.filters import FILTERSETS, RegistryFilterSet
from partnerships.models import (
    Agreement,
    AgreementParty,
    Assessment,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    ResourceSource,
)
from partnerships.services import coverage
from partnerships.services.naming import Namer

_LABELS: dict[tuple[type, str], dict[Any, str]] = {}


def choice_label(obj: Any, name: str) -> str:
    """``obj.get_<name>_display()``, without flattening the field's choices on every call.

    Exports write tens of thousands of rows; Django's method rebuilt the
    choices dictionary for each of them.
    """
    key = (type(obj), name)
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {value: str(label) for value, label in obj._meta.get_field(name).flatchoices}
    value = getattr(obj, name)
    return labels.get(value, value)


def _join(values: list[Any]) -> str:
    return ", ".join(str(value) for value in values if value)


class ActorNames(str):
    """Actors named in one cell: all of them in CSV files; on a page, the first few and the rest folded.

    A 30-party treaty's cell would otherwise be a column of names taller than the screen.
    """

    SHOWN = 6

    def __new__(cls, names: list[str]) -> ActorNames:
        text = super().__new__(cls, _join(names))
        text.names = names
        return text

    def __html__(self) -> str:
        if len(self.names) <= self.SHOWN + 1:
            return escape(str(self))
        shown, rest = self.names[: self.SHOWN], self.names[self.SHOWN :]
        return format_html(
            '{}, <details class="more"><summary>and {} more</summary>{}</details>',
            _join(shown),
            len(rest),
            _join(rest),
        )


def _actor_names(rows: list[Any], namer: Namer) -> ActorNames:
    """Each row's actor once, by name and code, in the rows' order (an actor may have several dated rows).

    "United States (USA), Indian Navy (IN, India)": an organization's acronym never stands alone, where it
    would read like a country code.
    """
    return ActorNames(list(dict.fromkeys(namer.actor(row.actor) for row in rows)))


def _plain(value: Decimal | None) -> Decimal | None:
    """A stored figure without the zeros its column pads it with (5.800 → 5.8, 75.000 → 75), for pages and CSV."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _years(values: list[int]) -> str:
    """Years as SIPRI writes them: "1977; 1978; 1979"."""
    return "; ".join(str(year) for year in values)


def _amount(value: Any, unit: str) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if not isinstance(value, int) else f"{value:,}"
    return f"{text} {unit}".strip()


@dataclass(frozen=True)
class Column:
    """A column: its header, how to get its text from a row, and the ``ordering`` key that sorts it.

    A column showing a linked record gives ``related`` (the record, from the
    row) instead of ``value``, and ``value`` names that record: the cell then
    says "restricted record" to users who may not see it (:class:`Namer`).
    """

    label: str
    value: Callable[[Any], Any]
    ordering: str | None = None
    link: bool = False
    numeric: bool = False
    related: Callable[[Any], Any] | None = None
    # The header when the list is filtered as of a date ("Parties on {on}"): the cells then show that day's rows.
    label_on: str | None = None
    # Shown on the page only when asked for (``?columns=``); CSV exports carry every column.
    optional: bool = False
    # The column's name in ``?columns=``; by default its label's (“TIV per unit” → ``tiv_per_unit``).
    name: str = ""
    # For a cell that names actors or records itself: ``render(row, namer)`` instead of ``value``.
    render: Callable[[Any, Namer], Any] | None = None

    @property
    def key(self) -> str:
        return self.name or slugify(self.label).replace("-", "_")

    def header(self, on: Any = None) -> str:
        """Return the column's header; for a list as of ``on``, the dated header if the column has one."""
        return self.label_on.format(on=on.isoformat()) if on is not None and self.label_on else self.label

    def cell(self, row: Any, namer: Namer) -> Any:
        """Return the cell's value for ``row`` as ``namer``'s user may see it."""
        if self.render is not None:
            return self.render(row, namer)
        if self.related is None:
            return self.value(row)
        return namer.name(self.related(row), self.value)


def related_column(label: str, related: Callable[[Any], Any], name: Callable[[Any], str] = str) -> Column:
    """A column naming the record ``related(row)`` by ``name(record)``, through the visibility rule."""
    return Column(label, name, related=related)


def actor_column(label: str, actor: Callable[[Any], Any]) -> Column:
    """A column naming the nation or organization ``actor(row)`` by name and code (:meth:`Namer.actor`)."""
    return Column(label, lambda row: "", render=lambda row, namer: namer.actor(actor(row)))


def _short(record: Any) -> str:
    return record.acronym or record.name


@dataclass(frozen=True)
class PanelField:
    """A parameter of the FilterSet offered in the filter panel."""

    name: str
    label: str
    kind: str  # text, select, multiselect, date, nation, nations (several, comma-separated), program, number
    help: str = ""
    cleared_only: bool = False


@dataclass(frozen=True)
class Total:
    """A sum shown above a list, over every record the filters match (not only the page's)."""

    label: str
    field: str


@dataclass(frozen=True)
class ListPage:
    key: str  # URL name prefix and path: "agreement" -> /agreements/
    plural: str
    model: type[models.Model]
    title: str
    columns: tuple[Column, ...]
    panel: tuple[PanelField, ...]
    select_related: tuple[str, ...] = ()
    # Prefetches for the rows' columns, given the user and the list's date (see ``as_of``) or None.
    prefetch: Callable[[Any, Any], list[Prefetch]] = field(default=lambda user, on: [])
    empty_hint: str = ""
    # The FilterSet's date filter that makes the list a view "as of" that date (``in_force_on``).
    as_of: str | None = None
    # Sums a filtered list shows over all its matches (TIV of the transfers…).
    totals: tuple[Total, ...] = ()
    totals_help: str = ""
    # For CSV exports of many rows: ``export_rows(queryset)`` yields light objects the columns read as they
    # read the model's instances (same cells), without building instances and their related ones.
    export_rows: Callable[[models.QuerySet], Iterable[Any]] | None = None

    def __post_init__(self) -> None:
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys) or not self.columns[0].link:  # pragma: no cover - a declaration error
            raise ValueError(f"{self.key}: column names must be unique, and the first column the link")

    @property
    def filterset(self) -> type[RegistryFilterSet]:
        return FILTERSETS[self.model]

    @property
    def default_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if not column.optional)

    def choose_columns(self, names: Iterable[str]) -> tuple[tuple[Column, ...], list[str]]:
        """Return the columns ``names`` asks the page to show, in the page's order, and a message per unknown name.

        ``names`` are the values of ``?columns=`` (repeated, as the panel's
        checkboxes send them, or comma-separated). None means the default
        columns. The first column, which links each row to its record, is
        always shown.
        """
        wanted = {part.strip() for name in names for part in name.split(",") if part.strip()}
        if not wanted:
            return self.default_columns, []
        known = {column.key for column in self.columns}
        errors = [
            f"“{name}” is not a column of this list: choose among {', '.join(column.key for column in self.columns)}."
            for name in sorted(wanted - known)
        ]
        chosen = tuple(column for index, column in enumerate(self.columns) if index == 0 or column.key in wanted)
        return chosen, errors


def _parties(user: Any, on: Any) -> list[Prefetch]:
    """The parties the user may see; for a list as of a date, the parties on that date only."""
    rows = AgreementParty.objects.visible_to(user).select_related("nation", "organization", "organization__nation")
    if on is not None:
        rows = rows.active(on=on)
    return [Prefetch("parties", queryset=rows, to_attr="visible_parties")]


def _participants(user: Any, on: Any) -> list[Prefetch]:
    rows = ExerciseParticipant.objects.visible_to(user).select_related("nation", "organization", "organization__nation")
    return [Prefetch("participants", queryset=rows, to_attr="visible_participants")]


def _with_sources(rows: Callable[[Any, Any], list[Prefetch]]) -> Callable[[Any, Any], list[Prefetch]]:
    """Prefetch the records' source rows too (as visible as their records), for the Sources column."""
    return lambda user, on: [*rows(user, on), Prefetch("sources", to_attr="source_rows")]


def _sources(record: Any) -> str:
    """The datasets that describe the record ("ATOP · COW"), "curated" without one; "≠" where one disagrees."""
    names = coverage.short_names()
    datasets = sorted({names.get(source.dataset, source.dataset) for source in record.source_rows if source.dataset})
    text = " · ".join(datasets) or "curated"
    if any(source.differs for source in record.source_rows):
        text += " ≠"
    return text


VISIBILITY = PanelField("visibility", "Visibility", "multiselect", cleared_only=True)
DATASET = PanelField("dataset", "Dataset", "text", "Records a dataset describes: cow-alliances, atop, mme, sipri…")
DISAGREEMENT = PanelField("disagreement", "Sources disagree", "select")
SEARCH = PanelField("q", "Contains", "text", "Words to look for in names and descriptions.")

AGREEMENTS = ListPage(
    key="agreement",
    plural="agreements",
    model=Agreement,
    title="Agreements",
    columns=(
        Column("Title", lambda a: a.short_name or a.title, "title", link=True),
        Column("Kind", lambda a: choice_label(a, "kind"), "kind"),
        Column("Scope", lambda a: choice_label(a, "scope")),
        # An alliance known only from a dataset that has ended: "In force as of 2012 (COW v4.1); later status unknown".
        Column("Status", coverage.status_text, "status"),
        Column("Signed", lambda a: at_precision(a, "signed_on"), "signed_on"),
        Column("In force from", lambda a: at_precision(a, "in_force_from"), "in_force_from"),
        Column("Ended", lambda a: at_precision(a, "ended_on"), "ended_on"),
        Column(
            "Parties",
            lambda a: "",
            render=lambda a, namer: _actor_names(a.visible_parties, namer),
            label_on="Parties on {on}",
        ),
        related_column("Program", lambda a: a.program, _short),
        Column("Sources", _sources, name="sources"),
    ),
    panel=(
        SEARCH,
        PanelField("party", "Party", "nation", "A nation (or one of its organizations) that is a party."),
        PanelField(
            "party_all",
            "Parties, all of",
            "nations",
            "Nations separated by commas: agreements to which every one is a party (on the date below, if given).",
        ),
        PanelField("in_force_on", "In force on", "date"),
        PanelField("status", "Status", "multiselect"),
        PanelField("kind", "Kind", "multiselect"),
        PanelField("scope", "Scope", "select"),
        PanelField("provisions", "Provisions (any of)", "multiselect"),
        PanelField("program_id", "Program", "program"),
        PanelField("signed_on__gte", "Signed from", "date"),
        PanelField("signed_on__lte", "Signed until", "date"),
        DATASET,
        DISAGREEMENT,
        VISIBILITY,
    ),
    select_related=("program",),
    prefetch=_with_sources(_parties),
    empty_hint="Try fewer filters, or another date.",
    as_of="in_force_on",
)

EXERCISES = ListPage(
    key="exercise",
    plural="exercises",
    model=Exercise,
    title="Exercises",
    columns=(
        Column("Name", lambda e: e.name, "name", link=True),
        Column("Series", lambda e: e.series, "series"),
        Column("Status", lambda e: choice_label(e, "status"), "status"),
        Column("Start", lambda e: at_precision(e, "start_date"), "start_date"),
        Column("End", lambda e: at_precision(e, "end_date"), "end_date"),
        Column("Location", lambda e: e.location),
        related_column("Country", lambda e: e.location_country, lambda nation: nation.name),
        Column(
            "Hosts",
            lambda e: "",
            render=lambda e, namer: _actor_names([p for p in e.visible_participants if p.role == "host"], namer),
        ),
        Column("Participants", lambda e: len(e.visible_participants), numeric=True),
        Column("Sources", _sources, optional=True, name="sources"),
    ),
    panel=(
        SEARCH,
        PanelField("participant", "Participant", "nation"),
        PanelField(
            "participant_all",
            "Participants, all of",
            "nations",
            "Nations separated by commas: exercises they all joined.",
        ),
        PanelField("host", "Host", "nation"),
        PanelField("location_country", "Location country", "nation", "Derived from the coordinates, or entered."),
        PanelField("ongoing_on", "Under way on", "date"),
        PanelField("status", "Status", "multiselect"),
        PanelField("kind", "Kind", "multiselect"),
        PanelField("domains", "Domains (any of)", "multiselect"),
        PanelField("program_id", "Program", "program"),
        PanelField("start_date__gte", "Starting from", "date"),
        PanelField("start_date__lte", "Starting until", "date"),
        DATASET,
        DISAGREEMENT,
        VISIBILITY,
    ),
    select_related=("program", "agreement", "location_country"),
    prefetch=_with_sources(_participants),
)


class _SourceCell:
    """What the Sources column reads of a source row."""

    __slots__ = ("dataset", "differs")

    def __init__(self, dataset: str, differs: bool) -> None:
        self.dataset, self.differs = dataset, differs


class _ResourceRow:
    """A resource-sharing record as a ``values()`` row, read by the list's columns as they read instances."""

    _meta = ResourceSharing._meta  # choice_label reads the field's choices from it

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


# The columns' fields, as ``values()`` reads them; actors and sources are added from ids and subqueries.
_RESOURCE_FIELDS = (
    "pk",
    "reference",
    "description",
    "category",
    "quantity",
    "unit",
    "value",
    "currency",
    "start_date",
    "start_date_precision",
    "status",
    "designation",
    "condition",
    "quantity_delivered",
    "delivery_years",
    "tiv_unit",
    "tiv_total",
    "tiv_delivered",
)
_ORGANIZATION_FIELDS = ("id", "name", "acronym", "visibility", "nation_id")


def _resource_export_rows(queryset: models.QuerySet) -> Iterator[_ResourceRow]:
    """Yield the records of ``queryset`` (already visible to the user) for the export's columns.

    Two queries whatever the number of rows: every nation (a few hundred,
    restricted ones too: the :class:`Namer` names them "restricted record"),
    then the records with their organizations' fields joined and their
    sources' datasets aggregated, read in chunks.
    """
    nations = {
        nation.pk: nation for nation in Nation.objects.only("id", "name", "iso3", "cow_abbr", "cow_code", "visibility")
    }
    organizations: dict[int, Organization] = {}
    sources = ResourceSource.objects.filter(record_id=OuterRef("pk")).order_by()
    sides = ("provider", "recipient")
    fields = [
        *_RESOURCE_FIELDS,
        *(f"{side}_nation_id" for side in sides),
        *(f"{side}_organization__{name}" for side in sides for name in _ORGANIZATION_FIELDS),
    ]
    rows = (
        queryset.prefetch_related(None)
        .annotate(
            source_datasets=ArraySubquery(sources.values("dataset")),
            sources_differ=Exists(sources.exclude(differs=[])),
        )
        .values(*fields, "source_datasets", "sources_differ")
    )

    def actor(values: dict[str, Any], side: str) -> Nation | Organization | None:
        nation_id = values[f"{side}_nation_id"]
        if nation_id is not None:
            return nations[nation_id]
        pk = values[f"{side}_organization__id"]
        if pk is None:
            return None
        organization = organizations.get(pk)
        if organization is None:
            organization = Organization(
                **{name: values[f"{side}_organization__{name}"] for name in _ORGANIZATION_FIELDS}
            )
            organization.nation = nations.get(organization.nation_id)
            organizations[pk] = organization
        return organization

    # In a transaction the cursor streams the rows as PostgreSQL finds them (outside one, Django's cursor is
    # held past the commit, which first materialises every row); and the plan chosen is the one for reading
    # them all, not PostgreSQL's default for cursors, a plan quick to the first row that read 100,000 in twice the time.
    with transaction.atomic(using=rows.db), connections[rows.db].cursor() as cursor:
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        for values in rows.iterator(chunk_size=2000):
            row = _ResourceRow(values)
            row.provider = actor(values, "provider")
            row.recipient = actor(values, "recipient")
            differ = values["sources_differ"]
            # The column asks only which datasets there are and whether any of their rows differs.
            row.source_rows = [_SourceCell(dataset, differ) for dataset in values["source_datasets"]]
            yield row


RESOURCES = ListPage(
    key="resource",
    plural="resources",
    model=ResourceSharing,
    title="Resource-sharing records",
    columns=(
        Column("Record", lambda r: r.reference or r.description[:60], "reference", link=True),
        actor_column("Provider", lambda r: r.provider),
        actor_column("Recipient", lambda r: r.recipient),
        Column("Category", lambda r: choice_label(r, "category"), "category"),
        Column("Quantity", lambda r: _amount(r.quantity, r.unit), "quantity", numeric=True),
        Column("Value", lambda r: _amount(r.value, r.currency), "value", numeric=True),
        Column("Start", lambda r: at_precision(r, "start_date"), "start_date"),
        Column("Status", lambda r: choice_label(r, "status"), "status"),
        # As SIPRI records a deal: optional on the page, in every CSV export.
        Column("Designation", lambda r: r.designation, "designation", optional=True),
        Column("Condition", lambda r: r.condition, optional=True),
        Column("Number ordered", lambda r: _plain(r.quantity), "quantity", numeric=True, optional=True),
        Column(
            "Number delivered",
            lambda r: _plain(r.quantity_delivered),
            "quantity_delivered",
            numeric=True,
            optional=True,
        ),
        Column("Delivery years", lambda r: _years(r.delivery_years), optional=True),
        Column("TIV per unit", lambda r: _plain(r.tiv_unit), "tiv_unit", numeric=True, optional=True, name="tiv_unit"),
        Column(
            "TIV of the order",
            lambda r: _plain(r.tiv_total),
            "tiv_total",
            numeric=True,
            optional=True,
            name="tiv_total",
        ),
        Column(
            "TIV delivered",
            lambda r: _plain(r.tiv_delivered),
            "tiv_delivered",
            numeric=True,
            optional=True,
            name="tiv_delivered",
        ),
        Column("Sources", _sources, optional=True, name="sources"),
    ),
    panel=(
        SEARCH,
        PanelField("provider", "Provider", "nation"),
        PanelField("recipient", "Recipient", "nation"),
        PanelField(
            "nation_all",
            "Between (all of)",
            "nations",
            "Nations separated by commas, e.g. GBR, SAU: transfers between them, either way.",
        ),
        PanelField("active_on", "Under way on", "date"),
        PanelField("category", "Category", "multiselect"),
        PanelField("status", "Status", "multiselect"),
        PanelField("program_id", "Program", "program"),
        PanelField("value__gte", "Value at least", "number"),
        PanelField("designation__ic", "Designation contains", "text", "E.g. Lynx, or AW101 (SIPRI's designation)."),
        PanelField("delivery_year", "Delivered in (year)", "number", "A year in which a delivery was made."),
        PanelField("start_date__gte", "Starting (ordered) from", "date"),
        PanelField("start_date__lte", "Starting (ordered) until", "date"),
        DATASET,
        DISAGREEMENT,
        VISIBILITY,
    ),
    totals=(
        Total("Number ordered", "quantity"),
        Total("Number delivered", "quantity_delivered"),
        Total("TIV of the orders", "tiv_total"),
        Total("TIV delivered", "tiv_delivered"),
    ),
    totals_help=(
        "TIV is SIPRI's trend-indicator value, in millions: a measure of the volume of military capability "
        "transferred, not a price or a sum of money. Numbers add up whatever each record counts (aircraft, "
        "engines, vessels…), as SIPRI's own totals do."
    ),
    select_related=(
        "provider_nation",
        "provider_organization__nation",
        "recipient_nation",
        "recipient_organization__nation",
        "program",
    ),
    prefetch=_with_sources(lambda user, on: []),
    export_rows=_resource_export_rows,
)

PROGRAMS = ListPage(
    key="program",
    plural="programs",
    model=Program,
    title="Programs",
    columns=(
        Column("Name", lambda p: p.name, "name", link=True),
        Column("Acronym", lambda p: p.acronym, "acronym"),
        Column("Type", lambda p: choice_label(p, "program_type")),
        actor_column("Lead", lambda p: p.lead_organization or p.lead_nation),
        Column("Started", lambda p: p.started_on, "started_on"),
        Column("Ended", lambda p: p.ended_on, "ended_on"),
    ),
    panel=(
        SEARCH,
        PanelField("program_type", "Type", "multiselect"),
        PanelField("objectives", "Objectives (any of)", "multiselect"),
        PanelField("lead_nation", "Lead nation", "nation"),
        PanelField("active_on", "Running on", "date"),
        VISIBILITY,
    ),
    select_related=("lead_nation", "lead_organization__nation"),
)

ORGANIZATIONS = ListPage(
    key="organization",
    plural="organizations",
    model=Organization,
    title="Organizations",
    columns=(
        Column("Name", lambda o: o.name, "name", link=True),
        Column("Acronym", lambda o: o.acronym, "acronym"),
        Column("Kind", lambda o: choice_label(o, "kind"), "kind"),
        related_column("Nation", lambda o: o.nation),
        related_column("Operates in", lambda o: o.operates_in),
        related_column("Part of", lambda o: o.parent),
    ),
    panel=(
        SEARCH,
        PanelField("kind", "Kind", "multiselect"),
        PanelField("nation", "Nation", "nation"),
        PanelField("operates_in", "Operates in (non-state actors)", "nation"),
        PanelField("member", "Has as member", "nation"),
        VISIBILITY,
    ),
    select_related=("nation", "operates_in", "parent"),
)

NATIONS = ListPage(
    key="nation",
    plural="nations",
    model=Nation,
    title="Nations",
    columns=(
        Column("Name", lambda n: n.name, "name", link=True),
        Column("ISO alpha-3", lambda n: n.iso3 or "", "iso3"),
        Column("ISO alpha-2", lambda n: n.iso2 or ""),
        Column("COW number", lambda n: n.cow_code or "", "cow_code", numeric=True),
        Column("COW abbreviation", lambda n: n.cow_abbr or ""),
        Column("Region", lambda n: choice_label(n, "region"), "region"),
    ),
    panel=(
        SEARCH,
        PanelField("region", "Region", "multiselect"),
        PanelField("iso3__empty", "Historical states only", "select", "States with a COW code but no ISO code."),
        VISIBILITY,
    ),
)


def _subject(assessment: Assessment) -> str:
    subject = assessment.subject
    if subject is None:
        return ""
    if isinstance(subject, Agreement):
        return subject.short_name or subject.title
    return str(subject)


ASSESSMENTS = ListPage(
    key="assessment",
    plural="assessments",
    model=Assessment,
    title="Assessments",
    columns=(
        Column("Title", lambda a: a.title, "title", link=True),
        Column("Kind", lambda a: choice_label(a, "kind"), "kind"),
        Column("Of", lambda a: f"{a.subject_kind.capitalize()}: {_subject(a)}"),
        Column("Conducted", lambda a: a.conducted_on, "conducted_on"),
        related_column("Assessor", lambda a: a.assessor),
        Column("Rating (1-5)", lambda a: a.overall_rating or "", "overall_rating", numeric=True),
    ),
    panel=(
        SEARCH,
        PanelField("kind", "Kind", "multiselect"),
        PanelField("subject_type", "Of a", "select"),
        PanelField("nation", "Nation", "nation", "Programs it leads, agreements it is party to, exercises it joined."),
        PanelField("program_id", "Program", "program"),
        PanelField("conducted_on__gte", "Conducted from", "date"),
        PanelField("conducted_on__lte", "Conducted until", "date"),
        VISIBILITY,
    ),
    select_related=("program", "agreement", "exercise", "assessor"),
    empty_hint="Assessments are added by staff in the admin, or imported from survey files.",
)

LIST_PAGES = {
    page.key: page for page in (AGREEMENTS, EXERCISES, RESOURCES, PROGRAMS, ORGANIZATIONS, NATIONS, ASSESSMENTS)
}
