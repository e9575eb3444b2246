"""Partners on a date, nations compared, the dyad-year page, and /api/v1/partners/: rules, visibility, queries, CSV."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships import choices
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    bilateral_agreement,
    with_source,
)

pytestmark = pytest.mark.django_db
D = datetime.date
DEFENSE = choices.Provision.MUTUAL_DEFENSE
MULTILATERAL = choices.AgreementScope.MULTILATERAL


@pytest.fixture
def world(db) -> dict[str, Any]:
    """The U.S. with a defense treaty (Philippines), a multilateral pact (UK, Philippines) that ended in 1977,
    an organization's agreement (France), a restricted agreement (Japan), a restricted nation, an exercise,
    a COW-only agreement past COW's end (Spain), and UK transfers to Saudi Arabia."""
    n = {
        code: NationFactory(name=name, iso3=code, region=region)
        for code, name, region in [
            ("USA", "United States", "north_america"),
            ("GBR", "United Kingdom", "europe_central_asia"),
            ("PHL", "Philippines", "east_asia_pacific"),
            ("FRA", "France", "europe_central_asia"),
            ("JPN", "Japan", "east_asia_pacific"),
            ("ESP", "Spain", "europe_central_asia"),
            ("SAU", "Saudi Arabia", "middle_east_north_africa"),
        ]
    }
    n["secret"] = NationFactory(name="Secretland", iso3="QZZ", visibility="restricted")
    n["mdt"] = bilateral_agreement(
        n["USA"], n["PHL"], title="Mutual Defense Treaty", signed_on=D(1951, 8, 30), in_force_from=D(1952, 8, 27),
        provisions=[DEFENSE],
    )  # fmt: skip
    seato = AgreementFactory(
        title="Manila Pact", scope=MULTILATERAL, signed_on=D(1954, 9, 8), in_force_from=D(1955, 2, 19),
        ended_on=D(1977, 6, 30), status=choices.AgreementStatus.TERMINATED, provisions=[choices.Provision.CONSULTATION],
    )  # fmt: skip
    for code in ("USA", "PHL"):
        AgreementPartyFactory(agreement=seato, nation=n[code])
    AgreementPartyFactory(agreement=seato, nation=n["GBR"], obligations=[DEFENSE])
    n["seato"] = seato
    agency = OrganizationFactory(nation=n["USA"], name="Defense Agency", acronym="DA")
    n["org_deal"] = AgreementFactory(title="Agency arrangement", in_force_from=D(1958, 1, 1), signed_on=D(1958, 1, 1))
    AgreementPartyFactory(agreement=n["org_deal"], nation=None, organization=agency)
    AgreementPartyFactory(agreement=n["org_deal"], nation=n["FRA"])
    n["annex"] = bilateral_agreement(
        n["USA"], n["JPN"], title="Secret annex", visibility="restricted", signed_on=D(1955, 1, 1),
        in_force_from=D(1955, 1, 1), provisions=[DEFENSE],
    )  # fmt: skip
    bilateral_agreement(
        n["USA"], n["secret"], title="Pact with Secretland", signed_on=D(1955, 1, 1), in_force_from=D(1955, 1, 1)
    )
    n["cow_only"] = with_source(
        bilateral_agreement(
            n["USA"], n["ESP"], title="Entente", signed_on=D(2000, 1, 1), in_force_from=D(2000, 1, 1),
            provisions=[choices.Provision.CONSULTATION],
        ),
        "cow-alliances", "9001",
    )  # fmt: skip
    exercise = ExerciseFactory(name="Sea Drill 1959", start_date=D(1959, 5, 1), end_date=D(1959, 5, 10))
    for code in ("USA", "GBR", "PHL"):
        ExerciseParticipantFactory(exercise=exercise, nation=n[code])
    n["drill"] = exercise
    n["tornado"] = ResourceSharingFactory(
        provider_nation=n["GBR"], recipient_nation=n["SAU"], designation="Tornado", description="combat aircraft",
        start_date=D(1985, 1, 1), end_date=D(1998, 12, 31), quantity=96, quantity_delivered=96,
        delivery_years=[1986, 1987, 1998], tiv_unit=25, tiv_total=2400, tiv_delivered=2400, value=None, currency="",
    )  # fmt: skip
    n["hawk"] = ResourceSharingFactory(
        provider_nation=n["GBR"], recipient_nation=n["SAU"], designation="Hawk", description="trainer aircraft",
        start_date=D(2012, 1, 1), end_date=D(2017, 12, 31), quantity=22, quantity_delivered=22,
        delivery_years=[2016, 2017], tiv_unit=10, tiv_total=220, tiv_delivered=220, value=None, currency="",
    )  # fmt: skip
    n["hidden_transfer"] = ResourceSharingFactory(
        provider_nation=n["GBR"], recipient_nation=n["SAU"], designation="Secret kit", visibility="restricted",
        start_date=D(2013, 1, 1), end_date=D(2013, 12, 31), tiv_total=5,
    )  # fmt: skip
    return n


def _partners(client: Client, **params: Any) -> Any:
    return client.get(reverse("partnerships:partners"), params)


def _names(response: Any) -> list[str]:
    return [row.nation["name"] for row in response.context["table"].partners]


def test_partners_on_a_date_follow_agreements_in_force_and_parties_then(world: dict, analyst_client: Client) -> None:
    response = _partners(analyst_client, nation="USA", on="1960-01-01", kind="agreement")
    assert response.status_code == 200
    # MDT and the Manila Pact (PHL, GBR), the agency's arrangement (FRA): organizations count as their nation.
    assert _names(response) == ["France", "Philippines", "United Kingdom"]
    philippines = next(row for row in response.context["table"].partners if row.nation["iso3"] == "PHL")
    assert sorted(link.label for link in philippines.agreements) == ["Manila Pact", "Mutual Defense Treaty"]
    assert philippines.depth == DEFENSE
    # The pact ended in 1977: by 1980 only the treaty and the arrangement remain.
    assert _names(_partners(analyst_client, nation="USA", on="1980-01-01", kind="agreement")) == [
        "France",
        "Philippines",
    ]


def test_partners_filter_by_obligation_counts_each_partys_own(world: dict, analyst_client: Client) -> None:
    response = _partners(analyst_client, nation="USA", on="1960-01-01", provision="mutual_defense")
    # The UK undertook defense in the Manila Pact (its own obligations), though the pact gives consultation.
    assert _names(response) == ["Philippines", "United Kingdom"]


def test_partners_in_a_year_and_exercise_window(world: dict, analyst_client: Client) -> None:
    in_1959 = _partners(analyst_client, nation="GBR", year="1959", kind="exercise")
    assert _names(in_1959) == ["Philippines", "United States"]
    assert [link.label for link in in_1959.context["table"].partners[0].exercises] == ["Sea Drill 1959"]
    # On a day: exercises of the exercise_years before it (5 by default).
    assert _names(_partners(analyst_client, nation="GBR", on="1963-01-01", kind="exercise")) == [
        "Philippines",
        "United States",
    ]
    assert _names(_partners(analyst_client, nation="GBR", on="1965-01-01", kind="exercise")) == []
    assert _names(_partners(analyst_client, nation="GBR", on="1965-01-01", kind="exercise", exercise_years=10)) == [
        "Philippines",
        "United States",
    ]


def test_transfers_link_both_ways_while_under_way(world: dict, analyst_client: Client) -> None:
    saudi = _partners(analyst_client, nation="SAU", on="1990-06-01", kind="transfer")
    assert _names(saudi) == ["United Kingdom"]
    assert saudi.context["table"].partners[0].transfers[0].detail["direction"] == "from"
    assert _names(_partners(analyst_client, nation="GBR", year="2000", kind="transfer")) == []


def test_a_dataset_only_agreement_past_its_end_is_last_known_not_counted(world: dict, analyst_client: Client) -> None:
    response = _partners(analyst_client, nation="USA", on="2015-01-01", kind="agreement")
    assert "Spain" not in _names(response)
    assert [(nation["name"], link.label) for nation, link in response.context["table"].last_known] == [
        ("Spain", "Entente")
    ]
    assert "Last known, not counted" in response.content.decode()
    assert "Spain" in _names(_partners(analyst_client, nation="USA", on="2010-01-01", kind="agreement"))
    extended = _partners(analyst_client, nation="USA", on="2015-01-01", kind="agreement", extend_open="true")
    assert "Spain" in _names(extended)


def test_partners_hide_restricted_records_and_nations(world: dict, analyst_client, cleared_client) -> None:
    plain = _partners(analyst_client, nation="USA", on="1960-01-01")
    text = plain.content.decode()
    assert "Japan" not in _names(plain)
    assert "Secret annex" not in text
    assert "Secretland" not in text
    cleared = _names(_partners(cleared_client, nation="USA", on="1960-01-01"))
    assert "Japan" in cleared
    assert "Secretland" in cleared
    # A restricted nation is as unknown as a missing one.
    response = _partners(analyst_client, nation="QZZ", on="1960-01-01")
    assert response.status_code == 400
    assert "names no nation you may see" in response.content.decode()


def test_partners_sort_by_counts_and_depth(world: dict, analyst_client: Client) -> None:
    by_depth = _names(_partners(analyst_client, nation="USA", on="1960-01-01", ordering="depth"))
    assert by_depth[:2] == ["Philippines", "United Kingdom"]
    by_agreements = _names(_partners(analyst_client, nation="USA", on="1960-01-01", ordering="agreements"))
    assert by_agreements[0] == "Philippines"  # two agreements
    assert _names(_partners(analyst_client, nation="USA", on="1960-01-01", ordering="-name"))[0] == "United Kingdom"


def test_partners_gained_and_lost_are_named_with_their_records(world: dict, analyst_client: Client) -> None:
    response = _partners(analyst_client, nation="USA", on="1980-01-01", since="1960", kind="agreement")
    changes = response.context["changes"]
    assert [c.nation["name"] for c in changes["gained"]] == []
    assert [c.nation["name"] for c in changes["lost"]] == ["United Kingdom"]
    assert [link.label for link in changes["lost"][0].records] == ["Manila Pact"]
    assert "Partners gained and lost since 1960" in response.content.decode()


def test_partners_csv_lists_each_partner_with_its_records(world: dict, analyst_client: Client) -> None:
    response = _partners(analyst_client, nation="USA", on="1960-01-01", kind="agreement", export="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    rows = [row for row in rows if not row["partner"].startswith("#")]
    assert [row["partner"] for row in rows] == ["France", "Philippines", "United Kingdom"]
    philippines = rows[1]
    assert philippines["agreements"] == "2"
    assert philippines["deepest_obligation"] == "mutual_defense"
    assert "Mutual Defense Treaty" in philippines["agreement_names"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nation": "USA", "on": "1960-13-01"}, "on:"),
        ({"nation": "USA", "on": "yesterday"}, "Enter a date as YYYY-MM-DD"),
        ({"nation": "Narnia!", "on": "1960-01-01"}, "is not a nation: use a name"),
        ({"nation": "QQQ", "on": "1960-01-01"}, "names no nation you may see"),
        ({"nation": "USA", "on": "1960-01-01", "year": "1960"}, "not both"),
        ({"nation": "USA", "since": "lately"}, "neither a date"),
        ({"nation": "USA", "kind": "friendship"}, "kind:"),
        ({"nation": "USA", "colour": "red"}, "is not a parameter"),
        ({"on": "1960-01-01"}, "nation: This field is required"),
        ({"nation": "USA", "year": "9999"}, "year:"),
        ({"nation": "USA", "year": "1960.0"}, "Enter a whole number"),
        ({"nation": "USA", "on": "9999-12-31"}, "before the year 9999"),
        ({"nation": "USA", "since": "9999-12-31"}, "before the year 9999"),
    ],
)
def test_partners_page_explains_bad_parameters(world: dict, analyst_client: Client, params: dict, message: str) -> None:
    response = _partners(analyst_client, **params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _partners(analyst_client, export="csv", **params).status_code == 400


def test_partners_page_without_parameters_offers_an_example(analyst_client: Client) -> None:
    response = _partners(analyst_client)
    assert response.status_code == 200
    assert "Whose partners?" in response.content.decode()


def test_partners_page_needs_a_login(client: Client) -> None:
    assert _partners(client, nation="USA").status_code == 302


def _query_count(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def _more_partners(world: dict, count: int) -> None:
    for _index in range(count):
        other = NationFactory()
        bilateral_agreement(world["USA"], other, in_force_from=D(1959, 1, 1), signed_on=D(1959, 1, 1))
        exercise = ExerciseFactory(start_date=D(1959, 6, 1), end_date=D(1959, 6, 2))
        ExerciseParticipantFactory(exercise=exercise, nation=world["USA"])
        ExerciseParticipantFactory(exercise=exercise, nation=other)
        ResourceSharingFactory(provider_nation=world["USA"], recipient_nation=other, start_date=D(1959, 1, 1))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("partnerships:partners", {"nation": "USA", "on": "1960-01-01", "since": "1950"}),
        ("partnerships:compare", {"a": "USA", "b": "GBR", "c": "PHL"}),
        ("api:partners", {"nation": "USA", "year": "1959", "since": "1950"}),
        ("partnerships:dyads", {"year_from": "1955", "year_to": "1965", "nation": "USA"}),
    ],
)
def test_queries_do_not_grow_with_partners(world: dict, analyst_client: Client, name: str, params: dict) -> None:
    url = reverse(name)
    _query_count(analyst_client, url, params)  # the first request also creates the session's throttle row
    before = _query_count(analyst_client, url, params)
    _more_partners(world, 6)
    assert _query_count(analyst_client, url, params) == before


# --- /compare/ ------------------------------------------------------------------------------------------------


def _compare(client: Client, **params: Any) -> Any:
    return client.get(reverse("partnerships:compare"), params)


def test_compare_lists_what_the_nations_share(world: dict, analyst_client: Client) -> None:
    response = _compare(analyst_client, a="USA", b="PHL")
    assert response.status_code == 200
    result = response.context["result"]
    assert [a["label"] for a in result.agreements] == ["Manila Pact", "Mutual Defense Treaty"]
    assert [e["label"] for e in result.exercises] == ["Sea Drill 1959"]
    three = _compare(analyst_client, a="USA", b="PHL", c="GBR").context["result"]
    assert [a["label"] for a in three.agreements] == ["Manila Pact"]
    repeated = analyst_client.get(reverse("partnerships:compare") + "?nation=USA&nation=PHL&nation=GBR")
    assert [n["iso3"] for n in repeated.context["result"].nations] == ["USA", "PHL", "GBR"]


def test_compare_answers_what_the_uk_transferred_to_saudi_arabia(world: dict, analyst_client: Client) -> None:
    response = _compare(analyst_client, a="GBR", b="SAU")
    result = response.context["result"]
    assert [t["designation"] for t in result.transfers] == ["Tornado", "Hawk"]
    text = response.content.decode()
    assert "1986, 1987, 1998" in text
    assert "2400" in text
    assert "Secret kit" not in text
    flows = result.flows[(world["GBR"].pk, world["SAU"].pk)]
    assert flows[1985]["count"] == 1
    assert flows[1985]["tiv"] == 2400
    assert response.context["transfer_tiv_chart"]["empty"] is False
    assert text.count('<figure class="chart" id="chart-') == 3  # counts, TIV, overlap: all through _chart.html
    assert _compare(Client(), a="GBR", b="SAU").status_code == 302  # anonymous: a login is needed


def test_compare_partner_overlap_per_year(world: dict, analyst_client: Client) -> None:
    response = _compare(analyst_client, a="USA", b="GBR", kind="agreement", year="1960")
    overlap = response.context["result"].overlap
    assert overlap[1960]["shared"] == {world["PHL"].pk}
    assert overlap[1960][world["USA"].pk] == {world["FRA"].pk}
    assert overlap[1978]["shared"] == set()
    assert [(title, [n["name"] for n in names]) for title, names in response.context["chosen_sets"]] == [
        ("Shared by all", ["Philippines"]),
        ("Only United States", ["France"]),
        ("Only United Kingdom", []),
    ]


def test_compare_csv_sections(world: dict, analyst_client: Client) -> None:
    response = _compare(analyst_client, a="GBR", b="SAU", export="csv", table="transfers")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    rows = [row for row in rows if not row["id"].startswith("#")]
    assert [(r["designation"], r["delivery_years"], r["tiv_total"]) for r in rows] == [
        ("Tornado", "1986 1987 1998", "2400"),
        ("Hawk", "2016 2017", "220"),
    ]
    overlap = _compare(analyst_client, a="USA", b="GBR", export="csv", table="overlap")
    assert b"year,shared,only_USA,only_GBR" in b"".join(overlap.streaming_content)
    assert _compare(analyst_client, a="USA", b="GBR", export="csv", table="nope").status_code == 400


def test_compare_hides_restricted_records(world: dict, analyst_client: Client, cleared_client: Client) -> None:
    assert _compare(analyst_client, a="USA", b="JPN").context["result"].agreements == []
    assert [a["label"] for a in _compare(cleared_client, a="USA", b="JPN").context["result"].agreements] == [
        "Secret annex"
    ]
    assert _compare(analyst_client, a="USA", b="QZZ").status_code == 400
    cleared = _compare(cleared_client, a="GBR", b="SAU").context["result"]
    assert "Secret kit" in [t["designation"] for t in cleared.transfers]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"a": "USA"}, "Name two nations"),
        ({"a": "USA", "b": "USA"}, "already compared"),
        ({"a": "USA", "b": "Narnia!"}, "is not a nation: use a name"),
        ({"a": "USA", "b": "GBR", "year": "soon"}, "year:"),
        ({"a": "USA", "b": "GBR", "z": "1"}, "is not a parameter"),
    ],
)
def test_compare_explains_bad_parameters(world: dict, analyst_client: Client, params: dict, message: str) -> None:
    response = _compare(analyst_client, **params)
    assert response.status_code == 400
    assert message in response.content.decode()


# --- /dyads/ ---------------------------------------------------------------------------------------------------


def test_dyad_page_filters_by_nation_partner_and_provision(world: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:dyads")
    response = analyst_client.get(url, {"year_from": "1960", "year_to": "1960", "nation": "USA"})
    assert response.status_code == 200
    pairs = {frozenset((row[1], row[4])) for row in response.context["rows"]}
    assert pairs == {frozenset(("United States", other)) for other in ("France", "Philippines", "United Kingdom")}
    defense = analyst_client.get(
        url, {"year_from": "1960", "year_to": "1960", "nation": "USA", "provision": "mutual_defense"}
    )
    assert {frozenset((row[1], row[4])) for row in defense.context["rows"]} == {
        frozenset(("United States", other)) for other in ("Philippines", "United Kingdom")
    }
    partner = analyst_client.get(url, {"year_from": "1955", "year_to": "1965", "nation": "USA", "partner": "FRA"})
    assert [row[0] for row in partner.context["rows"]] == list(range(1958, 1966))
    csv_response = analyst_client.get(url, {"year_from": "1960", "year_to": "1960", "nation": "USA", "export": "csv"})
    lines = b"".join(csv_response.streaming_content).decode().splitlines()
    assert lines[0].startswith("year,nation_a")
    assert len(lines) == 1 + 3 + 1


def test_dyad_page_paginates(world: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:dyads")
    first = analyst_client.get(url, {"year_from": "1952", "year_to": "2026"})
    assert len(first.context["rows"]) == 50
    assert first.context["next"]
    second = analyst_client.get(url, {"year_from": "1952", "year_to": "2026", "page": "2"})
    assert second.context["rows"][0] != first.context["rows"][0]


def test_dyad_page_hides_restricted_and_explains_errors(world: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:dyads")
    response = analyst_client.get(url, {"year_from": "1955", "year_to": "1965"})
    assert not {"Japan", "Secretland"} & {cell for row in response.context["rows"] for cell in row}
    assert "Secretland" not in response.content.decode()
    for params, message in [
        ({"year_from": "1990", "year_to": "1980"}, "Must not be before"),
        ({"year_from": "1200"}, "The data covers"),
        ({"partner": "GBR"}, "Choose the nation too"),
        ({"provision": "friendship"}, "provision:"),
    ]:
        response = analyst_client.get(url, params)
        assert response.status_code == 400, params
        assert message in response.content.decode()


# --- /api/v1/partners/ --------------------------------------------------------------------------------------------


def test_api_partners_give_the_page_figures_as_json(world: dict, analyst_client: Client) -> None:
    response = analyst_client.get(reverse("api:partners"), {"nation": "USA", "on": "1960-01-01", "since": "1980"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert data["on"] == "1960-01-01"
    assert data["exercise_years"] == 5
    philippines = next(p for p in data["partners"] if p["nation"]["iso3"] == "PHL")
    assert philippines["deepest_obligation"] == "mutual_defense"
    assert philippines["counts"] == {"agreements": 2, "exercises": 1, "transfers": 0}
    assert philippines["nation"]["url"].startswith("http://testserver/")
    assert [c["nation"]["name"] for c in data["gained"]] == ["United Kingdom"]
    assert "Japan" not in response.content.decode()
    assert "Secretland" not in response.content.decode()


def test_api_partners_refuse_bad_parameters(world: dict, analyst_client: Client) -> None:
    for params in (
        {"nation": "USA", "colour": "red"},
        {"nation": "USA", "on": ""},
        {"nation": "USA", "on": "1960-02-30"},
        {"nation": "QZZ"},
        {"on": "1960-01-01"},
        {"nation": "USA", "ordering": "size"},
    ):
        response = analyst_client.get(reverse("api:partners"), params)
        assert response.status_code == 400, params
        assert response.json()["type"] == "validation_error"


def test_api_partners_are_in_the_schema(analyst_client: Client) -> None:
    schema = analyst_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/partners/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"nation", "on", "year", "since", "kind", "provision"}


def test_partners_page_shows_a_hundred_partners_at_a_time(world: dict, analyst_client: Client, monkeypatch) -> None:
    from partnerships.web import analysis

    monkeypatch.setattr(analysis, "PARTNERS_PER_PAGE", 2)
    first = _partners(analyst_client, nation="USA", on="1960-01-01", kind="agreement")
    assert [row.nation["name"] for row in first.context["shown"]] == ["France", "Philippines"]
    assert "Partners 1\u20132 of 3" in first.content.decode()
    second = analyst_client.get(reverse("partnerships:partners") + first.context["next"])
    assert [row.nation["name"] for row in second.context["shown"]] == ["United Kingdom"]
    assert second.context["next"] is None


def test_dyad_page_labels_its_columns_and_shows_nations_by_name(world: dict, analyst_client: Client) -> None:
    response = analyst_client.get(
        reverse("partnerships:dyads"), {"year_from": "1960", "year_to": "1960", "nation": "USA"}
    )
    labels = [label for label, _ in response.context["columns"]]
    assert labels[:4] == ["Year", "Nation A", "Nation B", "Mutual defense"]
    assert "TIV A→B" in labels
    assert "Transfers B→A" in labels
    assert not any(label.startswith(("Iso3", "Cow")) or "_" in label for label in labels)
    # Every row's cells line up with the labels, and the codes stay in the CSV only.
    assert {len(cells) for cells in response.context["cells"]} == {len(labels)}
    assert "USA" not in {cell for cells in response.context["cells"] for cell in cells}
    assert '<th scope="col" class="num">Mutual defense</th>' in response.content.decode()
    # A provision the pair undertook is ticked (the CSV keeps 1 and 0): the U.S. and the U.K. are allies in 1960.
    defense = labels.index("Mutual defense")
    ticked = {frozenset(cells[1:3]) for cells in response.context["cells"] if cells[defense] == "✓"}
    assert ticked == {frozenset(("United States", other)) for other in ("Philippines", "United Kingdom")}
    assert {cells[defense] for cells in response.context["cells"]} == {"✓", ""}


def test_compare_shows_the_first_rows_and_counts_them_all(
    world: dict, analyst_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnerships.web import analysis

    monkeypatch.setattr(analysis, "SHOWN_ROWS", 1)
    for year in (1961, 1962):
        bilateral_agreement(world["USA"], world["GBR"], in_force_from=D(year, 1, 1), signed_on=D(year, 1, 1))
        ResourceSharingFactory(provider_nation=world["GBR"], recipient_nation=world["SAU"], start_date=D(year, 1, 1))
    page = _compare(analyst_client, a="GBR", b="SAU").content.decode()
    export = _compare(analyst_client, a="GBR", b="SAU", export="csv", table="transfers")
    full = b"".join(export.streaming_content).decode()
    transfers = len(full.strip().splitlines()) - 2  # the header and the trailer
    assert transfers >= 2
    assert f"{transfers} record" in page
    assert "The first 1; the Transfers CSV has them all." in page
    page = _compare(analyst_client, a="USA", b="GBR").content.decode()
    assert "Agreements all are party to (3)" in page
    assert "The first 1; the CSV has them all." in page
    assert page.count('<td><a href="/agreements/') == 1


def test_partners_page_names_five_records_of_a_kind_and_counts_them_all(world: dict, analyst_client: Client) -> None:
    for year in range(1950, 1957):
        bilateral_agreement(world["USA"], world["FRA"], in_force_from=D(year, 1, 1), signed_on=D(year, 1, 1))
    page = _partners(analyst_client, nation="USA", on="1960-01-01").content.decode()
    row = page[page.index(">France<") :].split("</tr>")[0]
    assert '<td class="num">7</td>' in row or '<td class="num">8</td>' in row
    assert row.count('<span class="tag">agreement</span>') == 5
    assert "on the comparison page" in row
