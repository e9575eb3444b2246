"""The API documentation renders in Chromium from local files only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_every_resource_offline(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    for resource in ("agreements", "exercises", "nations", "resources"):
        assert any(resource in tag.lower() for tag in tags), tags
    page.wait_for_selector(".opblock-summary-path", timeout=10000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/agreements/" in paths
    assert "/api/v1/agreements/{id}/" in paths
    screenshot(page, "api-docs")


def test_redoc_renders_offline(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/api/docs/redoc/")
    page.wait_for_selector("text=Partnership Program Registry API", timeout=20000)
    assert page.locator("text=/api/v1/agreements/").count() >= 1
    screenshot(page, "api-redoc")
