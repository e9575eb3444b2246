"""The records behind the partnership network, read from the database once per kind.

Each agreement, exercise or resource flow the user may see becomes one
:class:`Record` naming its actors (``n<id>`` for nations, ``o<id>`` for
organizations). :mod:`partnerships.services.network` turns records into links
or hubs. Reading is restricted in SQL: to records involving given actors (the
focused view), touching a region, in force on a day, with an obligation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models

from partnerships.models import (
    Agreement,
    AgreementParty,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    ResourceSharing,
)
from partnerships.services.coverage import open_at_coverage_end, open_beyond_coverage_q
from partnerships.services.links import url_maker

LINK_KINDS = ("agreement", "exercise", "resource")

# How deep an obligation binds, for ranking links: defense pacts above neutrality and
# non-aggression, above consultation, above the registry's cooperation provisions.
OBLIGATION_DEPTH = {
    "mutual_defense": 4.0,
    "offense": 4.0,
    "neutrality": 3.0,
    "non_aggression": 3.0,
    "consultation": 2.0,
}
COOPERATION_DEPTH = 1.0
RESOURCE_WEIGHT = 0.5


@dataclass(frozen=True)
class Record:
    kind: str  # "agreement", "exercise" or "resource"
    pk: int
    label: str
    url: str
    weight: float  # what one pair of its actors gains from it
    actors: tuple[str, ...]  # sorted, distinct; provider then recipient for a resource flow
    directed: bool = False
    # Known only from a dataset that ends before the day asked about: "last known in force", status unknown.
    last_known: bool = False


@dataclass(frozen=True)
class Scope:
    """What to read: the filters of one network request."""

    user: Any
    kinds: tuple[str, ...] = LINK_KINDS
    as_of: date | None = None
    program_id: int | None = None
    provisions: tuple[str, ...] = ()
    exercise_years: int = 5
    # Also draw dataset-only agreements past their dataset's end (marked last_known), as the dyad table's extend_open.
    last_known: bool = False
    # Count a nation's own organizations (ministry, navy…) as the nation, as the dyad table does.
    fold: bool = False


def actor_id(nation_id: int | None, organization_id: int | None, organization_nation_id: int | None, fold: bool) -> str:
    if nation_id is not None:
        return f"n{nation_id}"
    if fold and organization_nation_id is not None:
        return f"n{organization_nation_id}"
    return f"o{organization_id}"


def obligation_depth(provisions: list[str] | None) -> float:
    """Return the weight of an agreement's deepest obligation."""
    return max((OBLIGATION_DEPTH.get(p, COOPERATION_DEPTH) for p in provisions or ()), default=COOPERATION_DEPTH)


@dataclass(frozen=True)
class Actors:
    """Nations and organizations to match, both as ids of the rows' own columns.

    A nation's own organizations are resolved to ids first: "the nation, or an
    organization of it" is then two indexed columns of one table, not an ``OR``
    across a join that no index serves (which read every participant at scale).
    """

    nations: tuple[int, ...]
    organizations: tuple[int, ...]

    @classmethod
    def of(cls, actors: list[str]) -> Actors:
        nations = [int(a[1:]) for a in actors if a[0] == "n"]
        own = Organization.objects.filter(nation_id__in=nations).values_list("pk", flat=True)
        organizations = {int(a[1:]) for a in actors if a[0] == "o"} | set(own)
        return cls(tuple(nations), tuple(sorted(organizations)))

    @classmethod
    def in_region(cls, region: str) -> Actors:
        nations = Nation.objects.filter(region=region).values_list("pk", flat=True)
        organizations = Organization.objects.filter(nation__region=region).values_list("pk", flat=True)
        return cls(tuple(nations), tuple(organizations))

    def q(self, *, nation: str = "nation", organization: str = "organization") -> models.Q:
        return models.Q(**{f"{nation}_id__in": self.nations}) | models.Q(
            **{f"{organization}_id__in": self.organizations}
        )


def read_records(scope: Scope, *, involving: list[str] | None = None, region: str | None = None) -> list[Record]:
    """Return the records ``scope`` keeps: with one of ``involving`` among their actors (on ``as_of``),
    or with an actor of ``region``. Two queries to name the actors, then two per link kind (the records'
    ids, then their actors by those ids: an index lookup however large the tables)."""
    conditions = []
    if involving is not None:
        conditions.append(Actors.of(involving))
    if region:
        conditions.append(Actors.in_region(region))
    records: list[Record] = []
    # Each kind's records by id: a link names its first records, and the rows come unordered from the
    # database, so without this two runs over the same data could name different ones.
    if "agreement" in scope.kinds:
        records += sorted(_agreements(scope, conditions), key=_by_id)
    if "exercise" in scope.kinds and not scope.provisions:
        records += sorted(_exercises(scope, conditions), key=_by_id)
    if "resource" in scope.kinds and not scope.provisions:
        records += sorted(_resources(scope, conditions), key=_by_id)
    return records


def _by_id(record: Record) -> int:
    return record.pk


def agreements_in_scope(scope: Scope) -> tuple[models.QuerySet, models.QuerySet]:
    """The agreements and party rows a network of ``scope`` draws: visible, in force and active on its date,
    of its program, and with its obligations (record by record here, ranked in SQL by ``network_focus``)."""
    agreements = Agreement.objects.visible_to(scope.user)
    parties = AgreementParty.objects.visible_to(scope.user)
    if scope.as_of is not None:
        # A dataset-only agreement open when its dataset ends is "last known", not in force, after that day.
        agreements = agreements.in_force(on=scope.as_of)
        if not scope.last_known:
            agreements = agreements.exclude(open_beyond_coverage_q(on=scope.as_of))
        parties = parties.active(on=scope.as_of)
    if scope.program_id is not None:
        agreements = agreements.filter(program_id=scope.program_id)
    if scope.provisions:
        # A party's own obligations where they are coded, else the agreement's provisions.
        parties = parties.filter(
            models.Q(obligations__isnull=True, agreement__provisions__overlap=list(scope.provisions))
            | models.Q(obligations__overlap=list(scope.provisions))
        )
    return agreements, parties


def _agreements(scope: Scope, conditions: list[Actors]) -> list[Record]:
    agreements, parties = agreements_in_scope(scope)
    for actors in conditions:
        agreements = agreements.filter(models.Exists(parties.filter(actors.q(), agreement=models.OuterRef("pk"))))
    if conditions:
        agreements = list(agreements.order_by().values_list("pk", flat=True))
    # No ordering: the rows are grouped here, and the models' default orders cost a sort.
    rows = (
        parties.filter(agreement__in=agreements)
        .order_by()
        .values_list(
            "agreement_id",
            "nation_id",
            "organization_id",
            "organization__nation_id",
            "agreement__short_name",
            "agreement__title",
            "agreement__provisions",
            "agreement__follows",
            "agreement__in_force_from",
            "agreement__ended_on",
            "agreement__expires_on",
        )
    )
    actors: dict[int, set[str]] = defaultdict(set)
    about: dict[int, tuple[str, list[str], bool]] = {}
    for pk, nation, organization, organization_nation, short_name, title, provisions, *dates in rows:
        actors[pk].add(actor_id(nation, organization, organization_nation, scope.fold))
        if pk not in about:
            about[pk] = (short_name or title, provisions, _last_known(scope.as_of, *dates))
    url = url_maker("partnerships:agreement-detail")
    records = []
    for pk, ids in actors.items():
        label, provisions, last_known = about[pk]
        if last_known:
            label = f"{label} (last known {last_known})"
        weight = obligation_depth(provisions)
        records.append(Record("agreement", pk, label, url(pk), weight, tuple(sorted(ids)), last_known=bool(last_known)))
    return records


def _last_known(
    on: date | None, follows: str, in_force_from: date | None, ended_on: date | None, expires_on: date | None
) -> str:
    """The dataset's last day ("2018-12-31, ATOP v4.01") when ``on`` is past it and the agreement was open then."""
    if on is None:
        return ""
    coverage = open_at_coverage_end(follows, in_force_from=in_force_from, ended_on=ended_on, expires_on=expires_on)
    if coverage is None or on <= coverage.covers_until:
        return ""
    return f"{coverage.covers_until.isoformat()}, {coverage.label}"


def _exercises(scope: Scope, conditions: list[Actors]) -> list[Record]:
    from partnerships.services.network import years_before

    exercises = Exercise.objects.visible_to(scope.user)
    if scope.as_of is not None:
        exercises = exercises.filter(
            start_date__lte=scope.as_of, start_date__gt=years_before(scope.as_of, scope.exercise_years)
        )
    if scope.program_id is not None:
        exercises = exercises.filter(program_id=scope.program_id)
    participants = ExerciseParticipant.objects.visible_to(scope.user)
    for actors in conditions:
        exercises = exercises.filter(models.Exists(participants.filter(actors.q(), exercise=models.OuterRef("pk"))))
    if conditions:
        exercises = list(exercises.order_by().values_list("pk", flat=True))
    rows = (
        participants.filter(exercise__in=exercises)
        .order_by()
        .values_list("exercise_id", "nation_id", "organization_id", "organization__nation_id", "exercise__name")
    )
    actors: dict[int, set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    for pk, nation, organization, organization_nation, name in rows:
        actors[pk].add(actor_id(nation, organization, organization_nation, scope.fold))
        names[pk] = name
    url = url_maker("partnerships:exercise-detail")
    # A bilateral exercise weighs 1; one of n participants 2/n per pair.
    return [
        Record("exercise", pk, names[pk], url(pk), min(1.0, 2 / max(len(ids), 1)), tuple(sorted(ids)))
        for pk, ids in actors.items()
    ]


def _resources(scope: Scope, conditions: list[Actors]) -> list[Record]:
    flows = ResourceSharing.objects.visible_to(scope.user)
    if scope.as_of is not None:
        # A flow without a start date has no place on a dated picture.
        flows = flows.active(on=scope.as_of).filter(start_date__isnull=False)
    if scope.program_id is not None:
        flows = flows.filter(program_id=scope.program_id)
    ends = {"nation": "provider_nation", "organization": "provider_organization"}
    other = {"nation": "recipient_nation", "organization": "recipient_organization"}
    for actors in conditions:
        flows = flows.filter(actors.q(**ends) | actors.q(**other))
    url = url_maker("partnerships:resource-detail")
    records = []
    for row in flows.order_by().values_list(
        "id",
        "provider_nation_id",
        "provider_organization_id",
        "provider_organization__nation_id",
        "recipient_nation_id",
        "recipient_organization_id",
        "recipient_organization__nation_id",
        "category",
        "description",
    ):
        provider = actor_id(row[1], row[2], row[3], scope.fold)
        recipient = actor_id(row[4], row[5], row[6], scope.fold)
        label = f"{row[7]}: {row[8][:60]}"
        records.append(Record("resource", row[0], label, url(row[0]), RESOURCE_WEIGHT, (provider, recipient), True))
    return records
