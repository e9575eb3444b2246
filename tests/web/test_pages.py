"""Analyst pages: access, visibility, constant queries, CSV export, search, network data."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import Agreement, Assessment, Exercise, Nation, Organization, Program, ResourceSharing
from partnerships.web.lists import RESOURCES
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    AssessmentFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    bilateral_agreement,
    with_source,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def _agreement(**fields: Any) -> Agreement:
    return bilateral_agreement(NationFactory(), NationFactory(), program=ProgramFactory(), **fields)


def _exercise(**fields: Any) -> Exercise:
    exercise = ExerciseFactory(program=ProgramFactory(), **fields)
    ExerciseParticipantFactory(exercise=exercise, role="host")
    ExerciseParticipantFactory(exercise=exercise)
    return exercise


BUILDERS: dict[str, Callable[..., Any]] = {
    "agreement": _agreement,
    "exercise": _exercise,
    "resource": lambda **f: ResourceSharingFactory(program=ProgramFactory(), **f),
    "program": lambda **f: ProgramFactory(lead_nation=NationFactory(), lead_organization=OrganizationFactory(), **f),
    "organization": lambda **f: OrganizationFactory(parent=OrganizationFactory(), **f),
    "nation": NationFactory,
    "assessment": lambda **f: AssessmentFactory(assessor=OrganizationFactory(), **f),
}
MODELS = {
    "agreement": Agreement,
    "exercise": Exercise,
    "resource": ResourceSharing,
    "program": Program,
    "organization": Organization,
    "nation": Nation,
    "assessment": Assessment,
}
PLURALS = {
    "agreement": "agreements",
    "exercise": "exercises",
    "resource": "resources",
    "program": "programs",
    "organization": "organizations",
    "nation": "nations",
    "assessment": "assessments",
}


PAGES = [
    "partnerships:dashboard",
    "partnerships:network",
    "partnerships:timeline",
    "partnerships:search",
    *[f"partnerships:{key}-list" for key in BUILDERS],
]


@pytest.mark.parametrize("name", PAGES)
def test_pages_need_a_login(name: str, client: Client) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_an_analyst(name: str, analyst_client: Client) -> None:
    _agreement()
    response = analyst_client.get(reverse(name))
    assert response.status_code == 200
    assert b"<main" in response.content


@pytest.mark.parametrize("key", list(BUILDERS))
def test_lists_and_details_hide_restricted_records_from_analysts(key: str, analyst_client: Client) -> None:
    public = BUILDERS[key]()
    secret = BUILDERS[key](visibility="restricted")
    listing = analyst_client.get(reverse(f"partnerships:{key}-list"))
    ids = [obj.pk for obj, _ in listing.context["rows"]]
    assert public.pk in ids
    assert secret.pk not in ids
    assert listing.context["paginator"].count == MODELS[key].objects.filter(visibility="public").count()
    assert analyst_client.get(reverse(f"partnerships:{key}-detail", args=[public.pk])).status_code == 200
    hidden = analyst_client.get(reverse(f"partnerships:{key}-detail", args=[secret.pk]))
    assert hidden.status_code == 404
    assert b"or it is a record you may not see" in hidden.content


@pytest.mark.parametrize("key", list(BUILDERS))
def test_cleared_analysts_see_restricted_records(key: str, cleared_client: Client) -> None:
    secret = BUILDERS[key](visibility="restricted")
    listing = cleared_client.get(reverse(f"partnerships:{key}-list"))
    assert secret.pk in [obj.pk for obj, _ in listing.context["rows"]]
    detail = cleared_client.get(reverse(f"partnerships:{key}-detail", args=[secret.pk]))
    assert detail.status_code == 200
    assert b"restricted" in detail.content


@pytest.mark.parametrize("key", list(BUILDERS))
def test_list_page_query_count_is_the_same_for_1_and_50_rows(key: str, cleared_client: Client) -> None:
    url = reverse(f"partnerships:{key}-list")
    BUILDERS[key]()
    cleared_client.get(url)
    with CaptureQueriesContext(connection) as one:
        cleared_client.get(url)
    for _ in range(49):
        BUILDERS[key]()
    with CaptureQueriesContext(connection) as fifty:
        response = cleared_client.get(url)
    assert len(response.context["rows"]) == 50
    assert len(one) == len(fifty), [q["sql"][:120] for q in fifty.captured_queries]


def test_public_read_setting_opens_pages_to_anonymous_visitors_for_public_records(client: Client) -> None:
    public = _agreement(title="Open Treaty")
    secret = _agreement(title="Closed Treaty", visibility="restricted")
    with override_settings(REGISTRY_PUBLIC_READ=True):
        listing = client.get(reverse("partnerships:agreement-list"))
        assert listing.status_code == 200
        assert b"Open Treaty" in listing.content
        assert b"Closed Treaty" not in listing.content
        assert client.get(reverse("partnerships:agreement-detail", args=[secret.pk])).status_code == 404
        assert client.get(reverse("partnerships:agreement-detail", args=[public.pk])).status_code == 200


# --- Filters, sorting, export -----------------------------------------------------------------


@pytest.fixture
def pacific(db) -> dict[str, Any]:
    usa = NationFactory(name="United States", iso2="US", iso3="USA", cow_code=2)
    phl = NationFactory(name="Philippines", iso2="PH", iso3="PHL", cow_code=840)
    jpn = NationFactory(name="Japan", iso2="JP", iso3="JPN", cow_code=740)
    mdt = bilateral_agreement(
        usa, phl, title="Mutual Defense Treaty", kind="treaty", signed_on=D(1951, 8, 30), in_force_from=D(1952, 8, 27)
    )
    edca = bilateral_agreement(
        usa,
        phl,
        title="Enhanced Defense Cooperation Agreement",
        short_name="EDCA",
        signed_on=D(2014, 4, 28),
        in_force_from=D(2014, 6, 25),
    )
    raa = bilateral_agreement(
        phl,
        jpn,
        title="Reciprocal Access Agreement",
        kind="sofa",
        signed_on=D(2024, 7, 8),
        in_force_from=D(2025, 9, 11),
    )
    secret = bilateral_agreement(usa, phl, title="Secret Annex", visibility="restricted")
    return {"usa": usa, "phl": phl, "jpn": jpn, "mdt": mdt, "edca": edca, "raa": raa, "secret": secret}


def _titles(response: Any) -> list[str]:
    return [obj.title for obj, _ in response.context["rows"]]


def test_filter_panel_uses_the_shared_filterset_and_shows_removable_chips(
    pacific: dict, analyst_client: Client
) -> None:
    url = reverse("partnerships:agreement-list")
    response = analyst_client.get(url, {"party": "JPN"})
    assert _titles(response) == ["Reciprocal Access Agreement"]
    chips = response.context["active_filters"]
    assert [(chip["label"], chip["value"]) for chip in chips] == [("Party", "Japan (JPN)")]
    cleared = analyst_client.get(url + chips[0]["remove"])
    assert len(_titles(cleared)) == 3
    treaties = analyst_client.get(url, {"kind": ["treaty", "sofa"], "party": "PHL"})
    assert sorted(_titles(treaties)) == ["Mutual Defense Treaty", "Reciprocal Access Agreement"]
    assert {chip["value"] for chip in treaties.context["active_filters"]} == {
        "Treaty",
        "Status of forces agreement",
        "Philippines (PHL)",
    }


def test_bad_filters_are_explained_not_ignored(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("partnerships:agreement-list"), {"party": "Atlantis 2", "bogus": "1"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    text = " ".join(response.context["errors"])
    assert "Atlantis 2" in text
    assert "“bogus” is not a filter of this list." in text


def test_columns_sort_both_ways(pacific: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:agreement-list")
    ascending = analyst_client.get(url, {"ordering": "signed_on"})
    assert _titles(ascending)[0] == "Mutual Defense Treaty"
    signed = next(c for c in ascending.context["columns"] if c["label"] == "Signed")
    assert signed["direction"] == "ascending"
    descending = analyst_client.get(url + signed["sort"])
    assert _titles(descending)[0] == "Reciprocal Access Agreement"


def test_csv_export_is_exactly_the_filtered_view(pacific: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:agreement-list")
    params = {"party": "PHL", "ordering": "-signed_on"}
    page = analyst_client.get(url, params)
    export = analyst_client.get(url, {**params, "export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert export.streaming
    *lines, trailer = b"".join(export.streaming_content).decode().splitlines()
    assert trailer == "# complete: 3 rows"  # the file says it is whole
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["id", "Title"]
    assert [int(row[0]) for row in body] == [obj.pk for obj, _ in page.context["rows"]]
    assert all("Secret" not in row[1] for row in body)
    assert len(body) == 3


def test_csv_export_neutralises_spreadsheet_formulas(analyst_client: Client) -> None:
    ResourceSharingFactory(reference='=HYPERLINK("http://x")')
    export = analyst_client.get(reverse("partnerships:resource-list"), {"export": "csv"})
    text = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK" in text


def test_with_too_many_programs_to_list_the_panel_asks_for_the_program_id(analyst_client: Client) -> None:
    from partnerships.web.views import PROGRAM_CHOICES

    Program.objects.bulk_create(
        Program(name=f"Initiative {n:04}", program_type="development") for n in range(PROGRAM_CHOICES + 1)
    )
    chosen = Program.objects.get(name="Initiative 0007")
    agreement = bilateral_agreement(NationFactory(), NationFactory(), program=chosen)
    _agreement()
    response = analyst_client.get(reverse("partnerships:agreement-list"), {"program_id": chosen.pk})
    page = response.content.decode()
    assert f'type="number" min="1" step="1" name="program_id" value="{chosen.pk}"' in page
    assert ">Initiative 0007. The program" in page  # the chosen program is named
    assert "Initiative 0150</option>" not in page  # no option list of every program
    assert _titles(response) == [agreement.short_name or agreement.title]


def test_lists_say_about_before_an_estimated_count(analyst_client: Client, monkeypatch: Any) -> None:
    from partnerships.services import counting

    for _ in range(4):
        _agreement()
    url = reverse("partnerships:agreement-list")
    assert "4 records" in analyst_client.get(url).content.decode()
    assert counting.Count(13_816, exact=False).label == "about 14,000"
    assert counting.Count(1_001, exact=False).label == "more than 1,000"  # the estimate was too low to say more
    assert counting.Count(1_234, exact=True).label == "1,234"
    monkeypatch.setattr(counting, "EXACT_COUNT_LIMIT", 2)  # beyond 2 matches, PostgreSQL's estimate
    response = analyst_client.get(url)
    label = response.context["paginator"].count_label
    assert label.startswith(("about ", "more than 2"))
    assert f"{label[0].upper()}{label[1:]} records" in response.content.decode()
    assert "Page 1 of about" in response.content.decode()


# --- Details, profiles, history --------------------------------------------------------------


def test_agreement_page_shows_parties_sources_history_and_admin_link_for_staff(
    pacific: dict, analyst_client: Client, editor_client: Client
) -> None:
    edca = pacific["edca"]
    edca.source_url = "https://example.org/edca"
    edca.source_text = "Text of the agreement"
    edca.save()
    edca.status = "in_force"
    edca.short_name = "EDCA 2014"
    edca.save()
    page = analyst_client.get(reverse("partnerships:agreement-detail", args=[edca.pk])).content.decode()
    assert "Philippines" in page
    assert "United States" in page
    assert 'href="https://example.org/edca"' in page
    assert "EDCA 2014" in page
    assert "Short name" in page
    assert "Edit in admin" not in page
    staff_page = editor_client.get(reverse("partnerships:agreement-detail", args=[edca.pk])).content.decode()
    assert reverse("admin:partnerships_agreement_change", args=[edca.pk]) in staff_page


def test_history_names_a_changed_link_never_by_id_and_neutrally_when_restricted(
    pacific: dict, analyst_client: Client, cleared_client: Client
) -> None:
    edca = pacific["edca"]
    hidden = ProgramFactory(id=7310001, name="Quiet Horizon", visibility="restricted")
    edca.program = ProgramFactory(id=7310002, name="Open Shores")
    edca.save()
    edca.program = hidden
    edca.save()
    url = reverse("partnerships:agreement-detail", args=[edca.pk])
    page = analyst_client.get(url).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Open Shores" in history
    assert "restricted record" in history
    assert "Quiet Horizon" not in page
    assert "7310001" not in page
    assert "7310002" not in page  # a visible link is named, not numbered, too
    cleared = cleared_client.get(url).content.decode()
    cleared_history = cleared[cleared.index('id="history-heading"') :]
    assert "Quiet Horizon" in cleared_history
    assert "7310001" not in cleared_history


def test_nation_profile_by_code_shows_partners_and_agreements(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("partnerships:nation-code", args=["phl"]))
    assert response.status_code == 200
    assert {a.title for a in response.context["agreements_in_force"]} == {
        "Mutual Defense Treaty",
        "Enhanced Defense Cooperation Agreement",
        "Reciprocal Access Agreement",
    }
    assert response.context["partners_now"] == 2  # the United States and Japan; the secret annex is hidden
    assert analyst_client.get(reverse("partnerships:nation-code", args=["XXX"])).status_code == 404


def test_dashboard_counts_only_what_the_user_may_see(
    pacific: dict, analyst_client: Client, cleared_client: Client
) -> None:
    counts = dict((label, n) for label, n, _ in analyst_client.get(reverse("partnerships:dashboard")).context["counts"])
    cleared = dict(
        (label, n) for label, n, _ in cleared_client.get(reverse("partnerships:dashboard")).context["counts"]
    )
    assert counts["Agreements"] == 3
    assert cleared["Agreements"] == 4


# --- Search ---------------------------------------------------------------------------------------


def test_search_forgives_misspellings_and_groups_by_type(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("partnerships:search"), {"q": "Phillipines"})
    groups = {group.label: group for group in response.context["groups"]}
    assert groups["Nations"].results[0].name == "Philippines"
    exact = analyst_client.get(reverse("partnerships:search"), {"q": "Enhanced Defense Cooperation"})
    agreements = {g.label: g for g in exact.context["groups"]}["Agreements"].results
    assert agreements[0].title == "Enhanced Defense Cooperation Agreement"


def test_search_ranks_the_best_match_first(pacific: dict, analyst_client: Client) -> None:
    AgreementFactory(title="Defense Cooperation Memo", description="mentions mutual defense once")
    response = analyst_client.get(reverse("partnerships:search"), {"q": "mutual defense treaty"})
    agreements = {g.label: g for g in response.context["groups"]}["Agreements"].results
    assert agreements[0].title == "Mutual Defense Treaty"


def test_search_counts_many_matches_up_to_the_limit_then_estimates(analyst_client: Client, monkeypatch: Any) -> None:
    from partnerships.services import counting

    for number in range(12):
        ProgramFactory(name=f"Maritime Patrol Initiative {number}")
    url = reverse("partnerships:search")
    programs = {g.label: g for g in analyst_client.get(url, {"q": "maritime patrol"}).context["groups"]}["Programs"]
    assert (len(programs.results), programs.total, programs.total_exact) == (10, 12, True)
    monkeypatch.setattr(counting, "EXACT_COUNT_LIMIT", 5)  # beyond 5 matches, PostgreSQL's estimate
    response = analyst_client.get(url, {"q": "maritime patrol"})
    programs = {g.label: g for g in response.context["groups"]}["Programs"]
    assert len(programs.results) == 10
    assert programs.total_exact is False
    assert programs.total >= 6
    assert f"({programs.total_label})" in response.content.decode()


def test_search_never_shows_restricted_records(pacific: dict, analyst_client: Client, cleared_client: Client) -> None:
    hidden = analyst_client.get(reverse("partnerships:search"), {"q": "Secret Annex"})
    assert all("Secret" not in str(r) for g in hidden.context["groups"] for r in g.results)
    shown = cleared_client.get(reverse("partnerships:search"), {"q": "Secret Annex"})
    assert any(getattr(r, "title", "") == "Secret Annex" for g in shown.context["groups"] for r in g.results)


def test_empty_states_say_what_to_do(analyst_client: Client) -> None:
    listing = analyst_client.get(reverse("partnerships:exercise-list"), {"q": "nothing at all"})
    assert b"No exercises match" in listing.content
    assert b"Clear all filters" in listing.content
    search = analyst_client.get(reverse("partnerships:search"), {"q": "zzzzqqq"})
    assert b"Nothing matches" in search.content


# --- Network data ---------------------------------------------------------------------------------


def _network(client: Client, **params: Any) -> dict:
    response = client.get(reverse("api:network"), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_network_links_follow_the_as_of_date(pacific: dict, analyst_client: Client) -> None:
    usa, phl, jpn = (f"n{pacific[k].pk}" for k in ("usa", "phl", "jpn"))
    in_1960 = _network(analyst_client, as_of="1960-01-01", kind="agreement")
    assert {(link["source"], link["target"]) for link in in_1960["links"]} == {tuple(sorted((usa, phl)))}
    assert in_1960["links"][0]["count"] == 1
    in_2026 = _network(analyst_client, as_of="2026-01-01", kind="agreement")
    pairs = {tuple(sorted((link["source"], link["target"]))) for link in in_2026["links"]}
    assert pairs == {tuple(sorted((usa, phl))), tuple(sorted((phl, jpn)))}
    assert next(link for link in in_2026["links"] if jpn in (link["source"], link["target"]))["records"][0][
        "url"
    ] == reverse("partnerships:agreement-detail", args=[pacific["raa"].pk])


def test_network_hides_restricted_records_and_nodes(
    pacific: dict, analyst_client: Client, cleared_client: Client
) -> None:
    usa_phl = [l for l in _network(analyst_client)["links"] if l["kind"] == "agreement" and l["count"] >= 2]  # noqa: E741
    assert usa_phl[0]["count"] == 2  # the MDT and EDCA, not the secret annex
    cleared = [l for l in _network(cleared_client)["links"] if l["kind"] == "agreement" and l["count"] >= 2]  # noqa: E741
    assert cleared[0]["count"] == 3


def test_network_filters_by_kind_program_and_region(pacific: dict, analyst_client: Client) -> None:
    program = ProgramFactory()
    exercise = ExerciseFactory(program=program, start_date=D(2024, 4, 22), end_date=D(2024, 5, 10))
    ExerciseParticipantFactory(exercise=exercise, nation=pacific["phl"], role="host")
    ExerciseParticipantFactory(exercise=exercise, nation=pacific["jpn"])
    only = _network(analyst_client, kind="exercise", program=program.pk)
    assert [link["kind"] for link in only["links"]] == ["exercise"]
    Nation.objects.filter(pk__in=[pacific["phl"].pk, pacific["jpn"].pk]).update(region="east_asia_pacific")
    Nation.objects.filter(pk=pacific["usa"].pk).update(region="north_america")
    asia = _network(analyst_client, region="east_asia_pacific", kind="agreement")
    # The region's partners elsewhere stay, marked (issue 16: a region filter dropped the United States).
    outside = {node["label"]: node["outside_region"] for node in asia["nodes"]}
    assert outside == {"Philippines": False, "Japan": False, "United States": True}


def test_network_rejects_bad_parameters(analyst_client: Client) -> None:
    # (A program that does not exist is no bad parameter: it matches nothing, as ?program_id= does on lists.)
    for params in ({"as_of": "someday"}, {"kind": "friendship"}, {"colour": "red"}, {"program": "0"}):
        response = analyst_client.get(reverse("api:network"), params)
        assert response.status_code == 400, params
        assert response.json()["type"] == "validation_error"


def test_a_party_in_an_organization_links_its_nation(analyst_client: Client) -> None:
    usa = NationFactory(name="Usland")
    dsca = OrganizationFactory(nation=usa, name="Cooperation Agency", acronym="CA")
    agreement = AgreementFactory()
    AgreementPartyFactory(agreement=agreement, nation=None, organization=dsca)
    AgreementPartyFactory(agreement=agreement)
    graph = _network(analyst_client, kind="agreement")
    assert f"o{dsca.pk}" in {node["id"] for node in graph["nodes"]}


def test_empty_panel_fields_submitted_by_the_browser_are_no_filter(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(
        reverse("partnerships:agreement-list"),
        {"q": "", "party": "PHL", "in_force_on": "", "status": "in_force", "scope": "", "program_id": ""},
    )
    assert response.context["errors"] == []
    assert len(_titles(response)) == 3
    assert [chip["label"] for chip in response.context["active_filters"]] == ["Party", "Status"]


def test_timeline_filters_by_party_program_and_signature_date(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(
        reverse("partnerships:timeline"), {"party": "JPN", "signed_on__gte": "2000-01-01", "program_id": "", "q": ""}
    )
    assert response.context["errors"] == []
    rows = [row["object"].title for row in response.context["timeline"]["rows"] if row["kind"] == "agreement"]
    assert rows == ["Reciprocal Access Agreement"]
    later = analyst_client.get(reverse("partnerships:timeline"), {"signed_on__gte": "2010-01-01"})
    titles = {row["object"].title for row in later.context["timeline"]["rows"] if row["kind"] == "agreement"}
    assert titles == {"Enhanced Defense Cooperation Agreement", "Reciprocal Access Agreement"}
    bad = analyst_client.get(reverse("partnerships:timeline"), {"party": "Atlantis 2"})
    assert bad.context["errors"]


# --- As of a date: a party's own dates -----------------------------------------------------


@pytest.fixture
def seato(pacific: dict) -> Agreement:
    """A Manila Pact: the Philippines a party from 1955 until it left on 1 July 1977; the pact lives on."""
    pact = AgreementFactory(
        title="Southeast Asia Collective Defense Treaty",
        short_name="SEATO",
        kind="treaty",
        scope="multilateral",
        status="in_force",
        signed_on=D(1954, 9, 8),
        in_force_from=D(1955, 2, 19),
    )
    AgreementPartyFactory(agreement=pact, nation=pacific["usa"])
    AgreementPartyFactory(agreement=pact, nation=pacific["phl"], withdrew_on=D(1977, 7, 1))
    AgreementPartyFactory(agreement=pact, nation=pacific["jpn"], joined_on=D(1990, 1, 1))
    return pact


def test_a_party_filter_with_a_date_needs_the_party_on_that_date(seato: Agreement, analyst_client: Client) -> None:
    def titles(**params: str) -> set[str]:
        response = analyst_client.get(reverse("partnerships:agreement-list"), params)
        assert response.context["errors"] == []
        return {obj.short_name or obj.title for obj, _ in response.context["rows"]}

    assert "SEATO" in titles(party="PHL", in_force_on="1970-01-01")
    assert "SEATO" not in titles(party="PHL", in_force_on="2024-01-01")
    assert "SEATO" in titles(party="USA", in_force_on="2024-01-01")
    assert "SEATO" not in titles(party="JPN", in_force_on="1980-01-01")  # not yet joined
    assert "SEATO" in titles(party="PHL")  # no date: ever a party


def test_a_list_as_of_a_date_shows_the_parties_on_that_date(seato: Agreement, analyst_client: Client) -> None:
    url = reverse("partnerships:agreement-list")
    response = analyst_client.get(url, {"in_force_on": "1960-01-01", "q": "Southeast"})
    headers = [column["label"] for column in response.context["columns"]]
    assert "Parties on 1960-01-01" in headers
    cells = dict(zip(headers, response.context["rows"][0][1], strict=True))
    assert cells["Parties on 1960-01-01"] == "United States (USA), Philippines (PHL)"
    later = analyst_client.get(url, {"in_force_on": "2024-01-01", "q": "Southeast"})
    assert (
        dict(zip([c["label"] for c in later.context["columns"]], later.context["rows"][0][1], strict=True))[
            "Parties on 2024-01-01"
        ]
        == "United States (USA), Japan (JPN)"
    )
    undated = analyst_client.get(url, {"q": "Southeast"})
    assert "Parties" in [column["label"] for column in undated.context["columns"]]
    export = analyst_client.get(url, {"in_force_on": "1960-01-01", "q": "Southeast", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][rows[0].index("Parties on 1960-01-01")] == "Parties on 1960-01-01"
    assert rows[1][rows[0].index("Parties on 1960-01-01")] == "United States (USA), Philippines (PHL)"


def test_the_nation_profile_lists_an_alliance_it_left_as_past(seato: Agreement, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("partnerships:nation-code", args=["phl"]))
    assert seato not in response.context["agreements_in_force"]
    past = {a.pk: a for a in response.context["agreements_past"]}
    assert past[seato.pk].left_on == D(1977, 7, 1)
    assert "left 1977" in response.content.decode()
    usa = analyst_client.get(reverse("partnerships:nation-code", args=["usa"]))
    assert seato in usa.context["agreements_in_force"]


def test_the_timeline_draws_a_party_over_its_own_time(seato: Agreement, analyst_client: Client) -> None:
    def bar(party: str) -> dict[str, Any]:
        response = analyst_client.get(reverse("partnerships:timeline"), {"party": party, "q": "Southeast"})
        (row,) = [row for row in response.context["timeline"]["rows"] if row["kind"] == "agreement"]
        return row

    philippines, united_states = bar("PHL"), bar("USA")
    assert philippines["until"] == D(1977, 7, 1)
    assert not philippines["open"]
    assert united_states["open"]
    assert philippines["width"] < united_states["width"]


def test_the_agreement_page_lists_each_period_with_its_obligations(seato: Agreement, analyst_client: Client) -> None:
    phl = seato.parties.get(nation__iso3="PHL")
    AgreementPartyFactory(agreement=seato, nation=phl.nation, joined_on=D(1990, 1, 1), obligations=["consultation"])
    page = analyst_client.get(reverse("partnerships:agreement-detail", args=[seato.pk]))
    rows = [
        (party.nation.iso3, party.joined_on, party.withdrew_on, party.get_obligations_display())
        for party in page.context["parties"]
    ]
    assert rows == [
        ("JPN", D(1990, 1, 1), None, "as the agreement"),
        ("PHL", None, D(1977, 7, 1), "as the agreement"),
        ("PHL", D(1990, 1, 1), None, "Consultation (entente)"),
        ("USA", None, None, "as the agreement"),
    ]
    assert "Consultation (entente)" in page.content.decode()


# --- Dataset coverage: what a dataset cannot say about today -----------------------------------


@pytest.fixture
def cow_only(pacific: dict) -> Agreement:
    """An alliance known only from COW v4.1 (whose data end in 2012), in force when they end."""
    alliance = with_source(
        AgreementFactory(
            title="COW alliance 9999",
            kind="alliance",
            scope="bilateral",
            status="in_force",
            signed_on=D(1951, 8, 30),
            in_force_from=D(1952, 8, 27),
        ),
        "cow-alliances",
        "9999",
        version="4.1",
    )
    AgreementPartyFactory(agreement=alliance, nation=pacific["usa"])
    AgreementPartyFactory(agreement=alliance, nation=pacific["jpn"])
    return alliance


def test_a_dataset_only_alliance_is_last_known_in_force_not_in_force_now(
    cow_only: Agreement, pacific: dict, analyst_client: Client
) -> None:
    profile = analyst_client.get(reverse("partnerships:nation-code", args=["jpn"]))
    assert cow_only not in profile.context["agreements_in_force"]
    assert list(profile.context["agreements_last_known"]) == [cow_only]
    assert "In force as of 2012 (COW v4.1); later status unknown" in profile.content.decode()
    # A curated agreement says what is known today.
    assert pacific["raa"] in profile.context["agreements_in_force"]
    listing = analyst_client.get(reverse("partnerships:agreement-list"), {"q": "COW alliance 9999"})
    cells = dict(zip([c["label"] for c in listing.context["columns"]], listing.context["rows"][0][1], strict=True))
    assert cells["Status"] == "In force as of 2012 (COW v4.1); later status unknown"
    page = analyst_client.get(reverse("partnerships:agreement-detail", args=[cow_only.pk]))
    assert "later status unknown" in page.content.decode()
    # An alliance COW saw end is not affected.
    cow_only.status, cow_only.ended_on = "terminated", D(1990, 1, 1)
    cow_only.save()
    listing = analyst_client.get(reverse("partnerships:agreement-list"), {"q": "COW alliance 9999"})
    assert "Terminated" in listing.context["rows"][0][1]


def test_the_dyad_table_stops_a_dataset_only_alliance_where_its_dataset_ends(cow_only: Agreement) -> None:
    from partnerships.services.access import FULL_ACCESS
    from partnerships.services.dyads import dyad_years

    def years(**options: Any) -> set[int]:
        rows = dyad_years(user=FULL_ACCESS, first_year=2010, last_year=2020, dataset="cow-alliances", **options)
        next(rows)
        return {row[0] for row in rows}

    assert years() == {2010, 2011, 2012}
    assert years(extend_open=True) == set(range(2010, 2021))


def test_a_well_formed_code_naming_no_nation_matches_nothing_and_says_so(pacific: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("partnerships:agreement-list"), {"party": "QXX"})
    assert response.status_code == 200
    assert response.context["errors"] == []
    assert response.context["rows"] == []
    assert response.context["notices"] == ["party: “QXX” names no nation you may see, so nothing matches it."]
    unknown_name = analyst_client.get(reverse("partnerships:agreement-list"), {"party": "Atlantis"})
    assert unknown_name.context["errors"] == []
    assert unknown_name.context["notices"] == ["party: “Atlantis” names no nation you may see, so nothing matches it."]
    malformed = analyst_client.get(reverse("partnerships:agreement-list"), {"party": "Atlantis 2"})
    assert "is not a nation" in " ".join(malformed.context["errors"])


# --- Dates at their precision -----------------------------------------------------------------


def test_dates_are_shown_at_their_precision_on_pages_lists_and_csv(analyst_client: Client) -> None:
    deal = ResourceSharingFactory(
        reference="SIPRI-LIKE",
        start_date=D(2007, 1, 1),
        start_date_precision="year",
        end_date=D(2009, 12, 31),
        end_date_precision="year",
    )
    detail = analyst_client.get(reverse("partnerships:resource-detail", args=[deal.pk])).content.decode()
    assert "2007 \u2013 2009" in detail
    assert "Jan 2007" not in detail
    listing = analyst_client.get(reverse("partnerships:resource-list")).content.decode()
    assert '<td class="nowrap">2007</td>' in listing
    export = analyst_client.get(reverse("partnerships:resource-list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    start = rows[0].index("Start")
    assert rows[1][start] == "2007"  # ISO 8601 as far as it is known

    exercise = _exercise(
        name="Team Spirit 85",
        start_date=D(1985, 3, 1),
        start_date_precision="month",
        end_date=D(1985, 3, 31),
        end_date_precision="month",
    )
    page = analyst_client.get(reverse("partnerships:exercise-detail", args=[exercise.pk])).content.decode()
    assert "Mar 1985 \u2013 Mar 1985" in page
    export = analyst_client.get(reverse("partnerships:exercise-list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [rows[1][rows[0].index("Start")], rows[1][rows[0].index("End")]] == ["1985-03", "1985-03"]


def test_an_agreement_ended_at_some_point_of_a_year_shows_that_year(analyst_client: Client) -> None:
    # Stored as the first day no longer in force (1951-01-01): the year shown is that of its last day.
    agreement = _agreement(
        title="Old Alliance",
        status="terminated",
        signed_on=D(1940, 1, 1),
        signed_on_precision="year",
        in_force_from=D(1940, 5, 1),
        in_force_from_precision="month",
        ended_on=D(1951, 1, 1),
        ended_on_precision="year",
    )
    page = analyst_client.get(reverse("partnerships:agreement-detail", args=[agreement.pk])).content.decode()
    assert "<dt>Signed</dt><dd>1940</dd>" in page
    assert "<dt>In force from</dt><dd>May 1940</dd>" in page
    assert "<dt>Ended</dt><dd>1950</dd>" in page
    listing = analyst_client.get(reverse("partnerships:agreement-list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(listing.streaming_content).decode())))
    header, row = rows[0], rows[1]
    assert [row[header.index(name)] for name in ("Signed", "In force from", "Ended")] == ["1940", "1940-05", "1950"]


# --- Transfers as SIPRI shows them ------------------------------------------------------------


def _deal(**fields: Any) -> ResourceSharing:
    """A SIPRI-like deal: 6 helicopters ordered in 2007, delivered 2010-2011, with SIPRI's TIV figures."""
    values: dict[str, Any] = {
        "reference": "",
        "description": "AW101 (transport helicopter). Part of EUR402 m deal",
        "designation": "AW101",
        "unit": "transport helicopter",
        "condition": "New",
        "quantity": 6,
        "quantity_delivered": 6,
        "delivery_years": [2010, 2011],
        "tiv_unit": Decimal("12.5"),
        "tiv_total": Decimal("75"),
        "tiv_delivered": Decimal("75"),
        "value": None,
        "currency": "",
        "start_date": D(2007, 1, 1),
        "start_date_precision": "year",
        "end_date": D(2011, 12, 31),
        "end_date_precision": "year",
    }
    return ResourceSharingFactory(**{**values, **fields})


def _export(client: Client, params: dict[str, Any]) -> list[dict[str, str]]:
    response = client.get(reverse("partnerships:resource-list"), {**params, "export": "csv"})
    assert response.status_code == 200
    *lines, trailer = b"".join(response.streaming_content).decode().splitlines()
    assert trailer.startswith("# complete")
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_resource_page_shows_the_deal_as_sipri_records_it(analyst_client: Client) -> None:
    deal = _deal()
    page = analyst_client.get(reverse("partnerships:resource-detail", args=[deal.pk])).content.decode()
    assert "As SIPRI records it" in page
    for fact in (
        "<dt>Designation</dt><dd>AW101</dd>",
        "<dt>Description</dt><dd>transport helicopter</dd>",
        "<dt>Condition</dt><dd>New</dd>",
        "<dt>Number ordered</dt><dd>6</dd>",
        "<dt>Number delivered</dt><dd>6</dd>",
        "<dt>Order year</dt><dd>2007</dd>",
        "<dt>Delivery years</dt><dd>2010; 2011</dd>",
        "<dt>TIV per unit</dt><dd>12.5</dd>",
        "<dt>TIV of the order</dt><dd>75</dd>",
        "<dt>TIV delivered</dt><dd>75</dd>",
    ):
        assert fact in page
    assert "trend-indicator value, in millions" in page
    assert "not a sum of money" in page
    # A record with none of SIPRI's figures has no such section, and a missing figure is left out.
    plain = ResourceSharingFactory()
    assert (
        "As SIPRI records it"
        not in analyst_client.get(reverse("partnerships:resource-detail", args=[plain.pk])).content.decode()
    )
    partial = _deal(tiv_delivered=None, delivery_years=[], quantity_delivered=None)
    page = analyst_client.get(reverse("partnerships:resource-detail", args=[partial.pk])).content.decode()
    assert "<dt>TIV of the order</dt><dd>75</dd>" in page
    assert "TIV delivered" not in page
    assert "Delivery years" not in page


def test_optional_columns_are_shown_when_chosen(analyst_client: Client) -> None:
    _deal()
    url = reverse("partnerships:resource-list")
    default = analyst_client.get(url)
    labels = [column["label"] for column in default.context["columns"]]
    assert labels == ["Record", "Provider", "Recipient", "Category", "Quantity", "Value", "Start", "Status"]
    choices = {choice["key"]: choice for choice in default.context["column_choices"]}
    assert choices["tiv_total"]["checked"] is False
    assert choices["record"] == {"key": "record", "label": "Record", "checked": True, "fixed": True}
    assert 'name="columns" value="tiv_total"' in default.content.decode()
    # As the panel's checkboxes send them (repeated), or comma-separated; the link column always stays first.
    for params in (
        {"columns": ["designation", "delivery_years", "tiv_total", "tiv_delivered"]},
        {"columns": "designation, delivery_years,tiv_total,tiv_delivered"},
    ):
        chosen = analyst_client.get(url, params)
        assert [c["label"] for c in chosen.context["columns"]] == [
            "Record",
            "Designation",
            "Delivery years",
            "TIV of the order",
            "TIV delivered",
        ]
        ((_, cells),) = chosen.context["rows"]
        assert [str(cell) for cell in cells[1:]] == ["AW101", "2010; 2011", "75", "75"]
        assert chosen.context["column_choices"][0]["checked"]
    # Sorting keeps the chosen columns.
    sorted_by_tiv = analyst_client.get(url, {"columns": ["tiv_total"], "ordering": "-tiv_total"})
    header = next(c for c in sorted_by_tiv.context["columns"] if c["label"] == "TIV of the order")
    assert header["direction"] == "descending"
    assert "columns=tiv_total" in header["sort"]


@pytest.mark.parametrize("key", list(BUILDERS))
def test_every_list_says_which_column_names_it_knows(key: str, analyst_client: Client) -> None:
    BUILDERS[key]()
    url = reverse(f"partnerships:{key}-list")
    response = analyst_client.get(url, {"columns": "nonsense"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    (error,) = response.context["errors"]
    assert error.startswith("columns: “nonsense” is not a column of this list: choose among ")
    assert "nonsense" in response.content.decode()
    export = analyst_client.get(url, {"columns": "nonsense", "export": "csv"})
    assert export.status_code == 400
    assert "“nonsense” is not a column of this list" in export.content.decode()
    # Every column the page knows may be asked for by its name.
    every = [choice["key"] for choice in response.context["column_choices"]]
    shown = analyst_client.get(url, {"columns": every})
    assert not shown.context["errors"]
    assert len(shown.context["columns"]) == len(every)


def test_csv_export_carries_the_sipri_columns_whatever_the_page_shows(analyst_client: Client) -> None:
    _deal()
    for params in ({}, {"columns": "record,provider"}):
        (row,) = _export(analyst_client, params)
        assert row["Designation"] == "AW101"
        assert row["Condition"] == "New"
        assert (row["Number ordered"], row["Number delivered"]) == ("6", "6")
        assert row["Delivery years"] == "2010; 2011"
        assert (row["TIV per unit"], row["TIV of the order"], row["TIV delivered"]) == ("12.5", "75", "75")
        assert row["Start"] == "2007"


def test_a_filtered_resource_list_totals_every_match_not_only_the_page(analyst_client: Client) -> None:
    gbr = NationFactory(iso3="GBR", iso2="GB", name="United Kingdom")
    for n in range(30):
        _deal(provider_nation=gbr, tiv_total=Decimal(n), tiv_delivered=Decimal("0.5"), quantity=2, quantity_delivered=1)
    _deal(tiv_total=Decimal(1000))  # another supplier's: not in the filter
    url = reverse("partnerships:resource-list")
    response = analyst_client.get(url, {"provider": "GBR", "per_page": 25})
    assert len(response.context["rows"]) == 25
    totals = {total["label"]: total["value"] for total in response.context["totals"]}
    assert totals == {
        "Number ordered": Decimal(60),
        "Number delivered": Decimal(30),
        "TIV of the orders": Decimal(sum(range(30))),
        "TIV delivered": Decimal(15),
    }
    page = response.content.decode()
    assert "Totals over all 30 matching records" in page
    assert "trend-indicator value" in page
    # An unfiltered list (sorting is no filter) shows none: the sums would be over the whole registry.
    assert analyst_client.get(url).context["totals"] is None
    assert analyst_client.get(url, {"ordering": "-tiv_total"}).context["totals"] is None
    # A filter matching nothing sums to nothing.
    assert analyst_client.get(url, {"designation": "Nothing"}).context["totals"][2]["value"] is None


def test_totals_leave_out_what_the_user_may_not_see(analyst_client: Client, cleared_client: Client) -> None:
    _deal(tiv_total=Decimal(10), tiv_delivered=Decimal(4))
    _deal(tiv_total=Decimal(500), tiv_delivered=Decimal(500), visibility="restricted")
    hidden_provider = NationFactory(visibility="restricted")
    _deal(tiv_total=Decimal(7000), provider_nation=hidden_provider)  # public, but naming a restricted nation
    url = reverse("partnerships:resource-list")

    def totals(client: Client) -> dict[str, Any]:
        response = client.get(url, {"designation": "AW101"})
        return {total["label"]: total["value"] for total in response.context["totals"]}

    assert totals(analyst_client)["TIV of the orders"] == Decimal(10)
    assert totals(analyst_client)["TIV delivered"] == Decimal(4)
    assert totals(cleared_client)["TIV of the orders"] == Decimal(7510)
    assert totals(cleared_client)["TIV delivered"] == Decimal(579)


def test_filtered_resource_list_with_every_column_and_totals_runs_constant_queries(cleared_client: Client) -> None:
    url = reverse("partnerships:resource-list")
    every = [column.key for column in RESOURCES.columns]
    params = {"designation": "AW101", "columns": every, "ordering": "-tiv_total"}
    _deal(program=ProgramFactory())
    cleared_client.get(url, params)
    with CaptureQueriesContext(connection) as one:
        cleared_client.get(url, params)
    for _ in range(49):
        _deal(program=ProgramFactory())
    with CaptureQueriesContext(connection) as fifty:
        response = cleared_client.get(url, params)
    assert len(response.context["rows"]) == 50
    assert response.context["totals"][2]["value"] == Decimal(75 * 50)
    assert len(one) == len(fifty), [q["sql"][:120] for q in fifty.captured_queries]


def test_resources_filter_by_delivery_year_and_designation(analyst_client: Client) -> None:
    early = _deal(designation="Kebir", delivery_years=[1982, 1983], start_date=D(1981, 1, 1), end_date=D(1983, 12, 31))
    late = _deal(designation="Super Lynx", delivery_years=[2010, 2011])
    url = reverse("partnerships:resource-list")

    def ids(params: dict[str, Any]) -> set[int]:
        response = analyst_client.get(url, params)
        assert not response.context["errors"], response.context["errors"]
        return {obj.pk for obj, _ in response.context["rows"]}

    assert ids({"delivery_year": 1983}) == {early.pk}
    assert ids({"delivery_year": [1983, 2011]}) == {early.pk, late.pk}
    assert ids({"delivery_year__n": 1983}) == {late.pk}
    assert ids({"delivery_year": 99999}) == set()  # a year no delivery can have
    assert ids({"designation__ic": "lynx"}) == {late.pk}
    assert "a whole number" in " ".join(analyst_client.get(url, {"delivery_year": "198x"}).context["errors"])
