"""Filtering through the shared FilterSets: every filter exercised, lookups, strictness, visibility."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
import pytest
from django import forms
from django.utils import timezone

from partnerships.filters import (
    FILTERSETS,
    ArrayAnyFilter,
    BoundedDecimalField,
    BoundedIntegerField,
    EmptyFilter,
    IsoDateField,
    MultiValueFilter,
    NationCodeField,
    NationFilter,
    OrderingFilter,
)
from partnerships.filters.records import DatasetNameField
from partnerships.models import Agreement
from tests.api.conftest import Api
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    bilateral_agreement,
    with_source,
)

pytestmark = pytest.mark.django_db(transaction=True)
ENDPOINTS = {
    "Nation": "nations",
    "Organization": "organizations",
    "Membership": "memberships",
    "Program": "programs",
    "Agreement": "agreements",
    "Exercise": "exercises",
    "ResourceSharing": "resources",
    "Assessment": "assessments",
    "Indicator": "indicators",
    "ChallengeType": "challenge-types",
    "Measurement": "measurements",
    "Finding": "findings",
    "AssessmentChallenge": "assessment-challenges",
}
SAMPLES: dict[type[forms.Field], str] = {
    forms.CharField: "a",
    BoundedIntegerField: "1",
    BoundedDecimalField: "1.5",
    IsoDateField: "2020-01-01",
    NationCodeField: "QZZ",
    DatasetNameField: "atop",
}


def sample(filter_: Any) -> str:
    """Return a valid value for any filter the FilterSets declare."""
    if isinstance(filter_, OrderingFilter):
        return "-" + next(iter(filter_.param_map))
    if isinstance(filter_, EmptyFilter | django_filters.BooleanFilter):
        return "true"
    if isinstance(filter_, MultiValueFilter | NationFilter):
        return SAMPLES[filter_.value_field]
    if isinstance(filter_, ArrayAnyFilter | django_filters.MultipleChoiceFilter | django_filters.ChoiceFilter):
        return str(filter_.extra["choices"][0][0])
    if isinstance(filter_, django_filters.IsoDateTimeFilter):
        return "2020-01-01T00:00:00Z"
    if isinstance(filter_, django_filters.DateFilter):
        return "2020-01-01"
    if isinstance(filter_, django_filters.CharFilter):
        return "a"
    raise AssertionError(f"no sample value for {type(filter_).__name__}")


@pytest.mark.parametrize("model", list(FILTERSETS), ids=lambda m: m.__name__)
def test_every_documented_filter_is_accepted_and_narrows_the_list(model: Any, reader_api: Api) -> None:
    NationFactory(iso3="QZZ")
    endpoint = ENDPOINTS[model.__name__]
    filterset = FILTERSETS[model]
    schema = reader_api.get(f"{reader_api.base}/api/schema/?format=json").json()
    documented = {p["name"] for p in schema["paths"][f"/api/v1/{endpoint}/"]["get"]["parameters"]}
    total = reader_api.get(endpoint).json()["count"]
    for name, filter_ in filterset.base_filters.items():
        assert name in documented, f"{endpoint}: {name} is not in the OpenAPI schema"
        response = reader_api.get(endpoint, params={name: sample(filter_)})
        assert response.status_code == 200, (endpoint, name, response.json())
        assert response.json()["count"] <= total


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    usa = NationFactory(name="United States", iso2="US", iso3="USA", cow_code=2, cow_abbr="USA")
    phl = NationFactory(name="Philippines", iso2="PH", iso3="PHL", cow_code=840, cow_abbr="PHI")
    aus = NationFactory(name="Australia", iso2="AU", iso3="AUS", cow_code=900, cow_abbr="AUL")
    secret_nation = NationFactory(name="Secretland", iso3="QSE", visibility="restricted")
    dsca = OrganizationFactory(name="Defense Security Cooperation Agency", acronym="DSCA", nation=usa)
    mdt = bilateral_agreement(
        usa,
        phl,
        title="Mutual Defense Treaty",
        kind="treaty",
        signed_on=datetime.date(1951, 8, 30),
        in_force_from=datetime.date(1952, 8, 27),
        provisions=["mutual_defense"],
    )
    edca = bilateral_agreement(
        usa,
        phl,
        title="Enhanced Defense Cooperation Agreement",
        short_name="EDCA",
        signed_on=datetime.date(2014, 4, 28),
        in_force_from=datetime.date(2014, 6, 25),
        provisions=["basing_access", "logistics"],
    )
    loa = AgreementFactory(
        title="Letter of Offer and Acceptance",
        kind="loa",
        status="signed",
        signed_on=datetime.date(2020, 1, 31),
        in_force_from=None,
        provisions=[],
    )
    AgreementPartyFactory(agreement=loa, nation=aus)
    AgreementPartyFactory(agreement=loa, nation=None, organization=dsca)
    secret = bilateral_agreement(usa, secret_nation, title="Secret Basing Arrangement", visibility="restricted")
    return {"usa": usa, "phl": phl, "aus": aus, "mdt": mdt, "edca": edca, "loa": loa, "secret": secret, "dsca": dsca}


def titles(api: Api, **params: Any) -> list[str]:
    response = api.get("agreements", params={**params, "fields": "title"})
    assert response.status_code == 200, response.json()
    return [row["title"] for row in response.json()["results"]]


def test_party_accepts_iso2_iso3_cow_number_cow_abbreviation_and_id(world: dict, reader_api: Api) -> None:
    expected = ["Enhanced Defense Cooperation Agreement", "Mutual Defense Treaty"]
    for value in ("PH", "PHL", "phl", "cow:840", "cow:PHI", str(world["phl"].pk)):
        assert sorted(titles(reader_api, party=value)) == expected, value


def test_party_finds_agreements_of_a_nations_organizations(world: dict, reader_api: Api) -> None:
    assert "Letter of Offer and Acceptance" in titles(reader_api, party="USA")


def test_repeating_a_parameter_ors_its_values(world: dict, reader_api: Api) -> None:
    assert sorted(titles(reader_api, kind=["treaty", "loa"])) == [
        "Letter of Offer and Acceptance",
        "Mutual Defense Treaty",
    ]
    assert len(titles(reader_api, party=["PHL", "AUS"])) == 3


def test_negated_contains_and_comparison_lookups(world: dict, reader_api: Api) -> None:
    assert "Mutual Defense Treaty" not in titles(reader_api, kind__n="treaty")
    assert titles(reader_api, title__ic="enhanced") == ["Enhanced Defense Cooperation Agreement"]
    assert titles(reader_api, title__isw="letter") == ["Letter of Offer and Acceptance"]
    assert titles(reader_api, signed_on__lte="1960-01-01") == ["Mutual Defense Treaty"]
    assert titles(reader_api, signed_on__gte="2014-04-28", signed_on__lt="2020-01-01") == [
        "Enhanced Defense Cooperation Agreement"
    ]
    assert titles(reader_api, in_force_from__empty="true") == ["Letter of Offer and Acceptance"]
    assert titles(reader_api, provisions="logistics") == ["Enhanced Defense Cooperation Agreement"]
    assert "Enhanced Defense Cooperation Agreement" not in titles(reader_api, provisions__n="logistics")
    assert titles(reader_api, provisions__empty="true") == ["Letter of Offer and Acceptance"]


def test_in_force_on_a_date(world: dict, reader_api: Api) -> None:
    assert titles(reader_api, in_force_on="1960-01-01") == ["Mutual Defense Treaty"]
    assert sorted(titles(reader_api, in_force_on="2014-06-25")) == [
        "Enhanced Defense Cooperation Agreement",
        "Mutual Defense Treaty",
    ]
    assert titles(reader_api, in_force_on="2014-06-24") == ["Mutual Defense Treaty"]


def test_a_party_with_a_date_must_be_a_party_on_that_date(world: dict, reader_api: Api) -> None:
    pact = AgreementFactory(
        title="Manila Pact",
        kind="treaty",
        scope="multilateral",
        status="in_force",
        signed_on=datetime.date(1954, 9, 8),
        in_force_from=datetime.date(1955, 2, 19),
    )
    AgreementPartyFactory(agreement=pact, nation=world["usa"])
    AgreementPartyFactory(agreement=pact, nation=world["phl"], withdrew_on=datetime.date(1977, 7, 1))
    AgreementPartyFactory(agreement=pact, organization=world["dsca"], nation=None, joined_on=datetime.date(1990, 1, 1))
    assert "Manila Pact" in titles(reader_api, party="PHL", in_force_on="1970-01-01")
    assert "Manila Pact" not in titles(reader_api, party="PHL", in_force_on="2024-01-01")
    assert "Manila Pact" in titles(reader_api, party="USA", in_force_on="2024-01-01")
    # An organization's party row has its own dates too, whether named by id or through its nation.
    dsca = str(world["dsca"].pk)
    assert "Manila Pact" not in titles(reader_api, party_organization_id=dsca, in_force_on="1980-01-01")
    assert "Manila Pact" in titles(reader_api, party_organization_id=dsca, in_force_on="2000-01-01")
    # Without a date, any party ever.
    assert "Manila Pact" in titles(reader_api, party="PHL")


def test_a_member_filter_with_a_date_needs_a_member_on_that_date(world: dict, reader_api: Api) -> None:
    seato = MultinationalFactory(name="Southeast Asia Treaty Organization", founded_on=datetime.date(1955, 2, 19))
    seato.dissolved_on = datetime.date(1977, 7, 1)
    seato.save()
    MembershipFactory(
        organization=seato,
        nation=world["phl"],
        joined_on=datetime.date(1955, 2, 19),
        left_on=datetime.date(1970, 1, 1),
    )

    def names(**params: str) -> list[str]:
        response = reader_api.get("organizations", params={**params, "fields": "name"})
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(member="PHL") == ["Southeast Asia Treaty Organization"]
    assert names(member="PHL", current_on="1960-01-01") == ["Southeast Asia Treaty Organization"]
    assert names(member="PHL", current_on="1972-01-01") == []  # it had left; the organization still existed
    assert "Southeast Asia Treaty Organization" in names(current_on="1972-01-01")
    assert "Southeast Asia Treaty Organization" not in names(current_on="1980-01-01")  # dissolved


def test_known_until_says_when_a_dataset_only_record_was_last_known(world: dict, reader_api: Api) -> None:
    atop = with_source(
        AgreementFactory(
            title="ATOP alliance 9999",
            kind="alliance",
            status="in_force",
            signed_on=datetime.date(1990, 1, 1),
            in_force_from=datetime.date(1990, 1, 1),
        ),
        "atop",
        "9999",
        version="4.01",
    )
    ended = with_source(
        AgreementFactory(
            title="ATOP alliance 9998",
            kind="alliance",
            status="terminated",
            signed_on=datetime.date(1990, 1, 1),
            in_force_from=datetime.date(1990, 1, 1),
            ended_on=datetime.date(2000, 1, 1),
        ),
        "atop",
        "9998",
        version="4.01",
    )
    response = reader_api.get("agreements", params={"fields": "title,known_until", "limit": 100})
    known = {row["title"]: row["known_until"] for row in response.json()["results"]}
    assert known[atop.title] == "2018-12-31"
    assert known[ended.title] is None
    assert known["Mutual Defense Treaty"] is None  # curated: known today
    detail = reader_api.get(f"agreements/{atop.pk}")
    assert detail.json()["known_until"] == "2018-12-31"
    assert detail.json()["status"] == "in_force"


def test_the_dyad_api_keeps_one_dataset_and_extends_open_alliances_only_when_asked(
    world: dict, reader_api: Api
) -> None:
    alliance = with_source(
        AgreementFactory(
            title="COW alliance 9999",
            kind="alliance",
            scope="bilateral",
            status="in_force",
            signed_on=datetime.date(2010, 1, 1),
            in_force_from=datetime.date(2010, 1, 1),
        ),
        "cow-alliances",
        "9999",
        version="4.1",
    )
    AgreementPartyFactory(agreement=alliance, nation=world["phl"])
    AgreementPartyFactory(agreement=alliance, nation=world["aus"])

    def years(**params: str) -> set[int]:
        response = reader_api.get("dyads", params={"year_from": "2010", "year_to": "2015", **params})
        assert response.status_code == 200, response.text
        lines = [line for line in response.text.splitlines()[1:] if not line.startswith("#")]
        return {int(line.split(",")[0]) for line in lines}

    # COW v4.1 ends in 2012; the curated treaties of the world fixture are not COW's.
    assert years(dataset="cow-alliances") == {2010, 2011, 2012}
    assert years(dataset="cow-alliances", extend_open="true") == set(range(2010, 2016))
    assert 2015 in years()  # the curated Mutual Defense Treaty: in force, known today
    refused = reader_api.get("dyads", params={"dataset": "gossip"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "dataset"


def test_updated_since_returns_what_changed(world: dict, reader_api: Api) -> None:
    moment = timezone.now()
    edca = world["edca"]
    edca.description = "changed"
    edca.save()
    assert titles(reader_api, updated_since=moment.isoformat()) == ["Enhanced Defense Cooperation Agreement"]
    bad = reader_api.get("agreements", params={"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "updated_since"


def test_text_search_and_ordering(world: dict, reader_api: Api) -> None:
    assert titles(reader_api, q="defense treaty") == ["Mutual Defense Treaty"]
    assert titles(reader_api, ordering="signed_on") == [
        "Mutual Defense Treaty",
        "Enhanced Defense Cooperation Agreement",
        "Letter of Offer and Acceptance",
    ]
    assert titles(reader_api, ordering="-title")[0] == "Mutual Defense Treaty"
    bad = reader_api.get("agreements", params={"ordering": "secret_field"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "ordering"


def test_unknown_and_malformed_parameters_are_400s_naming_them(world: dict, reader_api: Api) -> None:
    cases = {
        "partyy": "PHL",
        "signed_on__gte": "2014-13-45",
        "status": "abolished",
        "party": "Atlantis 2",
        "id": "twelve",
        "limit": "many",
        "offset": "-3",
        "brief": "perhaps",
    }
    for name, value in cases.items():
        response = reader_api.get("agreements", params={name: value})
        assert response.status_code == 400, name
        body = response.json()
        assert body["type"] == "validation_error"
        assert body["errors"][0]["attr"] == name, body
    detail = reader_api.get(f"agreements/{world['edca'].pk}/", params={"status": "signed"})
    assert detail.status_code == 400
    assert detail.json()["errors"][0]["attr"] == "status"


def test_restricted_records_never_count_match_or_resolve(world: dict, reader_api: Api, cleared_reader_api: Api) -> None:
    assert "Secret Basing Arrangement" not in titles(reader_api, q="Secret")
    assert reader_api.get("agreements", params={"q": "Secret Basing"}).json()["count"] == 0
    assert reader_api.get("agreements").json()["count"] == 3
    # A restricted nation's code is as unknown as a made-up one: both match nothing, alike.
    hidden = reader_api.get("agreements", params={"party": "QSE"})
    made_up = reader_api.get("agreements", params={"party": "QXX"})
    assert hidden.status_code == made_up.status_code == 200
    assert hidden.json()["results"] == made_up.json()["results"] == []
    assert hidden.json()["count"] == made_up.json()["count"] == 0
    # So is its name.
    by_name = reader_api.get("agreements", params={"party": "Secretland"})
    assert by_name.status_code == 200
    assert by_name.json()["count"] == 0
    # A value that is neither a nation code nor a name is a 400 naming the parameter.
    malformed = reader_api.get("agreements", params={"party": "Q5E"})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["attr"] == "party"
    assert titles(cleared_reader_api, party="QSE") == ["Secret Basing Arrangement"]
    assert cleared_reader_api.get("agreements").json()["count"] == 4


def test_exercise_and_resource_nation_filters(world: dict, reader_api: Api) -> None:
    exercise = ExerciseFactory(name="Balikatan 2024", program=ProgramFactory())
    ExerciseParticipantFactory(exercise=exercise, nation=world["phl"], role="host")
    ExerciseParticipantFactory(exercise=exercise, nation=world["usa"])
    ResourceSharingFactory(provider_nation=world["usa"], recipient_nation=world["phl"], reference="EDCA-FUNDS")
    names = lambda **p: [r["name"] for r in reader_api.get("exercises", params=p).json()["results"]]  # noqa: E731
    assert names(host="PHL") == ["Balikatan 2024"]
    assert names(host="USA") == []
    assert names(participant="USA", ongoing_on="2024-05-10") == ["Balikatan 2024"]
    refs = lambda **p: [r["reference"] for r in reader_api.get("resources", params=p).json()["results"]]  # noqa: E731
    assert refs(provider="USA") == ["EDCA-FUNDS"]
    assert refs(recipient="USA") == []
    assert refs(nation="PHL", value__gte="1000000") == ["EDCA-FUNDS"]


def test_filters_are_the_ones_the_pages_will_use(world: dict) -> None:
    filterset = FILTERSETS[Agreement]({"party": "PHL", "in_force_on": "1960-01-01"}, Agreement.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs) == [world["mdt"]]


def test_nations_are_named_by_name_over_the_api_too(world: dict, reader_api: Api, cleared_reader_api: Api) -> None:
    expected = ["Enhanced Defense Cooperation Agreement", "Mutual Defense Treaty"]
    for value in ("Philippines", "philippines", "Phil", "PHI"):
        assert sorted(titles(reader_api, party=value)) == expected, value
    NationFactory(name="Australian Antarctic Territory", iso3="QAT")
    ambiguous = reader_api.get("agreements", params={"party": "Austral"})
    assert ambiguous.status_code == 400
    (error,) = ambiguous.json()["errors"]
    assert (error["attr"], error["code"]) == ("party", "ambiguous_nation")
    assert "Australia (AUS)" in error["detail"]
    assert "Australian Antarctic Territory (QAT)" in error["detail"]
    # A restricted nation's name is as unknown as a made-up one, and it makes no name ambiguous.
    assert reader_api.get("agreements", params={"party": "Secretland"}).json()["count"] == 0
    assert reader_api.get("agreements", params={"party": "Secret"}).json()["count"] == 0
    assert titles(cleared_reader_api, party="Secretland") == ["Secret Basing Arrangement"]


def test_party_all_needs_every_nation_named_with_and_without_a_date(world: dict, reader_api: Api) -> None:
    pact = AgreementFactory(
        title="Manila Pact",
        scope="multilateral",
        signed_on=datetime.date(1954, 9, 8),
        in_force_from=datetime.date(1955, 2, 19),
    )
    AgreementPartyFactory(agreement=pact, nation=world["usa"])
    AgreementPartyFactory(agreement=pact, nation=world["aus"])
    AgreementPartyFactory(agreement=pact, nation=world["phl"], withdrew_on=datetime.date(1977, 7, 1))
    assert sorted(titles(reader_api, party_all="USA,PHL")) == [
        "Enhanced Defense Cooperation Agreement",
        "Manila Pact",
        "Mutual Defense Treaty",
    ]
    assert titles(reader_api, party_all="United States, Australia, Philippines") == ["Manila Pact"]
    # Repeated, the lists add up: every nation of every value.
    assert titles(reader_api, party_all=["USA", "AUS,PHL"]) == ["Manila Pact"]
    assert sorted(titles(reader_api, party_all="USA,PHL", in_force_on="1970-01-01")) == [
        "Manila Pact",
        "Mutual Defense Treaty",
    ]
    assert titles(reader_api, party_all="USA,PHL", in_force_on="1990-01-01") == ["Mutual Defense Treaty"]
    assert titles(reader_api, party_all="USA,QXX") == []
    malformed = reader_api.get("agreements", params={"party_all": "USA;PHL"})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["attr"] == "party_all"
    schema = reader_api.get(f"{reader_api.base}/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert "all of them" in parameters["party_all"]["description"]
    exercise = ExerciseFactory(name="Balikatan 2024")
    ExerciseParticipantFactory(exercise=exercise, nation=world["phl"], role="host")
    ExerciseParticipantFactory(exercise=exercise, nation=world["usa"])
    names = reader_api.get("exercises", params={"participant_all": "Philippines,USA"}).json()["results"]
    assert [row["name"] for row in names] == ["Balikatan 2024"]
    assert reader_api.get("exercises", params={"participant_all": "PHL,AUS"}).json()["count"] == 0
