"""The list pages' helpers in a real Chromium: nation suggestions, remembered columns, saved searches, checkboxes.

Over the demo data (``load_demo``), logged in through the login form.
"""

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
    load_demo()
    UserFactory(username="analyst")
    page.goto(f"{live_server.url}/agreements/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/agreements/")
    return page


def _headers(page: Any) -> list[str]:
    return [text.strip(" ▲▼") for text in page.locator("table.records thead th").all_inner_texts()]


def test_type_part_of_a_name_pick_the_nation_and_filter(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    field = page.locator("#f-party")
    assert field.get_attribute("role") == "combobox"
    field.press_sequentially("Phil", delay=40)
    option = page.locator("#f-party-suggestions [role=option]", has_text="Philippines (PHL)")
    option.wait_for()
    assert field.get_attribute("aria-expanded") == "true"
    screenshot(page, "nation-suggestions")
    option.click()
    assert field.input_value() == "PHL"
    assert field.get_attribute("aria-expanded") == "false"
    page.click("#filters button[type=submit]")
    page.wait_for_selector(".chips li")
    assert "Party: Philippines (PHL)" in page.inner_text(".chips")
    parties = page.locator("table.records tbody tr td:nth-child(8)").all_inner_texts()
    assert parties
    assert all("Philippines (PHL)" in cell for cell in parties)
    # With the keyboard: Down then Enter picks; Enter does not submit the form meanwhile.
    page.goto(f"{live_server.url}/exercises/")
    participant = page.locator("#f-participant")
    participant.press_sequentially("japa", delay=40)
    page.locator("#f-participant-suggestions [role=option]").first.wait_for()
    participant.press("ArrowDown")
    assert participant.get_attribute("aria-activedescendant") == "f-participant-suggestions-0"
    participant.press("Enter")
    assert participant.input_value() == "JPN"
    assert page.url == f"{live_server.url}/exercises/"


def test_several_nations_in_a_party_all_field(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    field = page.locator("#f-party_all")
    field.press_sequentially("United Sta", delay=40)
    page.locator("#f-party_all-suggestions [role=option]", has_text="United States (USA)").click()
    field.press_sequentially(", phil", delay=40)
    page.locator("#f-party_all-suggestions [role=option]", has_text="Philippines (PHL)").click()
    assert field.input_value() == "USA, PHL"
    page.click("#filters button[type=submit]")
    page.wait_for_selector(".chips li")
    assert "United States (USA), Philippines (PHL)" in page.inner_text(".chips")
    for cell in page.locator("table.records tbody tr td:nth-child(8)").all_inner_texts():
        assert "United States (USA)" in cell
        assert "Philippines (PHL)" in cell


def test_the_columns_chosen_are_remembered_across_visits(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    default = _headers(page)
    assert "Kind" in default
    page.uncheck("#filters input[name=columns][value=kind]")
    page.uncheck("#filters input[name=columns][value=scope]")
    page.click("#filters button[type=submit]")
    page.wait_for_load_state()
    assert "Kind" not in _headers(page)
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/agreements/")
    assert _headers(page) == [label for label in default if label not in ("Kind", "Scope")]
    assert not page.is_checked("#filters input[name=columns][value=kind]")
    screenshot(page, "list-columns-remembered")
    page.click("text=Reset columns")
    page.wait_for_load_state()
    assert _headers(page) == default


def test_save_a_search_and_open_it_from_the_dashboard(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.fill("#f-party", "Philippines")
    page.check("#filters input[name=status][value=in_force]")
    page.click("#filters button[type=submit]")
    page.wait_for_selector(".chips li")
    filtered = page.locator("table.records tbody tr td:first-child a").all_inner_texts()
    # No name: the panel says so, and nothing is saved.
    page.click(".save-search button[type=submit]")
    page.wait_for_selector(".field-error")
    assert "This field is required." in page.inner_text(".saved-searches")
    page.fill("#id_name", "Philippine agreements in force")
    page.click(".save-search button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Saved the search" in page.inner_text(".messages")
    page.goto(f"{live_server.url}/")
    card = page.locator("section[aria-labelledby=saved-searches-heading]")
    screenshot(page, "dashboard-saved-searches")
    card.locator("a", has_text="Philippine agreements in force").click()
    page.wait_for_selector(".chips li")
    assert "Party: Philippines (PHL)" in page.inner_text(".chips")
    assert page.locator("table.records tbody tr td:first-child a").all_inner_texts() == filtered
    # Deleted by its owner, from the dashboard.
    page.goto(f"{live_server.url}/")
    card.locator("button", has_text="Delete").click()
    page.wait_for_selector(".messages")
    assert "Philippine agreements in force" not in card.inner_text()


def test_checkbox_filters_work_with_the_mouse_and_the_keyboard(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    assert page.locator("#filters select[multiple]").count() == 0
    page.check("#filters input[name=kind][value=treaty]")
    page.focus("#filters input[name=kind][value=sofa]")
    page.keyboard.press("Space")
    page.click("#filters button[type=submit]")
    page.wait_for_selector(".chips li")
    chips = page.inner_text(".chips")
    assert "Kind: Treaty" in chips
    assert "Kind: Status of forces agreement" in chips
    assert page.is_checked("#filters input[name=kind][value=treaty]")
    kinds = set(page.locator("table.records tbody tr td:nth-child(2)").all_inner_texts())
    assert kinds <= {"Treaty", "Status of forces agreement"}
    screenshot(page, "list-checkbox-filters")
