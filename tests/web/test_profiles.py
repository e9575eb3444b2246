"""Nation profiles that end: sections with counts and pages of their own, newest first; partners named."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import Nation
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
)

pytestmark = pytest.mark.django_db
D = datetime.date
SERIAL = itertools.count()


@pytest.fixture
def usa(db) -> Nation:
    return NationFactory(name="United States", iso2="US", iso3="USA", cow_code=2)


def _exercises(nation: Nation, count: int, *, first_year: int = 1990, role: str = "participant") -> list[Any]:
    made = []
    for index in range(count):
        start = D(first_year + index // 12, index % 12 + 1, 1)
        exercise = ExerciseFactory(name=f"Drill {start:%Y-%m} {next(SERIAL)}", start_date=start, end_date=start)
        ExerciseParticipantFactory(exercise=exercise, nation=nation, role=role)
        made.append(exercise)
    return made


def _profile(client: Client, nation: Nation, **params: Any) -> Any:
    return client.get(reverse("partnerships:nation-code", args=[nation.iso3]), params)


def test_each_section_gives_its_count_and_one_page_newest_first(usa: Nation, analyst_client: Client) -> None:
    made = _exercises(usa, 45)
    response = _profile(analyst_client, usa)
    joined = response.context["sections"]["joined"]
    assert joined.count == 45
    newest_first = sorted(made, key=lambda e: e.start_date, reverse=True)
    assert [e.pk for e in joined.page] == [e.pk for e in newest_first[:15]]
    page = response.content.decode()
    assert "1\u201315 of 45 (page 1 of 3)" in page
    assert f"{newest_first[0].start_date:%-d %b %Y}" in page or newest_first[0].start_date.strftime("%Y") in page
    assert 'id="joined-heading">Exercises joined <span class="count-badge"' in page


def test_a_section_page_parameter_turns_that_section_only(usa: Nation, analyst_client: Client) -> None:
    made = sorted(_exercises(usa, 45), key=lambda e: e.start_date, reverse=True)
    hosted = sorted(_exercises(usa, 25, first_year=2000, role="host"), key=lambda e: e.start_date, reverse=True)
    response = _profile(analyst_client, usa, joined_page=3, hosted_page=2)
    sections = response.context["sections"]
    assert [e.pk for e in sections["joined"].page] == [e.pk for e in made[30:]]
    assert [e.pk for e in sections["hosted"].page] == [e.pk for e in hosted[15:]]
    # The links of one section keep the other's page.
    previous = sections["joined"].links["previous"]
    assert "joined_page=2" in previous
    assert "hosted_page=2" in previous
    assert previous.endswith("#joined")
    # A page beyond the end shows the last; nonsense shows the first.
    assert _profile(analyst_client, usa, joined_page=99).context["sections"]["joined"].page.number == 3
    assert _profile(analyst_client, usa, joined_page="x").context["sections"]["joined"].page.number == 1


def test_agreements_are_split_in_force_last_known_and_past(usa: Nation, analyst_client: Client) -> None:
    other = NationFactory()
    now = bilateral_agreement(usa, other, title="Current Pact", signed_on=D(2010, 1, 1), in_force_from=D(2010, 2, 1))
    ended = bilateral_agreement(
        usa,
        other,
        title="Old Pact",
        status="terminated",
        signed_on=D(1950, 1, 1),
        in_force_from=D(1950, 2, 1),
        ended_on=D(1960, 1, 1),
    )
    response = _profile(analyst_client, usa)
    assert [a.pk for a in response.context["sections"]["in_force"].page] == [now.pk]
    assert [a.pk for a in response.context["sections"]["past"].page] == [ended.pk]
    assert response.context["sections"]["last_known"].count == 0


def test_transfers_given_and_received_are_dated_and_newest_first(usa: Nation, analyst_client: Client) -> None:
    gbr = NationFactory(name="United Kingdom", iso3="GBR")
    old = ResourceSharingFactory(provider_nation=usa, recipient_nation=gbr, start_date=D(1980, 1, 1), designation="")
    new = ResourceSharingFactory(provider_nation=usa, recipient_nation=gbr, start_date=D(2015, 1, 1))
    came = ResourceSharingFactory(provider_nation=gbr, recipient_nation=usa, start_date=D(2001, 1, 1))
    response = _profile(analyst_client, usa)
    assert [r.pk for r in response.context["sections"]["given"].page] == [new.pk, old.pk]
    assert [r.pk for r in response.context["sections"]["received"].page] == [came.pk]
    assert "2015" in response.content.decode()


def test_restricted_exercises_are_not_counted_for_an_analyst(
    usa: Nation, analyst_client: Client, cleared_client: Client
) -> None:
    _exercises(usa, 3)
    secret = ExerciseFactory(name="Quiet Tide", visibility="restricted")
    ExerciseParticipantFactory(exercise=secret, nation=usa)
    assert _profile(analyst_client, usa).context["sections"]["joined"].count == 3
    assert "Quiet Tide" not in _profile(analyst_client, usa).content.decode()
    assert _profile(cleared_client, usa).context["sections"]["joined"].count == 4


def _fill(usa: Nation, n: int) -> None:
    _exercises(usa, n)
    _exercises(usa, n, role="host", first_year=2010)
    for _ in range(n):
        partner = NationFactory()
        bilateral_agreement(usa, partner, signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1))
        bilateral_agreement(
            usa,
            partner,
            status="terminated",
            signed_on=D(1960, 1, 1),
            in_force_from=D(1960, 1, 1),
            ended_on=D(1970, 1, 1),
        )
        ResourceSharingFactory(provider_nation=usa, recipient_nation=partner)
        ResourceSharingFactory(provider_nation=partner, recipient_nation=usa)
        OrganizationFactory(nation=usa)


def test_the_profile_runs_the_same_number_of_queries_whatever_the_record(usa: Nation, cleared_client: Client) -> None:
    _fill(usa, 1)
    _profile(cleared_client, usa)
    with CaptureQueriesContext(connection) as small:
        _profile(cleared_client, usa)
    _fill(usa, 40)
    with CaptureQueriesContext(connection) as large:
        response = _profile(cleared_client, usa)
    assert response.context["sections"]["joined"].count == 41
    assert len(small) == len(large), [q["sql"][:140] for q in large.captured_queries]


# --- The partners chart ---------------------------------------------------------------------------


@pytest.fixture
def alliances(usa: Nation) -> dict[str, Any]:
    gbr = NationFactory(name="United Kingdom", iso3="GBR")
    jpn = NationFactory(name="Japan", iso3="JPN")
    phl = NationFactory(name="Philippines", iso3="PHL")
    defense = bilateral_agreement(
        usa,
        gbr,
        title="Defense Pact",
        provisions=["mutual_defense"],
        signed_on=D(1950, 1, 1),
        in_force_from=D(1950, 1, 1),
    )
    talks = bilateral_agreement(
        usa,
        jpn,
        title="Consultation Pact",
        provisions=["consultation"],
        signed_on=D(1960, 1, 1),
        in_force_from=D(1960, 1, 1),
    )
    # A multilateral pact in which only the Philippines undertook defense (per-party obligations).
    pact = AgreementFactory(
        title="Pacific Pact",
        scope="multilateral",
        provisions=["consultation"],
        signed_on=D(1969, 1, 1),
        in_force_from=D(1970, 1, 1),
    )
    AgreementPartyFactory(agreement=pact, nation=usa)
    AgreementPartyFactory(agreement=pact, nation=phl, obligations=["mutual_defense"])
    secret = NationFactory(name="Hidden Land", iso3="HDN", visibility="restricted")
    bilateral_agreement(usa, secret, title="Secret Pact", signed_on=D(1980, 1, 1), in_force_from=D(1980, 1, 1))
    return {"gbr": gbr, "jpn": jpn, "phl": phl, "defense": defense, "talks": talks, "pact": pact, "secret": secret}


def test_the_partners_chart_names_each_years_partners(alliances: dict, usa: Nation, analyst_client: Client) -> None:
    response = _profile(analyst_client, usa)
    chart = response.context["partners_chart"]
    titles = {bar.title.split(":")[0]: bar.title for bar in chart["bars"]}
    assert titles["1965"] == "1965: 2 partners: Japan, United Kingdom"
    assert response.context["partners_now"] == 3
    named = [partner.name for partner, _ in response.context["partners_table"]]
    assert named == ["Japan", "Philippines", "United Kingdom"]
    page = response.content.decode()
    assert "1965: 2 partners: Japan, United Kingdom" in page
    assert "Hidden Land" not in page
    chosen = _profile(analyst_client, usa, partners_year=1955)
    assert [p.name for p, _ in chosen.context["partners_table"]] == ["United Kingdom"]
    assert [agreements for _, agreements in chosen.context["partners_table"]] == [["Defense Pact"]]


def test_the_partners_chart_filters_by_obligation_of_either_party(
    alliances: dict, usa: Nation, analyst_client: Client
) -> None:
    response = _profile(analyst_client, usa, obligation="mutual_defense")
    assert response.status_code == 200
    # The UK by the pact's provisions; the Philippines by its own obligation in the Pacific Pact; not Japan.
    assert [p.name for p, _ in response.context["partners_table"]] == ["Philippines", "United Kingdom"]
    assert response.context["partners_now"] == 2
    assert "mutual defense" in response.context["partners_chart"]["label"]
    consultation = _profile(analyst_client, usa, obligation="consultation")
    assert [p.name for p, _ in consultation.context["partners_table"]] == ["Japan", "Philippines"]


def test_a_restricted_partner_is_counted_only_for_cleared_users(
    alliances: dict, usa: Nation, cleared_client: Client
) -> None:
    response = _profile(cleared_client, usa)
    assert "Hidden Land" in [p.name for p, _ in response.context["partners_table"]]
    assert response.context["partners_now"] == 4


def test_bad_partner_parameters_get_a_clear_400(alliances: dict, usa: Nation, analyst_client: Client) -> None:
    response = _profile(analyst_client, usa, obligation="friendship")
    assert response.status_code == 400
    assert "“friendship” is not an obligation" in response.content.decode()
    response = _profile(analyst_client, usa, partners_year=1800)
    assert response.status_code == 400
    assert "partners_year: “1800” is not a year between 1950 and" in response.content.decode()


def test_an_organization_of_a_nation_counts_as_that_nation(usa: Nation, analyst_client: Client) -> None:
    fra = NationFactory(name="France", iso3="FRA")
    navy = OrganizationFactory(name="French Navy", nation=fra)
    nato = MultinationalFactory(name="North Atlantic Treaty Organization")
    pact = AgreementFactory(title="Navy Accord", signed_on=D(2001, 1, 1), in_force_from=D(2001, 1, 1))
    AgreementPartyFactory(agreement=pact, nation=usa)
    AgreementPartyFactory(agreement=pact, nation=None, organization=navy)
    AgreementPartyFactory(agreement=pact, nation=None, organization=nato)
    response = _profile(analyst_client, usa)
    assert [p.name for p, _ in response.context["partners_table"]] == ["France", "North Atlantic Treaty Organization"]


def test_the_profile_links_partners_and_comparison_pages(usa: Nation, analyst_client: Client) -> None:
    page = _profile(analyst_client, usa).content.decode()
    assert 'href="/partners/?nation=USA"' in page
    assert 'href="/compare/?a=USA"' in page
