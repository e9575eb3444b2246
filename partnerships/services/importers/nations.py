"""Nations from the ISO 3166 list (``countries``) and the COW state system (``cow-states``).

Both merge into one record per state: a nation found by its codes, or by its
name through the resolver, gets the other dataset's codes added; only states
neither knows (historical COW states missing from the code list) are created.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from partnerships.models import Nation
from partnerships.services.importers.base import Importer, RowRejected, parse_int
from partnerships.services.importers.layouts import Layout
from partnerships.services.importers.resolver import NationResolver
from partnerships.services.nations import reference_nations, reference_region

# The COW state list ends here; a state whose membership runs to this day still exists.
COW_DATA_END = date(2016, 12, 31)


class NationImporter(Importer):
    def prepare(self) -> None:
        self.resolver = NationResolver()

    def merge(self, nation: Nation | None, source_id: str, values: dict[str, Any], *, name: str) -> Nation:
        """Create the nation, or fill in the codes it lacks; count what happened."""
        assert self.report is not None
        if nation is None:
            nation = Nation(name=name, **values, visibility=self.visibility, follows=self.dataset)
            self.save(nation)
            self.report.note("nations", nation.pk, "created")
            self.resolver.remember(nation)
            self.attach(nation, source_id, self.facts(nation), followed=True)
            return nation
        changed = False
        for field, value in values.items():
            current = getattr(nation, field)
            if value in (None, "") or current == value:
                continue
            if current not in (None, ""):
                raise RowRejected(
                    f"{field}: the file says {value!r} but {nation.name} already has {current!r}; "
                    "fix the file or the record"
                )
            setattr(nation, field, value)
            changed = True
        if changed:
            self.save(nation)
            self.resolver.remember(nation)
        self.report.note("nations", nation.pk, "updated" if changed else "unchanged")
        # The other dataset's codes are filled in, never overwritten: a dataset that did not create the
        # nation is a source beside the one it follows.
        self.attach(nation, source_id, self.facts(nation))
        return nation

    def facts(self, nation: Nation) -> dict[str, Any]:
        """Return the key facts this dataset gives of ``nation``: its code there.

        Names differ between the lists by convention ("United States" and
        "United States of America"), not in fact: they are not compared.
        """
        return {}


class CountriesImporter(NationImporter):
    """ISO 3166 codes (the ``datasets/country-codes`` CSV)."""

    kind = "countries"
    dataset = "iso-3166"
    description = "ISO 3166 country codes (countries/country-codes.csv)"
    layout_name = "ISO 3166, datasets/country-codes layout"
    required_columns = ("ISO3166-1-Alpha-3", "ISO3166-1-Alpha-2", "ISO3166-1-numeric", "CLDR display name")
    optional_columns = ("official_name_en",)
    other_layouts = (
        Layout(
            "ISO 3166, all.csv layout (lukes/ISO-3166-Countries-with-Regional-Codes)",
            required=("name", "alpha-2", "alpha-3", "country-code"),
            optional=("iso_3166-2", "region", "sub-region", "intermediate-region"),
            rename={
                "alpha-3": "ISO3166-1-Alpha-3",
                "alpha-2": "ISO3166-1-Alpha-2",
                "country-code": "ISO3166-1-numeric",
                "name": "CLDR display name",
            },
        ),
    )

    def facts(self, nation: Nation) -> dict[str, Any]:
        return {"iso3": nation.iso3}

    def import_row(self, number: int, row: dict[str, str]) -> None:
        iso3 = row["ISO3166-1-Alpha-3"].upper()
        if len(iso3) != 3 or not iso3.isalpha():
            raise RowRejected(f"ISO3166-1-Alpha-3: “{iso3}” is not a three-letter code")
        name = row["CLDR display name"] or row.get("official_name_en", "")
        if not name:
            raise RowRejected("CLDR display name: empty; the nation needs a name")
        numeric = row["ISO3166-1-numeric"]
        values = {
            "iso3": iso3,
            "iso2": row["ISO3166-1-Alpha-2"].upper() or None,
            "iso_numeric": f"{int(numeric):03d}" if numeric.isascii() and numeric.isdigit() else None,
        }
        nation = self.resolver.by_iso3.get(iso3) or self.find(Nation, iso3)[0]
        if nation is None:
            values["region"] = reference_region(iso3=iso3)
        self.merge(nation, iso3, values, name=name)


def _cow_date(year: str, month: str, day: str, column: str, *, end: bool = False) -> date:
    y = parse_int(year, f"{column} year")
    if y is None:
        raise RowRejected(f"{column}: no year")
    m = parse_int(month, f"{column} month") or (12 if end else 1)
    d = parse_int(day, f"{column} day")
    try:
        if d is None:
            # An unknown day: the first of the month for a start, the last for an end.
            if not end:
                return date(y, m, 1)
            return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)
        return date(y, m, d)
    except (ValueError, OverflowError):
        raise RowRejected(f"{column}: {year}-{month}-{day} is not a date") from None


class CowStatesImporter(NationImporter):
    """Correlates of War state system membership (``states2016.csv``)."""

    kind = "cow-states"
    dataset = "cow-states"
    version = "2016"
    description = "Correlates of War state system membership (cow/states2016.csv)"
    layout_name = "COW state system membership (states2016 layout)"
    required_columns = ("stateabb", "ccode", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth", "endday")
    # COW's list of codes and names, one row per membership spell without its dates: it gives states their
    # COW number and abbreviation (creating the historical states the registry lacks), never their dates.
    other_layouts = (
        Layout(
            "COW country codes (COW-country-codes.csv: StateAbb, CCode, StateNme, no dates)",
            required=("stateabb", "ccode", "statenme"),
        ),
    )

    def prepare(self) -> None:
        super().prepare()
        self.spans: dict[int, list[tuple[date, date]]] = defaultdict(list)
        # The COW number the code list gives each ISO state: a name can mean an ISO state that is
        # another COW state's successor ("Korea", COW 730 until 1905, is not South Korea, COW 732).
        self.cow_of_iso3 = {row["iso3"]: row["cow_code"] for row in reference_nations() if row["iso3"]}

    def facts(self, nation: Nation) -> dict[str, Any]:
        return {"cow_code": nation.cow_code}

    def import_row(self, number: int, row: dict[str, str]) -> None:
        ccode = parse_int(row["ccode"], "ccode")
        if ccode is None or ccode <= 0:
            raise RowRejected(f"ccode: “{row['ccode']}” is not a COW state number")
        abbr = row["stateabb"].upper()
        span = None
        if "styear" in row:  # the code list has no dates: the states' existence is left as it is
            start = _cow_date(row["styear"], row["stmonth"], row["stday"], "start")
            end = _cow_date(row["endyear"], row["endmonth"], row["endday"], "end", end=True)
            if end < start:
                raise RowRejected(f"the state ends ({end}) before it starts ({start})")
            span = (start, end)
        nation = self.resolver.cow(ccode) or self.find(Nation, str(ccode))[0] or self.resolver.name(row["statenme"])
        values: dict[str, Any] = {"cow_code": ccode, "cow_abbr": abbr}
        if nation is None:
            values["region"] = reference_region(cow_code=ccode)
        elif nation.cow_code not in (None, ccode) or self.cow_of_iso3.get(nation.iso3) not in (None, ccode):
            # The name resolved to a state that has, or by the code list should have, another COW
            # number (e.g. a successor state): this row is a state of its own.
            nation = None
            values["region"] = reference_region(cow_code=ccode)
        if not row["statenme"]:
            raise RowRejected("statenme: empty; the nation needs a name")
        self.merge(nation, str(ccode), values, name=row["statenme"])
        if span is not None:
            self.spans[ccode].append(span)

    def finish(self) -> None:
        """Set each state's existence from all its rows (membership can be interrupted)."""
        for ccode, spans in self.spans.items():
            nation = self.resolver.cow(ccode)
            first = min(start for start, _ in spans)
            last = max(end for _, end in spans)
            until = None if last >= COW_DATA_END else last + timedelta(days=1)
            if (nation.exists_from, nation.exists_until) != (first, until):
                nation.exists_from, nation.exists_until = first, until
                self.save(nation)
                self.report.note_later_change("nations", nation.pk)  # type: ignore[union-attr]
