"""Browser tests: Playwright driving Debian's Chromium, with every request checked to stay local."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

PASSWORD = "correct horse battery staple"

# Playwright's sync API keeps an event loop in the test thread; Django would then refuse
# the test's own database calls (flushing between tests), which are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (CI installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records every request and console message.

    The test fails if a request leaves the machine or the page breaks its
    content security policy.
    """
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    outside: list[str] = []

    def check(request: Any) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in LOCAL_HOSTS:
            outside.append(request.url)

    violations: list[str] = []

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    page.on("request", check)
    page.on("console", console)
    yield page
    context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not violations, f"the page broke its content security policy: {violations}"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def analyst_page(page: Any, live_server: Any) -> Any:
    """A page logged in, through the login form, as an analyst, over the demo data."""
    from partnerships.services.demo import load_demo
    from tests.factories import UserFactory

    load_demo()
    UserFactory(username="analyst")
    page.goto(f"{live_server.url}/agreements/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/agreements/")
    return page
