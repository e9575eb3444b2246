"""Pages that end and fit: a long profile stays short, nothing scrolls sideways at 1,280 px, print drops the controls.

The data is the demo (``load_demo``) plus a nation with 500 exercises and an
agreement whose source URL is very long. Screenshots are kept in
test-artifacts/screenshots/.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from partnerships.models import Agreement, Exercise, ExerciseParticipant, Nation
from partnerships.services.demo import load_demo
from tests.browser.conftest import screenshot
from tests.factories import AgreementSourceFactory, NationFactory, UserFactory, bilateral_agreement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
LONG_URL = "https://treaties.example.org/records/" + "/".join(f"segment-{n}-of-a-very-long-address" for n in range(11))


def _busy_nation() -> Nation:
    """A nation that took part in 500 exercises (hosted 100), and has a treaty with a very long source URL."""
    busy = NationFactory(name="Busyland", iso3="BSY")
    exercises = Exercise.objects.bulk_create(
        Exercise(
            name=f"Busy Drill {index}",
            series="Busy Drill",
            kind="field_training",
            status="completed",
            start_date=datetime.date(1990 + index // 20, index % 12 + 1, index % 28 + 1),
            end_date=datetime.date(1990 + index // 20, index % 12 + 1, index % 28 + 1),
        )
        for index in range(500)
    )
    ExerciseParticipant.objects.bulk_create(
        ExerciseParticipant(exercise=exercise, nation=busy, role="host" if index % 5 == 0 else "participant")
        for index, exercise in enumerate(exercises)
    )
    treaty = bilateral_agreement(
        busy,
        Nation.objects.get(iso3="PHL"),
        title="Treaty of the Very Long Address",
        source_url=LONG_URL,
        source_text="Cited at " + LONG_URL,
    )
    AgreementSourceFactory(record=treaty, dataset="treaty-office", dataset_id="T-1", url=LONG_URL, citation=LONG_URL)
    return busy


@pytest.fixture
def site(page: Any, live_server: Any) -> Any:
    """A page at 1,280 px, logged in as an analyst, over the demo data and Busyland."""
    load_demo()
    _busy_nation()
    UserFactory(username="analyst")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def _sideways(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_a_nation_with_500_exercises_has_a_profile_that_ends(site: Any, live_server: Any) -> None:
    page = site
    page.goto(f"{live_server.url}/nations/BSY/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height
    assert page.inner_text("#joined-heading .count-badge") == "400"
    assert page.inner_text("#hosted-heading .count-badge") == "100"
    # Newest first, dated; the next page of one section keeps the other's.
    first = page.locator("#joined li").first.inner_text()
    assert "2014" in first
    page.click("#joined a[rel=next]")
    page.wait_for_load_state()
    assert "joined_page=2" in page.url
    assert page.locator("#joined li").first.inner_text() != first
    screenshot(page, "nation-profile-busy")


PAGES = [
    "/",
    "/agreements/",
    "/exercises/",
    "/resources/?"
    + "&".join(
        f"columns={c}"
        for c in (
            "record",
            "provider",
            "recipient",
            "category",
            "quantity",
            "value",
            "start",
            "status",
            "designation",
            "condition",
            "number_ordered",
            "number_delivered",
            "delivery_years",
            "tiv_unit",
            "tiv_total",
            "tiv_delivered",
            "sources",
        )
    ),
    "/nations/",
    "/organizations/",
    "/assessments/",
    "/nations/PHL/",
    "/nations/BSY/",
    "/timeline/",
    "/timeline/?party=PHL",
]


def test_no_page_scrolls_sideways_at_1280_pixels(site: Any, live_server: Any) -> None:
    page = site
    wide = []
    agreement = Agreement.objects.get(title="Treaty of the Very Long Address")
    exercise = Exercise.objects.order_by("pk").first()
    for path in [*PAGES, f"/agreements/{agreement.pk}/", f"/exercises/{exercise.pk}/"]:
        page.goto(f"{live_server.url}{path}")
        scroll, client = _sideways(page)
        if scroll > client:
            wide.append((path, scroll, client))
    assert not wide


def test_an_agreement_with_a_very_long_source_url_fits_at_1280_and_1440(site: Any, live_server: Any) -> None:
    page = site
    agreement = Agreement.objects.get(title="Treaty of the Very Long Address")
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
        assert page.locator(f"a[href='{LONG_URL}']").count() >= 1
        scroll, client = _sideways(page)
        assert scroll <= client, (width, scroll, client)
    screenshot(page, "agreement-long-url")


def test_sortable_headers_look_sortable_and_show_the_direction(site: Any, live_server: Any) -> None:
    page = site
    page.goto(f"{live_server.url}/agreements/")
    arrow = "window.getComputedStyle(document.querySelector(SEL), '::after').content"
    sortable = "table.records th:not([aria-sort]) a[href*='ordering=']"
    assert page.evaluate(arrow.replace("SEL", f'"{sortable}"')) == '"↕"'
    page.click("table.records th a >> text=Signed")
    page.wait_for_load_state()
    header = page.locator("table.records th[aria-sort]")
    assert header.count() == 1
    assert header.get_attribute("aria-sort") in ("ascending", "descending")
    assert "▲" in header.inner_text() or "▼" in header.inner_text()


def test_print_hides_the_navigation_and_controls_and_keeps_the_charts(site: Any, live_server: Any) -> None:
    page = site
    page.goto(f"{live_server.url}/nations/PHL/")
    page.emulate_media(media="print")
    assert not page.is_visible("nav.main-nav")
    assert not page.is_visible(".site-header")
    assert not page.is_visible("form.partners-controls")
    assert not page.is_visible(".chart-downloads")
    assert page.is_visible("figure.chart svg")
    page.goto(f"{live_server.url}/agreements/")
    assert not page.is_visible(".filter-panel")
    assert page.is_visible("table.records")
    page.emulate_media(media="screen")
    assert page.is_visible("nav.main-nav")


def test_a_chart_downloads_as_svg_and_csv_from_its_links(site: Any, live_server: Any, tmp_path: Path) -> None:
    page = site
    page.goto(f"{live_server.url}/")
    with page.expect_download() as svg_download:
        page.click("#chart-agreements a >> text=Download SVG")
    svg = tmp_path / "chart.svg"
    svg_download.value.save_as(svg)
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}style") is not None
    with page.expect_download() as csv_download:
        page.click("#chart-agreements a >> text=Figures as CSV")
    figures = tmp_path / "chart.csv"
    csv_download.value.save_as(figures)
    assert figures.read_text(encoding="utf-8").startswith("Year,Total,")
    screenshot(page, "dashboard-charts")
