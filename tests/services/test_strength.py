"""Partnership strength on hand-built records, against values computed by hand from the method."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.services import strength
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    bilateral_agreement,
    with_source,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def exercise(year: int, nations: list, **fields) -> None:
    held = ExerciseFactory(start_date=D(year, 5, 1), end_date=D(year, 5, 20), **fields)
    for nation in nations:
        ExerciseParticipantFactory(exercise=held, nation=nation)
    return held


@pytest.fixture
def world(db) -> dict:
    """A with B (defense, a bilateral exercise, TIV 50), with C (consultation, a 40-nation exercise, USD 100 m)."""
    a = NationFactory(name="Aland", iso3="XAA")
    b = NationFactory(name="Bland", iso3="XBB")
    c = NationFactory(name="Cland", iso3="XCC")
    others = [NationFactory(name=f"Other {n:02d}") for n in range(38)]
    bilateral_agreement(a, b, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["mutual_defense"])
    bilateral_agreement(a, c, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["consultation"])
    exercise(2000, [a, b])
    exercise(2000, [a, c, *others])  # 40 nations
    ResourceSharingFactory(
        provider_nation=a, recipient_nation=b, start_date=D(2000, 3, 1), tiv_total=Decimal("50"), value=None
    )
    ResourceSharingFactory(
        provider_nation=c, recipient_nation=a, start_date=D(2000, 3, 1), value=Decimal("100000000"), currency="USD"
    )
    return {"a": a, "b": b, "c": c, "others": others}


def ranked(user, nation, year=2000, **weights):
    return {
        r.partner["name"]: r.score
        for r in strength.partners_in_year(user=user, nation=nation, year=year, weights=strength.Weights(**weights))
    }


def test_the_index_of_each_partner_is_the_hand_computed_one(world, analyst) -> None:
    scores = ranked(analyst, world["a"])
    b, c = scores["Bland"], scores["Cland"]
    # Defense, one agreement: 1 * 0.8. A bilateral exercise: x = 1, 1/(1+3). TIV 50: 50/(50+100).
    assert (b.agreements, b.exercises, b.transfers) == pytest.approx((0.8, 0.25, 1 / 3))
    assert b.index == pytest.approx(100 * (0.5 * 0.8 + 0.25 * 0.25 + 0.25 / 3))
    # Consultation, one agreement: 0.4 * 0.8. A 40-nation exercise: x = 1/39. USD 100 m: 100/(100+100).
    assert (c.agreements, c.exercises, c.transfers) == pytest.approx((0.32, (1 / 39) / (1 / 39 + 3), 0.5))
    assert c.index == pytest.approx(100 * (0.5 * 0.32 + 0.25 / 118 + 0.25 * 0.5))
    assert scores["Other 00"].index == pytest.approx(100 * 0.25 / 118)  # only the big exercise
    assert list(scores)[:2] == ["Bland", "Cland"]
    assert len(scores) == 40


def test_a_bilateral_exercise_weighs_more_than_a_forty_nation_one(world, analyst) -> None:
    scores = ranked(analyst, world["a"], agreements=0, exercises=1, transfers=0)
    assert scores["Bland"].index == pytest.approx(25.0)
    assert scores["Cland"].index == pytest.approx(100 / 118)
    assert scores["Bland"].raw.exercise_weight == 1
    assert scores["Cland"].raw.exercise_weight == pytest.approx(1 / 39)


def test_defense_ranks_above_consultation_however_many_consultation_pacts(world, analyst) -> None:
    for _ in range(5):
        bilateral_agreement(
            world["a"], world["c"], signed_on=D(1995, 1, 1), in_force_from=D(1995, 1, 1), provisions=["consultation"]
        )
    scores = ranked(analyst, world["a"], agreements=1, exercises=0, transfers=0)
    assert scores["Cland"].agreements == pytest.approx(0.4 * (0.8 + 0.2 * (1 - 1 / 6)))
    assert scores["Bland"].index > scores["Cland"].index


def test_weights_change_the_ranking(world, analyst) -> None:
    by_transfers = ranked(analyst, world["a"], agreements=0, exercises=0, transfers=1)
    assert by_transfers["Cland"].index == pytest.approx(50.0)
    assert by_transfers["Bland"].index == pytest.approx(100 / 3)
    assert next(iter(by_transfers)) == "Cland"


@pytest.mark.parametrize(
    "weights",
    [
        {"agreements": -1},
        {"exercises": 101},
        {"agreements": 0, "exercises": 0, "transfers": 0},
        {"transfers": float("nan")},
    ],
)
def test_weights_out_of_bounds_are_refused(weights) -> None:
    with pytest.raises(ValueError, match="weight"):
        strength.Weights(**weights)


def test_parties_count_only_in_their_periods(world, analyst) -> None:
    pact = AgreementFactory(
        signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["mutual_defense"], scope="multilateral"
    )
    AgreementPartyFactory(agreement=pact, nation=world["a"])
    AgreementPartyFactory(agreement=pact, nation=world["c"], joined_on=D(2005, 6, 1), withdrew_on=D(2008, 1, 1))
    series = dict(
        strength.pair_over_time(
            user=analyst, a=world["a"], b=world["c"], first_year=2004, last_year=2008, weights=strength.Weights()
        )
    )
    assert series[2004].raw.depth == 0.4
    assert [series[year].raw.depth for year in (2005, 2006, 2007)] == [1.0, 1.0, 1.0]
    assert len(series[2006].raw.agreements) == 2
    assert series[2008].raw.depth == 0.4  # withdrew on 1 January 2008: no longer a party that year


def test_an_organization_counts_as_its_nation_and_a_multinational_one_as_none(world, analyst) -> None:
    d = NationFactory(name="Dland", iso3="XDD")
    ministry = OrganizationFactory(nation=d)
    alliance = MultinationalFactory()
    pact = AgreementFactory(
        signed_on=D(1999, 1, 1), in_force_from=D(1999, 1, 1), provisions=["mutual_defense"], scope="multilateral"
    )
    AgreementPartyFactory(agreement=pact, nation=world["a"])
    AgreementPartyFactory(agreement=pact, nation=None, organization=ministry)
    AgreementPartyFactory(agreement=pact, nation=None, organization=alliance)
    scores = ranked(analyst, world["a"])
    assert scores["Dland"].agreements == pytest.approx(0.8)
    assert None not in scores


def test_a_dataset_only_agreement_stops_at_its_datasets_end_unless_extended(world, analyst) -> None:
    d = NationFactory(name="Dland", iso3="XDD")
    with_source(
        bilateral_agreement(
            world["a"], d, signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1), provisions=["neutrality"]
        ),
        "cow-alliances",
        "1",
    )
    assert ranked(analyst, world["a"], year=2012)["Dland"].agreements == pytest.approx(0.48)
    assert "Dland" not in ranked(analyst, world["a"], year=2013)
    extended = strength.partners_in_year(
        user=analyst, nation=world["a"], year=2013, weights=strength.Weights(), extend_open=True
    )
    assert "Dland" in [r.partner["name"] for r in extended]


def test_restricted_records_and_nations_never_count_for_a_plain_analyst(world, analyst, cleared_analyst) -> None:
    a = world["a"]
    hidden = NationFactory(name="Hidden", iso3="XHN", visibility="restricted")
    bilateral_agreement(a, hidden, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["mutual_defense"])
    f = NationFactory(name="Fland", iso3="XFF")
    bilateral_agreement(
        a,
        f,
        signed_on=D(1990, 1, 1),
        in_force_from=D(1990, 1, 1),
        provisions=["mutual_defense"],
        visibility="restricted",
    )
    g = NationFactory(name="Gland", iso3="XGG")
    exercise(2000, [a, g], visibility="restricted")
    h = NationFactory(name="Hland", iso3="XHH")
    ResourceSharingFactory(
        provider_nation=a, recipient_nation=h, start_date=D(2000, 1, 1), tiv_total=10, visibility="restricted"
    )
    # A hidden nation in the bilateral exercise with B: for the analyst it stays bilateral.
    exercise(2000, [a, world["b"], hidden])
    plain = ranked(analyst, a)
    assert not {"Hidden", "Fland", "Gland", "Hland"} & set(plain)
    assert plain["Bland"].raw.exercise_weight == pytest.approx(2)
    cleared = ranked(cleared_analyst, a)
    assert {"Hidden", "Fland", "Gland", "Hland"} <= set(cleared)
    assert cleared["Bland"].raw.exercise_weight == pytest.approx(1.5)


def test_the_query_count_does_not_grow_with_partners_or_years(world, analyst) -> None:
    a, b = world["a"], world["b"]
    strength.visible_nations(user=analyst)  # the user's permissions, cached from then on
    with CaptureQueriesContext(connection) as few:
        strength.pair_over_time(user=analyst, a=a, b=b, first_year=2000, last_year=2000, weights=strength.Weights())
    with CaptureQueriesContext(connection) as many:
        strength.pair_over_time(user=analyst, a=a, b=b, first_year=1950, last_year=2020, weights=strength.Weights())
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as forty:
        strength.partners_in_year(user=analyst, nation=a, year=2000, weights=strength.Weights())
    for n in range(20):
        more = NationFactory(name=f"More {n}")
        bilateral_agreement(a, more, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["consultation"])
        exercise(2000, [a, more])
    with CaptureQueriesContext(connection) as sixty:
        partners = strength.partners_in_year(user=analyst, nation=a, year=2000, weights=strength.Weights())
    assert len(partners) == 60
    assert len(forty) == len(sixty) <= 4
    with CaptureQueriesContext(connection) as decades:
        strength.top_partners_by_decade(
            user=analyst, nation=a, first_year=1950, last_year=2020, weights=strength.Weights()
        )
    assert len(decades) == len(sixty)


def test_top_partners_by_decade_average_the_decades_years(world, analyst) -> None:
    decades = dict(
        strength.top_partners_by_decade(
            user=analyst, nation=world["a"], first_year=1990, last_year=2009, weights=strength.Weights()
        )
    )
    assert list(decades) == [1990, 2000]
    first = decades[1990][0]
    assert first.partner["name"] == "Bland"
    assert first.index == pytest.approx(40.0)
    # 2000s: nine years of 40 and one (2000) of the whole index.
    b_2000 = 100 * (0.5 * 0.8 + 0.25 * 0.25 + 0.25 / 3)
    assert decades[2000][0].index == pytest.approx((9 * 40 + b_2000) / 10)
    assert len(decades[2000]) == 10
