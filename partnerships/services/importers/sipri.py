"""SIPRI Arms Transfers Database trade registers (SIPRI's standard CSV export): one resource-sharing record per deal."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from partnerships.choices import ResourceCategory, ResourceStatus
from partnerships.models import Nation, Organization, ResourceSharing
from partnerships.services.importers.base import Importer, RowRejected
from partnerships.services.importers.resolver import NationResolver

SOURCE_URL = "https://www.sipri.org/databases/armstransfers"
SOURCE_TEXT = "SIPRI Arms Transfers Database, Stockholm International Peace Research Institute (trade register)."


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


class SipriImporter(Importer):
    kind = "sipri"
    dataset = "sipri"
    description = "SIPRI arms transfers trade register CSV (sipri/uk-trade-register.csv)"
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

    def prepare(self) -> None:
        self.resolver = NationResolver()
        self.organizations = {org.name.lower(): org for org in Organization.objects.all()}
        self.organizations.update({org.acronym.lower(): org for org in Organization.objects.exclude(acronym="")})
        self.occurrences: Counter = Counter()

    def actor(self, name: str, column: str) -> tuple[Nation | None, Organization | None]:
        """Return the nation, or the organization (SIPRI marks non-state recipients with *), a name means."""
        nation = self.resolver.name(name.rstrip("*"))
        if nation is not None:
            return nation, None
        organization = self.organizations.get(name.rstrip("*").strip().lower())
        if organization is not None:
            return None, organization
        raise RowRejected(f"{column}: “{name}” matches no nation or organization")

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
        provider_nation, provider_organization = self.actor(row["Supplier"], "Supplier")
        recipient_nation, recipient_organization = self.actor(row["Recipient"], "Recipient")
        ordered_year = _year(row["Year of order"], "Year of order")
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
            "start_date": date(ordered_year, 1, 1),
            "end_date": date(years[-1], 12, 31) if years else None,
            "status": status,
            "source_url": SOURCE_URL,
            "source_text": SOURCE_TEXT,
        }
        if values["end_date"] and values["end_date"] < values["start_date"]:
            raise RowRejected(f"Year(s) of delivery: {years[0]} is before the order ({ordered_year})")
        self.upsert(ResourceSharing, self.source_id(row), values)
