"""Dyad-year tables: one row per pair of nations per year, the shape political scientists analyse.

For each year and pair of nations with something between them, a row gives
the agreement provisions in force between them at some point of the year
(COW/ATOP categories first: defense, offense, neutrality, non-aggression,
entente/consultation; then the registry's own), how many agreements and
joint exercises they shared, and what resources went from one to the other.
Organizations that belong to a nation count as that nation; multinational
organizations are not nations and take no part. Only records the user may
see are counted.

PostgreSQL forms the pairs and counts them, in one statement
(:class:`_DyadQuery`) read through a server-side cursor, so the table
streams and the worker never holds the parties' periods. The nation an
actor row counts as is :func:`~partnerships.models.agreements.counted_nation`
in the querysets the statement is built from: the one place to change it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import ExtractYear

from partnerships.choices import Provision
from partnerships.models import (
    SOURCE_MODELS,
    Agreement,
    AgreementParty,
    AgreementSource,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    ResourceSharing,
)
from partnerships.models.agreements import counted_nation
from partnerships.services.coverage import coverages
from partnerships.services.exports import cell
from partnerships.services.importers.alliances import CowAlliancesImporter
from partnerships.services.importers.atop import AtopImporter
from partnerships.services.importers.exercises import MmeImporter
from partnerships.services.importers.sipri import SipriImporter

PROVISION_COLUMNS = [provision.value for provision in Provision]
# The datasets whose records make dyads: agreements, exercises, transfers (``dataset=`` keeps one).
DATASETS = [importer.dataset for importer in (CowAlliancesImporter, AtopImporter, MmeImporter, SipriImporter)]


@dataclass(slots=True)
class _Span:
    """A period in force (the strength scores read periods so; the table itself forms them in SQL)."""

    start: date
    end: date | None  # first day no longer in force

    def touches(self, year: int) -> bool:
        return self.start <= date(year, 12, 31) and (self.end is None or self.end > date(year, 1, 1))

    def last_year(self, default: int) -> int:
        """The last year the span touches (``default`` when it has not ended)."""
        if self.end is None:
            return default
        return self.end.year if self.end > date(self.end.year, 1, 1) else self.end.year - 1


def header(*, directed: bool) -> list[str]:
    sides = ("a", "b")
    identity = [f"{column}_{side}" for side in sides for column in ("nation", "iso3", "cow")]
    flows = ["resources_a_to_b", "value_usd_a_to_b", "tiv_a_to_b"]
    if not directed:
        flows += ["resources_b_to_a", "value_usd_b_to_a", "tiv_b_to_a"]
    return ["year", *identity, *PROVISION_COLUMNS, "agreements", "exercises", *flows]


# What the dyad table's columns are called on a page (the CSV and the API keep the column names).
_FLOW_LABELS = {"resources": "Transfers", "value_usd": "USD", "tiv": "TIV"}


def column_label(column: str) -> str:
    """``mutual_defense`` → "Mutual defense", ``tiv_a_to_b`` → "TIV A→B", ``nation_a`` → "Nation A"."""
    if column in PROVISION_COLUMNS:
        return str(Provision(column).label)
    for stem, label in _FLOW_LABELS.items():
        if column.startswith(f"{stem}_"):
            first, second = column.removeprefix(f"{stem}_").split("_to_")
            return f"{label} {first.upper()}→{second.upper()}"
    name, _, side = column.rpartition("_")
    if side in ("a", "b") and name:
        return f"{name.capitalize()} {side.upper()}"
    return column.capitalize()


def _described_by(dataset: str, model: type[Any] = Agreement) -> Any:
    """Return the ids of the records of ``model`` that ``dataset`` describes (a source row of theirs), as a subquery."""
    return SOURCE_MODELS[model].objects.filter(dataset=dataset).values("record_id")


def year_range(*, user: Any) -> tuple[int, int] | None:
    """Return the first and last year the table can have rows for, over what ``user`` may see; None without data.

    From the earliest start of anything counted (an agreement coming into
    force, an exercise, a transfer) to the latest start or this year,
    whichever is later: agreements still in force reach today. Years outside
    it have no rows, except that ongoing agreements would repeat year after
    year to 9999; callers refuse them. Three aggregates over indexed dates:
    cheap enough to check every request against.
    """
    bounds = [
        Agreement.objects.visible_to(user).aggregate(first=Min("in_force_from"), last=Max("in_force_from")),
        Exercise.objects.visible_to(user).aggregate(first=Min("start_date"), last=Max("start_date")),
        ResourceSharing.objects.visible_to(user).aggregate(first=Min("start_date"), last=Max("start_date")),
    ]
    firsts = [bound["first"].year for bound in bounds if bound["first"] is not None]
    if not firsts:
        return None
    lasts = [bound["last"].year for bound in bounds if bound["last"] is not None]
    return min(firsts), max(*lasts, date.today().year)


class YearsOutsideData(ValueError):
    """Years asked for lie outside the data's; ``which`` names them (``first``, ``last``)."""

    def __init__(self, bounds: tuple[int, int], which: list[str]) -> None:
        self.bounds, self.which = bounds, which
        super().__init__(f"The data covers {bounds[0]} to {bounds[1]}: choose a year in that range.")


def export_years(*, user: Any, first_year: int | None, last_year: int | None) -> tuple[int, int] | None:
    """Return the years to export: those given, else the data's (``year_range``); None when there is no data.

    Raise YearsOutsideData when a given year lies outside the data's years:
    beyond them there is nothing new, only ongoing agreements repeated year
    after year (1 to 9999 once took 45 s and 324 MB).
    """
    bounds = year_range(user=user)
    if bounds is None:
        return None
    which = [
        name
        for name, year in (("first", first_year), ("last", last_year))
        if year is not None and not bounds[0] <= year <= bounds[1]
    ]
    if which:
        raise YearsOutsideData(bounds, which)
    return (
        bounds[0] if first_year is None else first_year,
        bounds[1] if last_year is None else last_year,
    )


def dyad_years(
    *,
    user: Any,
    first_year: int | None = None,
    last_year: int | None = None,
    region: str | None = None,
    directed: bool = False,
    dataset: str | None = None,
    extend_open: bool = False,
    involving: int | None = None,
) -> Iterator[list[Any]]:
    """Yield the header, then one row per (year, pair) with anything between the two nations.

    The years default to ``year_range``; callers check years they are given
    against it. With ``dataset`` only records imported from that dataset
    count (``cow-alliances``: the table COW's member file gives). The header
    comes before any query, so that a stream starts at once.

    A pair has a provision in a year when, in an agreement both are parties
    to that year, either of them undertook it in a period touching the year
    (its own obligations, or the agreement's provisions where the party has
    none of its own): the convention of the COW and ATOP dyadic files.

    An agreement known only from a dataset that ends (COW v4.1 in 2012, ATOP
    4.01 in 2018) and still in force then stops at that dataset's end: its
    later status is unknown. ``extend_open`` carries such agreements on to
    today, as if still in force. ``involving`` (a nation id) keeps the rows
    of the pairs that nation is one of, reading only the records it takes part in.

    Rows come in year order, pairs by their nations' names (the pair's nation
    of lower id first); PostgreSQL forms and counts the pairs
    (:func:`_dyad_statement`) and they are read in chunks.
    """
    yield header(directed=directed)
    query = _DyadQuery.make(
        user=user,
        first_year=first_year,
        last_year=last_year,
        region=region,
        directed=directed,
        dataset=dataset,
        extend_open=extend_open,
        involving=involving,
    )
    if query is None:
        return
    nations = query.nations
    blank = [0, Decimal(0), Decimal(0)]
    for year, a, b, mask, agreements, exercises, *flows in query.rows(text=False):
        na, nb = nations[a], nations[b]
        row: list[Any] = [year, na["name"], na["iso3"] or "", na["cow_code"] or "", nb["name"], nb["iso3"] or ""]
        row.append(nb["cow_code"] or "")
        row += [(mask >> bit) & 1 for bit in range(len(PROVISION_COLUMNS))]
        row += [agreements, exercises]
        for start in range(0, len(flows), 3):
            count, usd, tiv = flows[start : start + 3]
            row += blank if count is None else [count, usd, tiv]
        yield row


def dyad_csv(
    *,
    user: Any,
    first_year: int | None = None,
    last_year: int | None = None,
    region: str | None = None,
    directed: bool = False,
    dataset: str | None = None,
    extend_open: bool = False,
) -> Iterator[list[str]]:
    """Yield the rows of :func:`dyad_years` (without its header) as CSV lines, a chunk of lines at a time.

    Each line is what ``csv_lines`` writes of the row, without its line end:
    PostgreSQL writes the numbers, the nations' cells are written here once
    per nation. For the streamed table, where a Python list per row cost
    more than the pairs themselves.
    """
    query = _DyadQuery.make(
        user=user,
        first_year=first_year,
        last_year=last_year,
        region=region,
        directed=directed,
        dataset=dataset,
        extend_open=extend_open,
    )
    if query is None:
        return
    for batch in query.batches(text=True):
        yield [line for (line,) in batch]


class _Line:
    """A file-like object whose write() returns what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


# The provisions as bits of an integer (bit i: PROVISION_COLUMNS[i]), which PostgreSQL ORs together.
_PROVISION_BITS = (
    "provision (name, bit) AS"
    " (SELECT name, 1::bigint << (ordinality::int - 1) FROM unnest(%s::text[]) WITH ORDINALITY AS p (name))"
)


def _mask(array: str) -> str:
    """SQL: the bits of the provisions in the text array ``array`` (provisions of no column count for none)."""
    return (
        f"(SELECT coalesce(bit_or(provision.bit), 0) FROM unnest({array}) AS given (name) JOIN provision USING (name))"
    )


def _stop(*, follows: str, start: str, ended: str, expires: str, extend_open: bool) -> tuple[str, list[Any]]:
    """SQL: the first day an agreement is no longer counted (``coverage.open_at_coverage_end``), NULL: still in force.

    Its end, or where the knowledge of the dataset it follows ends, for an
    agreement open then (unless ``extend_open``).
    """
    known = f"coalesce({ended}, {expires})"
    if extend_open:
        return known, []
    whens, params = [], []
    for coverage in coverages().values():
        whens.append(
            f"WHEN {follows} = %s AND {ended} IS NULL AND {start} <= %s"
            f" AND ({expires} IS NULL OR {expires} > %s) THEN %s"
        )
        params += [coverage.dataset, coverage.covers_until, coverage.covers_until, coverage.first_day_unknown]
    return (f"CASE {' '.join(whens)} ELSE {known} END" if whens else known), params


@dataclass
class _DyadQuery:
    """The one statement that forms, counts and orders the dyad-years, and the nations it names."""

    nations: dict[int, dict[str, Any]]
    sql: str
    params: list[Any]
    db: str
    text_columns: str
    value_columns: str

    @classmethod
    def make(
        cls,
        *,
        user: Any,
        first_year: int | None,
        last_year: int | None,
        region: str | None,
        directed: bool,
        dataset: str | None,
        extend_open: bool,
        involving: int | None = None,
    ) -> _DyadQuery | None:
        """Return the query, or None when there is nothing to count."""
        first, last = first_year, last_year
        if first is None or last is None:
            bounds = year_range(user=user)
            if bounds is None:
                return None
            first = bounds[0] if first is None else first
            last = bounds[1] if last is None else last
        visible = Nation.objects.visible_to(user)
        if region:
            visible = visible.filter(region=region)
        nations = {n["id"]: n for n in visible.values("id", "name", "iso3", "cow_code")}
        if not nations:
            return None
        # Pairs by their nations' names as Python orders text (code points, not the database's collation);
        # nations of the same name by id.
        ids = sorted(nations, key=lambda pk: (nations[pk]["name"], pk))
        writer = csv.writer(_Line(), lineterminator="")
        cells = [writer.writerow([cell(nations[pk][key] or "") for key in ("name", "iso3", "cow_code")]) for pk in ids]

        pieces: list[str] = []
        params: list[Any] = []

        def add(sql: str, *values: Any) -> None:
            pieces.append(sql)
            params.extend(values)

        def add_query(queryset: Any) -> None:
            sql, values = queryset.query.sql_with_params()
            add(sql, *values)

        add(
            "WITH nation (id, rank, cells) AS (SELECT * FROM unnest(%s::int[], %s::int[], %s::text[])),",
            ids,
            list(range(len(ids))),
            cells,
        )
        add(_PROVISION_BITS + ",", PROVISION_COLUMNS)

        # Agreements in force, with each nation's own periods as a party and what it undertook in it; with a
        # dataset, the records it describes, each as that dataset gives it: one that follows the dataset is
        # read from its own rows, one that follows another source (or staff) from its source row's values.
        sourced = {"pk__in": _described_by(dataset)} if dataset else {}
        own = Agreement.objects.visible_to(user).filter(in_force_from__isnull=False, **sourced)
        if dataset:
            own = own.filter(follows=dataset)
        stop, stop_params = _stop(
            follows="own.follows",
            start="own.in_force_from",
            ended="own.ended_on",
            expires="own.expires_on",
            extend_open=extend_open,
        )
        add(f"agreement AS MATERIALIZED (SELECT own.id, own.in_force_from AS start, {stop} AS stop, ")
        params.extend(stop_params)
        add(f"{_mask('own.provisions')} AS mask FROM (")
        add_query(own.order_by().values("id", "in_force_from", "provisions", "follows", "ended_on", "expires_on"))
        parties = (
            AgreementParty.objects.visible_to(user)
            .filter(agreement__in=own.values("pk"))
            .annotate(nation_key=counted_nation())
            .order_by()
            .values("agreement_id", "nation_key", "joined_on", "withdrew_on", "obligations")
        )
        add(")own), period AS (SELECT party.agreement_id, party.nation_key AS nation,")
        add(" greatest(agreement.start, party.joined_on) AS start, least(agreement.stop, party.withdrew_on) AS stop,")
        add(
            " CASE WHEN party.obligations IS NULL THEN agreement.mask"
            f" ELSE {_mask('party.obligations')} END AS mask FROM ("
        )
        add_query(parties)
        add(
            ") party JOIN agreement ON agreement.id = party.agreement_id WHERE party.nation_key = ANY(%s)",
            list(nations),
        )
        if dataset:
            add_sources_sql = _source_periods(dataset, user=user, extend_open=extend_open)
            add(" UNION ALL " + add_sources_sql[0], *add_sources_sql[1])
        add(")")
        # Each period as the years it touches (it ends the day before its stop), within the table's years.
        last_touched = "(CASE WHEN period.stop IS NULL THEN %s ELSE extract(year FROM period.stop - 1)::int END)"
        add(
            ", period_years AS (SELECT period.agreement_id, period.nation, period.mask,"
            " greatest(extract(year FROM period.start)::int, %s) AS y1,"
            f" least({last_touched}, %s) AS y2 FROM period WHERE (period.stop IS NULL OR period.stop > period.start)",
            first,
            last,
            last,
        )
        if involving is not None:
            add(" AND period.agreement_id IN (SELECT agreement_id FROM period WHERE nation = %s)", involving)
        # A party's periods in an agreement as disjoint runs of years, each with what it owed then (the union
        # of its periods touching the year): most parties have one period, which is its own run.
        add(
            "), counted AS (SELECT *, count(*) OVER (PARTITION BY agreement_id, nation) AS periods"
            " FROM period_years WHERE y1 <= y2)"
            ", segment AS (SELECT agreement_id, nation, y1, y2, mask FROM counted WHERE periods = 1 UNION ALL"
            " SELECT agreement_id, nation, min(year), max(year), mask FROM ("
            "  SELECT *, year - row_number() OVER (PARTITION BY agreement_id, nation, mask ORDER BY year) AS island"
            "  FROM (SELECT agreement_id, nation, year, bit_or(mask) AS mask"
            "   FROM counted, generate_series(y1, y2) AS year"
            "   WHERE periods > 1 GROUP BY 1, 2, 3) AS owed"
            " ) AS runs GROUP BY agreement_id, nation, mask, island)"
        )
        # Two parties' runs in the same agreement, over the years both touch: a pair of nations has each
        # agreement at most once a year, owing what either owed.
        add(
            ", segment_pair AS (SELECT one.nation AS a, other.nation AS b, greatest(one.y1, other.y1) AS y1,"
            " least(one.y2, other.y2) AS y2, one.mask | other.mask AS mask FROM segment one JOIN segment other"
            " ON other.agreement_id = one.agreement_id AND one.nation < other.nation"
            " WHERE greatest(one.y1, other.y1) <= least(one.y2, other.y2))"
        )
        # Per pair and year, the agreements and each provision's agreements, as running sums of where the runs
        # start (+1) and end (-1): the runs are never expanded to years before they are added up.
        owing = ", ".join(
            f"sum(((mask >> {bit}) & 1) * change.delta) AS p{bit}" for bit in range(len(PROVISION_COLUMNS))
        )
        running = ", ".join(f"sum(p{bit}) OVER pair AS p{bit}" for bit in range(len(PROVISION_COLUMNS)))
        mask = " | ".join(f"((p{bit} > 0)::int::bigint << {bit})" for bit in range(len(PROVISION_COLUMNS)))
        add(
            f", change AS (SELECT a, b, change.year, sum(change.delta) AS agreements, {owing}"
            " FROM segment_pair, LATERAL (VALUES (y1, 1), (y2 + 1, -1)) AS change (year, delta) GROUP BY 1, 2, 3)"
            ", running AS (SELECT a, b, year, lead(year) OVER pair AS next_year,"
            " sum(agreements) OVER pair AS agreements,"
            f" {running} FROM change WINDOW pair AS (PARTITION BY a, b ORDER BY year))"
            f", agreement_pair AS (SELECT y AS year, a, b, agreements::int AS agreements, {mask} AS mask"
            " FROM running, generate_series(running.year, running.next_year - 1) AS y WHERE running.agreements > 0)"
        )
        # Exercises: how many starting in the year both took part in (a nation taking part itself and through
        # one of its organizations counts once).
        participations = (
            ExerciseParticipant.objects.visible_to(user)
            .filter(
                exercise__start_date__isnull=False,
                **({"exercise__pk__in": _described_by(dataset, Exercise)} if dataset else {}),
            )
            .annotate(year=ExtractYear("exercise__start_date"), nation_key=counted_nation())
            .filter(year__gte=first, year__lte=last, nation_key__in=list(nations))
            .order_by()
            .values("exercise_id", "nation_key", "year")
            .distinct()
        )
        if involving is not None:
            participations = participations.filter(
                exercise__in=ExerciseParticipant.objects.filter(actor_nation_id=involving).values("exercise_id")
            )
        add(", taking_part AS MATERIALIZED (")
        add_query(participations)
        add(
            "), exercise_pair AS (SELECT one.year::int AS year, one.nation_key AS a, other.nation_key AS b,"
            " count(*) AS exercises"
            " FROM taking_part one JOIN taking_part other"
            " ON other.exercise_id = one.exercise_id AND one.nation_key < other.nation_key"
            " JOIN nation na ON na.id = one.nation_key JOIN nation nb ON nb.id = other.nation_key GROUP BY 1, 2, 3)"
        )
        # Flows: counted and summed per year and direction.
        flows = (
            ResourceSharing.objects.visible_to(user)
            .filter(
                start_date__isnull=False, **({"pk__in": _described_by(dataset, ResourceSharing)} if dataset else {})
            )
            .annotate(
                year=ExtractYear("start_date"),
                provider=counted_nation("provider_"),
                recipient=counted_nation("recipient_"),
            )
            .filter(provider__in=list(nations), recipient__in=list(nations), year__gte=first, year__lte=last)
            .exclude(provider=F("recipient"))
        )
        if involving is not None:
            flows = flows.filter(Q(provider=involving) | Q(recipient=involving))
        add(", flow AS (")
        add_query(
            flows.order_by()
            .values("year", "provider", "recipient")
            .annotate(count=Count("id"), usd=Sum("value", filter=Q(currency="USD")), tiv=Sum("tiv_total"))
            .values("year", "provider", "recipient", "count", "usd", "tiv")
        )
        add(
            "), flow_pair AS (SELECT year::int AS year,"
            " least(provider, recipient) AS a, greatest(provider, recipient) AS b,"
            " sum(count) FILTER (WHERE provider < recipient)::int AS ab_count,"
            " coalesce(sum(usd) FILTER (WHERE provider < recipient), 0) AS ab_usd,"
            " coalesce(sum(tiv) FILTER (WHERE provider < recipient), 0) AS ab_tiv,"
            " sum(count) FILTER (WHERE provider > recipient)::int AS ba_count,"
            " coalesce(sum(usd) FILTER (WHERE provider > recipient), 0) AS ba_usd,"
            " coalesce(sum(tiv) FILTER (WHERE provider > recipient), 0) AS ba_tiv"
            " FROM flow GROUP BY 1, 2, 3)"
        )
        add(
            ", pair AS (SELECT year, a, b, coalesce(agreement_pair.mask, 0) AS mask,"
            " coalesce(agreement_pair.agreements, 0) AS agreements, coalesce(exercise_pair.exercises, 0) AS exercises,"
            " ab_count, ab_usd, ab_tiv, ba_count, ba_usd, ba_tiv"
            " FROM agreement_pair FULL JOIN exercise_pair USING (year, a, b) FULL JOIN flow_pair USING (year, a, b)"
        )
        if involving is not None:
            add(" WHERE %s IN (a, b)", involving)
        add(")")
        # Directed: each pair both ways, a way only with something in it (an agreement, an exercise, a flow that way).
        if directed:
            add(
                ", dyad_row AS (SELECT pair.year, way.first, way.second, pair.mask, pair.agreements, pair.exercises,"
                " way.count, way.usd, way.tiv, na.rank AS rank_a, nb.rank AS rank_b, way.way,"
                " nf.cells AS first_cells, ns.cells AS second_cells"
                " FROM pair JOIN nation na ON na.id = pair.a JOIN nation nb ON nb.id = pair.b,"
                " LATERAL (VALUES (0, pair.a, pair.b, pair.ab_count, pair.ab_usd, pair.ab_tiv),"
                " (1, pair.b, pair.a, pair.ba_count, pair.ba_usd, pair.ba_tiv))"
                " AS way (way, first, second, count, usd, tiv)"
                " JOIN nation nf ON nf.id = way.first JOIN nation ns ON ns.id = way.second"
                " WHERE pair.agreements > 0 OR pair.exercises > 0 OR way.count IS NOT NULL)"
            )
            flow_columns = ["count", "usd", "tiv"]
        else:
            add(
                ", dyad_row AS (SELECT pair.year, pair.a AS first, pair.b AS second, pair.mask, pair.agreements,"
                " pair.exercises, ab_count, ab_usd, ab_tiv, ba_count, ba_usd, ba_tiv, na.rank AS rank_a,"
                " nb.rank AS rank_b, 0 AS way, na.cells AS first_cells, nb.cells AS second_cells"
                " FROM pair JOIN nation na ON na.id = pair.a JOIN nation nb ON nb.id = pair.b)"
            )
            flow_columns = ["ab_count", "ab_usd", "ab_tiv", "ba_count", "ba_usd", "ba_tiv"]
        # The CSV cells of every set of provisions, made once (8,192 sets) rather than for each of millions of rows.
        flags = " || ',' || ".join(f"((bits >> {bit}) & 1)::text" for bit in range(len(PROVISION_COLUMNS)))
        add(
            f", flag (bits, flag_cells) AS (SELECT bits, {flags}"
            f" FROM generate_series(0::bigint, {(1 << len(PROVISION_COLUMNS)) - 1}) AS bits)"
        )

        def number(value: str) -> str:  # as ``cell`` writes a Decimal: a whole number bare, else every decimal it has
            return f"CASE WHEN {value} = trunc({value}) THEN trunc({value})::text ELSE {value}::text END"

        flow_text = [
            f"CASE WHEN {count} IS NULL THEN '0,0,0'"
            f" ELSE concat_ws(',', {count}::text, {number(usd)}, {number(tiv)}) END"
            for count, usd, tiv in zip(flow_columns[::3], flow_columns[1::3], flow_columns[2::3], strict=True)
        ]
        text_columns = (
            "concat_ws(',', year::text, first_cells, second_cells, flag_cells, agreements::text, exercises::text, "
            + ", ".join(flow_text)
            + ")"
        )
        value_columns = "year, first, second, mask, agreements, exercises, " + ", ".join(flow_columns)
        add(" SELECT {columns} FROM dyad_row{join} ORDER BY year, rank_a, rank_b, way")
        return cls(nations, "".join(pieces), params, own.db, text_columns, value_columns)

    def batches(self, *, text: bool) -> Iterator[list[tuple[Any, ...]]]:
        """Yield the rows in chunks, read through a server-side cursor: never all in memory at once.

        In a transaction of its own: the cursor then streams instead of being
        kept (and first written out whole) past a commit, and the statement
        gets the memory to aggregate millions of pairs without spilling them
        to disk, and no JIT compilation, which took seconds of a statement
        this size.
        """
        sql = self.sql.replace("{columns}", self.text_columns if text else self.value_columns)
        sql = sql.replace("{join}", " JOIN flag ON flag.bits = dyad_row.mask" if text else "")
        connection = connections[self.db]
        with transaction.atomic(using=self.db), connection.chunked_cursor() as cursor:
            with connection.cursor() as settings:
                settings.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
                settings.execute("SET LOCAL jit = off")
            cursor.execute(sql, self.params)
            try:
                while batch := cursor.fetchmany(_CHUNK):
                    yield batch
            except GeneratorExit:
                return  # a reader that stops early (a page of the table): the transaction only read

    def rows(self, *, text: bool) -> Iterator[tuple[Any, ...]]:
        for batch in self.batches(text=text):
            yield from batch


_CHUNK = 10_000
# Per sort or hash of the statement (PostgreSQL's default, 4 MB, spilled the pairs to disk hundreds of times).
_WORK_MEM = "64MB"


def _source_periods(dataset: str, *, user: Any, extend_open: bool) -> tuple[str, list[Any]]:
    """SQL: the member periods ``dataset``'s source rows give of the agreements that follow another source.

    Each agreement's span and provisions as the source row gives them; an
    organization counts as its nation when the user may see it.
    """
    sources = (
        AgreementSource.objects.visible_to(user)
        .filter(dataset=dataset)
        .exclude(record__follows=dataset)
        .order_by()
        .values("record_id", "values")
    )
    source_sql, source_params = sources.query.sql_with_params()
    organizations = Organization.objects.visible_to(user).order_by().values("id", "nation_id")
    organization_sql, organization_params = organizations.query.sql_with_params()
    start = """(NULLIF(src."values" ->> 'in_force_from', ''))::date"""
    stop = """(NULLIF(src."values" ->> 'ended_on', ''))::date"""
    stop_params: list[Any] = []
    coverage = coverages().get(dataset)
    if coverage is not None and not extend_open:  # its agreements open at its end stop there (``_stop``)
        stop = f"CASE WHEN {stop} IS NULL AND {start} <= %s THEN %s ELSE {stop} END"
        stop_params = [coverage.covers_until, coverage.first_day_unknown]
    joined = "(NULLIF(member.value ->> 1, ''))::date"
    withdrew = "(NULLIF(member.value ->> 2, ''))::date"
    obligations = "ARRAY(SELECT jsonb_array_elements_text(member.value -> 3))"
    provisions = """ARRAY(SELECT jsonb_array_elements_text(coalesce(src."values" -> 'provisions', '[]'::jsonb)))"""
    actor = "member.value ->> 0"
    nation = (
        f"CASE WHEN split_part({actor}, ':', 1) = 'organization'"
        f" THEN (SELECT o.nation_id FROM ({organization_sql}) o WHERE o.id = split_part({actor}, ':', 2)::int)"
        f" ELSE split_part({actor}, ':', 2)::int END"
    )
    sql = (
        f"SELECT member_period.* FROM ({source_sql}) src,"
        f" LATERAL (SELECT {start} AS start, {stop} AS stop, {_mask(provisions)} AS mask) AS agreement,"
        """ LATERAL jsonb_array_elements(coalesce(src."values" -> 'member_periods', '[]'::jsonb)) AS member,"""
        f" LATERAL (SELECT src.record_id AS agreement_id, {nation} AS nation,"
        f" greatest(agreement.start, {joined}) AS start, least(agreement.stop, {withdrew}) AS stop,"
        " CASE WHEN jsonb_typeof(member.value -> 3) = 'array'"
        f" THEN {_mask(obligations)} ELSE agreement.mask END AS mask"
        ") AS member_period JOIN nation ON nation.id = member_period.nation"
        """ WHERE NULLIF(src."values" ->> 'in_force_from', '') IS NOT NULL"""
    )
    # Placeholders in order: the source rows' query, the stop's days, the organizations' query.
    return sql, [*source_params, *stop_params, *organization_params]
