"""Analyst pages that answer one question each: partners on a date, nations compared, the dyad-year table.

Views stay thin: the query forms are in ``filters/analysis.py``, the figures
in ``services/partners.py``, ``services/comparison.py`` and ``services/dyads.py``.
"""

from __future__ import annotations

import dataclasses
from itertools import islice
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from partnerships.choices import Provision, Region
from partnerships.filters.analysis import CompareQuery, DyadQuery, PartnersQuery
from partnerships.models import Nation
from partnerships.services import comparison as comparing
from partnerships.services import partners as partnering
from partnerships.services.answer_cache import cached_answer
from partnerships.services.dyads import (
    DATASETS,
    PROVISION_COLUMNS,
    YearsOutsideData,
    column_label,
    dyad_years,
    export_years,
    year_range,
)
from partnerships.services.dyads import header as dyad_header
from partnerships.services.exports import csv_lines
from partnerships.services.links_between import LINK_KINDS
from partnerships.web import charts
from partnerships.web.chart_export import render_with_charts
from partnerships.web.views import RegistryPage, _query

PAGE_SIZE = 50
PARTNERS_PER_PAGE = 100
# The dyad page's default years when none are given: the last ten of the data's.
DEFAULT_DYAD_YEARS = 10


def _given(params: QueryDict) -> QueryDict:
    """Return ``params`` without the empty fields a submitted form sends."""
    kept = params.copy()
    for name in list(kept):
        values = [value for value in kept.getlist(name) if value != ""]
        if values:
            kept.setlist(name, values)
        else:
            del kept[name]
    return kept


def _without(params: QueryDict, name: str) -> QueryDict:
    kept = params.copy()
    kept.pop(name, None)
    return kept


def _errors(form: Any) -> list[str]:
    return [
        f"{name}: {error}" if name != "__all__" else error for name, errors in form.errors.items() for error in errors
    ]


def _unknown(params: QueryDict, known: set[str]) -> list[str]:
    return [f"“{name}” is not a parameter of this page." for name in sorted(set(params) - known)]


def _csv(header: list[str], rows: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bad_export(errors: list[str]) -> HttpResponse:
    return HttpResponse(
        "Fix the parameters before exporting.\n" + "\n".join(errors) + "\n", status=400, content_type="text/plain"
    )


class PartnersView(RegistryPage):
    """``/partners/?nation=USA&on=1960-01-01``: a nation's partners, with the records behind each link."""

    def get(self, request: HttpRequest) -> HttpResponse:
        params = _given(request.GET)
        exporting = params.pop("export", None) == ["csv"]
        form = PartnersQuery(_without(params, "page"), user=request.user) if _without(params, "page") else None
        errors = _unknown(params, {*PartnersQuery.base_fields, "page"})
        valid = form is not None and form.is_valid() and not errors
        if form is not None:
            errors += _errors(form)
        table = changes = before = None
        if valid:
            question = {
                "nation_id": form.cleaned_data["nation"],
                "window": form.window(timezone.localdate()),
                "since_window": form.cleaned_data.get("since_window"),
                **form.options(),
            }
            if exporting:
                table, before, changes = self.partners_and_changes(user=request.user, **question)
            else:
                table, before, changes = cached_answer(
                    view="page-partners",
                    params=question,
                    user=request.user,
                    compute=lambda: self.as_shown(*self.partners_and_changes(user=request.user, **question)),
                )
        if exporting:
            if not valid:
                return _bad_export(errors or ["nation: This field is required."])
            code = table.nation["iso3"] or table.nation["id"]
            return _csv(partnering.CSV_HEADER, partnering.csv_rows(table), f"partners-{code}-{table.window.label}.csv")
        ordering = params.get("ordering", "name")
        # A hub nation has a partner in nearly every state: the page shows them a hundred at a time.
        page_text = params.pop("page", ["1"])[-1]
        page = int(page_text) if page_text.isascii() and page_text.isdigit() and 0 < int(page_text) < 10**6 else 1
        shown = table.partners[(page - 1) * PARTNERS_PER_PAGE : page * PARTNERS_PER_PAGE] if table else []
        context = {
            "shown": shown,
            "previous": _query(params, page=page - 1) if page > 1 else None,
            "next": _query(params, page=page + 1) if table and len(table.partners) > page * PARTNERS_PER_PAGE else None,
            "first_row": (page - 1) * PARTNERS_PER_PAGE + 1,
            "last_row": (page - 1) * PARTNERS_PER_PAGE + len(shown),
            "form": form,
            "params": params,
            "errors": errors,
            "table": table,
            "since": before,
            "changes": changes,
            "sort_links": self.sort_links(params, ordering),
            "export_query": _query(params, export="csv"),
            "kinds": LINK_KINDS,
            "selected_kinds": params.getlist("kind") or LINK_KINDS,
            "selected_provisions": params.getlist("provision"),
            "provisions": Provision.choices,
            "regions": Region.choices,
            "today": timezone.localdate().isoformat(),
        }
        return render(
            request, "partnerships/partners.html", context, status=400 if errors and form is not None else 200
        )

    @staticmethod
    def partners_and_changes(
        *, user: Any, since_window: partnering.Window | None, **question: Any
    ) -> tuple[partnering.PartnerTable, partnering.PartnerTable | None, dict[str, Any] | None]:
        """Return the partners table and, with ``since_window``, the table then and the partners gained and lost."""
        table = partnering.partners(user=user, **question)
        if since_window is None:
            return table, None, None
        before = partnering.partners(user=user, **{**question, "window": since_window})
        return table, before, partnering.gained_and_lost(before=before, after=table)

    @staticmethod
    def as_shown(
        table: partnering.PartnerTable, before: partnering.PartnerTable | None, changes: dict[str, Any] | None
    ) -> tuple[partnering.PartnerTable, partnering.PartnerTable | None, dict[str, Any] | None]:
        """Return the tables and changes as the page shows them: the figures, and the records it names."""
        return (
            partnering.as_shown(table),
            partnering.as_shown(before) if before is not None else None,
            {key: [change.shown() for change in items] for key, items in changes.items()} if changes else changes,
        )

    @staticmethod
    def sort_links(params: QueryDict, current: str) -> dict[str, dict[str, Any]]:
        links = {}
        for key in partnering.ORDERINGS:
            ascending, descending = current == key, current == f"-{key}"
            links[key] = {
                "url": _query(params, ordering=f"-{key}" if ascending else key),
                "direction": ("ascending" if key == "name" else "descending")
                if ascending
                else ("descending" if key == "name" else "ascending")
                if descending
                else None,
            }
        return links


# The rows of each table the comparison page shows (its CSV links give them all).
SHOWN_ROWS = 100


class CompareView(RegistryPage):
    """``/compare/?a=USA&b=GBR`` (``c=``… or ``nation=`` repeated): nations compared."""

    TABLES = ("agreements", "exercises", "transfers", "flows", "overlap")

    def get(self, request: HttpRequest) -> HttpResponse:
        params = _given(request.GET)
        exporting = params.pop("export", None) == ["csv"]
        table = params.pop("table", ["agreements"])[-1]
        # chart= and format= download one of the page's charts (render_with_charts).
        known = {"a", "b", "c", "d", "e", "nation", "chart", "format", *CompareQuery.base_fields}
        errors = _unknown(params, known)
        if exporting and table not in self.TABLES:
            errors.append(f"table: choose one of {', '.join(self.TABLES)}.")
        form = CompareQuery(params, user=request.user) if params else None
        valid = form is not None and form.is_valid() and not errors
        if form is not None:
            errors += _errors(form)
        result = None
        if valid:
            question = {
                "nation_ids": form.cleaned_data["nations"],
                "kinds": tuple(k for k in LINK_KINDS if k in (form.cleaned_data.get("kind") or LINK_KINDS)),
                "extend_open": bool(form.cleaned_data.get("extend_open")),
            }
            if exporting:
                result = comparing.compare(user=request.user, **question)
            else:
                result, shown = cached_answer(
                    view="page-compare",
                    params=question,
                    user=request.user,
                    compute=lambda: self.as_shown(comparing.compare(user=request.user, **question)),
                )
        if exporting:
            if not valid:
                return _bad_export(errors or ["Name two nations to compare (a= and b=)."])
            header, rows = comparing_csv(result, table)
            codes = "-".join(n["iso3"] or str(n["id"]) for n in result.nations)
            return _csv(header, rows, f"compare-{codes}-{table}.csv")
        context: dict[str, Any] = {"form": form, "params": params, "errors": errors, "result": result}
        context["kinds"] = LINK_KINDS
        if result is not None:
            context["shown"] = shown
            context.update(self.figures(result, form.cleaned_data.get("year"), params, shown["directions"]))
        return render_with_charts(
            request, "partnerships/compare.html", context, status=400 if errors and form is not None else 200
        )

    @staticmethod
    def as_shown(result: comparing.Comparison) -> tuple[comparing.Comparison, dict[str, Any]]:
        """Return the comparison as the page shows it: the first SHOWN_ROWS agreements, exercises and transfers
        of each direction (the CSV has them all), and the numbers and totals of them all."""
        directions: dict[tuple[int, int], dict[str, Any]] = {}
        for transfer in result.transfers:
            key = (transfer["provider"], transfer["recipient"])
            directions.setdefault(key, {"rows": []})["rows"].append(transfer)
        for direction in directions.values():
            direction["totals"] = _totals(direction["rows"])
            direction["rows"] = direction["rows"][:SHOWN_ROWS]
        counts = {name: len(getattr(result, name)) for name in ("agreements", "exercises", "transfers")}
        short = dataclasses.replace(
            result,
            agreements=result.agreements[:SHOWN_ROWS],
            exercises=result.exercises[:SHOWN_ROWS],
            transfers=[row for direction in directions.values() for row in direction["rows"]],
        )
        return short, {"counts": counts, "directions": directions, "limit": SHOWN_ROWS}

    @staticmethod
    def figures(
        result: comparing.Comparison,
        year: int | None,
        params: QueryDict,
        directions_shown: dict[tuple[int, int], dict[str, Any]],
    ) -> dict[str, Any]:
        nations = {n["id"]: n for n in result.nations}
        directions = []
        for (provider, recipient), per_year in sorted(
            result.flows.items(), key=lambda item: (nations[item[0][0]]["name"], nations[item[0][1]]["name"])
        ):
            name = f"{nations[provider]['name']} → {nations[recipient]['name']}"
            directions.append(((provider, recipient), name, per_year))
        series = [(f"{p}-{r}", name) for (p, r), name, _ in directions]
        counts: dict[int, dict[str, Any]] = {}
        tivs: dict[int, dict[str, Any]] = {}
        for (p, r), _name, per_year in directions:
            for order_year, figures in per_year.items():
                counts.setdefault(order_year, {})[f"{p}-{r}"] = figures["count"]
                tivs.setdefault(order_year, {})[f"{p}-{r}"] = figures["tiv"]
        overlap_series = [("shared", "Shared by all")] + [(n["id"], f"Only {n['name']}") for n in result.nations]
        # The chart starts when they first share a partner: the UK's partners since the 1386 alliance with
        # Portugal would squeeze 1945-2025 into a sliver of it (the CSV keeps every year).
        first_shared = min((y for y, entry in result.overlap.items() if entry["shared"]), default=None)
        years = sorted(y for y in result.overlap if first_shared is None or y >= first_shared)
        overlap_counts = {y: {key: len(result.overlap[y][key]) for key, _ in overlap_series} for y in years}
        chosen = year if year in result.overlap else (years[-1] if years else None)
        names = result.partner_names

        def named(ids: set[int]) -> list[dict[str, Any]]:
            return sorted((names[pk] for pk in ids), key=lambda n: n["name"])

        chosen_sets = (
            [("Shared by all", named(result.overlap[chosen]["shared"]))]
            + [(f"Only {n['name']}", named(result.overlap[chosen][n["id"]])) for n in result.nations]
            if chosen is not None
            else []
        )
        transfers_by_direction = []
        for (provider, recipient), name, _ in directions:
            shown = directions_shown.get((provider, recipient), {"rows": [], "totals": _totals([])})
            transfers_by_direction.append({"name": name, **shown})
        return {
            "transfer_count_chart": charts.series_chart(
                counts, series, label="Transfers per year of order, each way", value_label="Transfers", name="transfers"
            ),
            "transfer_tiv_chart": charts.series_chart(
                tivs,
                series,
                label="SIPRI TIV of the orders per year of order, each way (millions)",
                value_label="TIV",
                name="tiv",
            ),
            "overlap_chart": charts.series_chart(
                overlap_counts,
                overlap_series,
                label="Partners per year: shared by all and each nation's own",
                value_label="Partners",
                name="overlap",
            ),
            "overlap_years": years,
            "chosen_year": chosen,
            "chosen_sets": chosen_sets,
            "transfers_by_direction": transfers_by_direction,
            "csv_links": {table: _query(params, export="csv", table=table) for table in CompareView.TABLES},
        }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "count": len(rows),
        "delivered": sum(r["quantity_delivered"] or 0 for r in rows),
        "tiv_total": sum(r["tiv_total"] or 0 for r in rows),
        "tiv_delivered": sum(r["tiv_delivered"] or 0 for r in rows),
    }


def comparing_csv(result: comparing.Comparison, table: str) -> tuple[list[str], list[list[Any]]]:
    """Return the header and rows of one section of a comparison, for CSV."""
    nations = {n["id"]: n for n in result.nations}
    codes = [n["iso3"] or str(n["id"]) for n in result.nations]
    if table == "agreements":
        header = [
            "id",
            "agreement",
            "signed_on",
            "in_force_from",
            "until",
            "status_note",
            *[f"{c}_periods" for c in codes],
        ]
        rows = [
            [
                a["id"],
                a["label"],
                a["signed_on"],
                a["in_force_from"],
                a["until"],
                a["last_known"],
                *["; ".join(f"{s or ''}..{e or ''}" for s, e in periods) for periods in a["periods"]],
            ]
            for a in result.agreements
        ]
    elif table == "exercises":
        header = ["id", "exercise", "start_date", "end_date"]
        rows = [[e["id"], e["label"], e["start_date"], e["end_date"]] for e in result.exercises]
    elif table == "transfers":
        header = [
            "id", "supplier", "recipient", "year_of_order", "designation", "description", "number_ordered",
            "number_delivered", "delivery_years", "tiv_per_unit", "tiv_total", "tiv_delivered", "value", "currency",
        ]  # fmt: skip
        rows = [
            [
                t["id"],
                nations[t["provider"]]["name"],
                nations[t["recipient"]]["name"],
                t["start_date"].year if t["start_date"] else "",
                t["designation"],
                t["description"],
                t["quantity"],
                t["quantity_delivered"],
                " ".join(str(y) for y in t["delivery_years"]),
                t["tiv_unit"],
                t["tiv_total"],
                t["tiv_delivered"],
                t["value"],
                t["currency"],
            ]
            for t in result.transfers
        ]
    elif table == "flows":
        header = ["supplier", "recipient", "year_of_order", "transfers", "tiv_total", "value_usd"]
        rows = [
            [nations[p]["name"], nations[r]["name"], year, f["count"], f["tiv"], f["value_usd"]]
            for (p, r), per_year in result.flows.items()
            for year, f in sorted(per_year.items())
        ]
    else:
        header = ["year", "shared", *[f"only_{c}" for c in codes], "shared_partners"]
        rows = [
            [
                year,
                len(entry["shared"]),
                *[len(entry[n["id"]]) for n in result.nations],
                "; ".join(sorted(result.partner_names[pk]["name"] for pk in entry["shared"])),
            ]
            for year, entry in sorted(result.overlap.items())
        ]
    return header, rows


class DyadsView(RegistryPage):
    """``/dyads/``: the dyad-year table, filtered and paginated, with CSV."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        params = _given(request.GET)
        exporting = params.pop("export", None) == ["csv"]
        page_text = params.pop("page", ["1"])[-1]
        page = int(page_text) if page_text.isascii() and page_text.isdigit() and 0 < int(page_text) < 10**6 else 1
        form = DyadQuery(params, user=user)
        errors = _unknown(params, set(DyadQuery.base_fields))
        valid = form.is_valid() and not errors
        errors += _errors(form)
        years = None
        if valid:
            data = form.cleaned_data
            first, last = data.get("year_from"), data.get("year_to")
            if first is None and last is None:
                bounds = year_range(user=user)
                if bounds is not None:
                    first, last = max(bounds[0], bounds[1] - DEFAULT_DYAD_YEARS + 1), bounds[1]
            try:
                years = export_years(user=user, first_year=first, last_year=last)
            except YearsOutsideData as exc:
                names = {"first": "year_from", "last": "year_to"}
                errors += [f"{names[which]}: {exc}" for which in exc.which]
                valid = False
        if exporting and not valid:
            return _bad_export(errors)
        rows: Any = iter(())
        header = dyad_header(directed=False)
        if valid and years is not None:
            data = form.cleaned_data
            generator = dyad_years(
                user=user,
                first_year=years[0],
                last_year=years[1],
                region=data.get("region") or None,
                dataset=data.get("dataset") or None,
                involving=data.get("nation"),
            )
            header = next(generator)
            partner = None
            if data.get("partner"):
                codes = Nation.objects.visible_to(user).filter(pk=data["partner"]).values_list("iso3", "cow_code")
                partner = tuple(code or "" for code in codes.get())
            rows = self.filtered(generator, header, data.get("provision"), partner)
        if exporting:
            return _csv(header, rows, "dyad-years.csv")
        start = (page - 1) * PAGE_SIZE
        shown = list(islice(rows, start, start + PAGE_SIZE + 1))
        # On the page, nations by name (the CSV also has their ISO and COW codes).
        kept = [index for index, column in enumerate(header) if not column.startswith(("iso3_", "cow_"))]
        context = {
            "columns": [(column_label(header[index]), position > 2) for position, index in enumerate(kept)],
            # A provision either undertook reads as a tick (the CSV keeps 1 and 0).
            "cells": [
                [("✓" if row[index] else "") if header[index] in PROVISION_COLUMNS else row[index] for index in kept]
                for row in shown[:PAGE_SIZE]
            ],
            "form": form,
            "params": params,
            "errors": errors,
            "header": header,
            "rows": shown[:PAGE_SIZE],
            "years": years,
            "page": page,
            "previous": _query(params, page=page - 1) if page > 1 else None,
            "next": _query(params, page=page + 1) if len(shown) > PAGE_SIZE else None,
            "export_query": _query(params, export="csv"),
            "provision_columns": PROVISION_COLUMNS,
            "provisions": Provision.choices,
            "regions": Region.choices,
            "datasets": DATASETS,
            "first_row": start + 1,
            "last_row": start + len(shown[:PAGE_SIZE]),
        }
        return render(request, "partnerships/dyads.html", context, status=400 if errors else 200)

    @staticmethod
    def filtered(rows: Any, header: list[str], provision_name: str | None, partner: tuple | None) -> Any:
        """Rows of the nation (either side), the partner and the provision asked for, as they stream."""
        a_cow, b_cow = header.index("cow_a"), header.index("cow_b")
        a_iso, b_iso = header.index("iso3_a"), header.index("iso3_b")
        provision = header.index(provision_name) if provision_name else None
        for row in rows:
            if provision is not None and not row[provision]:
                continue
            if partner is not None and partner not in ((row[a_iso], row[a_cow]), (row[b_iso], row[b_cow])):
                continue
            yield row
