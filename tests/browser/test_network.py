"""The network page in a real Chromium: the focused view, its permalink, its downloads, its labels.

The data is the demo (``load_demo``). Screenshots are kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partnerships.models import Nation
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
READY = "#network[data-state=ready]"
BOXES = """() => window.registryNetwork.cy.nodes().map((n) => {
  const b = n.boundingBox({ includeLabels: true });
  return { label: n.data("short"), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
})"""


def ready(page: Any) -> None:
    page.wait_for_selector(READY, state="attached")


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a["label"], b["label"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]
    ]


def test_the_focused_network_highlights_its_nation_and_no_labels_overlap(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    philippines = Nation.objects.get(iso3="PHL")
    page.goto(f"{live_server.url}/network/?focus=PHL")
    ready(page)
    assert page.get_attribute("#network", "data-focus") == f"n{philippines.pk}"
    focused = page.evaluate("() => window.registryNetwork.cy.nodes('.focus').map((n) => n.id())")
    assert focused == [f"n{philippines.pk}"]
    assert int(page.get_attribute("#network", "data-nodes")) > 2
    assert "Philippines" in page.inner_text("#network-status")
    # The address holds every setting, ready to share.
    assert "view=focus" in page.url
    assert "focus=PHL" in page.url
    assert "hubs=" in page.url
    boxes = page.evaluate(BOXES)
    assert len(boxes) > 2
    assert overlapping(boxes) == []
    screenshot(page, "network-focused")
    # Two steps out, labels still apart.
    page.select_option("#depth", "2")
    page.wait_for_url("**depth=2**")
    ready(page)
    assert overlapping(page.evaluate(BOXES)) == []
    screenshot(page, "network-focused-depth-2")


def test_a_permalink_restores_the_view(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/network/?focus=PHL")
    ready(page)
    page.select_option("#focus", "USA")
    page.wait_for_url("**focus=USA**")
    ready(page)
    page.uncheck("input[name=kind][value=resource]")
    page.wait_for_url("**kind=exercise**")
    ready(page)
    page.fill("#limit", "3")
    page.dispatch_event("#limit", "change")
    page.wait_for_url("**limit=3**")
    ready(page)
    permalink = page.url
    nodes = page.get_attribute("#network", "data-nodes")
    assert int(nodes) <= 4
    other = page.context.new_page()
    other.goto(permalink)
    ready(other)
    assert other.url == permalink
    assert other.input_value("#focus") == "USA"
    assert other.input_value("#limit") == "3"
    assert not other.is_checked("input[name=kind][value=resource]")
    assert other.get_attribute("#network", "data-nodes") == nodes
    assert other.get_attribute("#network", "data-focus") == f"n{Nation.objects.get(iso3='USA').pk}"
    other.close()


def test_the_network_downloads_as_svg_and_png(analyst_page: Any, live_server: Any, tmp_path: Path) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/network/?focus=PHL")
    ready(page)
    labels = page.evaluate("() => window.registryNetwork.cy.nodes().map((n) => n.data('short'))")
    with page.expect_download() as svg_download:
        page.click("#network-svg")
    svg = svg_download.value
    assert svg.suggested_filename.startswith("network-PHL-")
    assert svg.suggested_filename.endswith(".svg")
    path = tmp_path / svg.suggested_filename
    svg.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<svg xmlns=")
    assert all(f">{label}</text>" in text.replace("&amp;", "&") for label in labels)
    with page.expect_download() as png_download:
        page.click("#network-png")
    png = tmp_path / png_download.value.suggested_filename
    png_download.value.save_as(png)
    assert png.suffix == ".png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_region_keeps_its_partners_elsewhere_and_a_tap_refocuses(analyst_page: Any, live_server: Any) -> None:
    page = analyst_page
    page.goto(f"{live_server.url}/network/?view=region&region=east_asia_pacific&focus=PHL")
    ready(page)
    labels = page.evaluate("() => window.registryNetwork.cy.nodes().map((n) => n.data('label'))")
    assert "Philippines" in labels
    usa = Nation.objects.get(iso3="USA")
    assert any(label == usa.name for label in labels)  # outside the region, linked to it
    screenshot(page, "network-region")
    page.evaluate(f"() => window.registryNetwork.cy.getElementById('n{usa.pk}').emit('tap')")
    page.click("#network-details button")
    page.wait_for_url("**view=focus**")
    ready(page)
    assert page.get_attribute("#network", "data-focus") == f"n{usa.pk}"
