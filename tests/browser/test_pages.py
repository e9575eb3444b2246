"""The analyst pages in a real Chromium: log in, filter, export, open, search, explore the network.

The data is the real demo data (``load_demo``). Every request the page makes
is recorded by the ``page`` fixture, which fails the test if one leaves the
machine. Screenshots of each page are kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from partnerships.models import Agreement, Assessment, Nation
from partnerships.services.demo import load_demo
from tests.browser.conftest import PASSWORD, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_draws_its_charts(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/")
    assert page.locator("figure.chart svg rect").count() > 5
    assert page.locator("ol.ranked li").count() >= 5
    screenshot(page, "dashboard")


def test_filter_the_agreement_list_and_export_exactly_that_view(
    analyst_page: Any, live_server: Any, tmp_path: Path
) -> None:
    page = analyst_page
    page.fill("#f-party", "PHL")
    page.check("input[name=status][value=in_force]")
    page.click("#filters button[type=submit]")
    page.wait_for_selector(".chips li")
    titles = page.locator("table.records tbody tr td:first-child a").all_inner_texts()
    assert titles
    assert set(titles) <= {"MDT", "VFA", "EDCA"}
    assert page.locator(".chips li").count() == 2
    screenshot(page, "agreement-list-filtered")
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    *lines, trailer = path.read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(lines))
    assert [row["Title"] for row in rows] == titles
    assert trailer == f"# complete: {len(titles)} rows"
    # Removing a chip widens the list again.
    page.click(".chips li:first-child a")
    page.wait_for_load_state()
    assert page.locator("table.records tbody tr").count() > len(titles)


def test_open_an_agreement_page(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.click("table.records tbody tr td:first-child a >> text=EDCA")
    page.wait_for_selector("h1")
    assert "Enhanced Defense Cooperation" in page.inner_text("h1")
    assert page.locator("#parties-heading + table tbody tr").count() == 2
    assert page.locator("#source-heading ~ p a[href^='http']").count() == 1
    assert page.locator("#history-heading").count() == 1
    screenshot(page, "agreement")


def test_a_programs_scorecard_answers_are_we_meeting_our_goals(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/programs/")
    page.click("table.records tbody tr td:first-child a >> text=U.S.-Philippines Alliance Cooperation")
    page.wait_for_selector("#assessments-heading")
    page.click("text=Scorecard")
    page.wait_for_selector("h1")
    assert page.inner_text("h1").startswith("Scorecard: U.S.-Philippines Alliance Cooperation")
    assert "targets met" in page.inner_text(".stats")
    assert page.locator("figure.trend svg circle").count() >= 10
    assert page.locator("#pending-heading ~ table tbody tr").count() >= 1
    screenshot(page, "scorecard")
    # Narrow the period: fewer assessments are counted.
    before = page.locator("#assessments-heading ~ table tbody tr").count()
    page.fill("#id_start", "2025-01-01")
    page.click(".period-form button[type=submit]")
    page.wait_for_url("**start=2025-01-01**")
    assert 0 < page.locator("#assessments-heading ~ table tbody tr").count() < before
    # Open an assessment from the scorecard.
    page.locator("#assessments-heading ~ table tbody tr td a").first.click()
    page.wait_for_selector("#measurements-heading")
    assert page.inner_text("h1").startswith("Illustrative:")
    screenshot(page, "assessment")


def test_search_with_a_misspelling(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.fill("#global-search", "Phillipines")
    page.press("#global-search", "Enter")
    page.wait_for_selector(".search-group")
    first_nation = page.locator(".search-group", has_text="Nations").locator("li a").first
    assert first_nation.inner_text() == "Philippines"
    screenshot(page, "search")
    first_nation.click()
    page.wait_for_selector("h1")
    assert page.inner_text("h1").startswith("Philippines")
    assert page.locator("figure.chart svg rect").count() > 0
    screenshot(page, "nation-profile")


def test_timeline_draws_agreements_and_exercises(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/timeline/?party=PHL")
    assert (
        page.locator(".timeline-row.agreement").count()
        == Agreement.objects.involving(Nation.objects.get(iso3="PHL")).filter(signed_on__isnull=False).count()
    )
    assert page.locator(".timeline-row.exercise").count() >= 2
    screenshot(page, "timeline")


def test_keyboard_users_can_skip_to_the_content(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_admin_and_the_browsable_api_work_under_the_content_security_policy(page: Any, live_server: Any) -> None:
    # The page fixture fails the test on any CSP violation, on every page below.
    load_demo()
    UserFactory(username="editor-in-chief", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor-in-chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assessment = Assessment.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/partnerships/assessment/{assessment.pk}/change/")
    rows = page.locator("#measurements-group tbody tr.form-row").count()
    page.click("#measurements-group .add-row a")  # the admin's own JavaScript adds an inline row
    assert page.locator("#measurements-group tbody tr.form-row").count() == rows + 1
    screenshot(page, "admin-assessment")
    page.goto(f"{live_server.url}/api/v1/agreements/")
    assert page.locator("pre.prettyprint, .response-info").count() >= 1
    screenshot(page, "browsable-api")
