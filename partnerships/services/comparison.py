"""Two or more nations compared: shared agreements, exercises together, transfers each way, partner overlap.

- **Agreements** all the compared nations were ever party to (organizations
  of a nation count as it), each nation's periods as a party beside them.
- **Exercises** all of them took part in.
- **Transfers** between any two of them, each way: every record (order
  year, delivery years, numbers ordered and delivered, SIPRI TIV, value),
  and per direction and year of order the count, TIV of the order and
  value.
- **Partner overlap** per year: the partners of each nation in the year
  (the link rules of ``services/links_between.py`` over a whole year: the
  dyad table's convention), those all share, and those of one only. The
  compared nations are not counted as each other's partners.

One query per section (the overlap: one per kind of link), whatever the
numbers of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from partnerships.models import AgreementParty, ExerciseParticipant, ResourceSharing
from partnerships.models.agreements import counted_nation, involving_q
from partnerships.services import coverage
from partnerships.services.links import url_maker
from partnerships.services.links_between import LINK_KINDS, nations_by_id, partner_years


@dataclass
class Comparison:
    nations: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
    exercises: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    # (provider id, recipient id) -> year -> {"count", "tiv", "value_usd"}
    flows: dict[tuple[int, int], dict[int, dict[str, Any]]]
    # year -> {"shared": set, nation id: set of partners of that nation only}
    overlap: dict[int, dict[Any, set[int]]] = field(default_factory=dict)
    partner_names: dict[int, dict[str, Any]] = field(default_factory=dict)


def compare(
    *, user: Any, nation_ids: list[int], kinds: tuple[str, ...] = LINK_KINDS, extend_open: bool = False
) -> Comparison:
    """Return the comparison of ``nation_ids`` (nations ``user`` may see, two or more, in order)."""
    nations = nations_by_id(user=user, ids=set(nation_ids))
    ordered = [nations[pk] for pk in nation_ids if pk in nations]
    ids = [n["id"] for n in ordered]
    overlap, names = partner_overlap(user=user, nation_ids=ids, kinds=kinds, extend_open=extend_open)
    return Comparison(
        nations=ordered,
        agreements=shared_agreements(user=user, nation_ids=ids),
        exercises=shared_exercises(user=user, nation_ids=ids),
        transfers=(transfers := transfers_between(user=user, nation_ids=ids)),
        flows=flows_per_year(transfers),
        overlap=overlap,
        partner_names=names,
    )


def shared_agreements(*, user: Any, nation_ids: list[int]) -> list[dict[str, Any]]:
    """Return the agreements every nation of ``nation_ids`` was party to, newest first, with each one's periods."""
    rows = (
        AgreementParty.objects.visible_to(user)
        .filter(involving_q(nation_ids))
        .annotate(nation_key=counted_nation())
        .values_list(
            "agreement_id",
            "nation_key",
            "joined_on",
            "withdrew_on",
            "agreement__title",
            "agreement__short_name",
            "agreement__signed_on",
            "agreement__in_force_from",
            "agreement__ended_on",
            "agreement__expires_on",
            "agreement__follows",
            "agreement__provisions",
        )
    )
    periods: dict[int, dict[int, list[tuple[date | None, date | None]]]] = defaultdict(lambda: defaultdict(list))
    about: dict[int, dict[str, Any]] = {}
    for (
        agreement_id,
        nation,
        joined,
        withdrew,
        title,
        short,
        signed,
        since,
        ended,
        expires,
        follows,
        provisions,
    ) in rows:
        periods[agreement_id][nation].append((joined or since, _earliest(withdrew, ended or expires)))
        if agreement_id not in about:
            known = coverage.open_at_coverage_end(follows, in_force_from=since, ended_on=ended, expires_on=expires)
            about[agreement_id] = {
                "id": agreement_id,
                "label": short or title,
                "signed_on": signed,
                "in_force_from": since,
                "until": ended or expires,
                "last_known": known.note() if known is not None else "",
                "provisions": provisions,
            }
    agreement_url = url_maker("partnerships:agreement-detail")
    shared = []
    for agreement_id, members in periods.items():
        if all(pk in members for pk in nation_ids):
            item = dict(about[agreement_id], url=agreement_url(agreement_id))
            item["periods"] = [sorted(members[pk], key=lambda p: p[0] or date.min) for pk in nation_ids]
            shared.append(item)
    return sorted(shared, key=lambda a: (a["in_force_from"] or a["signed_on"] or date.min, a["label"]), reverse=True)


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


def shared_exercises(*, user: Any, nation_ids: list[int]) -> list[dict[str, Any]]:
    """Return the exercises every nation of ``nation_ids`` took part in, newest first."""
    rows = (
        ExerciseParticipant.objects.visible_to(user)
        .filter(involving_q(nation_ids))
        .annotate(nation_key=counted_nation())
        .values_list("exercise_id", "nation_key", "exercise__name", "exercise__start_date", "exercise__end_date")
    )
    taking_part: dict[int, set[int]] = defaultdict(set)
    about: dict[int, tuple[str, date | None, date | None]] = {}
    for exercise_id, nation, name, started, ended in rows:
        taking_part[exercise_id].add(nation)
        about[exercise_id] = (name, started, ended)
    exercise_url = url_maker("partnerships:exercise-detail")
    shared = [
        {
            "id": pk,
            "label": about[pk][0],
            "start_date": about[pk][1],
            "end_date": about[pk][2],
            "url": exercise_url(pk),
        }
        for pk, nations in taking_part.items()
        if nations >= set(nation_ids)
    ]
    return sorted(shared, key=lambda e: (e["start_date"] or date.min, e["label"]), reverse=True)


def transfers_between(*, user: Any, nation_ids: list[int]) -> list[dict[str, Any]]:
    """Return every resource-sharing record from one of ``nation_ids`` to another, by direction then order date."""
    rows = (
        ResourceSharing.objects.visible_to(user)
        .annotate(
            provider=counted_nation("provider_"),
            recipient=counted_nation("recipient_"),
        )
        .filter(involving_q(nation_ids, prefix="provider_"), involving_q(nation_ids, prefix="recipient_"))
        .exclude(provider=F("recipient"))
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
            "tiv_unit",
            "tiv_total",
            "tiv_delivered",
            "value",
            "currency",
            "start_date",
            "end_date",
            "status",
        )
    )
    resource_url = url_maker("partnerships:resource-detail")
    order = {pk: index for index, pk in enumerate(nation_ids)}
    found = [dict(row, url=resource_url(row["id"])) for row in rows]
    return sorted(
        found,
        key=lambda r: (
            order[r["provider"]],
            order[r["recipient"]],
            r["start_date"] or date.min,
            r["designation"],
            r["id"],
        ),
    )


def flows_per_year(transfers: list[dict[str, Any]]) -> dict[tuple[int, int], dict[int, dict[str, Any]]]:
    """Return, per (provider, recipient) and year of order, the records' count, TIV of the orders and USD value."""
    flows: dict[tuple[int, int], dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in transfers:
        if row["start_date"] is None:
            continue
        year = flows[(row["provider"], row["recipient"])].setdefault(
            row["start_date"].year, {"count": 0, "tiv": Decimal(0), "value_usd": Decimal(0)}
        )
        year["count"] += 1
        year["tiv"] += row["tiv_total"] or Decimal(0)
        if row["currency"] == "USD":
            year["value_usd"] += row["value"] or Decimal(0)
    return dict(flows)


def partner_overlap(
    *, user: Any, nation_ids: list[int], kinds: tuple[str, ...] = LINK_KINDS, extend_open: bool = False
) -> tuple[dict[int, dict[Any, set[int]]], dict[int, dict[str, Any]]]:
    """Return per year the partners all ``nation_ids`` share (``"shared"``) and each one's own (by its id),
    from the first year any of them had a partner to this year; and the partner nations by id."""
    today = timezone.localdate()
    compared = set(nation_ids)
    found = partner_years(user=user, focus=nation_ids, last_year=today.year, kinds=kinds, extend_open=extend_open)
    names = nations_by_id(user=user, ids={partner for _, partner in found if partner not in compared})
    spans = {pair: years for pair, years in found.items() if pair[1] in names}
    per_year: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for (focus, partner), ranges in spans.items():
        years: set[int] = set()
        for first, last in ranges:
            years.update(range(first, last + 1))
        for year in years:
            per_year[year][focus].add(partner)
    overlap: dict[int, dict[Any, set[int]]] = {}
    for year in sorted(per_year):
        sets = [per_year[year].get(pk, set()) for pk in nation_ids]
        # How many of the compared nations each partner is linked to: all of them (shared), or one only.
        linked_to = Counter(partner for partners in sets for partner in partners)
        entry: dict[Any, set[int]] = {"shared": {p for p, n in linked_to.items() if n == len(nation_ids)}}
        for pk, partners in zip(nation_ids, sets, strict=True):
            entry[pk] = {p for p in partners if linked_to[p] == 1}
        entry["all"] = set(linked_to)
        overlap[year] = entry
    return overlap, names
