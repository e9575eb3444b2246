"""COW Formal Alliances v4.1, one row per alliance member: one agreement per alliance, its members as parties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from partnerships.choices import AgreementKind, AgreementScope, AgreementStatus, Provision, TitleOrigin
from partnerships.models import Agreement
from partnerships.services.importers.base import (
    Importer,
    RowRejected,
    parse_int,
    precision_of,
    settle_periods,
    settle_precisions,
)
from partnerships.services.importers.nations import _cow_date
from partnerships.services.importers.resolver import NationResolver

FLAGS = {
    "defense": Provision.MUTUAL_DEFENSE,
    "neutrality": Provision.NEUTRALITY,
    "nonaggression": Provision.NON_AGGRESSION,
    "entente": Provision.CONSULTATION,
}
SOURCE_URL = "https://correlatesofwar.org/data-sets/formal-alliances/"
SOURCE_TEXT = (
    "Gibler, Douglas M. 2009. International Military Alliances, 1648-2008. CQ Press (COW Formal Alliances v4.1)."
)


def _optional_date(row: dict[str, str], prefix: str, label: str, *, end: bool = False) -> date | None:
    """Return the date in the columns ``<prefix>_year/_month/_day``, or None when the year is blank."""
    year = row[f"{prefix}_year"]
    if not year:
        return None
    return _cow_date(year, row[f"{prefix}_month"], row[f"{prefix}_day"], label, end=end)


def _member_span(row: dict[str, str]) -> tuple[date, date | None]:
    """The member's [start, end) in the alliance: COW's end date is its last day."""
    joined = _cow_date(row["mem_st_year"], row["mem_st_month"], row["mem_st_day"], "member start")
    left = _optional_date(row, "mem_end", "member end", end=True)
    return joined, left + timedelta(days=1) if left else None


# COW's markers of an unknown part of a date (a 0 month or day is unknown too).
MISSING = ("", "-9", "-99", "0")


def _precision(row: dict[str, str], prefix: str) -> str:
    """How precise the date in the columns ``<prefix>_year/_month/_day`` is."""
    return precision_of(row[f"{prefix}_year"], row[f"{prefix}_month"], row[f"{prefix}_day"], missing=MISSING)


def _member(row: dict[str, str]) -> tuple[str, str]:
    """A member in its alliance."""
    return (row["version4id"], row["ccode"])


def _member_precisions(row: dict[str, str]) -> tuple[str, str]:
    return _precision(row, "mem_st"), _precision(row, "mem_end")


def _obligations(row: dict[str, str]) -> list[str]:
    return [provision for column, provision in FLAGS.items() if row[column] == "1"]


class CowAlliancesImporter(Importer):
    kind = "cow-alliances"
    dataset = "cow-alliances"
    version = "4.1"
    description = "COW Formal Alliances v4.1 by member (cow/alliance_v4.1_by_member.csv)"
    source_url = SOURCE_URL
    source_text = SOURCE_TEXT
    precedence = 10
    facts_later = True
    proposes_duplicates = True
    required_columns = (
        "version4id",
        "ccode",
        "state_name",
        "all_st_day",
        "all_st_month",
        "all_st_year",
        "all_end_day",
        "all_end_month",
        "all_end_year",
        "ss_type",
        "mem_st_day",
        "mem_st_month",
        "mem_st_year",
        "mem_end_day",
        "mem_end_month",
        "mem_end_year",
        "defense",
        "neutrality",
        "nonaggression",
        "entente",
    )

    def read(self, path: Any, encoding: str | None) -> list[tuple[int | str, dict[str, str]]]:
        rows = super().read(path, encoding)
        settle_periods(rows, _member, _member_span, _obligations)
        settle_precisions(rows, _member, _member_span, _member_precisions)
        return rows

    def prepare(self) -> None:
        self.resolver = NationResolver()
        self.seen: dict[str, Agreement] = {}

    def import_row(self, number: int, row: dict[str, str]) -> None:
        alliance_id = row["version4id"]
        if not (alliance_id.isascii() and alliance_id.isdigit()):
            raise RowRejected(f"version4id: “{alliance_id}” is not an alliance number")
        self.tried[alliance_id] += 1
        ccode = parse_int(row["ccode"], "ccode")
        nation = self.resolver.cow(ccode)
        if nation is None:
            raise RowRejected(f"ccode {row['ccode']} ({row['state_name']}) matches no nation: import cow-states first")
        start = _cow_date(row["all_st_year"], row["all_st_month"], row["all_st_day"], "alliance start")
        end = _optional_date(row, "all_end", "alliance end", end=True)
        joined, withdrew = _member_span(row)
        precisions = _member_precisions(row)
        if "__joined" in row:  # the period worked out over all the member's rows (see read())
            joined, withdrew = row["__joined"], row["__withdrew"]
            precisions = (row["__joined_precision"], row["__withdrew_precision"])
        obligations = row.get("__obligations", _obligations(row))
        agreement = self.seen.get(alliance_id)
        if agreement is None:
            # The scope and the provisions depend on every member's row, known only after the last
            # one (see finish()); until then keep what a previous import found, so re-imports change nothing.
            previous = self.find(Agreement, alliance_id)[0]
            values: dict[str, Any] = {
                # COW classifies the alliance as a whole (ss_type); its members' obligations, per member
                # and period, can say more (the United States owes defense to South Korea in
                # alliance 236, an entente): the title names the alliance, the description the class.
                # A placeholder until finish() describes it (services.titles); a title already there is kept:
                # staff may have typed it, or the curated list given it.
                "title": previous.title if previous else f"COW alliance {alliance_id}",
                "title_origin": previous.title_origin if previous else TitleOrigin.GENERATED,
                "description": f"Classified by COW as {row['ss_type'] or 'an alliance'}; "
                "each member's obligations are on its party rows.",
                "kind": AgreementKind.ALLIANCE,
                "scope": previous.scope if previous else AgreementScope.MULTILATERAL,
                "status": AgreementStatus.TERMINATED if end else AgreementStatus.IN_FORCE,
                "signed_on": start,
                "signed_on_precision": _precision(row, "all_st"),
                "in_force_from": start,
                "in_force_from_precision": _precision(row, "all_st"),
                "ended_on": end + timedelta(days=1) if end else None,
                "ended_on_precision": _precision(row, "all_end"),
                "provisions": previous.provisions if previous else [],
            }
            agreement = self.upsert(Agreement, alliance_id, values)
        self.add_period(agreement, nation, joined, withdrew, obligations, precisions=precisions, dataset_id=alliance_id)
        # Only now: had the member been refused, the row's savepoint would have taken
        # a newly created agreement with it, and later rows must not refer to it.
        self.seen[alliance_id] = agreement

    def finish(self) -> None:
        """Set each alliance's scope, provisions and generated title from its members, check the party rules,
        and give the well-known treaties among them their common names (partnerships/reference/treaties.csv)."""
        self.settle_agreements(self.seen, "COW alliance")
        self.apply_reference_names()
