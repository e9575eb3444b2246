"""The partnership-strength page: top partners by decade, a pair over time as a chart, weights, CSV, visibility."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ExerciseFactory, ExerciseParticipantFactory, NationFactory, bilateral_agreement

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("partnerships:strength")


def pact(a, b, year: int, provisions: list[str], **fields) -> None:
    bilateral_agreement(a, b, signed_on=D(year, 1, 1), in_force_from=D(year, 1, 1), provisions=provisions, **fields)


@pytest.fixture
def world(db) -> dict:
    a = NationFactory(name="Aland", iso3="XAA")
    b = NationFactory(name="Bland", iso3="XBB")
    c = NationFactory(name="Cland", iso3="XCC")
    pact(a, b, 1990, ["mutual_defense"])
    pact(a, c, 2001, ["consultation"])
    hidden = NationFactory(name="Hiddenland", iso3="XHN", visibility="restricted")
    pact(a, hidden, 1990, ["mutual_defense"])
    pact(a, NationFactory(name="Secretpactland", iso3="XSP"), 1990, ["mutual_defense"], visibility="restricted")
    return {"a": a, "b": b, "c": c}


def test_the_page_needs_a_login(client: Client) -> None:
    assert client.get(URL).status_code == 302


def test_a_nations_top_partners_by_decade_link_to_the_pair(world, analyst_client: Client) -> None:
    response = analyst_client.get(URL, {"nation": "XAA"})
    assert response.status_code == 200
    decades = dict(response.context["decades"])
    assert list(decades) == [1990, 2000, 2010, 2020]
    names = [rank.partner["name"] for rank, _ in decades[2000] if rank]
    assert names == ["Bland", "Cland"]
    text = response.content.decode()
    assert "?a=XAA&amp;b=XBB" in text
    assert "Method" in text
    assert "weight 0.5" in text
    assert reverse("partnerships:strength") in text  # the nav link


def test_restricted_nations_and_agreements_never_show_to_a_plain_analyst(
    world, analyst_client: Client, cleared_client: Client
) -> None:
    response = analyst_client.get(URL, {"nation": "XAA"})
    plain = response.content.decode()
    assert "Hiddenland" not in plain  # not even among the nations the form offers
    shown = {rank.partner["name"] for _, ranks in response.context["decades"] for rank, _ in ranks if rank}
    assert shown == {"Bland", "Cland"}  # Secretpactland is public, its pact with Aland is not
    exported = analyst_client.get(URL, {"nation": "XAA", "export": "csv"}).content.decode()
    assert "Hiddenland" not in exported
    assert "Secretpactland" not in exported
    refused = analyst_client.get(URL, {"a": "XAA", "b": "XHN"})
    assert refused.status_code == 400
    assert "matches no nation" in refused.content.decode()
    cleared = cleared_client.get(URL, {"nation": "XAA"})
    shown = {rank.partner["name"] for _, ranks in cleared.context["decades"] for rank, _ in ranks if rank}
    assert shown == {"Bland", "Cland", "Hiddenland", "Secretpactland"}


def test_a_pair_over_time_is_a_chart_with_its_figures(world, analyst_client: Client) -> None:
    exercise = ExerciseFactory(start_date=D(2005, 3, 1), end_date=D(2005, 3, 5))
    for nation in (world["a"], world["c"]):
        ExerciseParticipantFactory(exercise=exercise, nation=nation)
    response = analyst_client.get(URL, {"a": "XAA", "b": "XCC"})
    assert response.status_code == 200
    chart = response.context["chart"]
    assert not chart["empty"]
    assert chart["rows"][0][0] == 2001
    assert "<svg" in response.content.decode()
    row_2005 = next(row for row in chart["rows"] if row[0] == 2005)
    assert row_2005[1] == "22.25"  # consultation 0.32 * 50 + a bilateral exercise 0.25 * 25
    assert row_2005[2:] == ["16.00", "6.25", "0.00"]  # its parts, by component

    # The chart downloads as the page draws it: its figures in CSV, the drawing as a standalone SVG.
    figures = analyst_client.get(URL, {"a": "XAA", "b": "XCC", "chart": "strength", "format": "csv"})
    assert figures.status_code == 200
    lines = figures.content.decode().splitlines()
    assert lines[0] == "Year,Index,Agreements,Exercises,Transfers"
    assert "2005,22.25,16.00,6.25,0.00" in lines
    drawing = analyst_client.get(URL, {"a": "XAA", "b": "XCC", "chart": "strength", "format": "svg"})
    assert drawing["Content-Type"].startswith("image/svg+xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in drawing.content.decode()


def test_weights_from_the_form_change_the_values_and_are_kept_in_links(world, analyst_client: Client) -> None:
    response = analyst_client.get(URL, {"nation": "XAA", "w_agreements": "1", "w_exercises": "0", "w_transfers": "0"})
    first = dict(response.context["decades"])[1990][0][0]
    assert first.index == pytest.approx(80.0)
    assert "w_agreements=1.0" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"nation": "Nowhere"}, "nation"),
        ({"a": "XAA"}, "b"),
        ({"nation": "XAA", "a": "XBB", "b": "XCC"}, "nation"),
        ({"nation": "XAA", "w_agreements": "-1"}, "w_agreements"),
        ({"nation": "XAA", "w_agreements": "0", "w_exercises": "0", "w_transfers": "0"}, "w_agreements"),
        ({"a": "XAA", "b": "XAA"}, "b"),
    ],
)
def test_bad_input_gets_a_400_with_the_fields_message(world, analyst_client: Client, params, field) -> None:
    response = analyst_client.get(URL, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_the_csv_exports_hold_the_figures(world, analyst_client: Client) -> None:
    response = analyst_client.get(URL, {"a": "XAA", "b": "XBB", "year_from": 1990, "year_to": 1991, "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    *lines, trailer = response.content.decode().splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [(row["year"], row["index"], row["agreements"]) for row in rows] == [
        ("1990", "40.0000", "1"),
        ("1991", "40.0000", "1"),
    ]
    assert trailer == "# complete: 2 rows"


def test_the_query_count_does_not_grow_with_partners(world, analyst_client: Client) -> None:
    analyst_client.get(URL, {"nation": "XAA"})
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(URL, {"nation": "XAA"})
    for n in range(15):
        pact(world["a"], NationFactory(name=f"More {n}"), 1995 + n, ["consultation"])
    with CaptureQueriesContext(connection) as many:
        response = analyst_client.get(URL, {"nation": "XAA"})
    assert len(dict(response.context["decades"])[2000]) == 10
    assert len(few) == len(many)
