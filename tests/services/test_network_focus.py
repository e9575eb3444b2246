"""The focused network weighed in SQL gives the graph the record-by-record build gave, on random worlds."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

import pytest

from partnerships.models import Nation
from partnerships.services.access import FULL_ACCESS
from partnerships.services.network import _assemble, _Graph, build_network
from partnerships.services.network_records import Scope, read_records
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    UserFactory,
)

D = datetime.date
ON = D(2020, 1, 1)
pytestmark = pytest.mark.django_db
PROVISIONS = ["mutual_defense", "offense", "neutrality", "non_aggression", "consultation", "basing_access"]


def reference(user: Any, *, focus: int, depth: int, limit: int | None, hubs: int | None, **scope: Any) -> dict:
    """The focused view as it was built before: every record of the nodes in view read into Python."""
    scope_ = Scope(user=user, as_of=ON, fold=True, **scope)
    graph = _Graph(hubs=hubs)
    levels = {f"n{focus}": 0}
    frontier = [f"n{focus}"]
    for level in range(1, depth + 1):
        actors = [node for node in frontier if node[0] in "no"]
        if actors:
            graph.add_records(read_records(scope_, involving=actors))
        around = graph.neighbours()
        candidates: dict[str, float] = defaultdict(float)
        for node in set(frontier):
            for other, weight in around[node].items():
                if other not in levels:
                    candidates[other] += weight
        ranked = sorted(candidates, key=lambda n: (-candidates[n], n))
        kept = ranked if limit is None else ranked[:limit]
        graph.found[level] = len(ranked)
        for node in kept:
            levels[node] = level
        frontier = kept
    return _assemble(graph, user=user, as_of=ON, region=None, levels=levels, limit=None)


def random_world(seed: int) -> list[Nation]:
    rng = random.Random(seed)
    nations = [NationFactory(name=f"Nation {seed}-{i}") for i in range(12)]
    nations[5].visibility = "restricted"
    nations[5].save()
    organizations = [OrganizationFactory(nation=rng.choice(nations)) for _ in range(4)]
    organizations.append(OrganizationFactory(nation=None, kind="multinational"))

    def actors(count: int) -> list[dict[str, Any]]:
        # The first nation, weighted, is the focus; organizations count as their nation.
        chosen = {0} | {rng.randrange(len(nations)) for _ in range(count)}
        picked = [{"nation": nations[i]} for i in chosen]
        if rng.random() < 0.3:
            picked.append({"nation": None, "organization": rng.choice(organizations)})
        return picked

    for _ in range(40):
        agreement = AgreementFactory(
            provisions=rng.sample(PROVISIONS, rng.randint(0, 2)),
            signed_on=D(1999, 1, 1),
            in_force_from=D(rng.choice([2000, 2019, 2021]), 1, 1),
            visibility=rng.choice(["public"] * 9 + ["restricted"]),
        )
        for actor in actors(rng.choice([1, 1, 1, 2, 3, 8, 10])):
            AgreementPartyFactory(agreement=agreement, **actor)
    for _ in range(30):
        exercise = ExerciseFactory(start_date=D(rng.choice([2017, 2019, 2021]), 1, 1))
        for actor in actors(rng.choice([1, 1, 2, 4, 9])):
            ExerciseParticipantFactory(exercise=exercise, **actor)
    for _ in range(30):
        provider, recipient = rng.sample(nations[:8], 2)
        ResourceSharingFactory(
            provider_nation=provider, recipient_nation=recipient, start_date=D(2019, 1, 1), end_date=None
        )
    return nations


def same(new: dict, old: dict) -> None:
    """Equal graphs; a link's named records are the first five by id now (in reading order before)."""
    assert new["partners"] == old["partners"]
    assert new["nodes"] == old["nodes"]
    assert len(new["links"]) == len(old["links"])
    for a, b in zip(new["links"], old["links"], strict=True):
        assert {k: v for k, v in a.items() if k != "records"} == {k: v for k, v in b.items() if k != "records"}
        assert len(a["records"]) == len(b["records"])
        if a["count"] <= len(a["records"]):
            assert sorted(a["records"], key=str) == sorted(b["records"], key=str)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("depth", "limit", "hubs"), [(1, 3, 6), (2, 3, 6), (2, None, None), (1, None, 2)])
def test_the_sql_ranking_gives_the_graph_built_record_by_record(seed: int, depth: int, limit: Any, hubs: Any) -> None:
    nations = random_world(seed)
    for user in (FULL_ACCESS, UserFactory()):
        old = reference(user, focus=nations[0].pk, depth=depth, limit=limit, hubs=hubs)
        new = build_network(user=user, as_of=ON, focus=nations[0].pk, depth=depth, limit=limit, hubs=hubs)
        same(new, old)
        assert new["links"], "a world where the focus has partners"


def test_obligations_keep_the_same_graph_too() -> None:
    nations = random_world(4)
    provisions = ("mutual_defense", "consultation")
    old = reference(FULL_ACCESS, focus=nations[0].pk, depth=2, limit=4, hubs=6, provisions=provisions)
    new = build_network(
        user=FULL_ACCESS, as_of=ON, focus=nations[0].pk, depth=2, limit=4, hubs=6, provisions=provisions
    )
    same(new, old)
