"""A nation's profile: its partners year by year, named, and filterable by obligation.

A partner in a year is another actor (a nation, or a multinational
organization) that shared with the nation, on 1 July of that year, an
agreement in force to which both were parties that day. An organization of a
nation counts as its nation, as in the dyad table (``services.dyads``). With
an obligation (``mutual_defense``…), only agreements under which either of
the two undertook it in their periods that day count: the convention of the
COW and ATOP dyadic files, which the dyad table follows too.

An agreement known only from a dataset that ends (COW v4.1 in 2012, ATOP 4.01
in 2018), still open when its data end, counts until that end and no later:
after it, its status is unknown (``services.coverage``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from partnerships.models import Agreement, AgreementParty, Nation, can_view_restricted
from partnerships.services import coverage

ActorKey = tuple[str, int]


@dataclass(frozen=True)
class Partner:
    key: ActorKey
    name: str
    code: str  # ISO alpha-3, COW abbreviation or acronym; may be empty


@dataclass
class PartnerYear:
    year: int
    partners: dict[ActorKey, set[int]] = field(default_factory=dict)  # partner -> agreement ids

    @property
    def count(self) -> int:
        return len(self.partners)


@dataclass
class PartnerHistory:
    """Partners of one nation, year by year (1 July), with each partner's name."""

    years: list[PartnerYear]
    actors: dict[ActorKey, Partner]
    agreement_names: dict[int, str]

    def series(self) -> list[tuple[int, int]]:
        return [(row.year, row.count) for row in self.years]

    def year(self, year: int) -> PartnerYear | None:
        return next((row for row in self.years if row.year == year), None)

    def named(self, row: PartnerYear) -> list[tuple[Partner, list[str]]]:
        """Return ``row``'s partners by name, each with the names of the agreements behind the link."""
        return sorted(
            (
                (self.actors[key], sorted(self.agreement_names[pk] for pk in agreements))
                for key, agreements in row.partners.items()
            ),
            key=lambda item: item[0].name,
        )


def _actor_of(party: AgreementParty, cleared: bool) -> tuple[ActorKey, Partner] | None:
    """The party as a partner: its nation, or its organization's nation (if visible), or the organization."""
    if party.nation_id is not None:
        nation = party.nation
        return ("nation", nation.pk), Partner(("nation", nation.pk), nation.name, nation.iso3 or nation.cow_abbr or "")
    organization = party.organization
    owner = organization.nation
    if owner is not None and (cleared or owner.visibility == "public"):
        return ("nation", owner.pk), Partner(("nation", owner.pk), owner.name, owner.iso3 or owner.cow_abbr or "")
    if owner is not None:
        return None  # an organization of a nation the reader may not see: never counted as anyone
    return ("organization", organization.pk), Partner(
        ("organization", organization.pk), organization.name, organization.acronym or ""
    )


def _years(start: date, end: date | None, last_year: int) -> range:
    """The years whose 1 July falls in [start, end)."""
    first = start.year if start <= date(start.year, 7, 1) else start.year + 1
    if end is None:
        return range(first, last_year + 1)
    last = end.year if date(end.year, 7, 1) < end else end.year - 1
    return range(first, min(last, last_year) + 1)


def partner_history(*, nation: Nation, user: Any, obligation: str | None = None) -> PartnerHistory:
    """Return ``nation``'s partners for every year from its first agreement in force to this year.

    Counted over the agreements and party rows ``user`` may see, in two queries
    whatever the number of agreements.
    """
    this_year = timezone.localdate().year
    agreements = {
        row["id"]: row
        for row in Agreement.objects.visible_to(user)
        .involving(nation)
        .filter(in_force_from__isnull=False)
        .values("id", "title", "short_name", "provisions", "in_force_from", "ended_on", "expires_on", "follows")
    }
    if not agreements:
        return PartnerHistory([], {}, {})
    cleared = can_view_restricted(user)
    parties = (
        AgreementParty.objects.visible_to(user)
        .filter(agreement__in=list(agreements))
        .select_related("nation", "organization__nation")
        .only(
            "agreement_id",
            "joined_on",
            "withdrew_on",
            "obligations",
            "nation__name",
            "nation__iso3",
            "nation__cow_abbr",
            "organization__name",
            "organization__acronym",
            "organization__nation__name",
            "organization__nation__iso3",
            "organization__nation__cow_abbr",
            "organization__nation__visibility",
        )
    )
    own: dict[int, list[tuple[date | None, date | None, list[str]]]] = defaultdict(list)
    others: dict[int, list[tuple[ActorKey, date | None, date | None, list[str]]]] = defaultdict(list)
    actors: dict[ActorKey, Partner] = {}
    for party in parties:
        provisions = agreements[party.agreement_id]["provisions"]
        owed = list(provisions if party.obligations is None else party.obligations)
        resolved = _actor_of(party, cleared)
        if resolved is None:
            continue
        key, partner = resolved
        if key == ("nation", nation.pk):
            own[party.agreement_id].append((party.joined_on, party.withdrew_on, owed))
        else:
            actors[key] = partner
            others[party.agreement_id].append((key, party.joined_on, party.withdrew_on, owed))
    by_year: dict[int, dict[ActorKey, set[int]]] = defaultdict(dict)
    for pk, row in agreements.items():
        known = coverage.open_at_coverage_end(
            row["follows"], in_force_from=row["in_force_from"], ended_on=row["ended_on"], expires_on=row["expires_on"]
        )
        end = known.first_day_unknown if known is not None else (row["ended_on"] or row["expires_on"])
        for own_joined, own_withdrew, own_owed in own.get(pk, []):
            for key, joined, withdrew, owed in others.get(pk, []):
                if obligation and obligation not in own_owed and obligation not in owed:
                    continue
                start = max(day for day in (row["in_force_from"], own_joined, joined) if day is not None)
                ends = [day for day in (end, own_withdrew, withdrew) if day is not None]
                for year in _years(start, min(ends) if ends else None, this_year):
                    by_year[year].setdefault(key, set()).add(pk)
    if not by_year:
        return PartnerHistory([], actors, {})
    first = min(by_year)
    years = [PartnerYear(year, by_year.get(year, {})) for year in range(first, this_year + 1)]
    names = {pk: row["short_name"] or row["title"] for pk, row in agreements.items()}
    return PartnerHistory(years, actors, names)
