"""The records that link nations to their partners over a window of time: the ground of partners and comparisons.

A *link* is one record joining a focus nation to a partner nation:

- **agreement**: both are parties in a period touching the window, the
  agreement in force then (dates decide, not the status). The link carries
  the provisions either of the two undertook there: each party's own
  obligations, or the agreement's provisions where a party has none of its
  own (the COW/ATOP dyadic convention, as ``services/dyads.py``). An
  agreement known only from a dataset that has ended, and open at its end,
  counts until that end only (``services/coverage.py``); after it the link
  is *last known*: returned, flagged, and not counted unless ``extend_open``.
- **exercise**: both took part in an exercise that started within the
  exercise window (the caller chooses it: the year asked for, or the years
  before a day).
- **transfer**: a resource-sharing record from one to the other, either way,
  under way during the window (start to end date, both inclusive; a record
  without an end date is under way from its start on; one without a start
  date has no place in time and is left out).

Organizations that belong to a nation count as that nation; multinational
organizations are not nations and make no link. Only records, rows and
nations ``user`` may see take part. One query per kind of link, whatever the
number of partners.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connections
from django.db.models import Q
from django.db.models.functions import Coalesce, ExtractYear

from partnerships.choices import Provision, Region
from partnerships.models import Agreement, AgreementParty, Exercise, ExerciseParticipant, Nation, ResourceSharing
from partnerships.models.agreements import counted_nation
from partnerships.services import coverage
from partnerships.services.links import url_maker

LINK_KINDS = ("agreement", "exercise", "transfer")
# Obligation depth, deepest first: the alliance-data categories; the registry's own provisions rank below them.
DEPTH_ORDER = [
    Provision.MUTUAL_DEFENSE.value,
    Provision.OFFENSE.value,
    Provision.NEUTRALITY.value,
    Provision.NON_AGGRESSION.value,
    Provision.CONSULTATION.value,
]
PROVISION_LABELS = dict(Provision.choices)


def depth_rank(provisions: frozenset[str] | set[str]) -> int:
    """Return how deep the deepest of ``provisions`` is: 5 for mutual defense … 1 for consultation, 0 for none."""
    for index, provision in enumerate(DEPTH_ORDER):
        if provision in provisions:
            return len(DEPTH_ORDER) - index
    return 0


def deepest(provisions: frozenset[str] | set[str]) -> str | None:
    """Return the deepest alliance obligation among ``provisions`` (a Provision value), or None."""
    rank = depth_rank(provisions)
    return DEPTH_ORDER[len(DEPTH_ORDER) - rank] if rank else None


@dataclass(frozen=True, slots=True)
class Span:
    start: date | None  # first day (None: since ever)
    end: date | None  # first day no longer (None: still going)

    def touches(self, start: date, end: date) -> bool:
        """Whether the span shares a day with [start, end)."""
        return (self.start is None or self.start < end) and (self.end is None or self.end > start)

    def touches_year(self, year: int) -> bool:
        return self.touches(date(year, 1, 1), date(year + 1, 1, 1))


@dataclass(slots=True)
class Link:
    kind: str
    focus: int  # nation id
    partner: int  # nation id
    id: int  # the record's
    label: str
    url: str
    focus_spans: list[Span]  # when the focus nation was linked by the record (counted spans)
    partner_spans: list[Span]
    provisions: frozenset[str] = frozenset()
    last_known: str = ""  # for an agreement past its dataset's coverage: "COW v4.1"
    detail: dict[str, Any] = field(default_factory=dict)

    def touches(self, start: date, end: date) -> bool:
        return any(s.touches(start, end) for s in self.focus_spans) and any(
            s.touches(start, end) for s in self.partner_spans
        )

    def touches_year(self, year: int) -> bool:
        return self.touches(date(year, 1, 1), date(year + 1, 1, 1))

    @property
    def provision_labels(self) -> list[str]:
        """The provisions as people read them, deepest first."""
        return [str(label) for value, label in Provision.choices if value in self.provisions]


def collect_links(
    *,
    user: Any,
    focus: list[int],
    start: date,
    end: date,
    kinds: tuple[str, ...] = LINK_KINDS,
    exercise_window: tuple[date, date] | None = None,
    extend_open: bool = False,
) -> list[Link]:
    """Return the links of the ``focus`` nations to any other nation over [start, end).

    ``exercise_window`` ([first day, first day after)) chooses the exercises
    by their start date; by default the same window. Agreements past their
    dataset's coverage come back with ``last_known`` set (and spans as if
    still in force) unless ``extend_open``, which counts them as in force.
    """
    links: list[Link] = []
    focus_set = set(focus)
    if "agreement" in kinds:
        links += _agreement_links(user, focus_set, start, end, extend_open)
    if "exercise" in kinds:
        links += _exercise_links(user, focus_set, *(exercise_window or (start, end)))
    if "transfer" in kinds:
        links += _transfer_links(user, focus_set, start, end)
    return links


def _agreement_links(user: Any, focus: set[int], start: date, end: date, extend_open: bool) -> list[Link]:
    ends = Coalesce("ended_on", "expires_on")
    agreements = (
        Agreement.objects.visible_to(user)
        .filter(in_force_from__isnull=False, in_force_from__lt=end)
        .alias(until=ends)
        .filter(Q(until__isnull=True) | Q(until__gt=start))
        .involving(list(focus))
    )
    rows = (
        AgreementParty.objects.visible_to(user)
        .filter(agreement__in=agreements)
        .filter(
            Q(joined_on__isnull=True) | Q(joined_on__lt=end), Q(withdrew_on__isnull=True) | Q(withdrew_on__gt=start)
        )
        .annotate(nation_key=counted_nation())
        .filter(nation_key__isnull=False)
        .values_list(
            "agreement_id",
            "nation_key",
            "joined_on",
            "withdrew_on",
            "obligations",
            "agreement__title",
            "agreement__short_name",
            "agreement__provisions",
            "agreement__in_force_from",
            "agreement__ended_on",
            "agreement__expires_on",
            "agreement__follows",
        )
    )
    agreement_url = url_maker("partnerships:agreement-detail")
    by_agreement: dict[int, dict[int, list[tuple[Span, Span, frozenset[str]]]]] = defaultdict(lambda: defaultdict(list))
    about: dict[int, tuple[str, str]] = {}
    for (
        agreement_id,
        nation,
        joined,
        withdrew,
        obligations,
        title,
        short,
        provisions,
        since,
        ended,
        expires,
        follows,
    ) in rows:
        known = (
            None
            if extend_open
            else coverage.open_at_coverage_end(follows, in_force_from=since, ended_on=ended, expires_on=expires)
        )
        agreement_end = ended or expires
        counted_end = known.first_day_unknown if known is not None else agreement_end
        first = max(since, joined) if joined else since
        whole = Span(first, _earliest(agreement_end, withdrew))
        counted = Span(first, _earliest(counted_end, withdrew))
        owed = frozenset(provisions if obligations is None else obligations)
        by_agreement[agreement_id][nation].append((whole, counted, owed))
        about[agreement_id] = (short or title, known.label if known is not None else "")
    links = []
    for agreement_id, members in by_agreement.items():
        label, dataset_label = about[agreement_id]
        url = agreement_url(agreement_id)
        for nation in focus & set(members):
            own = [(w, c, o) for w, c, o in members[nation] if w.touches(start, end)]
            if not own:
                continue
            # The focus nation's side is the same against every partner: read it once per agreement.
            own_counted = [c for _, c, _ in own if c.touches(start, end)]
            own_owed = frozenset().union(*(o for _, _, o in own))
            for partner, periods in members.items():
                if partner == nation:
                    continue
                theirs = [(w, c, o) for w, c, o in periods if w.touches(start, end)]
                if not theirs:
                    continue
                is_counted = bool(own_counted) and any(c.touches(start, end) for _, c, _ in theirs)
                links.append(
                    Link(
                        kind="agreement",
                        focus=nation,
                        partner=partner,
                        id=agreement_id,
                        label=label,
                        url=url,
                        focus_spans=[c for _, c, _ in own] if is_counted else [w for w, _, _ in own],
                        partner_spans=[c for _, c, _ in theirs] if is_counted else [w for w, _, _ in theirs],
                        provisions=own_owed.union(*(o for _, _, o in theirs)),
                        last_known="" if is_counted else dataset_label,
                    )
                )
    return links


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


def _exercise_links(user: Any, focus: set[int], start: date, end: date) -> list[Link]:
    exercises = (
        Exercise.objects.visible_to(user).filter(start_date__gte=start, start_date__lt=end).involving(list(focus))
    )
    rows = (
        ExerciseParticipant.objects.visible_to(user)
        .filter(exercise__in=exercises)
        .annotate(nation_key=counted_nation())
        .filter(nation_key__isnull=False)
        .values_list("exercise_id", "nation_key", "exercise__name", "exercise__start_date", "exercise__end_date")
    )
    exercise_url = url_maker("partnerships:exercise-detail")
    by_exercise: dict[int, set[int]] = defaultdict(set)
    about: dict[int, tuple[str, date, date | None]] = {}
    for exercise_id, nation, name, started, ended in rows:
        by_exercise[exercise_id].add(nation)
        about[exercise_id] = (name, started, ended)
    links = []
    for exercise_id, nations in by_exercise.items():
        name, started, ended = about[exercise_id]
        # An exercise counts in the year it started: its span is that day.
        span = Span(started, started + timedelta(days=1))
        detail = {"start_date": started, "end_date": ended, "participants": len(nations)}
        url = exercise_url(exercise_id)
        for nation in focus & nations:
            for partner in nations - {nation}:
                links.append(Link("exercise", nation, partner, exercise_id, name, url, [span], [span], detail=detail))
    return links


def _transfer_links(user: Any, focus: set[int], start: date, end: date) -> list[Link]:
    ids = list(focus)
    flows = (
        ResourceSharing.objects.visible_to(user)
        .filter(start_date__isnull=False, start_date__lt=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .annotate(
            provider=counted_nation("provider_"),
            recipient=counted_nation("recipient_"),
        )
        .filter(Q(provider__in=ids) | Q(recipient__in=ids))
        .filter(provider__isnull=False, recipient__isnull=False)
        .values(
            "id",
            "provider",
            "recipient",
            "category",
            "description",
            "designation",
            "quantity",
            "quantity_delivered",
            "delivery_years",
            "tiv_total",
            "tiv_delivered",
            "value",
            "currency",
            "start_date",
            "end_date",
        )
    )
    resource_url = url_maker("partnerships:resource-detail")
    links = []
    for row in flows:
        if row["provider"] == row["recipient"]:
            continue
        span = Span(row["start_date"], row["end_date"] + timedelta(days=1) if row["end_date"] else None)
        label = row["designation"] or row["description"][:60]
        url = resource_url(row["id"])
        for nation, partner, direction in (
            (row["provider"], row["recipient"], "to"),
            (row["recipient"], row["provider"], "from"),
        ):
            if nation in focus:
                detail = dict(row, direction=direction)
                links.append(Link("transfer", nation, partner, row["id"], label, url, [span], [span], detail=detail))
    return links


def nations_by_id(*, user: Any, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Return the nations ``user`` may see among ``ids``, as dicts with their url (one query)."""
    nation_url = url_maker("partnerships:nation-detail")
    regions = dict(Region.choices)
    return {
        n["id"]: dict(n, url=nation_url(n["id"]), region_label=str(regions.get(n["region"], n["region"] or "")))
        for n in Nation.objects.visible_to(user)
        .filter(pk__in=ids)
        .values("id", "name", "iso3", "cow_code", "cow_abbr", "region")
    }


def partner_years(
    *, user: Any, focus: list[int], last_year: int, kinds: tuple[str, ...] = LINK_KINDS, extend_open: bool = False
) -> dict[tuple[int, int], set[tuple[int, int]]]:
    """Return, per (focus nation, partner), the spans of years (first, last) the rules above link them in.

    The same rules as ``collect_links`` over whole years, up to ``last_year``,
    for charts over time: exercises and transfers are reduced to distinct
    (pair, years) by PostgreSQL rather than listed record by record. Agreements
    past their dataset's coverage count until it ends unless ``extend_open``.
    """
    spans: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)
    end = date(last_year + 1, 1, 1)
    if "agreement" in kinds:
        for link in _agreement_links(user, set(focus), date(1, 1, 1), end, extend_open):
            if not link.last_known:
                spans[(link.focus, link.partner)].update(_year_spans(link, last_year))
    if "exercise" in kinds:
        rows = (
            ExerciseParticipant.objects.visible_to(user)
            .filter(exercise__in=Exercise.objects.visible_to(user).filter(start_date__lt=end).involving(focus))
            .annotate(nation_key=counted_nation(), year=ExtractYear("exercise__start_date"))
            .filter(nation_key__isnull=False)
            # No ordering: DISTINCT would take the ordering's columns (the participant's id) in.
            .order_by()
            .values("exercise_id", "nation_key", "year")
            .distinct()
        )
        sql, params = rows.query.sql_with_params()
        statement = f"""
            WITH taking_part AS MATERIALIZED ({sql})
            SELECT DISTINCT one.nation_key, other.nation_key, one.year
            FROM taking_part one JOIN taking_part other
              ON other.exercise_id = one.exercise_id AND other.nation_key <> one.nation_key
            WHERE one.nation_key = ANY(%s)"""
        with connections[rows.db].cursor() as cursor:
            cursor.execute(statement, (*params, list(focus)))
            for nation, partner, year in cursor.fetchall():
                spans[(nation, partner)].add((int(year), int(year)))
    if "transfer" in kinds:
        flows = (
            ResourceSharing.objects.visible_to(user)
            .filter(start_date__isnull=False, start_date__lt=end)
            .involving(focus)
            .annotate(
                provider=counted_nation("provider_"),
                recipient=counted_nation("recipient_"),
                first=ExtractYear("start_date"),
                last=ExtractYear("end_date"),
            )
            .filter(provider__isnull=False, recipient__isnull=False)
            .values_list("provider", "recipient", "first", "last")
            .distinct()
        )  # fmt: skip
        for provider, recipient, first, last in flows:
            if provider == recipient:
                continue
            years = (int(first), min(int(last) if last is not None else last_year, last_year))
            for nation, partner in ((provider, recipient), (recipient, provider)):
                if nation in focus:
                    spans[(nation, partner)].add(years)
    return spans


def _span_years(span: Span, last: int) -> tuple[int, int]:
    first = span.start.year if span.start is not None else 1
    if span.end is None:
        return first, last
    return first, min(last, span.end.year if span.end > date(span.end.year, 1, 1) else span.end.year - 1)


def _year_spans(link: Link, last: int) -> set[tuple[int, int]]:
    """The spans of years ``link`` held in: years both sides' spans touch (as the dyad table counts a year)."""
    found = set()
    for own in link.focus_spans:
        own_first, own_last = _span_years(own, last)
        for theirs in link.partner_spans:
            their_first, their_last = _span_years(theirs, last)
            first, final = max(own_first, their_first), min(own_last, their_last)
            if first <= final:
                found.add((first, final))
    return found
