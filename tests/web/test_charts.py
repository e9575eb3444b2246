"""Charts: axes scaled to where the data are, and every chart downloadable as SVG and as CSV."""

from __future__ import annotations

import csv
import datetime
import io
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.web import axes, charts
from tests.factories import NationFactory, bilateral_agreement

D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"


# --- Axis scaling (no database) -------------------------------------------------------------------


def _modern(first: int = 1945, last: int = 2025, per_year: int = 5) -> dict[int, int]:
    return {year: per_year for year in range(first, last + 1)}


def test_one_early_outlier_does_not_stretch_the_axis() -> None:
    weights = {1386: 1, **_modern()}
    assert axes.axis_start(weights) == 1940  # a decade's start
    assert axes.axis_start({1386: 1, 1951: 1, 2014: 1}) == 1950
    # A long sparse tail (one or two a century) is left out too, as ATOP's 1815-1900 is not.
    sparse = {1386: 1, 1500: 1, 1610: 1, 1700: 1, **_modern(1800, 2018, 5)}
    assert axes.axis_start(sparse) == 1800


def test_an_axis_over_data_spread_evenly_keeps_its_first_year() -> None:
    assert axes.axis_start(_modern()) == 1945
    assert axes.axis_start({1815: 3, **_modern(1816, 2018, 3)}) == 1815
    assert axes.axis_start({2001: 1, 2010: 4}) == 2001


def test_a_bar_chart_shows_the_outlier_in_a_before_bin_and_keeps_it_in_the_figures() -> None:
    chart = charts.bar_chart([(1386, 1), *_modern().items()], label="Agreements", name="agreements")
    assert chart["first"] == 1940
    before, *bars = chart["bars"]
    assert before.title == "before 1940: 1"
    assert before.colour == charts.BEFORE_COLOUR
    assert len(bars) == 2025 - 1940 + 1
    # 1945-2025 fill the width: the bar of 1985 stands near the middle, not in the last quarter.
    middle = next(bar for bar in bars if bar.title.startswith("1985:"))
    assert 0.4 < (middle.x - charts.MARGIN_LEFT) / (charts.WIDTH - charts.MARGIN_LEFT) < 0.6
    assert chart["csv"]["rows"][0] == [1386, 1]
    assert len(chart["csv"]["rows"]) == 82


def test_a_tall_before_bin_is_capped_at_the_charts_top() -> None:
    early = [(1400 + 10 * index, 1) for index in range(10)]  # ten, in the fifteenth century
    chart = charts.bar_chart([*early, *_modern().items()], label="x", name="x")
    before = chart["bars"][0]
    assert chart["top"] == 5
    assert before.height == pytest.approx(chart["bars"][-1].height)
    assert before.title == "before 1940: 10"


def test_a_level_series_shows_the_highest_early_value_not_their_sum() -> None:
    chart = charts.bar_chart([(1778, 1), (1779, 1), *_modern().items()], label="Partners", name="p", level=True)
    assert chart["bars"][0].title == "1778-1939: up to 1"


def test_the_stacked_chart_scales_like_the_bar_chart_and_gives_a_column_per_kind() -> None:
    per_year = {1386: {"treaty": 1}, **{year: {"treaty": 2, "mou": 1} for year in range(1950, 2021)}}
    chart = charts.stacked_bar_chart(per_year, label="Signed", name="agreements")
    assert chart["first"] == 1950
    assert chart["csv"]["header"][:2] == ["Year", "Total"]
    assert chart["csv"]["rows"][0][:2] == [1386, 1]


def test_the_timeline_starts_where_the_records_are_and_marks_an_earlier_one() -> None:
    def agreement(pk: int, year: int) -> Any:
        return SimpleNamespace(
            pk=pk, signed_on=D(year, 6, 16), in_force_from=D(year, 6, 16), ended_on=None, expires_on=None
        )

    rows = [agreement(1, 1386)] + [agreement(pk, 1945 + pk) for pk in range(2, 60)]
    timeline = charts.timeline(rows, [], today=D(2026, 1, 1))
    assert timeline["first"] >= 1940
    assert timeline["before"] == 1
    alliance = timeline["rows"][0]
    assert alliance["before_axis"]
    assert alliance["start"] == 0
    assert not timeline["rows"][1]["before_axis"]


# --- Downloads ------------------------------------------------------------------------------------


@pytest.fixture
def signed(db) -> dict[str, Any]:
    usa = NationFactory(name="United States", iso3="USA")
    gbr = NationFactory(name="United Kingdom", iso3="GBR")
    hidden = NationFactory(name="Hidden Land", iso3="HDN")
    bilateral_agreement(usa, gbr, title="Old Alliance", signed_on=D(1386, 5, 9), in_force_from=D(1386, 5, 9))
    for year in range(1950, 2001, 5):
        bilateral_agreement(usa, gbr, kind="treaty", signed_on=D(year, 1, 1), in_force_from=D(year, 1, 1))
    secret = bilateral_agreement(
        usa, hidden, kind="treaty", visibility="restricted", signed_on=D(1999, 1, 1), in_force_from=D(1999, 1, 1)
    )
    return {"usa": usa, "gbr": gbr, "hidden": hidden, "secret": secret}


def _download(client: Client, url: str, **params: Any) -> Any:
    return client.get(url, params)


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_a_dashboard_chart_downloads_as_a_standalone_svg(signed: dict, analyst_client: Client) -> None:
    response = _download(analyst_client, reverse("partnerships:dashboard"), chart="agreements", format="svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert 'filename="agreements.svg"' in response["Content-Disposition"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    style = root.find(f"{SVG}style")
    assert ".axis-label" in style.text
    assert "var(" not in style.text  # no page around it to define the variables
    assert root.find(f"{SVG}title").text == "Agreements signed per year, by kind"
    titles = [rect.find(f"{SVG}title").text for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert "before 1950: 1" in titles
    assert any(title.startswith("1955: 1 ") for title in titles)
    # The legend is drawn into the file: it has no page around it.
    assert any(text.text == "Treaty" for text in root.iter(f"{SVG}text"))


@pytest.mark.django_db
def test_a_chart_downloads_its_figures_as_csv_with_only_what_the_user_may_see(
    signed: dict, analyst_client: Client, cleared_client: Client
) -> None:
    url = reverse("partnerships:dashboard")
    rows = _csv(_download(analyst_client, url, chart="agreements", format="csv"))
    assert rows[0][:2] == ["Year", "Total"]
    by_year = {row[0]: row for row in rows[1:]}
    assert by_year["1386"][1] == "1"
    assert by_year["1955"][1] == "1"
    assert "1999" not in by_year  # the restricted treaty is not counted
    cleared = {row[0]: row for row in _csv(_download(cleared_client, url, chart="agreements", format="csv"))[1:]}
    assert cleared["1999"][1] == "1"
    svg = _download(analyst_client, url, chart="agreements", format="svg").content.decode()
    assert "1999:" not in svg


@pytest.mark.django_db
def test_the_profile_partners_chart_downloads_without_a_restricted_partner(
    signed: dict, analyst_client: Client, cleared_client: Client
) -> None:
    signed["hidden"].visibility = "restricted"
    signed["hidden"].save()
    url = reverse("partnerships:nation-code", args=["USA"])
    svg = _download(analyst_client, url, chart="partners", format="svg")
    assert svg.status_code == 200
    assert 'filename="usa-partners.svg"' in svg["Content-Disposition"]
    text = svg.content.decode()
    ET.fromstring(svg.content)
    assert "United Kingdom" in text
    assert "Hidden Land" not in text
    figures = {row[0]: row[1] for row in _csv(_download(analyst_client, url, chart="partners", format="csv"))[1:]}
    assert figures["2000"] == "1"
    cleared = {row[0]: row[1] for row in _csv(_download(cleared_client, url, chart="partners", format="csv"))[1:]}
    assert cleared["2000"] == "2"
    assert "Hidden Land" in _download(cleared_client, url, chart="partners", format="svg").content.decode()


@pytest.mark.django_db
def test_the_chart_links_keep_the_pages_parameters(signed: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:nation-code", args=["USA"])
    page = analyst_client.get(url, {"partners_year": "2000", "joined_page": "1"}).content.decode()
    assert page.count("Download SVG") == 1
    assert 'href="?partners_year=2000&amp;joined_page=1&amp;chart=partners&amp;format=svg"' in page
    assert 'href="?partners_year=2000&amp;joined_page=1&amp;chart=partners&amp;format=csv"' in page
    dashboard = analyst_client.get(reverse("partnerships:dashboard")).content.decode()
    assert dashboard.count("Download SVG") == 1  # the exercises chart is empty: nothing to download
    assert 'href="?chart=agreements&amp;format=csv"' in dashboard


@pytest.mark.django_db
def test_a_wrong_chart_or_format_gets_a_clear_400(signed: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:dashboard")
    response = _download(analyst_client, url, chart="nothing")
    assert response.status_code == 400
    assert "no chart named “nothing” (its charts: agreements, exercises)" in response.content.decode()
    response = _download(analyst_client, url, chart="agreements", format="png")
    assert response.status_code == 400
    assert "“png” is not a download format" in response.content.decode()


@pytest.mark.django_db
def test_chart_downloads_need_a_login(signed: dict, client: Client) -> None:
    response = _download(client, reverse("partnerships:dashboard"), chart="agreements", format="csv")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_a_scorecards_charts_download_too_without_restricted_assessments(
    analyst_client: Client, cleared_client: Client
) -> None:
    from tests.factories import (
        AssessmentChallengeFactory,
        AssessmentFactory,
        ExerciseFactory,
        IndicatorFactory,
        MeasurementFactory,
        ProgramFactory,
    )

    program = ProgramFactory()
    readiness = IndicatorFactory(slug="readiness", name="Readiness")
    seen = AssessmentFactory(exercise=ExerciseFactory(program=program), conducted_on=D(2023, 5, 1))
    MeasurementFactory(assessment=seen, indicator=readiness, target=80, actual=85, measured_on=D(2023, 5, 1))
    AssessmentChallengeFactory(assessment=seen)
    hidden = AssessmentFactory(
        exercise=ExerciseFactory(program=program), visibility="restricted", conducted_on=D(2024, 5, 1)
    )
    MeasurementFactory(assessment=hidden, indicator=readiness, target=80, actual=12, measured_on=D(2024, 5, 1))
    url = reverse("partnerships:scorecard-program", args=[program.pk])
    page = analyst_client.get(url).content.decode()
    assert 'href="?chart=readiness&amp;format=svg"' in page
    assert 'href="?chart=challenges&amp;format=csv"' in page
    rows = _csv(analyst_client.get(url, {"chart": "readiness", "format": "csv"}))
    assert rows == [["Measured", "Baseline", "Target", "Actual", "Met"], ["2023-05-01", "", "80", "85", "yes"]]
    assert len(_csv(cleared_client.get(url, {"chart": "readiness", "format": "csv"}))) == 3
    svg = analyst_client.get(url, {"chart": "readiness", "format": "svg"})
    root = ET.fromstring(svg.content)
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert ".trend-line" in root.find(f"{SVG}style").text
    challenges = _csv(analyst_client.get(url, {"chart": "challenges", "format": "csv"}))
    assert challenges[0] == ["", "Assessments"]
    assert challenges[1][1] == "1"
