"""Chart geometry for server-rendered SVG: bars, stacked bars, timelines. No JavaScript needed.

Each function returns plain data (positions in the SVG's own units, labels,
tooltips); the templates draw it, with a table of the same figures beside
every chart for screen readers and for people who would rather read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from partnerships.choices import AgreementKind
from partnerships.models import Agreement, AgreementParty

WIDTH, HEIGHT = 720, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 36, 24, 10
# Colour-blind-safe palette (Okabe-Ito), one colour per agreement kind.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
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


def _frame(first: int, last: int, top: int) -> dict[str, Any]:
    plot_width = WIDTH - MARGIN_LEFT - 8
    slot = plot_width / max(1, last - first + 1)
    scale = (HEIGHT - MARGIN_BOTTOM - MARGIN_TOP) / max(1, top)
    ticks = [{"x": MARGIN_LEFT + (year - first + 0.5) * slot, "label": year} for year in _ticks(first, last)]
    return {"slot": slot, "scale": scale, "ticks": ticks}


def bar_chart(series: list[tuple[int, int]], *, label: str) -> dict[str, Any]:
    """Return geometry for one bar per year; ``series`` is [(year, value)] in any order, gaps allowed."""
    if not series:
        return {"label": label, "bars": [], "empty": True, "rows": []}
    values = dict(series)
    first, last = min(values), max(values)
    top = max(values.values()) or 1
    frame = _frame(first, last, top)
    bars = []
    for year in range(first, last + 1):
        value = values.get(year, 0)
        height = value * frame["scale"]
        bars.append(
            Bar(
                x=MARGIN_LEFT + (year - first) * frame["slot"] + frame["slot"] * 0.1,
                y=HEIGHT - MARGIN_BOTTOM - height,
                width=max(frame["slot"] * 0.8, 1),
                height=height,
                colour=PALETTE[0],
                title=f"{year}: {value}",
            )
        )
    return {
        "label": label,
        "bars": bars,
        "ticks": frame["ticks"],
        "top": top,
        "empty": False,
        "rows": [(year, values[year]) for year in sorted(values)],
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - MARGIN_BOTTOM,
        "left": MARGIN_LEFT,
    }


def stacked_bar_chart(per_year: dict[int, dict[str, int]], *, label: str) -> dict[str, Any]:
    """Return geometry for stacked bars: per year, one segment per agreement kind."""
    if not per_year:
        return {"label": label, "bars": [], "empty": True, "rows": [], "legend": []}
    first, last = min(per_year), max(per_year)
    top = max(sum(kinds.values()) for kinds in per_year.values()) or 1
    frame = _frame(first, last, top)
    labels = dict(AgreementKind.choices)
    bars = []
    used: set[str] = set()
    for year in range(first, last + 1):
        base = HEIGHT - MARGIN_BOTTOM
        for kind in AgreementKind.values:
            value = per_year.get(year, {}).get(kind, 0)
            if not value:
                continue
            used.add(kind)
            height = value * frame["scale"]
            base -= height
            bars.append(
                Bar(
                    x=MARGIN_LEFT + (year - first) * frame["slot"] + frame["slot"] * 0.1,
                    y=base,
                    width=max(frame["slot"] * 0.8, 1),
                    height=height,
                    colour=KIND_COLOURS[kind],
                    title=f"{year}: {value} {labels[kind].lower()}",
                )
            )
    legend = [(labels[kind], KIND_COLOURS[kind]) for kind in AgreementKind.values if kind in used]
    rows = [(year, sum(per_year[year].values()), per_year[year]) for year in sorted(per_year)]
    return {
        "label": label,
        "bars": bars,
        "ticks": frame["ticks"],
        "top": top,
        "empty": False,
        "legend": legend,
        "rows": [
            (year, total, ", ".join(f"{labels[k]}: {n}" for k, n in kinds.items())) for year, total, kinds in rows
        ],
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - MARGIN_BOTTOM,
        "left": MARGIN_LEFT,
    }


def partners_over_time(*, nation: Any, user: Any) -> list[tuple[int, int]]:
    """Return [(year, partners)]: how many others shared an agreement in force with ``nation`` on 1 July.

    Counted over the agreements and parties ``user`` may see, from the first
    year one entered into force until this year.
    """
    agreements = Agreement.objects.visible_to(user).involving(nation).filter(in_force_from__isnull=False)
    spans = {a.pk: (a.in_force_from, a.ended_on or a.expires_on) for a in agreements}
    if not spans:
        return []
    parties = AgreementParty.objects.visible_to(user).filter(agreement__in=spans.keys()).select_related("organization")
    rows: dict[int, list[AgreementParty]] = {}
    for party in parties:
        rows.setdefault(party.agreement_id, []).append(party)
    first = min(start.year for start, _ in spans.values())
    this_year = timezone.localdate().year
    series = []
    for year in range(first, this_year + 1):
        day = date(year, 7, 1)
        partners: set[tuple[str, int | None]] = set()
        for agreement_id, (start, end) in spans.items():
            if not (start <= day and (end is None or day < end)):
                continue
            own = [p for p in rows.get(agreement_id, []) if _is_nation_or_its_org(p, nation)]
            if not any(_active(p, day) for p in own):
                continue
            partners.update(
                p.actor_key for p in rows[agreement_id] if not _is_nation_or_its_org(p, nation) and _active(p, day)
            )
        series.append((year, len(partners)))
    return series


def _is_nation_or_its_org(party: AgreementParty, nation: Any) -> bool:
    return party.nation_id == nation.pk or (
        party.organization_id is not None and party.organization.nation_id == nation.pk
    )


def _active(party: AgreementParty, day: date) -> bool:
    return (party.joined_on is None or party.joined_on <= day) and (
        party.withdrew_on is None or day < party.withdrew_on
    )


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
    first = min(starts).year
    last = max([today.year, *(e.end_date.year for e in exercises if e.end_date)])
    span_days = (date(last + 1, 1, 1) - date(first, 1, 1)).days

    def position(day: date) -> float:
        return round(100 * (day - date(first, 1, 1)).days / span_days, 3)

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
            }
        )
    for exercise in exercises:
        start = position(exercise.start_date)
        finish = position(exercise.end_date) if exercise.end_date else start
        rows.append({"kind": "exercise", "object": exercise, "start": start, "width": max(finish - start, 0.4)})
    ticks = [{"left": position(date(year, 1, 1)), "label": year} for year in _ticks(first, last)]
    return {"rows": rows, "ticks": ticks, "first": first, "last": last, "empty": False}


TREND_WIDTH, TREND_HEIGHT = 420, 170
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 44, 12, 12, 28


def trend_chart(trend: Any, *, label: str) -> dict[str, Any]:
    """Return geometry for one indicator's measurements in date order, with its targets as marks.

    Points are evenly spaced (one per measurement); the vertical scale runs
    from the smallest to the largest value, target or baseline shown.
    """
    points = trend.points
    values = [v for p in points for v in (p.actual, p.target, p.baseline) if v is not None]
    if not points or not values:
        return {"label": label, "empty": True}
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


def horizontal_bars(rows: list[tuple[str, int]], *, label: str) -> dict[str, Any]:
    """Return geometry for labelled horizontal bars (challenge frequencies)."""
    if not rows:
        return {"label": label, "empty": True, "rows": []}
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
    per_year: dict[int, dict[str, Any]], series: list[tuple[str, str]], *, label: str, figure: str = "Count"
) -> dict[str, Any]:
    """Return geometry for stacked bars of named series per year, drawn by ``_chart.html``.

    ``per_year`` maps a year to {series key: value}; ``series`` gives each
    key's label, in stacking order, each with its palette colour. Years
    between the first and the last with no value leave a gap.
    """
    per_year = {year: values for year, values in per_year.items() if any(values.get(key) for key, _ in series)}
    if not per_year:
        return {"label": label, "bars": [], "empty": True, "rows": [], "legend": []}
    first, last = min(per_year), max(per_year)
    top_value = max(sum(float(values.get(key) or 0) for key, _ in series) for values in per_year.values()) or 1
    frame = _frame(first, last, 1)
    scale = (HEIGHT - MARGIN_BOTTOM - MARGIN_TOP) / top_value
    colours = {key: PALETTE[index % len(PALETTE)] for index, (key, _) in enumerate(series)}
    bars = []
    for year in range(first, last + 1):
        base = HEIGHT - MARGIN_BOTTOM
        for key, name in series:
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
                    title=f"{year}: {name} {_figure(value)}",
                )
            )
    rows = []
    for year in sorted(per_year):
        values = per_year[year]
        total = sum(values.get(key) or 0 for key, _ in series)
        rows.append(
            (year, _figure(total), ", ".join(f"{name}: {_figure(values.get(key) or 0)}" for key, name in series))
        )
    return {
        "label": label,
        "figure": figure,
        "bars": bars,
        "ticks": frame["ticks"],
        "top": _short(top_value),
        "empty": False,
        "legend": [(name, colours[key]) for key, name in series],
        "rows": rows,
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
