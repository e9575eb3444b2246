"""Every chart a page draws, downloadable: the page's own URL with ``?chart=<name>&format=svg|csv``.

A page exposes its charts by rendering through :func:`render_with_charts`
instead of ``render``: each chart in its context (a dict made by
``charts.bar_chart`` or ``charts.stacked_bar_chart``, which carries a
``name``, or a list of them) can then be downloaded as a standalone SVG
(``xmlns``, its styles embedded, its legend drawn in) or as the figures
behind it in CSV. The page computes the chart for the user asking, with the
same filters, so a download shows exactly what the page shows and nothing
the user may not see. ``_chart.html`` links both downloads.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify

from partnerships.services.exports import csv_lines

FORMATS = {"svg": "image/svg+xml; charset=utf-8", "csv": "text/csv; charset=utf-8"}
LEGEND_ROW = 18


def _charts_in(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for value in context.values():
        candidates = value if isinstance(value, list | tuple) else [value]
        for item in candidates:
            if isinstance(item, dict) and "name" in item and "csv" in item:
                found[item["name"]] = item
    return found


def render_with_charts(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render ``template``, or with ``?chart=`` answer with that chart of the page as SVG or CSV (``format=``)."""
    if "chart" not in request.GET:
        return render(request, template, context, status=status)
    return chart_download(request, _charts_in(context), title=str(context.get("download_title", "")))


def chart_download(request: HttpRequest, charts: dict[str, dict[str, Any]], *, title: str = "") -> HttpResponse:
    """Return the chart ``?chart=`` names as ``?format=`` (``svg``, the default, or ``csv``); 400 if either is wrong."""
    name = request.GET.get("chart", "")
    kind = request.GET.get("format", "svg")
    problems = []
    if name not in charts:
        choices = ", ".join(sorted(charts)) or "none"
        problems.append(f"chart: this page has no chart named “{name}” (its charts: {choices}).")
    if kind not in FORMATS:
        problems.append(f"format: “{kind}” is not a download format; choose svg or csv.")
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8")
    chart = charts[name]
    stem = slugify(f"{title} {name}".strip()) or "chart"
    if kind == "csv":
        body = "".join(csv_lines(chart["csv"]["header"], chart["csv"]["rows"], trailer=False))
    else:
        body = render_to_string("partnerships/chart.svg", {"chart": chart, **standalone_frame(chart)})
    response = HttpResponse(body, content_type=FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


def standalone_frame(chart: dict[str, Any]) -> dict[str, Any]:
    """The room a standalone SVG adds around the chart: a caption above, the legend below."""
    legend = [
        {"label": label, "colour": colour, "y": index * LEGEND_ROW}
        for index, (label, colour) in enumerate(chart.get("legend") or [])
    ]
    height = chart.get("height", 0) + 28 + len(legend) * LEGEND_ROW + (8 if legend else 0)
    return {"legend_rows": legend, "full_height": height, "legend_top": chart.get("height", 0) + 36}
