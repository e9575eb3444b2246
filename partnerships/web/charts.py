"""Chart geometry for server-rendered SVG: bars, stacked bars, timelines. No JavaScript needed.

Each function returns plain data (positions in the SVG's own units, labels,
tooltips); the templates draw it, with a table of the same figures beside
every chart for screen readers and for people who would rather read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from partnerships.choices import AgreementKind
from partnerships.web.axes import axis_start

WIDTH, HEIGHT = 720, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 36, 24, 10
# Colour-blind-safe palette (Okabe-Ito), one colour per agreement kind.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
# The bar standing for the years before an axis starts (``axis_start``).
BEFORE_COLOUR = "#8c959f"
KIND_COLOURS = {kind: PALETTE[index % len(PALETTE)] for index, kind in enumerate(AgreementKind.values)}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


def _ticks(first: int, last: int) -> list[int]:
    span = last - first
    step = 1 if span <= 12 else 5 if span <= 60 else 10 if span <= 150 else 25
    return [year for year in range(first, last + 1) if year % step == 0] or [first]


def _frame(first: int, last: int, top: int | float, offset: int = 0) -> dict[str, Any]:
    """Slots for the years ``first``..``last``, after ``offset`` slots kept for a "before" bin."""
    plot_width = WIDTH - MARGIN_LEFT - 8
    slot = plot_width / max(1, last - first + 1 + offset)
    scale = (HEIGHT - MARGIN_BOTTOM - MARGIN_TOP) / max(1, top)
    ticks = [{"x": MARGIN_LEFT + (year - first + offset + 0.5) * slot, "label": year} for year in _ticks(first, last)]
    return {"slot": slot, "scale": scale, "ticks": ticks, "offset": offset}


def _bar(frame: dict[str, Any], index: int, value: float, base: float, colour: str, title: str) -> Bar:
    height = value * frame["scale"]
    return Bar(
        x=MARGIN_LEFT + index * frame["slot"] + frame["slot"] * 0.1,
        y=base - height,
        width=max(frame["slot"] * 0.8, 1),
        height=height,
        colour=colour,
        title=title,
    )


def _before_bin(frame: dict[str, Any], value: float, top: float, title: str) -> tuple[Bar, dict[str, Any]]:
    """The left-edge bar standing for the years before the axis: never taller than the chart's top."""
    bar = _bar(frame, 0, min(value, top), HEIGHT - MARGIN_BOTTOM, BEFORE_COLOUR, title)
    # Its label sits in the row of the year ticks, which make room for it.
    short = title.split(":")[0]
    room = MARGIN_LEFT + len(short) * 6.5 + 14  # about 6.5 units a character at 11px
    frame["ticks"] = [tick for tick in frame["ticks"] if tick["x"] > room]
    return bar, {"x": MARGIN_LEFT, "y": HEIGHT - 6, "text": title, "short": short}


def _geometry(label: str, name: str, top: float, frame: dict[str, Any], bars: list[Bar]) -> dict[str, Any]:
    return {
        "label": label,
        "name": name,
        "bars": bars,
        "ticks": frame["ticks"],
        "top": top,
        "empty": False,
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - MARGIN_BOTTOM,
        "left": MARGIN_LEFT,
    }


def bar_chart(
    series: list[tuple[int, int]],
    *,
    label: str,
    name: str,
    titles: dict[int, str] | None = None,
    level: bool = False,
    value_label: str = "Count",
) -> dict[str, Any]:
    """Return geometry for one bar per year; ``series`` is [(year, value)] in any order, gaps allowed.

    The axis starts where the data are (``axis_start``); earlier years are one
    grey bar at the left edge: their sum, or for a ``level`` (partners in a
    year, not events) their highest value. ``titles`` replaces a year's
    tooltip. The figures (``csv``) keep every year.
    """
    csv = {"header": ["Year", value_label], "rows": [[year, value] for year, value in sorted(series)]}
    if not series:
        return {"label": label, "name": name, "bars": [], "empty": True, "rows": [], "csv": csv}
    values = dict(series)
    last = max(values)
    first = axis_start(values)
    early = {year: value for year, value in values.items() if year < first}
    top = max([value for year, value in values.items() if year >= first] or [0]) or 1
    frame = _frame(first, last, top, offset=1 if early else 0)
    bars, before = [], None
    if early:
        if level:
            text = f"{min(early)}-{first - 1}: up to {max(early.values())}"
        else:
            text = f"before {first}: {sum(early.values())}"
        bar, before = _before_bin(frame, max(early.values()) if level else sum(early.values()), top, text)
        bars.append(bar)
    for year in range(first, last + 1):
        value = values.get(year, 0)
        title = (titles or {}).get(year) or f"{year}: {value}"
        bars.append(_bar(frame, year - first + frame["offset"], value, HEIGHT - MARGIN_BOTTOM, PALETTE[0], title))
    chart = _geometry(label, name, top, frame, bars)
    chart.update(
        {"first": first, "before": before, "rows": [(year, values[year]) for year in sorted(values)], "csv": csv}
    )
    return chart


def stacked_bar_chart(per_year: dict[int, dict[str, int]], *, label: str, name: str) -> dict[str, Any]:
    """Return geometry for stacked bars: per year, one segment per agreement kind (axis as ``bar_chart``)."""
    labels = dict(AgreementKind.choices)
    kinds = [kind for kind in AgreementKind.values if any(kind in row for row in per_year.values())]
    csv = {
        "header": ["Year", "Total", *[str(labels[kind]) for kind in kinds]],
        "rows": [
            [year, sum(per_year[year].values()), *[per_year[year].get(kind, 0) for kind in kinds]]
            for year in sorted(per_year)
        ],
    }
    if not per_year:
        return {"label": label, "name": name, "bars": [], "empty": True, "rows": [], "legend": [], "csv": csv}
    totals = {year: sum(row.values()) for year, row in per_year.items()}
    last = max(per_year)
    first = axis_start(totals)
    early = {year: total for year, total in totals.items() if year < first}
    top = max([total for year, total in totals.items() if year >= first] or [0]) or 1
    frame = _frame(first, last, top, offset=1 if early else 0)
    bars, before = [], None
    if early:
        bar, before = _before_bin(frame, sum(early.values()), top, f"before {first}: {sum(early.values())}")
        bars.append(bar)
    for year in range(first, last + 1):
        base = HEIGHT - MARGIN_BOTTOM
        for kind in AgreementKind.values:
            value = per_year.get(year, {}).get(kind, 0)
            if not value:
                continue
            bar = _bar(frame, year - first + frame["offset"], value, base, KIND_COLOURS[kind], "")
            bar.title = f"{year}: {value} {labels[kind].lower()}"
            base = bar.y
            bars.append(bar)
    legend = [(labels[kind], KIND_COLOURS[kind]) for kind in kinds]
    chart = _geometry(label, name, top, frame, bars)
    chart.update(
        {
            "first": first,
            "before": before,
            "legend": legend,
            "rows": [
                (year, totals[year], ", ".join(f"{labels[k]}: {n}" for k, n in per_year[year].items()))
                for year in sorted(per_year)
            ],
            "csv": csv,
        }
    )
    return chart


def timeline(
    agreements: list[Any],
    exercises: list[Any],
    *,
    today: date,
    party_spans: dict[int, list[tuple[date | None, date | None]]] | None = None,
) -> dict[str, Any]:
    """Return rows for the timeline: each agreement from signature to its end (or today), exercises as marks.

    ``party_spans`` (agreement id -> the (joined, withdrew) dates of the
    nations the timeline is about) draws an agreement's bar over those
    nations' time as a party only: a nation that withdrew in 1977 has its bar
    end in 1977, whatever the agreement did afterwards.
    """
    starts = [a.signed_on for a in agreements] + [e.start_date for e in exercises]
    if not starts:
        return {"rows": [], "empty": True}
    # The axis starts where the records are (``axis_start``): an earlier one is drawn from the left
    # edge, marked with its year, rather than stretching the axis back to 1386.
    first = axis_start(Counter(day.year for day in starts))
    last = max([today.year, *(e.end_date.year for e in exercises if e.end_date)])
    span_days = (date(last + 1, 1, 1) - date(first, 1, 1)).days
    axis_from = date(first, 1, 1)

    def position(day: date) -> float:
        return round(100 * max((day - axis_from).days, 0) / span_days, 3)

    rows = []
    for agreement in agreements:
        end = agreement.ended_on or (
            agreement.expires_on if agreement.expires_on and agreement.expires_on < today else None
        )
        signed, in_force_from = agreement.signed_on, agreement.in_force_from
        joined = withdrew = None
        spans = (party_spans or {}).get(agreement.pk)
        if spans:
            joined = None if any(start is None for start, _ in spans) else min(start for start, _ in spans)
            withdrew = None if any(stop is None for _, stop in spans) else max(stop for _, stop in spans)
            if joined is not None:
                signed = max(signed, joined)
                in_force_from = max(in_force_from, joined) if in_force_from else None
            if withdrew is not None and (end is None or withdrew < end):
                end = withdrew
        start = position(signed)
        in_force = position(in_force_from) if in_force_from and (end is None or in_force_from < end) else None
        finish = position(min(end, today) if end else today)
        rows.append(
            {
                "kind": "agreement",
                "object": agreement,
                "start": start,
                "in_force": in_force,
                "in_force_from": in_force_from,
                "until": end,
                "joined": joined,
                "withdrew": withdrew,
                "width": max(finish - start, 0.3),
                "open": end is None,
                "in_force_width": max(finish - in_force, 0.3) if in_force is not None else None,
                "before_axis": signed < axis_from,
            }
        )
    for exercise in exercises:
        start = position(exercise.start_date)
        finish = position(exercise.end_date) if exercise.end_date else start
        rows.append(
            {
                "kind": "exercise",
                "object": exercise,
                "start": start,
                "width": max(finish - start, 0.4),
                "before_axis": exercise.start_date < axis_from,
            }
        )
    ticks = [{"left": position(date(year, 1, 1)), "label": year} for year in _ticks(first, last)]
    before = sum(1 for row in rows if row["before_axis"])
    return {"rows": rows, "ticks": ticks, "first": first, "last": last, "empty": False, "before": before}


TREND_WIDTH, TREND_HEIGHT = 420, 170
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 44, 12, 12, 28


def trend_chart(trend: Any, *, label: str, name: str = "") -> dict[str, Any]:
    """Return geometry for one indicator's measurements in date order, with its targets as marks.

    Points are evenly spaced (one per measurement); the vertical scale runs
    from the smallest to the largest value, target or baseline shown.
    """
    points = trend.points
    values = [v for p in points for v in (p.actual, p.target, p.baseline) if v is not None]
    csv = {
        "header": ["Measured", "Baseline", "Target", "Actual", "Met"],
        "rows": [
            [p.measured_on, p.baseline, p.target, p.actual, "" if p.met is None else "yes" if p.met else "no"]
            for p in points
        ],
    }
    downloadable = {"name": name or "trend", "csv": csv, "body": "partnerships/_trend_body.html"}
    if not points or not values:
        return {"label": label, "empty": True, **downloadable}
    low, high = float(min(values)), float(max(values))
    if low == high:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    plot_width = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_height = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    slot = plot_width / len(points)

    def y(value: Any) -> float:
        return round(TREND_TOP + plot_height * (1 - (float(value) - low) / (high - low)), 2)

    marks = []
    for index, point in enumerate(points):
        x = round(TREND_LEFT + slot * (index + 0.5), 2)
        marks.append(
            {
                "x": x,
                "actual": y(point.actual) if point.actual is not None else None,
                "target": y(point.target) if point.target is not None else None,
                "met": point.met,
                "label": point.measured_on.strftime("%b %Y"),
                "title": f"{point.measured_on:%d %b %Y}: actual {point.actual if point.actual is not None else '—'}, "
                f"target {point.target if point.target is not None else '—'}",
            }
        )
    line = " ".join(f"{m['x']},{m['actual']}" for m in marks if m["actual"] is not None)
    return {
        **downloadable,
        "label": label,
        "empty": False,
        "marks": marks,
        "line": line,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "left": TREND_LEFT,
        "baseline": TREND_HEIGHT - TREND_BOTTOM,
        "top_label": f"{high - pad:g}",
        "bottom_label": f"{low + pad:g}",
        "top_y": y(high - pad),
        "bottom_y": y(low + pad),
    }


def horizontal_bars(
    rows: list[tuple[str, int]], *, label: str, name: str = "bars", value_label: str = "Count"
) -> dict[str, Any]:
    """Return geometry for labelled horizontal bars (challenge frequencies)."""
    downloadable = {
        "name": name,
        "csv": {"header": ["", value_label], "rows": [list(row) for row in rows]},
        "body": "partnerships/_hbars_body.html",
    }
    if not rows:
        return {"label": label, "empty": True, "rows": [], **downloadable}
    top = max(value for _, value in rows) or 1
    bar_height, gap, label_width, width = 20, 8, 230, 640
    scale = (width - label_width - 40) / top
    bars = [
        {
            "label": name,
            "value": value,
            "y": index * (bar_height + gap),
            "width": round(max(value * scale, 1), 2),
        }
        for index, (name, value) in enumerate(rows)
    ]
    return {
        **downloadable,
        "label": label,
        "empty": False,
        "bars": bars,
        "rows": rows,
        "width": width,
        "height": len(rows) * (bar_height + gap),
        "bar_height": bar_height,
        "label_width": label_width,
        "text_y": bar_height - 6,
    }


def series_chart(
    per_year: dict[int, dict[str, Any]],
    series: list[tuple[str, str]],
    *,
    label: str,
    value_label: str = "Count",
    name: str = "series",
    digits: int | None = None,
) -> dict[str, Any]:
    """Return geometry for stacked bars of named series per year, drawn by ``_chart.html``.

    ``per_year`` maps a year to {series key: value}; ``series`` gives each
    key's label, in stacking order, each with its palette colour. Years
    between the first and the last with no value leave a gap. Figures read
    as whole numbers or to one decimal place, or to ``digits`` places; the
    figures (``csv``) give each year's total and its parts.
    """

    def figure(value: Any) -> str:
        return _figure(value) if digits is None else f"{float(value):.{digits}f}"

    per_year = {year: values for year, values in per_year.items() if any(values.get(key) for key, _ in series)}
    csv = {
        "header": ["Year", value_label, *[title for _, title in series]],
        "rows": [
            [
                year,
                figure(sum(values.get(key) or 0 for key, _ in series)),
                *[figure(values.get(key) or 0) for key, _ in series],
            ]
            for year, values in sorted(per_year.items())
        ],
    }
    if not per_year:
        return {"label": label, "name": name, "bars": [], "empty": True, "rows": [], "legend": [], "csv": csv}
    first, last = min(per_year), max(per_year)
    top_value = max(sum(float(values.get(key) or 0) for key, _ in series) for values in per_year.values()) or 1
    frame = _frame(first, last, 1)
    scale = (HEIGHT - MARGIN_BOTTOM - MARGIN_TOP) / top_value
    colours = {key: PALETTE[index % len(PALETTE)] for index, (key, _) in enumerate(series)}
    bars = []
    for year in range(first, last + 1):
        base = HEIGHT - MARGIN_BOTTOM
        for key, title in series:
            value = per_year.get(year, {}).get(key) or 0
            if not value:
                continue
            height = float(value) * scale
            base -= height
            bars.append(
                Bar(
                    x=MARGIN_LEFT + (year - first) * frame["slot"] + frame["slot"] * 0.1,
                    y=base,
                    width=max(frame["slot"] * 0.8, 1),
                    height=height,
                    colour=colours[key],
                    title=f"{year}: {title} {figure(value)}",
                )
            )
    return {
        "label": label,
        "name": name,
        "csv": csv,
        "bars": bars,
        "ticks": frame["ticks"],
        "top": _short(top_value),
        "empty": False,
        "legend": [(title, colours[key]) for key, title in series],
        "rows": csv["rows"],
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - MARGIN_BOTTOM,
        "left": MARGIN_LEFT,
    }


def _figure(value: Any) -> str:
    """A figure as read: whole numbers without decimals, others to one decimal place."""
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def _short(value: float) -> str:
    """A figure short enough for the axis's narrow margin: 950, 4.1k, 12k."""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return _figure(value)
