"""SIPRI Arms Transfers Database trade registers (SIPRI's standard CSV export): one resource-sharing record per deal."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from partnerships.choices import DatePrecision, OrganizationKind, ResourceCategory, ResourceStatus
from partnerships.models import Nation, Organization, ResourceSharing
from partnerships.services.importers.base import ImportAborted, Importer, RowRejected
from partnerships.services.importers.layouts import Layout, Rows
from partnerships.services.importers.resolver import NationResolver

SOURCE_URL = "https://www.sipri.org/databases/armstransfers"
SOURCE_TEXT = "SIPRI Arms Transfers Database, Stockholm International Peace Research Institute (trade register)."
# SIPRI marks non-state actors with one asterisk, "UNITA (Angola)*", the country in brackets
# being where they operate, and international organizations with two, "NATO**".
NON_STATE_MARK, ORGANIZATION_MARK = "*", "**"
IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*\((?P<country>[^()]+)\)$")


def _number(value: str, column: str) -> Decimal | None:
    # SIPRI brackets uncertain figures, e.g. "(10)".
    text = value.strip().strip("()").replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowRejected(f"{column}: “{value}” is not a number") from None
    if number < 0:
        raise RowRejected(f"{column}: {value} is negative")
    return number


def _year(value: str, column: str) -> int:
    text = value.strip().strip("()")
    if not (text.isascii() and text.isdigit() and 1900 <= int(text) <= 2100):
        raise RowRejected(f"{column}: “{value}” is not a year")
    return int(text)


# The older register's file name says whose register it is: us-trade-register.csv is the United States'.
REGISTER_NAME = re.compile(r"^(?P<iso2>[a-z]{2})-trade-register$", re.IGNORECASE)
OLDER_COLUMNS = ("country", "ordered", "weapon", "weapon.des", "year", "years.delivered", "delivered", "comments")
DELIVERY_SPAN = re.compile(r"^\s*(\d{4})\s*-\s*(\d{4})\s*$")


def _delivery_years(text: str) -> str:
    """Return the older layout's "2011-2013" as the current layout's "2011; 2012; 2013" (anything else as it is)."""
    match = DELIVERY_SPAN.match(text)
    if match is None or not int(match[1]) <= int(match[2]) <= int(match[1]) + 100:
        return text
    return "; ".join(str(year) for year in range(int(match[1]), int(match[2]) + 1))


def older_register(importer: Importer, path: Path, rows: Rows) -> Rows:
    """Return the deals of an older register: each under the recipient line above it, from the register's supplier.

    A recipient line has the recipient's name and nothing else; the deals
    below it leave ``country`` blank. Raise ImportAborted when the supplier
    is unknown (no ``--supplier``, no ``<iso2>-trade-register.csv`` name).
    """
    assert isinstance(importer, SipriImporter)
    supplier = importer.register_supplier(path)
    deals: Rows = []
    recipient = ""
    for number, row in rows:
        deal = [row[column] for column in OLDER_COLUMNS[1:]]
        if row["country"]:
            recipient = row["country"]
        if not any(deal):
            continue  # a recipient line, or an empty one
        deals.append(
            (
                number,
                {
                    "Recipient": recipient,
                    "Supplier": supplier,
                    "Year of order": row["year"],
                    "Number ordered": row["ordered"],
                    "Weapon designation": row["weapon"],
                    "Weapon description": row["weapon.des"],
                    "Number delivered": row["delivered"],
                    "Year(s) of delivery": _delivery_years(row["years.delivered"]),
                    "status": "",
                    "Comments": row["comments"],
                    "SIPRI TIV per unit": "",
                    "SIPRI TIV for total order": "",
                    "SIPRI TIV of delivered weapons": "",
                },
            )
        )
    return deals


OLDER_LAYOUT = Layout(
    "SIPRI trade register, older layout (deals under recipient lines, the register's supplier)",
    required=OLDER_COLUMNS,
    reshape=older_register,
    file_rows="lines",
    rows="deals",
)


class SipriImporter(Importer):
    kind = "sipri"
    dataset = "sipri"
    source_url = SOURCE_URL
    source_text = SOURCE_TEXT
    description = "SIPRI arms transfers trade register CSV (sipri/uk-trade-register.csv)"
    layout_name = "SIPRI trade register, current layout"
    other_layouts = (OLDER_LAYOUT,)
    required_columns = (
        "Recipient",
        "Supplier",
        "Year of order",
        "Number ordered",
        "Weapon designation",
        "Weapon description",
        "Number delivered",
        "Year(s) of delivery",
        "status",
        "Comments",
        "SIPRI TIV per unit",
        "SIPRI TIV for total order",
        "SIPRI TIV of delivered weapons",
    )

    def __init__(self, *, supplier: str | None = None, **options: Any) -> None:
        # The supplier of a register in the older layout, which has no supplier column (a name or ISO code).
        self.supplier = supplier
        self.supplier_named = ""
        super().__init__(**options)

    def read(self, path: Path, encoding: str | None) -> list[tuple[int | str, dict[str, str]]]:
        self.supplier_named = ""
        rows = super().read(path, encoding)
        if self.supplier_named and self.report is not None:
            self.report.layout += f"; supplier {self.supplier_named}"
        return rows

    def register_supplier(self, path: Path) -> str:
        """Return the name of the nation whose register the older-layout file at ``path`` is.

        From ``--supplier`` (a name, or an ISO alpha-2 or alpha-3 code), else from the file's
        name ``<iso2>-trade-register.csv``. Raise ImportAborted when neither says, or says a
        nation the registry does not hold.
        """
        given, how = self.supplier, "--supplier"
        if not given:
            match = REGISTER_NAME.match(path.stem)
            if match is None:
                raise ImportAborted(
                    "This SIPRI register is in the older layout (country, ordered, weapon, weapon.des, year, "
                    "years.delivered, delivered, comments), which names each deal's recipient but not its "
                    "supplier: the supplier is the register's. Give it with --supplier NAME (or ISO code), or "
                    f"name the file <iso2>-trade-register.csv (us-trade-register.csv for the United States); "
                    f"“{path.name}” says neither."
                )
            given, how = match["iso2"], f"the file name {path.name}"
        code = given.strip().upper()
        nation = (
            Nation.objects.filter(iso2=code).first()
            or Nation.objects.filter(iso3=code).first()
            or NationResolver().name(given)
        )
        if nation is None:
            raise ImportAborted(f"The supplier “{given}” ({how}) matches no nation: import the nations first.")
        self.supplier_named = f"{nation.name}, from {how}"
        return nation.name

    def prepare(self) -> None:
        self.resolver = NationResolver()
        self.organizations = {org.name.lower(): org for org in Organization.objects.all()}
        self.organizations.update({org.acronym.lower(): org for org in Organization.objects.exclude(acronym="")})
        self.occurrences: Counter = Counter()
        # Organizations the current row created: known to later rows only once the row is written.
        self.created: dict[str, Organization] = {}

    def actor(
        self, name: str, column: str, *, on: date, number: int | str
    ) -> tuple[Nation | None, Organization | None]:
        """Return the nation that existed on ``on``, or the organization, a supplier or recipient name means.

        A name marked ``**`` is an international organization, ``*`` a non-state actor: either is
        found among the registry's organizations or created (a non-state actor with the country in
        brackets as where it operates, never as its nation). Raise RowRejected for a name that
        means nothing the registry knows ("unknown recipient(s)").
        """
        text = name.strip()
        if text.endswith(ORGANIZATION_MARK):
            return None, self.organization(text.removesuffix(ORGANIZATION_MARK).strip(), OrganizationKind.MULTINATIONAL)
        if text.endswith(NON_STATE_MARK):
            return None, self.non_state_actor(text.removesuffix(NON_STATE_MARK).strip(), column, on=on, number=number)
        named = self.resolver.name(text)
        if named is not None:
            nation = self.nation_on(named, on, resolver=self.resolver, number=number, column=column, name=text)
            return nation, None
        organization = self.organizations.get(text.lower())
        if organization is not None:
            return None, organization
        raise RowRejected(f"{column}: “{name}” matches no nation or organization")

    def organization(self, name: str, kind: str, *, source_id: str = "", **values: Any) -> Organization:
        """Return the organization of this name or acronym, creating it (of ``kind``) when there is none."""
        existing = self.organizations.get(name.lower()) or self.created.get(name.lower())
        if existing is not None:
            return existing
        values = {"name": name, "kind": kind, **values}
        organization = self.upsert(Organization, source_id or f"organization:{name}", values, label="organizations")
        self.created[name.lower()] = organization
        return organization

    def non_state_actor(self, text: str, column: str, *, on: date, number: int | str) -> Organization:
        """Return the non-state actor "NAME (COUNTRY)" names, operating in COUNTRY as it was on ``on``."""
        match = IN_BRACKETS.match(text)
        name, country = (match["name"], match["country"]) if match else (text, "")
        known = self.organizations.get(name.lower()) or self.created.get(name.lower())
        if known is not None:
            return known
        operates_in = None
        if country:
            named = self.resolver.name(country)
            if named is None:
                raise RowRejected(f"{column}: “{country}”, where “{name}” operates, matches no nation")
            label = f"{column} (where “{name}” operates)"
            operates_in = self.nation_on(named, on, resolver=self.resolver, number=number, column=label, name=country)
        return self.organization(
            name, OrganizationKind.NON_STATE, source_id=f"non-state actor:{text}", operates_in=operates_in
        )

    def source_id(self, row: dict[str, str]) -> str:
        """SIPRI's export has no ids: a digest of the deal's defining columns (and its place among identical rows)."""
        key = "|".join(
            row[c]
            for c in (
                "Recipient",
                "Supplier",
                "Year of order",
                "Number ordered",
                "Weapon designation",
                "Weapon description",
                "Comments",
            )
        )
        self.occurrences[key] += 1
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return f"{digest}-{self.occurrences[key]}"

    def import_row(self, number: int | str, row: dict[str, str]) -> None:
        self.created = {}
        self.import_deal(number, row)
        self.organizations.update(self.created)

    def import_deal(self, number: int | str, row: dict[str, str]) -> None:
        if not row["Recipient"]:
            raise RowRejected("Recipient: none; the older layout names it on a line of its own above its deals")
        ordered_year = _year(row["Year of order"], "Year of order")
        # Names mean the state that existed when the deal was ordered (SIPRI gives the year: its first day).
        ordered_on = date(ordered_year, 1, 1)
        provider_nation, provider_organization = self.actor(row["Supplier"], "Supplier", on=ordered_on, number=number)
        recipient_nation, recipient_organization = self.actor(
            row["Recipient"], "Recipient", on=ordered_on, number=number
        )
        ordered = _number(row["Number ordered"], "Number ordered")
        delivered = _number(row["Number delivered"], "Number delivered")
        years = sorted({_year(y, "Year(s) of delivery") for y in row["Year(s) of delivery"].split(";") if y.strip()})
        if delivered and ordered is not None and delivered >= ordered:
            status = ResourceStatus.COMPLETED
        elif delivered:
            status = ResourceStatus.IN_PROGRESS
        else:
            status = ResourceStatus.ORDERED
        designation, what = row["Weapon designation"], row["Weapon description"]
        description = f"{designation} ({what})" if what and what != designation else designation
        if row["Comments"]:
            description = f"{description}. {row['Comments']}"
        values: dict[str, Any] = {
            "provider_nation": provider_nation,
            "provider_organization": provider_organization,
            "recipient_nation": recipient_nation,
            "recipient_organization": recipient_organization,
            "category": ResourceCategory.EQUIPMENT,
            "description": description,
            "designation": designation[:120],
            "condition": row["status"][:40],
            "quantity": ordered,
            "unit": what[:40],
            "quantity_delivered": delivered,
            "delivery_years": years,
            "tiv_unit": _number(row["SIPRI TIV per unit"], "SIPRI TIV per unit"),
            "tiv_total": _number(row["SIPRI TIV for total order"], "SIPRI TIV for total order"),
            "tiv_delivered": _number(row["SIPRI TIV of delivered weapons"], "SIPRI TIV of delivered weapons"),
            # SIPRI gives years only: the order year (its first day) and the last delivery year (its last).
            "start_date": ordered_on,
            "start_date_precision": DatePrecision.YEAR,
            "end_date": date(years[-1], 12, 31) if years else None,
            "end_date_precision": DatePrecision.YEAR if years else DatePrecision.DAY,
            "status": status,
        }
        if values["end_date"] and values["end_date"] < values["start_date"]:
            raise RowRejected(f"Year(s) of delivery: {years[0]} is before the order ({ordered_year})")
        self.upsert(ResourceSharing, self.source_id(row), values)
