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

from django.db.models.functions import Coalesce

from partnerships.choices import Provision
from partnerships.models import Agreement, AgreementParty, ExerciseParticipant, Nation, ResourceSharing

PROVISION_COLUMNS = [provision.value for provision in Provision]


@dataclass
class _Span:
    start: date
    end: date | None  # first day no longer in force

    def touches(self, year: int) -> bool:
        return self.start <= date(year, 12, 31) and (self.end is None or self.end > date(year, 1, 1))


def header(*, directed: bool) -> list[str]:
    sides = ("a", "b")
    identity = [f"{column}_{side}" for side in sides for column in ("nation", "iso3", "cow")]
    flows = ["resources_a_to_b", "value_usd_a_to_b", "tiv_a_to_b"]
    if not directed:
        flows += ["resources_b_to_a", "value_usd_b_to_a", "tiv_b_to_a"]
    return ["year", *identity, *PROVISION_COLUMNS, "agreements", "exercises", *flows]


def _nation_of(row: dict[str, Any]) -> int | None:
    return row["nation_id"] or row["organization__nation_id"]


def dyad_years(
    *,
    user: Any,
    first_year: int | None = None,
    last_year: int | None = None,
    region: str | None = None,
    directed: bool = False,
) -> Iterator[list[Any]]:
    """Yield the header, then one row per (year, pair) with anything between the two nations."""
    nations = {n["id"]: n for n in Nation.objects.visible_to(user).values("id", "name", "iso3", "cow_code", "region")}
    if region:
        nations = {pk: n for pk, n in nations.items() if n["region"] == region}

    # Agreements in force, with each nation's own span as a party.
    agreements = {
        a["id"]: a
        for a in Agreement.objects.visible_to(user)
        .filter(in_force_from__isnull=False)
        .annotate(end=Coalesce("ended_on", "expires_on"))
        .values("id", "in_force_from", "end", "provisions")
    }
    members: dict[int, list[tuple[int, _Span]]] = defaultdict(list)
    for row in (
        AgreementParty.objects.visible_to(user)
        .filter(agreement_id__in=agreements)
        .values("agreement_id", "nation_id", "organization__nation_id", "joined_on", "withdrew_on")
    ):
        nation = _nation_of(row)
        if nation in nations:
            agreement = agreements[row["agreement_id"]]
            start = max(filter(None, [agreement["in_force_from"], row["joined_on"]]))
            ends = [end for end in (agreement["end"], row["withdrew_on"]) if end is not None]
            members[row["agreement_id"]].append((nation, _Span(start, min(ends) if ends else None)))

    exercises: dict[int, list[int]] = defaultdict(list)
    exercise_year: dict[int, int] = {}
    for row in (
        ExerciseParticipant.objects.visible_to(user)
        .filter(exercise__start_date__isnull=False)
        .values("exercise_id", "exercise__start_date", "nation_id", "organization__nation_id")
    ):
        nation = _nation_of(row)
        if nation in nations:
            exercises[row["exercise_id"]].append(nation)
            exercise_year[row["exercise_id"]] = row["exercise__start_date"].year

    flows: dict[int, list[tuple[int, int, Decimal, Decimal]]] = defaultdict(list)
    for row in (
        ResourceSharing.objects.visible_to(user)
        .filter(start_date__isnull=False)
        .values(
            "start_date",
            "provider_nation_id",
            "provider_organization__nation_id",
            "recipient_nation_id",
            "recipient_organization__nation_id",
            "value",
            "currency",
            "tiv_total",
        )
    ):
        provider = row["provider_nation_id"] or row["provider_organization__nation_id"]
        recipient = row["recipient_nation_id"] or row["recipient_organization__nation_id"]
        if provider in nations and recipient in nations and provider != recipient:
            value = row["value"] if row["value"] is not None and row["currency"] == "USD" else Decimal(0)
            flows[row["start_date"].year].append((provider, recipient, value, row["tiv_total"] or Decimal(0)))

    years = [span.start.year for rows in members.values() for _, span in rows]
    years += list(exercise_year.values()) + list(flows)
    if not years:
        yield header(directed=directed)
        return
    first = first_year if first_year is not None else min(years)
    last = last_year if last_year is not None else max(max(years), date.today().year)
    yield header(directed=directed)
    for year in range(first, last + 1):
        yield from _year_rows(year, nations, agreements, members, exercises, exercise_year, flows, directed)


def _year_rows(
    year: int,
    nations: dict[int, dict[str, Any]],
    agreements: dict[int, dict[str, Any]],
    members: dict[int, list[tuple[int, _Span]]],
    exercises: dict[int, list[int]],
    exercise_year: dict[int, int],
    flows: dict[int, list[tuple[int, int, Decimal, Decimal]]],
    directed: bool,
) -> Iterator[list[Any]]:
    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(
        lambda: {
            "provisions": set(),
            "agreements": 0,
            "exercises": 0,
            "flows": defaultdict(lambda: [0, Decimal(0), Decimal(0)]),
        }
    )
    for agreement_id, rows in members.items():
        active = sorted({nation for nation, span in rows if span.touches(year)})
        for a, b in combinations(active, 2):
            pair = pairs[(a, b)]
            pair["agreements"] += 1
            pair["provisions"].update(agreements[agreement_id]["provisions"])
    for exercise_id, participants in exercises.items():
        if exercise_year[exercise_id] == year:
            for a, b in combinations(sorted(set(participants)), 2):
                pairs[(a, b)]["exercises"] += 1
    for provider, recipient, value, tiv in flows.get(year, []):
        flow = pairs[tuple(sorted((provider, recipient)))]["flows"][(provider, recipient)]
        flow[0] += 1
        flow[1] += value
        flow[2] += tiv
    for a, b in sorted(pairs, key=lambda key: (nations[key[0]]["name"], nations[key[1]]["name"])):
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
