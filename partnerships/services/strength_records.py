"""What lies between a nation and each partner, year by year: the figures the strength index scores.

Three queries, whatever the number of partners or years: the party periods of
the agreements involving the nation, its joint exercises (counted and weighed
by PostgreSQL) and its transfers (summed by PostgreSQL). The rules are the
dyad table's (``services/dyads.py``); ``services/strength.py`` scores them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from partnerships.choices import Provision
from partnerships.models import Agreement, AgreementParty, ExerciseParticipant, Nation, ResourceSharing
from partnerships.models.agreements import counted_nation, involving_q
from partnerships.services import coverage
from partnerships.services.dyads import _Span

# Obligation tiers, deepest first: the alliance-data categories, then the registry's own provisions.
TIERS: dict[str, float] = {
    Provision.MUTUAL_DEFENSE: 1.0,
    Provision.OFFENSE: 1.0,
    Provision.NEUTRALITY: 0.6,
    Provision.NON_AGGRESSION: 0.6,
    Provision.CONSULTATION: 0.4,
}
OTHER_PROVISION_TIER = 0.2
NO_PROVISION_TIER = 0.1


def tier(provisions: frozenset[str] | set[str]) -> float:
    """Return the depth of an agreement whose pair owes ``provisions``: its deepest tier."""
    if not provisions:
        return NO_PROVISION_TIER
    return max(TIERS.get(provision, OTHER_PROVISION_TIER) for provision in provisions)


@dataclass
class Raw:
    """What lies between two nations in one year, before scoring."""

    agreements: set[int] = field(default_factory=set)
    depth: float = 0.0
    provisions: set[str] = field(default_factory=set)
    exercises: int = 0
    exercise_weight: float = 0.0
    transfers: int = 0
    tiv: Decimal = Decimal(0)
    usd: Decimal = Decimal(0)


def visible_nations(*, user: Any) -> dict[int, dict[str, Any]]:
    """Return the nations ``user`` may see, by id: name, ISO alpha-3 and COW code."""
    return {
        n["id"]: n for n in Nation.objects.visible_to(user).values("id", "name", "iso3", "cow_code").order_by("name")
    }


def raw_components(
    *,
    user: Any,
    nation: int,
    first_year: int,
    last_year: int,
    nations: dict[int, Any],
    partner: int | None = None,
    extend_open: bool = False,
) -> dict[tuple[int, int], Raw]:
    """Return {(partner id, year): Raw} for ``nation`` and its partners (only ``partner`` when given).

    ``nations`` are the nations ``user`` may see (``visible_nations``): no
    other counts, as a partner or as a participant in an exercise. Three
    queries, whatever the number of partners or years.
    """
    found: dict[tuple[int, int], Raw] = defaultdict(Raw)
    _add_agreements(found, user, nation, partner, first_year, last_year, nations, extend_open)
    _add_exercises(found, user, nation, partner, first_year, last_year)
    _add_transfers(found, user, nation, partner, first_year, last_year)
    return {key: raw for key, raw in found.items() if key[0] in nations and key[0] != nation}


def _add_agreements(
    found: dict[tuple[int, int], Raw],
    user: Any,
    nation: int,
    partner: int | None,
    first: int,
    last: int,
    nations: dict[int, Any],
    extend_open: bool,
) -> None:
    agreements = (
        Agreement.objects.visible_to(user)
        .filter(in_force_from__isnull=False, in_force_from__lte=date(last, 12, 31))
        # Ended before the first year: nothing to count (coverage only ever ends a span earlier).
        .alias(end=Coalesce("ended_on", "expires_on"))
        .filter(Q(end__isnull=True) | Q(end__gt=date(first, 1, 1)))
        .involving(nation)
    )
    if partner is not None:
        agreements = agreements.involving(partner)
    rows = (
        AgreementParty.objects.visible_to(user)
        .filter(agreement__in=agreements)
        .values_list(
            "agreement_id",
            "nation_id",
            "organization__nation_id",
            "joined_on",
            "withdrew_on",
            "obligations",
            "agreement__in_force_from",
            "agreement__ended_on",
            "agreement__expires_on",
            "agreement__follows",
            "agreement__provisions",
        )
    )
    members: dict[int, list[tuple[int, _Span, frozenset[str]]]] = defaultdict(list)
    for (
        agreement_id,
        nation_id,
        org_nation,
        joined,
        withdrew,
        obligations,
        start,
        ended,
        expires,
        follows,
        provisions,
    ) in rows.iterator(chunk_size=5_000):
        member = nation_id or org_nation
        if member not in nations:
            continue  # a multinational organization, or a nation the user may not see
        known = (
            None
            if extend_open
            else coverage.open_at_coverage_end(follows, in_force_from=start, ended_on=ended, expires_on=expires)
        )
        agreement_end = known.first_day_unknown if known is not None else (ended or expires)
        begins = max(filter(None, [start, joined]))
        ends = [day for day in (agreement_end, withdrew) if day is not None]
        end = min(ends) if ends else None
        if end is not None and end <= begins:
            continue
        owed = frozenset(provisions if obligations is None else obligations)
        members[agreement_id].append((member, _Span(begins, end), owed))
    for agreement_id, periods in members.items():
        own = [(span, owed) for member, span, owed in periods if member == nation]
        for member, span, owed in periods:
            if member == nation or (partner is not None and member != partner):
                continue
            for own_span, own_owed in own:
                years = range(
                    max(span.start.year, own_span.start.year, first),
                    min(span.last_year(last), own_span.last_year(last), last) + 1,
                )
                provisions = owed | own_owed
                depth = tier(provisions)
                for year in years:
                    raw = found[(member, year)]
                    raw.agreements.add(agreement_id)
                    raw.provisions |= provisions
                    raw.depth = max(raw.depth, depth)


def _add_exercises(
    found: dict[tuple[int, int], Raw], user: Any, nation: int, partner: int | None, first: int, last: int
) -> None:
    """Count each joint exercise and its weight, 1/(nations taking part - 1), in SQL."""
    within = {"exercise__start_date__gte": date(first, 1, 1), "exercise__start_date__lte": date(last, 12, 31)}
    theirs = ExerciseParticipant.objects.visible_to(user).filter(involving_q(nation), **within).values("exercise_id")
    participations = (
        ExerciseParticipant.objects.visible_to(user)
        .filter(exercise__in=theirs, **within)
        .annotate(year=ExtractYear("exercise__start_date"), nation_key=counted_nation())
        # Multinational organizations are not nations; nations the user may not see take no part.
        .filter(nation_key__in=Nation.objects.visible_to(user).values("pk"))
        .values("exercise_id", "nation_key", "year")
        .order_by()  # the model's ordering would join the DISTINCT
        .distinct()
    )
    sql, params = participations.query.sql_with_params()
    # One array of nations per exercise, unnested: linear in the rows, where a self-join of the
    # participations was planned as a loop over every pair of them (seconds for the U.S.).
    partner_condition = "AND other = %s" if partner is not None else ""
    statement = f"""
        WITH taking_part AS MATERIALIZED ({sql}),
        exercises AS (
            SELECT exercise_id, year, array_agg(nation_key) AS nations FROM taking_part GROUP BY exercise_id, year
        )
        SELECT year, other, count(*), sum(1.0 / (cardinality(nations) - 1))
        FROM exercises, unnest(nations) AS other
        WHERE %s = ANY(nations) AND other <> %s {partner_condition}
        GROUP BY 1, 2"""
    arguments = [*params, nation, nation, *([partner] if partner is not None else [])]
    with connections[participations.db].cursor() as cursor:
        cursor.execute(statement, arguments)
        for year, other, count, weight in cursor.fetchall():
            raw = found[(other, int(year))]
            raw.exercises += count
            raw.exercise_weight += float(weight)


def _add_transfers(
    found: dict[tuple[int, int], Raw], user: Any, nation: int, partner: int | None, first: int, last: int
) -> None:
    """Sum transfers ordered each year between ``nation`` and each partner, either way, in SQL."""
    flows = (
        ResourceSharing.objects.visible_to(user)
        .filter(start_date__gte=date(first, 1, 1), start_date__lte=date(last, 12, 31))
        .annotate(
            year=ExtractYear("start_date"),
            provider=counted_nation("provider_"),
            recipient=counted_nation("recipient_"),
        )
        .filter(Q(provider=nation) | Q(recipient=nation))
        .exclude(provider=F("recipient"))
    )
    if partner is not None:
        flows = flows.filter(Q(provider=partner) | Q(recipient=partner))
    rows = (
        flows.values("year", "provider", "recipient")
        .annotate(count=Count("id"), usd=Sum("value", filter=Q(currency="USD")), tiv=Sum("tiv_total"))
        .values_list("year", "provider", "recipient", "count", "usd", "tiv")
    )
    for year, provider, recipient, count, usd, tiv in rows:
        other = recipient if provider == nation else provider
        if other is None:
            continue
        raw = found[(other, year)]
        raw.transfers += count
        raw.usd += usd or Decimal(0)
        raw.tiv += tiv or Decimal(0)
