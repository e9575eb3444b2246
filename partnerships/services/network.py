"""The partnership network: nations and organizations as nodes, cooperation as links.

Links come from agreements (every pair of parties), joint exercises (every
pair of participants) and resource flows (provider → recipient). Each link
aggregates the records behind it. Only records, rows and actors the user may
see take part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from django.db import models

from partnerships.models import (
    Agreement,
    AgreementParty,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.services.links import url_maker

LINK_KINDS = ("agreement", "exercise", "resource")
# How many records a link lists by name (the count covers them all).
RECORDS_PER_LINK = 5


@dataclass
class Link:
    source: str
    target: str
    kind: str
    count: int = 0
    records: list[dict[str, str]] = field(default_factory=list)


def years_before(day: date, years: int) -> date:
    """Return the same calendar day ``years`` earlier (28 February for a 29th), or the first day of year 1."""
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def region_q(region: str, *, nation: str = "nation", organization: str = "organization") -> models.Q:
    """Rows whose actor can sit on a link of ``region``: a nation of it, or with no region, or an
    organization of such a nation, or a multinational one (no nation).

    Only a shortcut: ``_assemble`` applies the region rule to the links; rows
    outside this filter could only have made links it drops.
    """
    allowed = [region, ""]
    return (
        models.Q(**{f"{nation}__region__in": allowed})
        | models.Q(**{f"{organization}__nation__region__in": allowed})
        | models.Q(**{f"{organization}__isnull": False, f"{organization}__nation__isnull": True})
    )


def actor_id(nation_id: int | None, organization_id: int | None) -> str:
    return f"n{nation_id}" if nation_id is not None else f"o{organization_id}"


class _Builder:
    def __init__(self, *, user: Any, region: str | None) -> None:
        self.user = user
        self.region = region
        self.links: dict[tuple[str, str, str], Link] = {}

    def add(self, a: str, b: str, kind: str, label: str, url: str, *, directed: bool = False) -> None:
        # Called for every pair of every record (hundreds of thousands of times for a region at
        # scale), so it does the least it can: the nodes are gathered from the links afterwards.
        if a == b:
            return
        key = (a, b, kind) if directed or a < b else (b, a, kind)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = Link(source=key[0], target=key[1], kind=kind)
        link.count += 1
        if len(link.records) < RECORDS_PER_LINK:
            link.records.append({"label": label, "url": url})

    def node_ids(self) -> tuple[set[int], set[int]]:
        """The nations and organizations the links name."""
        ends = {end for source, target, _ in self.links for end in (source, target)}
        nations = {int(end[1:]) for end in ends if end[0] == "n"}
        return nations, {int(end[1:]) for end in ends if end[0] == "o"}


def build_network(
    *,
    user: Any,
    kinds: tuple[str, ...] = LINK_KINDS,
    as_of: date | None = None,
    program_id: int | None = None,
    region: str | None = None,
    exercise_years: int = 5,
) -> dict[str, Any]:
    """Return ``{"nodes": [...], "links": [...], "as_of": ...}`` for the records ``user`` may see.

    ``as_of`` keeps agreements in force on that day (and parties who were
    parties then), resource flows under way then, and exercises held in the
    ``exercise_years`` before it. ``region`` keeps links whose nations are
    all in that region (multinational organizations have none and pass).
    """
    builder = _Builder(user=user, region=region)
    if program_id is not None and not Program.objects.visible_to(user).filter(pk=program_id).exists():
        # A program the user may not see filters as one that does not exist: it matches nothing.
        program_id = 0
    if "agreement" in kinds:
        agreements = Agreement.objects.visible_to(user)
        if as_of is not None:
            agreements = agreements.in_force(on=as_of)
        if program_id is not None:
            agreements = agreements.filter(program_id=program_id)
        parties = AgreementParty.objects.visible_to(user).filter(agreement__in=agreements)
        if as_of is not None:
            parties = parties.active(on=as_of)
        if region:
            parties = parties.filter(region_q(region))
        by_agreement: dict[int, list[str]] = defaultdict(list)
        titles: dict[int, str] = {}
        for row in parties.values(
            "agreement_id", "nation_id", "organization_id", "agreement__title", "agreement__short_name"
        ):
            by_agreement[row["agreement_id"]].append(actor_id(row["nation_id"], row["organization_id"]))
            titles[row["agreement_id"]] = row["agreement__short_name"] or row["agreement__title"]
        agreement_url = url_maker("partnerships:agreement-detail")
        for agreement_id, actors in by_agreement.items():
            url = agreement_url(agreement_id)
            for a, b in combinations(sorted(set(actors)), 2):
                builder.add(a, b, "agreement", titles[agreement_id], url)
    if "exercise" in kinds:
        exercises = Exercise.objects.visible_to(user)
        if as_of is not None:
            exercises = exercises.filter(start_date__lte=as_of, start_date__gt=years_before(as_of, exercise_years))
        if program_id is not None:
            exercises = exercises.filter(program_id=program_id)
        rows = ExerciseParticipant.objects.visible_to(user).filter(exercise__in=exercises)
        if region:
            rows = rows.filter(region_q(region))
        by_exercise: dict[int, list[str]] = defaultdict(list)
        names: dict[int, str] = {}
        for row in rows.values("exercise_id", "nation_id", "organization_id", "exercise__name"):
            by_exercise[row["exercise_id"]].append(actor_id(row["nation_id"], row["organization_id"]))
            names[row["exercise_id"]] = row["exercise__name"]
        exercise_url = url_maker("partnerships:exercise-detail")
        for exercise_id, actors in by_exercise.items():
            url = exercise_url(exercise_id)
            for a, b in combinations(sorted(set(actors)), 2):
                builder.add(a, b, "exercise", names[exercise_id], url)
    if "resource" in kinds:
        flows = ResourceSharing.objects.visible_to(user)
        if as_of is not None:
            # A flow without a start date has no place on a dated picture.
            flows = flows.active(on=as_of).filter(start_date__isnull=False)
        if program_id is not None:
            flows = flows.filter(program_id=program_id)
        if region:
            flows = flows.filter(
                region_q(region, nation="provider_nation", organization="provider_organization"),
                region_q(region, nation="recipient_nation", organization="recipient_organization"),
            )
        resource_url = url_maker("partnerships:resource-detail")
        for row in flows.values(
            "id",
            "provider_nation_id",
            "provider_organization_id",
            "recipient_nation_id",
            "recipient_organization_id",
            "category",
            "description",
        ):
            url = resource_url(row["id"])
            label = f"{row['category']}: {row['description'][:60]}"
            builder.add(
                actor_id(row["provider_nation_id"], row["provider_organization_id"]),
                actor_id(row["recipient_nation_id"], row["recipient_organization_id"]),
                "resource",
                label,
                url,
                directed=True,
            )
    return _assemble(builder, as_of=as_of)


def _assemble(builder: _Builder, *, as_of: date | None) -> dict[str, Any]:
    nation_ids, organization_ids = builder.node_ids()
    nations = {
        n["id"]: n
        for n in Nation.objects.visible_to(builder.user)
        .filter(pk__in=nation_ids)
        .values("id", "name", "iso3", "cow_abbr", "region")
    }
    organizations = {
        o["id"]: o
        for o in Organization.objects.visible_to(builder.user)
        .filter(pk__in=organization_ids)
        .values("id", "name", "acronym", "kind", "nation__region")
    }
    nodes: dict[str, dict[str, Any]] = {}
    nation_url = url_maker("partnerships:nation-detail")
    organization_url = url_maker("partnerships:organization-detail")
    for pk, n in nations.items():
        nodes[f"n{pk}"] = {
            "id": f"n{pk}",
            "kind": "nation",
            "label": n["name"],
            "code": n["iso3"] or n["cow_abbr"] or "",
            "region": n["region"] or None,
            "url": nation_url(pk),
        }
    for pk, o in organizations.items():
        nodes[f"o{pk}"] = {
            "id": f"o{pk}",
            "kind": "organization",
            "label": o["name"],
            "code": o["acronym"],
            "region": o["nation__region"] or None,
            "multinational": o["kind"] == "multinational",
            "url": organization_url(pk),
        }
    links = []
    neighbours: dict[str, set[str]] = defaultdict(set)
    region = builder.region
    for link in builder.links.values():
        source, target = nodes.get(link.source), nodes.get(link.target)
        if source is None or target is None:
            continue  # an end the user may not see
        if region:
            # Both ends in the region, or without one (multinational), but not both without one.
            ends = (source["region"], target["region"])
            if ends == (None, None) or any(end is not None and end != region for end in ends):
                continue
        links.append(
            {
                "source": link.source,
                "target": link.target,
                "kind": link.kind,
                "count": link.count,
                "records": link.records,
            }
        )
        neighbours[link.source].add(link.target)
        neighbours[link.target].add(link.source)
    # A node's degree is its number of distinct partners, whatever the kinds of links.
    kept = [dict(node, degree=len(neighbours[node_id])) for node_id, node in nodes.items() if neighbours[node_id]]
    kept.sort(key=lambda node: (-node["degree"], node["label"]))
    links.sort(key=lambda link: (link["kind"], link["source"], link["target"]))
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "nodes": kept,
        "links": links,
        "counts": {kind: sum(1 for link in links if link["kind"] == kind) for kind in LINK_KINDS},
    }
