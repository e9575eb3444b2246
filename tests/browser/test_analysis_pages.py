"""Partners on a date and nations compared, in a real Chromium, over the demo data."""

from __future__ import annotations

from typing import Any

import pytest

from partnerships.services.demo import load_demo
from tests.browser.conftest import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def analyst_page(page: Any, live_server: Any) -> Any:
    """A page logged in, through the login form, as an analyst, over the demo data."""
    load_demo()
    UserFactory(username="analyst")
    page.goto(f"{live_server.url}/partners/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/partners/")
    return page


def test_fill_the_partners_form_sort_and_read_the_partners(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    assert page.locator("text=Whose partners?").is_visible()
    page.fill("#p-nation", "PHL")
    page.fill("#p-on", "2024-06-01")
    page.click("text=Show partners")
    page.wait_for_url("**/partners/?**nation=PHL**")
    assert "on 1 June 2024" in page.locator("h1").inner_text()
    partners = page.locator("table.partners tbody tr")
    assert partners.count() >= 1
    assert page.locator("table.partners tbody", has_text="United States").count() == 1
    # Sort by the number of agreements: most first, and the header says so.
    page.click("table.partners th >> text=Agreements")
    page.wait_for_url("**ordering=agreements**")
    assert page.locator("table.partners th[aria-sort]").inner_text() == "Agreements"
    counts = [int(text) for text in page.locator("table.partners tbody tr td:nth-child(4)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    # The records behind a link open and lead to the record.
    first = page.locator("table.partners tbody tr").first.locator("details.link-records")
    first.locator("summary").click()
    assert first.locator("a").first.is_visible()
    screenshot(page, "partners")


def test_compare_two_nations_with_charts_and_sections(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/compare/")
    page.fill("#c-a", "USA")
    page.fill("#c-b", "PHL")
    page.click("form[aria-label='Nations to compare'] button[type=submit]")
    page.wait_for_url("**/compare/?a=USA&b=PHL**")
    assert "compared" in page.locator("h1").inner_text()
    assert page.locator("#agreements-h").inner_text().startswith("Agreements all are party to (")
    assert page.locator("#agreements table tbody tr").count() >= 2  # the 1951 treaty, the VFA, EDCA…
    assert page.locator("#overlap figure.chart svg rect").count() > 5
    # Naming the partners of another year keeps the nations compared.
    earliest = page.locator("#c-year option").first.get_attribute("value")
    page.select_option("#c-year", earliest)
    page.click("form[aria-label='Year whose partners are named'] button")
    page.wait_for_url(f"**year={earliest}**")
    assert "a=USA" in page.url
    assert f"in {earliest}" in page.locator(".overlap-names h3").first.inner_text()
    screenshot(page, "compare")
