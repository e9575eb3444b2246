"""Lists that help: nations by name, ``*_all`` filters, actors by name and code, checkbox filters,
remembered columns, saved searches and the nation fields' suggestions."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import ListPreference, SavedSearch
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
)

pytestmark = pytest.mark.django_db
D = datetime.date
AGREEMENTS = "partnerships:agreement-list"


@pytest.fixture
def asia(db) -> dict[str, Any]:
    usa = NationFactory(name="United States", iso2="US", iso3="USA", cow_code=2, cow_abbr="USA")
    gbr = NationFactory(name="United Kingdom", iso2="GB", iso3="GBR", cow_code=200, cow_abbr="UKG")
    phl = NationFactory(name="Philippines", iso2="PH", iso3="PHL", cow_code=840, cow_abbr="PHI")
    jpn = NationFactory(name="Japan", iso2="JP", iso3="JPN", cow_code=740, cow_abbr="JPN")
    civ = NationFactory(name="Côte d\u2019Ivoire", iso2="CI", iso3="CIV", cow_code=437, cow_abbr="CDI")
    prk = NationFactory(name="North Korea", iso2="KP", iso3="PRK", cow_code=731, cow_abbr="PRK")
    kor = NationFactory(name="South Korea", iso2="KR", iso3="KOR", cow_code=732, cow_abbr="ROK")
    secret = NationFactory(name="Secretland", iso3="XSE", visibility="restricted")
    mdt = bilateral_agreement(
        usa, phl, title="Mutual Defense Treaty", kind="treaty", signed_on=D(1951, 8, 30), in_force_from=D(1952, 8, 27)
    )
    raa = bilateral_agreement(phl, jpn, title="Reciprocal Access Agreement", kind="sofa", in_force_from=D(2025, 9, 11))
    ivory = bilateral_agreement(usa, civ, title="Ivorian Accord")
    hidden = bilateral_agreement(usa, secret, title="Hidden Accord", visibility="restricted")
    seato = AgreementFactory(
        title="Southeast Asia Collective Defense Treaty",
        scope="multilateral",
        signed_on=D(1954, 9, 8),
        in_force_from=D(1955, 2, 19),
    )
    AgreementPartyFactory(agreement=seato, nation=usa)
    AgreementPartyFactory(agreement=seato, nation=gbr)
    AgreementPartyFactory(agreement=seato, nation=phl, withdrew_on=D(1977, 7, 1))
    return {
        "usa": usa,
        "gbr": gbr,
        "phl": phl,
        "jpn": jpn,
        "civ": civ,
        "prk": prk,
        "kor": kor,
        "secret": secret,
        "mdt": mdt,
        "raa": raa,
        "ivory": ivory,
        "hidden": hidden,
        "seato": seato,
    }


def _titles(client: Client, name: str = AGREEMENTS, **params: Any) -> set[str]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert response.context["errors"] == [], response.context["errors"]
    return {getattr(obj, "title", None) or obj.name for obj, _ in response.context["rows"]}


# --- Nations by name --------------------------------------------------------------------------


def test_nation_filters_take_names_ignoring_case_and_accents(asia: dict, analyst_client: Client) -> None:
    by_code = _titles(analyst_client, party="PHL")
    assert by_code == {
        "Mutual Defense Treaty",
        "Reciprocal Access Agreement",
        "Southeast Asia Collective Defense Treaty",
    }
    for value in ("Philippines", "philippines", "  PHILIPPINES ", "Phil", "PHI", "cow:PHI", "cow:840", "PH"):
        assert _titles(analyst_client, party=value) == by_code, value
    assert _titles(analyst_client, party="cote d'ivoire") == {"Ivorian Accord"}
    assert _titles(analyst_client, party="Côte d\u2019Ivoire") == {"Ivorian Accord"}
    # The chip names the nation found, with its code.
    response = analyst_client.get(reverse(AGREEMENTS), {"party": "phil"})
    assert [chip["value"] for chip in response.context["active_filters"]] == ["Philippines (PHL)"]


def test_an_ambiguous_name_is_a_field_error_listing_the_candidates(asia: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse(AGREEMENTS), {"party": "United"})
    assert response.context["rows"] == []
    (error,) = response.context["errors"]
    assert error.startswith("party: “United” fits several nations: ")
    assert "United Kingdom (GBR)" in error
    assert "United States (USA)" in error
    korea = " ".join(analyst_client.get(reverse(AGREEMENTS), {"party": "korea"}).context["errors"])
    assert "North Korea (PRK)" in korea
    assert "South Korea (KOR)" in korea
    # An exact name wins over longer names it starts.
    NationFactory(name="Niger", iso3="NER")
    NationFactory(name="Nigeria", iso3="NGA")
    assert analyst_client.get(reverse(AGREEMENTS), {"party": "niger"}).context["errors"] == []


def test_a_restricted_nation_never_resolves_for_an_analyst(
    asia: dict, analyst_client: Client, cleared_client: Client
) -> None:
    for value in ("Secretland", "secret", "XSE"):
        response = analyst_client.get(reverse(AGREEMENTS), {"party": value})
        assert response.context["errors"] == []
        assert response.context["rows"] == []
        assert response.context["notices"] == [f"party: “{value}” names no nation you may see, so nothing matches it."]
        assert "Hidden Accord" not in response.content.decode()
        assert _titles(cleared_client, party=value) == {"Hidden Accord"}
    # Nor does it make a name ambiguous: for an analyst "Se" starts Serbia only.
    NationFactory(name="Serbia", iso3="SRB")
    assert analyst_client.get(reverse(AGREEMENTS), {"party": "Se"}).context["errors"] == []
    assert "Secretland (XSE)" in " ".join(cleared_client.get(reverse(AGREEMENTS), {"party": "Se"}).context["errors"])


def test_party_all_keeps_agreements_every_nation_named_is_party_to(asia: dict, analyst_client: Client) -> None:
    assert _titles(analyst_client, party_all="USA,PHL") == {
        "Mutual Defense Treaty",
        "Southeast Asia Collective Defense Treaty",
    }
    assert _titles(analyst_client, party_all="United States, Philippines, United Kingdom") == {
        "Southeast Asia Collective Defense Treaty"
    }
    assert _titles(analyst_client, party_all=["USA", "Japan"]) == set()
    # With a date: each nation a party on that day (the Philippines left SEATO in 1977).
    assert _titles(analyst_client, party_all="USA,PHL", in_force_on="1970-01-01") == {
        "Mutual Defense Treaty",
        "Southeast Asia Collective Defense Treaty",
    }
    assert _titles(analyst_client, party_all="USA,PHL", in_force_on="1990-01-01") == {"Mutual Defense Treaty"}
    response = analyst_client.get(reverse(AGREEMENTS), {"party_all": "USA,Phil"})
    assert [chip["value"] for chip in response.context["active_filters"]] == ["United States (USA), Philippines (PHL)"]
    unknown = analyst_client.get(reverse(AGREEMENTS), {"party_all": "USA,Atlantis"})
    assert unknown.context["rows"] == []
    assert unknown.context["notices"] == ["party_all: “Atlantis” names no nation you may see, so nothing matches it."]
    malformed = analyst_client.get(reverse(AGREEMENTS), {"party_all": "USA;PHL"})
    assert "is not a list of nations" in " ".join(malformed.context["errors"])


def test_participant_all_and_nation_all(asia: dict, analyst_client: Client) -> None:
    balikatan = ExerciseFactory(name="Balikatan 2024")
    ExerciseParticipantFactory(exercise=balikatan, nation=asia["phl"], role="host")
    ExerciseParticipantFactory(exercise=balikatan, nation=asia["usa"])
    other = ExerciseFactory(name="Keen Sword")
    ExerciseParticipantFactory(exercise=other, nation=asia["usa"], role="host")
    ExerciseParticipantFactory(exercise=other, nation=asia["jpn"])
    exercises = "partnerships:exercise-list"
    assert _titles(analyst_client, exercises, participant_all="USA,PHL") == {"Balikatan 2024"}
    assert _titles(analyst_client, exercises, participant_all="USA") == {"Balikatan 2024", "Keen Sword"}
    ResourceSharingFactory(reference="UK-SA", provider_nation=asia["gbr"], recipient_nation=asia["phl"])
    ResourceSharingFactory(reference="US-PH", provider_nation=asia["usa"], recipient_nation=asia["phl"])
    response = analyst_client.get(reverse("partnerships:resource-list"), {"nation_all": "Philippines,GBR"})
    assert [obj.reference for obj, _ in response.context["rows"]] == ["UK-SA"]


# --- Actors by name and code --------------------------------------------------------------------


def test_actors_are_named_with_their_code_and_organizations_never_by_bare_acronym(
    asia: dict, analyst_client: Client, cleared_client: Client
) -> None:
    india = NationFactory(name="India", iso3="IND", iso2="IN")
    navy = OrganizationFactory(name="Indian Navy", acronym="IN", nation=india)
    exercise = ExerciseFactory(name="Malabar 2024")
    ExerciseParticipantFactory(exercise=exercise, organization=navy, role="host", nation=None)
    ExerciseParticipantFactory(exercise=exercise, nation=asia["jpn"])
    response = analyst_client.get(reverse("partnerships:exercise-list"), {"q": "Malabar"})
    headers = [column["label"] for column in response.context["columns"]]
    cells = dict(zip(headers, response.context["rows"][0][1], strict=True))
    assert cells["Hosts"] == "Indian Navy (IN, India)"
    # An organization whose nation is restricted: the nation is not named to an analyst.
    hidden_nation = NationFactory(name="Hiddenia", visibility="restricted")
    ghost = OrganizationFactory(name="Ghost Fleet", acronym="GF", nation=hidden_nation)
    ResourceSharingFactory(
        reference="GF-1", provider_organization=ghost, provider_nation=None, recipient_nation=asia["phl"]
    )
    listing = analyst_client.get(reverse("partnerships:resource-list"), {"q": "GF-1"})
    if listing.context["rows"]:
        cells = dict(zip([c["label"] for c in listing.context["columns"]], listing.context["rows"][0][1], strict=True))
        assert "Hiddenia" not in str(cells["Provider"])
    cleared = cleared_client.get(reverse("partnerships:resource-list"), {"q": "GF-1"})
    cells = dict(zip([c["label"] for c in cleared.context["columns"]], cleared.context["rows"][0][1], strict=True))
    assert cells["Provider"] == "Ghost Fleet (GF, Hiddenia)"
    assert cells["Recipient"] == "Philippines (PHL)"
    export = analyst_client.get(reverse(AGREEMENTS), {"q": "Mutual", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1][rows[0].index("Parties")] == "United States (USA), Philippines (PHL)"


# --- Checkbox filters -----------------------------------------------------------------------------


def test_multiple_choice_filters_are_checkbox_lists(asia: dict, analyst_client: Client) -> None:
    page = analyst_client.get(reverse(AGREEMENTS), {"kind": ["treaty", "sofa"]}).content.decode()
    form = page.split('id="filters"')[1].split("</form>")[0]
    assert not re.search(r"<select[^>]*multiple", form)
    assert 'type="checkbox" name="kind" value="treaty" checked' in page
    assert 'type="checkbox" name="kind" value="sofa" checked' in page
    assert 'type="checkbox" name="kind" value="mou" ' in page
    assert "<legend>Kind</legend>" in page


# --- Remembered columns ---------------------------------------------------------------------------


def test_chosen_columns_are_remembered_per_user_until_reset(
    asia: dict, analyst: Any, analyst_client: Client, cleared_client: Client
) -> None:
    url = reverse(AGREEMENTS)
    labels = lambda response: [c["label"] for c in response.context["columns"]]  # noqa: E731
    default = labels(analyst_client.get(url))
    assert "Sources" in default
    analyst_client.get(url, {"columns": ["title", "status", "parties"]})
    assert ListPreference.objects.get(user=analyst, list_key="agreement").columns == ["title", "status", "parties"]
    again = analyst_client.get(url)
    assert labels(again) == ["Title", "Status", "Parties"]
    assert again.context["columns_remembered"] is True
    assert "Reset columns" in again.content.decode()
    # Another user's lists keep their own columns.
    assert labels(cleared_client.get(url)) == default
    # Unknown names are reported, and not remembered.
    bad = analyst_client.get(url, {"columns": "title,nonsense"})
    assert bad.context["errors"]
    assert ListPreference.objects.get(user=analyst).columns == ["title", "status", "parties"]
    # Reset: a POST with CSRF, back to the defaults.
    reset = analyst_client.post(reverse("partnerships:list-columns-reset", args=["agreement"]), {"next": url})
    assert reset.status_code == 302
    assert reset["Location"] == url
    assert not ListPreference.objects.filter(user=analyst).exists()
    assert labels(analyst_client.get(url)) == default
    # Choosing the default columns forgets any choice rather than storing the defaults.
    analyst_client.get(url, {"columns": ["status"]})
    analyst_client.get(url, {"columns": [c.replace(" ", "_").lower() for c in default]})
    assert not ListPreference.objects.filter(user=analyst).exists()


def test_anonymous_visitors_have_no_remembered_columns_or_saved_searches(asia: dict, client: Client) -> None:
    with override_settings(REGISTRY_PUBLIC_READ=True):
        response = client.get(reverse(AGREEMENTS), {"columns": "title,status"})
        assert response.status_code == 200
        assert "Save this search" not in response.content.decode()
        post = client.post(reverse(AGREEMENTS) + "?party=PHL", {"name": "Mine"})
        assert post.status_code == 302
        assert "/login/" in post["Location"]
    assert not ListPreference.objects.exists()
    assert not SavedSearch.objects.exists()


# --- Saved searches -------------------------------------------------------------------------------


def test_a_search_is_saved_from_its_list_and_listed_on_the_dashboard(
    asia: dict, analyst: Any, analyst_client: Client
) -> None:
    url = reverse(AGREEMENTS) + "?party_all=USA%2CPHL&in_force_on=1970-01-01&page=2&columns=title"
    response = analyst_client.post(url, {"name": "US-PH in 1970"})
    assert response.status_code == 302
    assert response["Location"] == url
    search = SavedSearch.objects.get(user=analyst)
    assert (search.name, search.list_key) == ("US-PH in 1970", "agreement")
    assert search.query == "party_all=USA%2CPHL&in_force_on=1970-01-01"
    assert search.get_absolute_url() == reverse(AGREEMENTS) + "?party_all=USA%2CPHL&in_force_on=1970-01-01"
    dashboard = analyst_client.get(reverse("partnerships:dashboard")).content.decode()
    assert "Your saved searches" in dashboard
    assert f'href="{search.get_absolute_url().replace("&", "&amp;")}"' in dashboard
    listing = analyst_client.get(reverse(AGREEMENTS)).content.decode()
    assert "US-PH in 1970" in listing
    opened = analyst_client.get(search.get_absolute_url())
    assert {obj.title for obj, _ in opened.context["rows"]} == {
        "Mutual Defense Treaty",
        "Southeast Asia Collective Defense Treaty",
    }
    # Saving again under the same name replaces the query.
    analyst_client.post(reverse(AGREEMENTS) + "?party=JPN", {"name": "US-PH in 1970"})
    assert SavedSearch.objects.get(user=analyst).query == "party=JPN"


def test_saving_a_search_needs_a_name_and_says_so(asia: dict, analyst_client: Client) -> None:
    response = analyst_client.post(reverse(AGREEMENTS) + "?party=PHL", {"name": "  "})
    assert response.status_code == 400
    assert response.context["save_form"].errors["name"] == ["This field is required."]
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "This field is required." in page
    # The list is still shown, filtered as the URL says.
    assert len(response.context["rows"]) == 3
    too_long = analyst_client.post(reverse(AGREEMENTS), {"name": "x" * 101})
    assert too_long.status_code == 400
    assert not SavedSearch.objects.exists()


def test_saving_and_deleting_need_the_csrf_token(asia: dict, analyst: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post(reverse(AGREEMENTS), {"name": "Mine"}).status_code == 403
    search = SavedSearch.objects.create(user=analyst, name="Mine", list_key="agreement", query="party=PHL")
    assert client.post(reverse("partnerships:saved-search-delete", args=[search.pk])).status_code == 403
    assert client.post(reverse("partnerships:list-columns-reset", args=["agreement"])).status_code == 403
    assert SavedSearch.objects.filter(pk=search.pk).exists()


def test_only_the_owner_deletes_a_saved_search(asia: dict, analyst: Any, analyst_client: Client) -> None:
    search = SavedSearch.objects.create(user=analyst, name="Mine", list_key="agreement", query="party=PHL")
    other = Client()
    other.force_login(UserFactory(username="other"))
    assert other.post(reverse("partnerships:saved-search-delete", args=[search.pk])).status_code == 404
    assert "Mine" not in other.get(reverse("partnerships:dashboard")).content.decode()
    assert SavedSearch.objects.filter(pk=search.pk).exists()
    assert Client().post(reverse("partnerships:saved-search-delete", args=[search.pk])).status_code == 302
    assert SavedSearch.objects.filter(pk=search.pk).exists()
    deleted = analyst_client.post(
        reverse("partnerships:saved-search-delete", args=[search.pk]), {"next": "https://evil.example/"}
    )
    assert deleted.status_code == 302
    assert deleted["Location"] == reverse("partnerships:dashboard")
    assert not SavedSearch.objects.filter(pk=search.pk).exists()
    assert analyst_client.get(reverse("partnerships:saved-search-delete", args=[search.pk])).status_code == 405


def test_a_shared_search_shows_each_user_what_they_may_see(
    asia: dict, analyst: Any, analyst_client: Client, cleared_client: Client
) -> None:
    analyst_client.post(reverse(AGREEMENTS) + "?party=USA", {"name": "All US"})
    url = SavedSearch.objects.get(user=analyst).get_absolute_url()
    seen_by_analyst = {obj.title for obj, _ in analyst_client.get(url).context["rows"]}
    seen_by_cleared = {obj.title for obj, _ in cleared_client.get(url).context["rows"]}
    assert "Hidden Accord" not in seen_by_analyst
    assert seen_by_cleared == seen_by_analyst | {"Hidden Accord"}
    # Opening it does not add it to the other user's searches.
    assert "All US" not in cleared_client.get(reverse("partnerships:dashboard")).content.decode()


def test_saved_searches_are_in_the_admin(asia: dict, analyst: Any, superuser_client: Client) -> None:
    SavedSearch.objects.create(user=analyst, name="Visible to admins", list_key="agreement", query="party=PHL")
    page = superuser_client.get(reverse("admin:partnerships_savedsearch_changelist")).content.decode()
    assert "Visible to admins" in page
    assert reverse(AGREEMENTS) + "?party=PHL" in page
    assert superuser_client.get(reverse("admin:partnerships_listpreference_changelist")).status_code == 200


# --- Constant queries -----------------------------------------------------------------------------


def test_a_list_with_names_party_all_columns_and_saved_searches_runs_constant_queries(
    asia: dict, analyst: Any, analyst_client: Client
) -> None:
    SavedSearch.objects.create(user=analyst, name="One", list_key="agreement", query="party=PHL")
    ListPreference.objects.create(user=analyst, list_key="agreement", columns=["title", "parties", "sources"])
    params = {"party": "United States", "party_all": "USA,Philippines"}
    url = reverse(AGREEMENTS)
    analyst_client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        first = analyst_client.get(url, params)
    for index in range(30):
        bilateral_agreement(asia["usa"], asia["phl"], title=f"Accord {index}")
        SavedSearch.objects.create(user=analyst, name=f"Search {index}", list_key="agreement", query="q=x")
    with CaptureQueriesContext(connection) as many:
        response = analyst_client.get(url, params)
    assert len(response.context["rows"]) > len(first.context["rows"])
    assert len(few) == len(many), [q["sql"][:120] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as dashboard:
        analyst_client.get(reverse("partnerships:dashboard"))
    SavedSearch.objects.create(user=analyst, name="Another", list_key="exercise", query="q=y")
    with CaptureQueriesContext(connection) as dashboard_more:
        analyst_client.get(reverse("partnerships:dashboard"))
    assert len(dashboard) == len(dashboard_more)


# --- Suggestions for the nation fields ------------------------------------------------------------


SUGGEST = "partnerships:suggest-actors"


def test_suggestions_name_visible_nations_best_first(
    asia: dict, analyst_client: Client, cleared_client: Client
) -> None:
    response = analyst_client.get(reverse(SUGGEST), {"q": "Phil"})
    assert response.status_code == 200
    assert response.json()["results"][0] == {
        "kind": "nation",
        "value": "PHL",
        "code": "PHL",
        "name": "Philippines",
        "label": "Philippines (PHL)",
    }
    labels = lambda client, **p: [r["label"] for r in client.get(reverse(SUGGEST), p).json()["results"]]  # noqa: E731
    assert labels(analyst_client, q="korea") == ["North Korea (PRK)", "South Korea (KOR)"]
    assert labels(analyst_client, q="usa")[0] == "United States (USA)"
    assert labels(analyst_client, q="cote")[0] == "Côte d\u2019Ivoire (CIV)"
    assert labels(analyst_client, q="Secret") == []
    assert labels(analyst_client, q="XSE") == []
    assert labels(cleared_client, q="Secret") == ["Secretland (XSE)"]
    assert labels(analyst_client, q="") == []


def test_suggestions_offer_organizations_when_asked(asia: dict, analyst_client: Client) -> None:
    india = NationFactory(name="India", iso3="IND")
    OrganizationFactory(name="Indian Navy", acronym="IN", nation=india)
    OrganizationFactory(name="Indian Secret Service", acronym="ISS", nation=india, visibility="restricted")
    results = analyst_client.get(reverse(SUGGEST), {"q": "Indian", "kinds": "nation,organization"}).json()["results"]
    assert [(r["kind"], r["label"]) for r in results] == [("organization", "Indian Navy (IN, India)")]
    nations_only = analyst_client.get(reverse(SUGGEST), {"q": "Indian"}).json()["results"]
    assert nations_only == []


def test_suggestions_are_limited_and_check_their_parameters(asia: dict, analyst_client: Client) -> None:
    for index in range(30):
        NationFactory(name=f"Newland {index:02d}")
    assert len(analyst_client.get(reverse(SUGGEST), {"q": "Newland"}).json()["results"]) == 10
    assert len(analyst_client.get(reverse(SUGGEST), {"q": "Newland", "limit": "25"}).json()["results"]) == 25
    for params in (
        {"limit": "26"},
        {"limit": "0"},
        {"limit": "x"},
        {"kinds": "agreement"},
        {"bogus": "1"},
        {"q": "x" * 101},
    ):
        response = analyst_client.get(reverse(SUGGEST), {"q": "a", **params})
        assert response.status_code == 400, params
        assert set(response.json()) == set(params) - {"q"} or set(response.json()) == {"q"}


def test_suggestions_need_a_login_unless_public_read(asia: dict, client: Client) -> None:
    assert client.get(reverse(SUGGEST), {"q": "Phil"}).status_code == 403
    with override_settings(REGISTRY_PUBLIC_READ=True):
        results = client.get(reverse(SUGGEST), {"q": "Secret"}).json()["results"]
    assert results == []


def test_suggestions_run_constant_queries(asia: dict, analyst_client: Client) -> None:
    params = {"q": "land", "kinds": "nation,organization", "limit": "25"}
    analyst_client.get(reverse(SUGGEST), params)
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(reverse(SUGGEST), params)
    for index in range(20):
        nation = NationFactory(name=f"Island {index}")
        OrganizationFactory(name=f"Island Guard {index}", nation=nation)
    with CaptureQueriesContext(connection) as many:
        response = analyst_client.get(reverse(SUGGEST), params)
    assert len(response.json()["results"]) == 25
    assert len(few) == len(many)


def test_a_long_party_list_is_folded_on_the_page_but_whole_in_csv(asia: dict, analyst_client: Client) -> None:
    treaty = AgreementFactory(title="Many Party Treaty", scope="multilateral")
    for index in range(10):
        AgreementPartyFactory(agreement=treaty, nation=NationFactory(name=f"Member {index}"))
    page = analyst_client.get(reverse(AGREEMENTS), {"q": "Many Party"}).content.decode()
    assert "<summary>and 4 more</summary>" in page
    export = analyst_client.get(reverse(AGREEMENTS), {"q": "Many Party", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1][rows[0].index("Parties")].count("Member ") == 10


def test_a_nation_is_found_by_the_code_lists_other_names_too(db: None, analyst_client: Client) -> None:
    # The registry may call a state by a short name; the code list's other English names find it as well.
    uk = NationFactory(name="UK", iso2="GB", iso3="GBR", cow_code=200, cow_abbr="UKG")
    us = NationFactory(name="US", iso2="US", iso3="USA", cow_code=2, cow_abbr="USA")
    bilateral_agreement(uk, us, title="Mutual Defence Agreement")
    for value in ("United Kingdom", "united kingdom of great britain", "UK", "UKG"):
        assert _titles(analyst_client, party=value) == {"Mutual Defence Agreement"}, value
    assert _titles(analyst_client, party_all="United States of America, United Kingdom") == {"Mutual Defence Agreement"}
    labels = [r["label"] for r in analyst_client.get(reverse(SUGGEST), {"q": "united k"}).json()["results"]]
    assert labels == ["UK (GBR)"]
