"""A nation's partners on a day or in a year, each with the records behind the link; partners gained and lost.

The link rules are those of ``services/links_between.py``. The window:

- ``on=`` a day: agreements in force that day with both nations parties
  that day; transfers under way that day; exercises that started in the
  ``exercise_years`` (default 5) years up to and including that day, as the
  network's ``as_of`` does.
- ``year=``: any time in that year (the dyad table's convention): agreements
  in force and both nations parties at some time of the year, transfers
  under way during it, exercises that started in it.

A few queries in all (one per kind of link, one for the nations), whatever
the number of partners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from partnerships.services.links_between import (
    LINK_KINDS,
    PROVISION_LABELS,
    Link,
    collect_links,
    deepest,
    depth_rank,
    nations_by_id,
)
from partnerships.services.network import years_before

ORDERINGS = ("name", "agreements", "exercises", "transfers", "depth")
# The records of each kind the page names for a partner (the CSV export and the API name them all).
SHOWN = 5
DEFAULT_EXERCISE_YEARS = 5


@dataclass(frozen=True)
class Window:
    """A day (``on``) or a calendar year (``year``): [start, end)."""

    start: date
    end: date
    on: date | None = None
    year: int | None = None

    @classmethod
    def day(cls, on: date) -> Window:
        return cls(on, on + timedelta(days=1), on=on)

    @classmethod
    def of_year(cls, year: int) -> Window:
        return cls(date(year, 1, 1), date(year + 1, 1, 1), year=year)

    @property
    def label(self) -> str:
        return self.on.isoformat() if self.on is not None else str(self.year)

    def exercise_window(self, exercise_years: int) -> tuple[date, date]:
        """The exercises a window counts, by start date: those of the year, or of the years up to the day."""
        if self.on is None:
            return self.start, self.end
        return years_before(self.on, exercise_years) + timedelta(days=1), self.end


def parse_when(text: str) -> Window:
    """Return the window ``text`` names: ``YYYY-MM-DD`` (a day) or ``YYYY`` (a year); raise ValueError otherwise."""
    if re.fullmatch(r"\d{4}", text) and 1 <= int(text) <= 9998:
        return Window.of_year(int(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None and day.year <= 9998:
            return Window.day(day)
        raise ValueError(f"“{text}” is not a date of the calendar before the year 9999.")
    raise ValueError(f"“{text}” is neither a date (YYYY-MM-DD) nor a year (YYYY).")


@dataclass
class Partner:
    """A partner nation and the records behind the link (the figures are read once the links are all in)."""

    nation: dict[str, Any]
    agreements: list[Link] = field(default_factory=list)
    exercises: list[Link] = field(default_factory=list)
    transfers: list[Link] = field(default_factory=list)

    @cached_property
    def provisions(self) -> set[str]:
        return {p for link in self.agreements for p in link.provisions}

    @cached_property
    def depth(self) -> str | None:
        """The deepest alliance obligation of the agreements behind the link (a Provision value), or None."""
        return deepest(self.provisions)

    @property
    def depth_label(self) -> str:
        return str(PROVISION_LABELS[self.depth]) if self.depth else ""

    @cached_property
    def counts(self) -> dict[str, int]:
        return {"agreements": len(self.agreements), "exercises": len(self.exercises), "transfers": len(self.transfers)}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def records(self) -> list[Link]:
        return self.agreements + self.exercises + self.transfers

    def shown(self) -> Partner:
        """Return the row as the page shows it: the same figures, the first SHOWN records of each kind."""
        short = Partner(self.nation, self.agreements[:SHOWN], self.exercises[:SHOWN], self.transfers[:SHOWN])
        # The figures are the whole row's, not the shortened lists'.
        short.__dict__.update(provisions=self.provisions, depth=self.depth, counts=self.counts)
        return short


@dataclass
class PartnerTable:
    nation: dict[str, Any]
    window: Window
    partners: list[Partner]
    # Agreements past their dataset's coverage: (partner nation, link), shown apart and not counted.
    last_known: list[tuple[dict[str, Any], Link]]
    kinds: tuple[str, ...]
    exercise_years: int


def partners(
    *,
    user: Any,
    nation_id: int,
    window: Window,
    kinds: tuple[str, ...] = LINK_KINDS,
    provisions: tuple[str, ...] = (),
    region: str | None = None,
    exercise_years: int = DEFAULT_EXERCISE_YEARS,
    extend_open: bool = False,
    ordering: str = "name",
) -> PartnerTable:
    """Return the partners of the nation ``nation_id`` (one ``user`` may see) in ``window``.

    ``provisions`` keeps the agreements giving one of them, and the partners
    linked by such an agreement (their exercises and transfers listed too).
    ``region`` keeps partners of that region. ``ordering`` is one of
    ORDERINGS, ``-`` first for descending.
    """
    links = collect_links(
        user=user,
        focus=[nation_id],
        start=window.start,
        end=window.end,
        kinds=kinds,
        exercise_window=window.exercise_window(exercise_years),
        extend_open=extend_open,
    )
    if provisions:
        wanted = set(provisions)
        links = [link for link in links if link.kind != "agreement" or link.provisions & wanted]
    nations = nations_by_id(user=user, ids={nation_id} | {link.partner for link in links})
    rows: dict[int, Partner] = {}
    last_known = []
    for link in sorted(links, key=_link_order):
        nation = nations.get(link.partner)
        if nation is None or (region and nation["region"] != region):
            continue  # a nation the user may not see, or outside the region asked for
        if link.last_known:
            last_known.append((nation, link))
            continue
        row = rows.setdefault(link.partner, Partner(nation))
        getattr(row, f"{link.kind}s").append(link)
    found = list(rows.values())
    if provisions:
        found = [row for row in found if row.agreements]
    return PartnerTable(
        nation=nations[nation_id],
        window=window,
        partners=sort_partners(found, ordering),
        last_known=sorted(last_known, key=lambda item: (item[0]["name"], item[1].label)),
        kinds=kinds,
        exercise_years=exercise_years,
    )


def _link_order(link: Link) -> tuple[Any, ...]:
    first = min((s.start for s in link.focus_spans if s.start is not None), default=date.min)
    return (link.kind, first, link.label, link.id)


def sort_partners(rows: list[Partner], ordering: str) -> list[Partner]:
    """Return ``rows`` in ``ordering`` (one of ORDERINGS, ``-`` first for descending); the name breaks ties."""
    descending = ordering.startswith("-")
    key = ordering.lstrip("-")
    by_name = sorted(rows, key=lambda row: row.nation["name"])
    if key == "name":
        return list(reversed(by_name)) if descending else by_name
    if key == "depth":
        return sorted(by_name, key=lambda row: depth_rank(row.provisions), reverse=not descending)
    # Counts: most first unless asked otherwise (a "-" reverses the natural, descending, order).
    return sorted(by_name, key=lambda row: row.counts[key], reverse=not descending)


@dataclass
class Change:
    nation: dict[str, Any]
    records: list[Link]
    # How many records made the change (``records`` may hold only the first SHOWN of them).
    count: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.records)

    def shown(self) -> Change:
        """Return the change as the page shows it: the first SHOWN records, and their number."""
        return Change(self.nation, self.records[:SHOWN], self.count)


def as_shown(table: PartnerTable) -> PartnerTable:
    """Return ``table`` as its page shows it (``Partner.shown``): a hub nation's table names hundreds of
    thousands of records, its page five of each kind per partner."""
    return replace(table, partners=[row.shown() for row in table.partners])


def gained_and_lost(*, before: PartnerTable, after: PartnerTable) -> dict[str, list[Change]]:
    """Return the partners in ``after`` but not ``before`` ("gained", with the records that made the link)
    and those in ``before`` but not ``after`` ("lost", with the records that had made it, each with its end)."""
    then = {row.nation["id"]: row for row in before.partners}
    now = {row.nation["id"]: row for row in after.partners}
    gained = [Change(row.nation, row.records()) for pk, row in now.items() if pk not in then]
    lost = [Change(row.nation, row.records()) for pk, row in then.items() if pk not in now]
    return {
        "gained": sorted(gained, key=lambda change: change.nation["name"]),
        "lost": sorted(lost, key=lambda change: change.nation["name"]),
    }


def link_until(link: Link) -> date | None:
    """The first day ``link`` no longer held (the earliest end among both sides' spans), or None."""
    ends = [s.end for s in link.focus_spans + link.partner_spans if s.end is not None]
    return min(ends) if ends else None


CSV_HEADER = [
    "partner",
    "iso3",
    "cow_code",
    "region",
    "agreements",
    "exercises",
    "transfers",
    "deepest_obligation",
    "provisions",
    "agreement_names",
    "exercise_names",
    "transfer_names",
]


def csv_rows(table: PartnerTable) -> list[list[Any]]:
    """Return the table's rows for CSV, in its order: one per partner, the records named."""
    return [
        [
            row.nation["name"],
            row.nation["iso3"] or "",
            row.nation["cow_code"] or "",
            row.nation["region"] or "",
            len(row.agreements),
            len(row.exercises),
            len(row.transfers),
            row.depth or "",
            " ".join(sorted(row.provisions)),
            "; ".join(link.label for link in row.agreements),
            "; ".join(link.label for link in row.exercises),
            "; ".join(f"{link.label} ({link.detail['direction']})" for link in row.transfers),
        ]
        for row in table.partners
    ]


def record_json(link: Link, absolute: Any = str) -> dict[str, Any]:
    """Return one record behind a link as the API gives it; ``absolute`` turns a path into the URL shown."""
    item: dict[str, Any] = {"id": link.id, "label": link.label, "url": absolute(link.url)}
    if link.kind == "agreement":
        item["provisions"] = sorted(link.provisions)
        if link.last_known:
            item["last_known"] = link.last_known
    elif link.kind == "exercise":
        item["start_date"] = link.detail["start_date"]
    else:
        detail = link.detail
        item.update(
            direction=detail["direction"],
            start_date=detail["start_date"],
            end_date=detail["end_date"],
            quantity_delivered=detail["quantity_delivered"],
            tiv_total=detail["tiv_total"],
        )
    return item


def _decimal(value: Any, places: int) -> str | None:
    """A decimal as the API writes decimals: a string with the field's places."""
    return None if value is None else f"{value:.{places}f}"


def nation_json(nation: dict[str, Any], absolute: Any = str) -> dict[str, Any]:
    """Return a nation as the API gives it."""
    return {
        "id": nation["id"],
        "name": nation["name"],
        "iso3": nation["iso3"],
        "cow_code": nation["cow_code"],
        "region": nation["region"] or None,
        "url": absolute(nation["url"]),
    }


def as_json(table: PartnerTable, *, absolute: Any = str) -> dict[str, Any]:
    """Return the table as the API gives it; ``absolute`` turns a path into the URL shown."""
    return {
        "nation": nation_json(table.nation, absolute),
        "on": table.window.on,
        "year": table.window.year,
        "kinds": list(table.kinds),
        "exercise_years": table.exercise_years if table.window.on is not None else None,
        "count": len(table.partners),
        "partners": [
            {
                "nation": nation_json(row.nation, absolute),
                "counts": row.counts,
                "deepest_obligation": row.depth,
                "provisions": sorted(row.provisions),
                "agreements": [record_json(link, absolute) for link in row.agreements],
                "exercises": [record_json(link, absolute) for link in row.exercises],
                "transfers": [record_json(link, absolute) for link in row.transfers],
            }
            for row in table.partners
        ],
        "last_known": [
            {"nation": nation_json(partner, absolute), "agreement": record_json(link, absolute)}
            for partner, link in table.last_known
        ],
    }
