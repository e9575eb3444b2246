"""``/api/v1/strength/`` over HTTP: a nation's partners ranked, a pair over time, weights, errors, visibility."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import Api
from tests.factories import ExerciseFactory, ExerciseParticipantFactory, NationFactory, bilateral_agreement

D = datetime.date


@pytest.fixture
def nations(transactional_db) -> dict:
    a = NationFactory(name="Aland", iso3="XAA")
    b = NationFactory(name="Bland", iso3="XBB")
    c = NationFactory(name="Cland", iso3="XCC")
    hidden = NationFactory(name="Hidden", iso3="XHN", visibility="restricted")
    bilateral_agreement(a, b, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["mutual_defense"])
    bilateral_agreement(a, c, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["consultation"])
    bilateral_agreement(a, hidden, signed_on=D(1990, 1, 1), in_force_from=D(1990, 1, 1), provisions=["mutual_defense"])
    exercise = ExerciseFactory(start_date=D(2000, 5, 1), end_date=D(2000, 5, 9))
    ExerciseParticipantFactory(exercise=exercise, nation=a)
    ExerciseParticipantFactory(exercise=exercise, nation=c)
    return {"a": a, "b": b, "c": c}


def fields_named(response) -> dict:
    """The error messages of a 400, by the parameter each names (None: the parameters together)."""
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}


def test_a_nations_partners_are_ranked_with_each_component(nations, reader_api: Api) -> None:
    response = reader_api.get("strength", {"nation": "XAA", "year": 2000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["weights"] == {"agreements": 0.5, "exercises": 0.25, "transfers": 0.25}
    partners = [(p["partner"]["iso3"], p["index"]) for p in body["partners"]]
    # B: defense 0.8 * 0.5 = 40. C: consultation 0.32 * 0.5 + a bilateral exercise 1/(1+3) * 0.25 = 22.25.
    assert partners == [("XBB", 40.0), ("XCC", 22.25)]
    c = body["partners"][1]
    assert c["agreements"] == {"score": 0.32, "count": 1, "depth": 0.4, "provisions": ["consultation"]}
    assert c["exercises"] == {"score": 0.25, "count": 1, "weighted": 1.0}


def test_weights_by_parameter_rank_differently(nations, reader_api: Api) -> None:
    body = reader_api.get(
        "strength", {"nation": "XAA", "year": 2000, "w_agreements": 0, "w_exercises": 1, "w_transfers": 0}
    ).json()
    assert [(p["partner"]["iso3"], p["index"]) for p in body["partners"]] == [("XCC", 25.0), ("XBB", 0.0)]


def test_a_pair_over_time_gives_every_year(nations, reader_api: Api) -> None:
    body = reader_api.get("strength", {"a": "XAA", "b": "XCC", "year_from": 1999, "year_to": 2001}).json()
    assert [(y["year"], y["index"]) for y in body["years"]] == [(1999, 16.0), (2000, 22.25), (2001, 16.0)]
    assert body["a"]["iso3"] == "XAA"


def test_a_restricted_nation_is_neither_a_partner_nor_a_subject_for_a_reader(
    nations, reader_api: Api, cleared_reader_api: Api
) -> None:
    plain = reader_api.get("strength", {"nation": "XAA", "year": 2000}).json()
    assert "XHN" not in {p["partner"]["iso3"] for p in plain["partners"]}
    assert "Hidden" not in reader_api.get("strength", {"nation": "XAA", "year": 2000}).text
    refused = reader_api.get("strength", {"a": "XAA", "b": "XHN"})
    assert refused.status_code == 400
    assert "matches no nation" in fields_named(refused)["b"]
    cleared = cleared_reader_api.get("strength", {"nation": "XAA", "year": 2000}).json()
    assert "XHN" in {p["partner"]["iso3"] for p in cleared["partners"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"nation": "XAA"}, "year"),
        ({"a": "XAA"}, "b"),
        ({"nation": "XAA", "year": 2000, "a": "XBB"}, None),
        ({}, None),
        ({"nation": "XAA", "year": 2000, "w_agreements": -1}, "w_agreements"),
        ({"nation": "XAA", "year": 2000, "w_agreements": 0, "w_exercises": 0, "w_transfers": 0}, "w_agreements"),
        ({"nation": "XAA", "year": 2000, "w_exercises": "heavy"}, "w_exercises"),
        ({"nation": "XAA", "year": 2000, "w_transfers": "nan"}, "w_transfers"),
        ({"nation": "XAA", "year": 2000, "weight": 1}, "weight"),
        ({"nation": "XAA", "year": ""}, "year"),
        ({"nation": "Nowhere", "year": 2000}, "nation"),
        ({"a": "XAA", "b": "XAA"}, "b"),
        ({"a": "XAA", "b": "XBB", "year_from": 2000, "year_to": 1990}, "year_to"),
        ({"a": "XAA", "b": "XBB", "year_from": 1}, "year_from"),
        ({"nation": "XAA", "year": 2000, "year_from": 1990}, "year_from"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(nations, reader_api: Api, params: dict, field: str | None) -> None:
    response = reader_api.get("strength", params)
    assert response.status_code == 400, response.text
    assert field in fields_named(response), response.json()


def test_the_schema_documents_the_parameters(reader_api: Api) -> None:
    schema = reader_api.request("GET", f"{reader_api.base}/api/schema/", headers={"Accept": "application/json"}).json()
    operation = schema["paths"]["/api/v1/strength/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"nation", "year", "a", "b", "year_from", "year_to", "w_agreements", "w_exercises", "w_transfers"} <= names


def test_anonymous_callers_are_refused(nations, anonymous_api: Api) -> None:
    assert anonymous_api.get("strength", {"nation": "XAA", "year": 2000}).status_code in (401, 403)
