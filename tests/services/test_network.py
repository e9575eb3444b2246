"""The network's readable views: focus, depth, limit, hubs, obligations, regions, coverage, visibility."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.services.access import FULL_ACCESS
from partnerships.services.network import build_network
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    UserFactory,
    bilateral_agreement,
    with_source,
)

D = datetime.date
ON = D(2020, 1, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """A small world: the U.S. and the Philippines (a defense pact), Japan (access), a 10-party treaty."""
    asia = "east_asia_pacific"
    n = {
        "usa": NationFactory(name="United States", iso2="US", iso3="USA", region="north_america"),
        "phl": NationFactory(name="Philippines", iso2="PH", iso3="PHL", region=asia),
        "jpn": NationFactory(name="Japan", iso2="JP", iso3="JPN", region=asia),
        "aus": NationFactory(name="Australia", iso2="AU", iso3="AUS", region=asia),
        "vnm": NationFactory(name="Vietnam", iso2="VN", iso3="VNM", region=asia),
    }
    bilateral_agreement(
        n["usa"],
        n["phl"],
        title="Mutual Defense Treaty",
        provisions=["mutual_defense"],
        signed_on=D(1952, 8, 27),
        in_force_from=D(1952, 8, 27),
    )
    bilateral_agreement(
        n["phl"],
        n["jpn"],
        title="Reciprocal Access",
        provisions=["status_of_forces"],
        signed_on=D(2019, 1, 1),
        in_force_from=D(2019, 1, 1),
    )
    bilateral_agreement(
        n["jpn"],
        n["aus"],
        title="Japan-Australia pact",
        provisions=["consultation"],
        signed_on=D(2007, 3, 13),
        in_force_from=D(2007, 3, 13),
    )
    bilateral_agreement(
        n["usa"],
        n["aus"],
        title="ANZUS",
        provisions=["mutual_defense"],
        signed_on=D(1952, 4, 29),
        in_force_from=D(1952, 4, 29),
    )
    treaty = AgreementFactory(
        title="Big Non-Aggression Treaty",
        scope="multilateral",
        provisions=["non_aggression"],
        signed_on=D(1976, 2, 24),
        in_force_from=D(1976, 2, 24),
    )
    n["others"] = [NationFactory(name=f"Member {i}", region=asia) for i in range(6)]
    for nation in [n["phl"], n["vnm"], n["usa"], n["aus"], *n["others"]]:
        AgreementPartyFactory(agreement=treaty, nation=nation)
    n["treaty"] = treaty
    return n


def ids(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["label"]: node for node in graph["nodes"]}


def test_the_focused_view_is_the_nation_and_its_partners_strongest_first(world: dict) -> None:
    graph = build_network(user=FULL_ACCESS, focus=world["phl"].pk, as_of=ON, hubs=6)
    nodes = ids(graph)
    assert nodes["Philippines"]["level"] == 0
    assert {label for label, node in nodes.items() if node["level"] == 1} == {
        "United States",
        "Japan",
        "Big Non-Aggression Treaty",
    }
    partners = [node["label"] for node in graph["nodes"] if node["level"] == 1]
    assert partners[0] == "United States"  # a defense pact weighs most
    # Japan and Australia are linked, but neither is the focus: no link between two partners.
    assert all(
        graph["nodes"][0]["id"] in (link["source"], link["target"]) or link["kind"] == "member"
        for link in graph["links"]
    )


def test_a_treaty_of_many_parties_is_one_hub_not_a_clique(world: dict) -> None:
    cliques = build_network(user=FULL_ACCESS, as_of=ON, kinds=("agreement",))
    assert cliques["counts"]["agreement"] >= 45  # ten parties: 45 pairs
    hubbed = build_network(user=FULL_ACCESS, as_of=ON, kinds=("agreement",), hubs=6)
    hub = ids(hubbed)["Big Non-Aggression Treaty"]
    assert hub["kind"] == "hub"
    assert hub["parties"] == 10
    assert hub["url"].endswith(f"/agreements/{world['treaty'].pk}/")
    assert hubbed["counts"]["member"] == 10
    assert hubbed["counts"]["agreement"] == 4  # the four bilateral agreements only


def test_depth_two_adds_partners_of_partners_and_hub_members(world: dict) -> None:
    graph = build_network(user=FULL_ACCESS, focus=world["phl"].pk, as_of=ON, hubs=6, depth=2)
    levels = {label: node["level"] for label, node in ids(graph).items()}
    assert levels["Australia"] == 2  # through the U.S., Japan and the treaty
    assert levels["Vietnam"] == 2  # a member of the treaty hub
    assert graph["partners"] == {"1": 3, "2": 8}


def test_limit_keeps_the_strongest_partners_and_says_how_many_there_were(world: dict) -> None:
    graph = build_network(user=FULL_ACCESS, focus=world["phl"].pk, as_of=ON, hubs=6, limit=1)
    assert [node["label"] for node in graph["nodes"]] == ["Philippines", "United States"]
    assert graph["partners"] == {"1": 3}
    links = build_network(user=FULL_ACCESS, as_of=ON, kinds=("agreement",), limit=2)
    assert len(links["links"]) == 2
    assert links["links_before_limit"] == 47


def test_obligation_filter_keeps_agreements_binding_to_it(world: dict) -> None:
    graph = build_network(user=FULL_ACCESS, focus=world["phl"].pk, as_of=ON, hubs=6, provisions=("mutual_defense",))
    assert [node["label"] for node in graph["nodes"]] == ["Philippines", "United States"]


def test_a_region_keeps_the_partners_outside_it_that_its_nations_link_to(world: dict) -> None:
    graph = build_network(user=FULL_ACCESS, as_of=ON, region="east_asia_pacific", hubs=6)
    nodes = ids(graph)
    assert nodes["United States"]["outside_region"] is True
    assert nodes["Japan"]["outside_region"] is False
    within = build_network(user=FULL_ACCESS, as_of=ON, region="east_asia_pacific", hubs=6, outside=False)
    assert "United States" not in ids(within)
    assert "Japan" in ids(within)


def test_a_dataset_only_alliance_is_not_drawn_in_force_after_its_dataset_ends(world: dict) -> None:
    old = bilateral_agreement(
        world["jpn"],
        world["vnm"],
        title="COW-only alliance",
        provisions=["mutual_defense"],
        signed_on=D(1990, 1, 1),
        in_force_from=D(1990, 1, 1),
    )
    with_source(old, "cow-alliances", "9999")
    in_2010 = build_network(user=FULL_ACCESS, focus=world["vnm"].pk, as_of=D(2010, 1, 1), hubs=6)
    assert "Japan" in ids(in_2010)
    in_2015 = build_network(user=FULL_ACCESS, focus=world["vnm"].pk, as_of=D(2015, 1, 1), hubs=6)
    assert "Japan" not in ids(in_2015)  # "last known" in 2012, not in force


def test_a_nations_own_organizations_count_as_the_nation_in_the_focused_view(world: dict) -> None:
    navy = OrganizationFactory(nation=world["usa"], name="U.S. Navy", acronym="USN", kind="armed_service")
    exercise = ExerciseFactory(name="Sea Drill", start_date=D(2019, 5, 1), end_date=D(2019, 5, 5))
    ExerciseParticipantFactory(exercise=exercise, nation=None, organization=navy)
    ExerciseParticipantFactory(exercise=exercise, nation=world["vnm"])
    ResourceSharingFactory(
        provider_nation=world["usa"], recipient_nation=world["vnm"], start_date=D(2019, 1, 1), end_date=None
    )
    graph = build_network(user=FULL_ACCESS, focus=world["vnm"].pk, as_of=ON, hubs=6)
    usa = ids(graph)["United States"]
    pair = {usa["id"], f"n{world['vnm'].pk}"}
    kinds = {link["kind"] for link in graph["links"] if {link["source"], link["target"]} == pair}
    assert kinds == {"exercise", "resource"}
    assert "U.S. Navy" not in ids(graph)


def test_restricted_records_nations_and_hub_names_never_appear(world: dict) -> None:
    analyst = UserFactory(username="plain")
    cleared = UserFactory(username="cleared-one", permissions=["partnerships.view_restricted"])
    secret = AgreementFactory(
        title="Secret Hub Pact", visibility="restricted", signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1)
    )
    hidden = NationFactory(name="Hidden Land", visibility="restricted", region="east_asia_pacific")
    for nation in [world["phl"], world["jpn"], world["aus"], *world["others"]]:
        AgreementPartyFactory(agreement=secret, nation=nation)
    bilateral_agreement(
        world["phl"], hidden, title="Pact with the hidden", signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1)
    )
    for params in ({"focus": world["phl"].pk, "depth": 2}, {"region": "east_asia_pacific"}, {}):
        plain = build_network(user=analyst, as_of=ON, hubs=6, **params)
        text = str(plain)
        assert "Secret Hub Pact" not in text
        assert "Hidden Land" not in text
        assert "Pact with the hidden" not in text
        assert ids(plain)["Big Non-Aggression Treaty"]["parties"] == 10
        full = build_network(user=cleared, as_of=ON, hubs=6, **params)
        assert "Secret Hub Pact" in ids(full)
        assert "Hidden Land" in ids(full)


def test_the_focused_view_reads_a_constant_number_of_queries(world: dict) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_network(user=FULL_ACCESS, focus=world["phl"].pk, as_of=ON, hubs=6, depth=2)
        return len(captured)

    def more(count: int) -> None:
        for i in range(count):
            extra = NationFactory(name=f"Extra {count} {i}")
            bilateral_agreement(world["phl"], extra, signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1))
            ExerciseParticipantFactory(exercise=ExerciseFactory(start_date=D(2019, 1, 1)), nation=extra)
            ExerciseParticipantFactory(exercise=ExerciseFactory(start_date=D(2019, 1, 1)), nation=world["phl"])
            ResourceSharingFactory(
                provider_nation=extra, recipient_nation=world["phl"], start_date=D(2019, 1, 1), end_date=None
            )

    more(1)  # a record of every kind at every step: no step is skipped for having none
    before = queries()
    more(5)
    assert queries() == before


# --- The API ------------------------------------------------------------------------------------


@pytest.fixture
def analyst_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="api-analyst"))
    return client


def test_the_api_takes_focus_by_code_and_the_new_parameters(world: dict, analyst_client: Client) -> None:
    response = analyst_client.get(
        reverse("api:network"),
        {
            "focus": "phl",
            "as_of": "2020-01-01",
            "depth": 2,
            "limit": 5,
            "hubs": 6,
            "provision": ["mutual_defense", "non_aggression"],
            "kind": "agreement",
        },
    )
    assert response.status_code == 200, response.content
    graph = response.json()
    assert graph["nodes"][0]["label"] == "Philippines"
    assert graph["nodes"][0]["level"] == 0
    assert {node["label"] for node in graph["nodes"] if node["level"] == 1} == {
        "United States",
        "Big Non-Aggression Treaty",
    }


def test_the_api_takes_last_known_and_outside(world: dict, analyst_client: Client) -> None:
    old = bilateral_agreement(
        world["jpn"], world["vnm"], title="COW-only", signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1)
    )
    with_source(old, "cow-alliances", "9998")
    params = {"focus": "VNM", "as_of": "2015-01-01", "hubs": 6, "kind": "agreement"}
    hidden = analyst_client.get(reverse("api:network"), params).json()
    shown = analyst_client.get(reverse("api:network"), {**params, "last_known": "true"}).json()
    assert "Japan" not in {node["label"] for node in hidden["nodes"]}
    assert [link["last_known"] for link in shown["links"] if link["kind"] == "agreement"] == [1]
    region = {"region": "east_asia_pacific", "as_of": "2020-01-01", "outside": "false"}
    within = analyst_client.get(reverse("api:network"), region)
    assert within.status_code == 200, within.content
    assert "United States" not in {node["label"] for node in within.json()["nodes"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"focus": "Philippines"}, "focus"),
        ({"focus": "XXX"}, "focus"),
        ({"depth": 3}, "depth"),
        ({"limit": 0}, "limit"),
        ({"hubs": 1}, "hubs"),
        ({"provision": "friendship"}, "provision"),
        ({"focus": ""}, "focus"),
        ({"layout": "radial"}, "layout"),
    ],
)
def test_the_api_refuses_bad_and_unknown_parameters(analyst_client: Client, params: dict, field: str) -> None:
    response = analyst_client.get(reverse("api:network"), params)
    assert response.status_code == 400, params
    assert field in str(response.json())


def test_a_restricted_nation_as_focus_is_as_unknown_as_a_missing_one(analyst_client: Client) -> None:
    NationFactory(name="Hidden Land", iso2="HL", iso3="HLD", visibility="restricted")
    hidden = analyst_client.get(reverse("api:network"), {"focus": "HLD"}).json()
    missing = analyst_client.get(reverse("api:network"), {"focus": "QQQ"}).json()
    assert str(hidden).replace("HLD", "QQQ") == str(missing)


def test_a_region_link_names_its_first_records_by_id_whatever_order_the_rows_come_in(world: dict) -> None:
    # Seven agreements between Japan and Vietnam; the parties of the first three are rewritten afterwards,
    # which moves their rows to the end of the table, so an unordered read meets them last.
    pacts = [
        bilateral_agreement(
            world["jpn"], world["vnm"], title=f"Pact {i}", signed_on=D(2010, 1, 1), in_force_from=D(2010, 1, 1)
        )
        for i in range(7)
    ]
    from partnerships.models import AgreementParty

    AgreementParty.objects.filter(agreement__in=pacts[:3]).update(notes="rewritten")
    graph = build_network(user=FULL_ACCESS, as_of=ON, region="east_asia_pacific", outside=False)
    nodes = ids(graph)
    link = next(
        link
        for link in graph["links"]
        if {link["source"], link["target"]} == {nodes["Japan"]["id"], nodes["Vietnam"]["id"]}
    )
    assert link["count"] == 7
    assert [record["label"] for record in link["records"]] == [f"Pact {i}" for i in range(5)]


@pytest.mark.parametrize("hubs", [None, 2, 6])
def test_a_region_with_no_nation_in_it_is_an_empty_network_not_an_error(world: dict, hubs: int | None) -> None:
    # No nation of the world lies in Sub-Saharan Africa: its list of actors is empty (the authorization sweep
    # found a 500 for a region whose nations were all restricted, with hubs=2).
    graph = build_network(user=FULL_ACCESS, as_of=ON, region="sub_saharan_africa", hubs=hubs)
    assert graph["nodes"] == []
    assert graph["links"] == []
