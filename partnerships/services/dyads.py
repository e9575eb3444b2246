"""Dyad-year tables: one row per pair of nations per year, the shape political scientists analyse.

For each year and pair of nations with something between them, a row gives
the agreement provisions in force between them at some point of the year
(COW/ATOP categories first: defense, offense, neutrality, non-aggression,
entente/consultation; then the registry's own), how many agreements and
joint exercises they shared, and what resources went from one to the other.
Organizations that belong to a nation count as that nation; multinational
organizations are not nations and take no part. Only records the user may
see are counted. Rows are produced year by year, so the table streams.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import combinations, permutations
from typing import Any

from django.db import connections
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
from partnerships.services import coverage
from partnerships.services.importers.alliances import CowAlliancesImporter
from partnerships.services.importers.atop import AtopImporter
from partnerships.services.importers.exercises import MmeImporter
from partnerships.services.importers.sipri import SipriImporter

PROVISION_COLUMNS = [provision.value for provision in Provision]
# The datasets whose records make dyads: agreements, exercises, transfers (``dataset=`` keeps one).
DATASETS = [importer.dataset for importer in (CowAlliancesImporter, AtopImporter, MmeImporter, SipriImporter)]


@dataclass(slots=True)
class _Span:
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


def _nation_of(row: dict[str, Any]) -> int | None:
    return row["nation_id"] or row["organization__nation_id"]


def _described_by(dataset: str, model: type[Any] = Agreement) -> Any:
    """Return the ids of the records of ``model`` that ``dataset`` describes (a source row of theirs), as a subquery."""
    return SOURCE_MODELS[model].objects.filter(dataset=dataset).values("record_id")


def _periods_from_sources(
    dataset: str, found: dict[int, Any], shared: Any, span_of: Any, *, user: Any
) -> list[tuple[int, int | None, date | None, date | None, list[str] | None]]:
    """Return the member periods ``dataset``'s source rows give of the agreements that follow another source.

    Fills ``found`` with each agreement's span and provisions as the source gives them.
    """
    rows = (
        AgreementSource.objects.visible_to(user)
        .filter(dataset=dataset)
        .exclude(record__follows=dataset)
        .values_list("record_id", "values")
    )
    organizations: dict[int, int | None] | None = None
    periods = []
    for record_id, values in rows.iterator(chunk_size=2_000):
        if not values.get("in_force_from"):
            continue
        in_force_from = date.fromisoformat(values["in_force_from"])
        ended_on = date.fromisoformat(values["ended_on"]) if values.get("ended_on") else None
        found[record_id] = (
            in_force_from,
            span_of(dataset, in_force_from, ended_on, None),
            shared(values.get("provisions") or []),
        )
        for actor, joined, withdrew, obligations in values.get("member_periods", []):
            kind, _, pk = actor.partition(":")
            if kind == "organization":
                if organizations is None:
                    organizations = dict(Organization.objects.visible_to(user).values_list("pk", "nation_id"))
                nation = organizations.get(int(pk))
            else:
                nation = int(pk)
            periods.append(
                (
                    record_id,
                    nation,
                    date.fromisoformat(joined) if joined else None,
                    date.fromisoformat(withdrew) if withdrew else None,
                    obligations,
                )
            )
    return periods


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
    """
    yield header(directed=directed)
    first, last = first_year, last_year
    if first is None or last is None:
        bounds = year_range(user=user)
        if bounds is None:
            return  # nothing to count
        first = bounds[0] if first is None else first
        last = bounds[1] if last is None else last
    nations = {n["id"]: n for n in Nation.objects.visible_to(user).values("id", "name", "iso3", "cow_code", "region")}
    if region:
        nations = {pk: n for pk, n in nations.items() if n["region"] == region}

    # With a dataset: the records it describes, each as that dataset gives it. A record that follows
    # the dataset is read from its own rows; one that follows another source (or staff) from the
    # values its source row from the dataset keeps.
    sourced = {"pk__in": _described_by(dataset)} if dataset else {}
    # Agreements in force, with each nation's own periods as a party and what it undertook in it.
    in_force = Agreement.objects.visible_to(user).filter(**sourced)
    own = in_force.filter(in_force_from__isnull=False, **({"follows": dataset} if dataset else {}))
    # The same few sets of provisions recur across a hundred thousand agreements and their parties:
    # one frozenset each, shared, keeps the table's memory flat.
    provision_sets: dict[tuple[str, ...], frozenset[str]] = {}

    def shared(provisions: list[str]) -> frozenset[str]:
        key = tuple(provisions)
        return provision_sets.get(key) or provision_sets.setdefault(key, frozenset(key))

    def span_of(follows: str, in_force_from: date, ended_on: date | None, expires_on: date | None) -> date | None:
        """The first day the agreement is no longer counted: its end, or where its dataset's knowledge ends."""
        known = None
        if not extend_open:
            known = coverage.open_at_coverage_end(
                follows, in_force_from=in_force_from, ended_on=ended_on, expires_on=expires_on
            )
        return known.first_day_unknown if known is not None else (ended_on or expires_on)

    agreements: dict[int, tuple[date, date | None, frozenset[str]]] = {}
    for row in own.values("id", "in_force_from", "provisions", "follows", "ended_on", "expires_on").iterator(
        chunk_size=10_000
    ):
        end = span_of(row["follows"], row["in_force_from"], row["ended_on"], row["expires_on"])
        agreements[row["id"]] = (row["in_force_from"], end, shared(row["provisions"]))
    periods: list[tuple[int, int | None, date | None, date | None, list[str] | None]] = [
        (row["agreement_id"], _nation_of(row), row["joined_on"], row["withdrew_on"], row["obligations"])
        for row in AgreementParty.objects.visible_to(user)
        # One dataset's agreements are a few hundred: their ids, rather than a subquery through the source
        # rows that PostgreSQL planned as a loop over every party.
        .filter(**({"agreement_id__in": list(agreements)} if dataset else {"agreement__in": own}))
        .values("agreement_id", "nation_id", "organization__nation_id", "joined_on", "withdrew_on", "obligations")
        .iterator(chunk_size=10_000)
    ]
    if dataset:
        periods += _periods_from_sources(dataset, agreements, shared, span_of, user=user)
    members: dict[int, list[tuple[int, _Span, frozenset[str]]]] = defaultdict(list)
    for agreement_id, nation, joined_on, withdrew_on, obligations in periods:
        if nation in nations:
            in_force_from, agreement_end, provisions = agreements[agreement_id]
            start = max(filter(None, [in_force_from, joined_on]))
            ends = [end for end in (agreement_end, withdrew_on) if end is not None]
            end = min(ends) if ends else None
            if end is not None and end <= start:
                continue  # a period wholly outside the agreement's time in force
            owed = provisions if obligations is None else shared(obligations)
            members[agreement_id].append((nation, _Span(start, end), owed))

    if involving is not None:
        members = defaultdict(list, {k: v for k, v in members.items() if any(n == involving for n, _, _ in v)})
    nation_ids = list(nations)
    exercise_rows = _ExercisePairs(
        user, nation_ids, {"pk__in": _described_by(dataset, Exercise)} if dataset else {}, involving=involving
    )
    flow_rows = (
        ResourceSharing.objects.visible_to(user)
        .filter(start_date__isnull=False, **({"pk__in": _described_by(dataset, ResourceSharing)} if dataset else {}))
        .annotate(
            year=ExtractYear("start_date"),
            provider=counted_nation("provider_"),
            recipient=counted_nation("recipient_"),
        )
        .filter(provider__in=nation_ids, recipient__in=nation_ids)
        .exclude(provider=F("recipient"))
    )
    if involving is not None:
        flow_rows = flow_rows.filter(Q(provider=involving) | Q(recipient=involving))

    # Which agreements each year needs: looking at every agreement every year cost more than the
    # rows themselves once there are a hundred thousand of them.
    agreements_by_year: dict[int, list[int]] = defaultdict(list)
    for agreement_id, rows in members.items():
        touched: set[int] = set()
        for _, span, _owed in rows:
            touched.update(range(max(span.start.year, first), min(span.last_year(last), last) + 1))
        for year in touched:
            agreements_by_year[year].append(agreement_id)
    # Exercises and flows are counted and summed by PostgreSQL, per year and pair, and read in
    # year order as the table is written: they are never all in memory at once.
    exercises = _ByYear(exercise_rows.rows(first, last))
    flows = _ByYear(
        flow_rows.filter(year__gte=first, year__lte=last)
        .values("year", "provider", "recipient")
        .annotate(count=Count("id"), usd=Sum("value", filter=Q(currency="USD")), tiv=Sum("tiv_total"))
        .order_by("year")
        .values_list("year", "provider", "recipient", "count", "usd", "tiv")
        .iterator(chunk_size=10_000)
    )
    for year in range(first, last + 1):
        yield from _year_rows(
            year,
            nations,
            {agreement_id: members[agreement_id] for agreement_id in agreements_by_year.get(year, ())},
            exercises.take(year),
            flows.take(year),
            directed,
            involving,
        )


class _ExercisePairs:
    """For each year and pair of nations, how many exercises starting that year both took part in."""

    def __init__(self, user: Any, nation_ids: list[int], sourced: dict[str, str], involving: int | None = None) -> None:
        self.involving = involving
        self.participations = (
            ExerciseParticipant.objects.visible_to(user)
            .filter(exercise__start_date__isnull=False, **{f"exercise__{k}": v for k, v in sourced.items()})
            .annotate(year=ExtractYear("exercise__start_date"), nation_key=counted_nation())
            .filter(nation_key__in=nation_ids)
        )
        if involving is not None:
            self.participations = self.participations.filter(
                exercise__in=ExerciseParticipant.objects.filter(actor_nation_id=involving).values("exercise_id")
            )

    def rows(self, first: int, last: int) -> Iterator[tuple[int, int, int, int]]:
        # No ordering: DISTINCT would take the ordering's columns (the participant's id) in, and a nation
        # taking part twice (itself and one of its organizations) would count its exercise twice.
        rows = (
            self.participations.filter(year__gte=first, year__lte=last)
            .order_by()
            .values("exercise_id", "nation_key", "year")
        )
        sql, params = rows.distinct().query.sql_with_params()
        statement = f"""
            WITH taking_part AS MATERIALIZED ({sql})
            SELECT one.year, one.nation_key, other.nation_key, count(*)
            FROM taking_part one JOIN taking_part other
              ON other.exercise_id = one.exercise_id AND one.nation_key < other.nation_key
            {"WHERE %s IN (one.nation_key, other.nation_key)" if self.involving is not None else ""}
            GROUP BY 1, 2, 3 ORDER BY 1"""
        connection = connections[rows.db]
        if self.involving is not None:
            params = (*params, self.involving)
        with connection.chunked_cursor() as cursor:
            cursor.execute(statement, params)
            while batch := cursor.fetchmany(10_000):
                yield from batch


class _ByYear:
    """Rows in year order (year first), handed out one year at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self.rows = iter(rows)
        self.pending: tuple[Any, ...] | None = next(self.rows, None)

    def take(self, year: int) -> list[tuple[Any, ...]]:
        taken = []
        while self.pending is not None and self.pending[0] <= year:
            if self.pending[0] == year:
                taken.append(self.pending[1:])
            self.pending = next(self.rows, None)
        return taken


def _year_rows(
    year: int,
    nations: dict[int, dict[str, Any]],
    members: dict[int, list[tuple[int, _Span, frozenset[str]]]],
    exercise_pairs: list[tuple[Any, ...]],
    flows: list[tuple[Any, ...]],
    directed: bool,
    involving: int | None = None,
) -> Iterator[list[Any]]:
    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(
        lambda: {
            "provisions": set(),
            "agreements": 0,
            "exercises": 0,
            "flows": defaultdict(lambda: [0, Decimal(0), Decimal(0)]),
        }
    )
    for rows in members.values():
        owed: dict[int, set[str]] = defaultdict(set)
        for nation, span, provisions in rows:
            if span.touches(year):
                owed[nation].update(provisions)
        for a, b in combinations(sorted(owed), 2):
            pair = pairs[(a, b)]
            pair["agreements"] += 1
            pair["provisions"].update(owed[a] | owed[b])
    for a, b, count in exercise_pairs:
        pairs[(a, b)]["exercises"] += count
    for provider, recipient, count, usd, tiv in flows:
        flow = pairs[tuple(sorted((provider, recipient)))]["flows"][(provider, recipient)]
        flow[0] += count
        flow[1] += usd or Decimal(0)
        flow[2] += tiv or Decimal(0)
    for a, b in sorted(pairs, key=lambda key: (nations[key[0]]["name"], nations[key[1]]["name"])):
        if involving is not None and involving not in (a, b):
            continue
        pair = pairs[(a, b)]
        orders = permutations((a, b)) if directed else [(a, b)]
        for first, second in orders:
            if directed and not _has_anything(pair, first, second):
                continue
            yield _row(year, nations[first], nations[second], pair, first, second, directed)


def _has_anything(pair: dict[str, Any], a: int, b: int) -> bool:
    return bool(pair["agreements"] or pair["exercises"] or pair["flows"].get((a, b)))


def _row(year: int, na: dict, nb: dict, pair: dict, a: int, b: int, directed: bool) -> list[Any]:
    row: list[Any] = [
        year,
        na["name"],
        na["iso3"] or "",
        na["cow_code"] or "",
        nb["name"],
        nb["iso3"] or "",
        nb["cow_code"] or "",
    ]
    row += [1 if provision in pair["provisions"] else 0 for provision in PROVISION_COLUMNS]
    row += [pair["agreements"], pair["exercises"]]
    forward = pair["flows"].get((a, b), [0, Decimal(0), Decimal(0)])
    row += forward
    if not directed:
        row += pair["flows"].get((b, a), [0, Decimal(0), Decimal(0)])
    return row
