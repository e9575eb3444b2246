"""ATOP 4.01 (Alliance Treaty Obligations and Provisions): the alliance-level and member-level files together."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from partnerships.choices import AgreementKind, AgreementScope, AgreementStatus, DatePrecision, Provision, TitleOrigin
from partnerships.models import Agreement
from partnerships.services.importers.base import (
    ImportAborted,
    Importer,
    RowRejected,
    decode,
    parse_int,
    precision_of,
    read_rows,
    settle_periods,
    settle_precisions,
)
from partnerships.services.importers.resolver import NationResolver

ALLIANCE_FILE = "atop4.01_alliance-level.csv"
MEMBER_FILE = "atop4.01_member-level.csv"
OBLIGATIONS = {
    "defense": Provision.MUTUAL_DEFENSE,
    "offense": Provision.OFFENSE,
    "neutral": Provision.NEUTRALITY,
    "nonagg": Provision.NON_AGGRESSION,
    "consul": Provision.CONSULTATION,
}
ALLIANCE_COLUMNS = ("atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "ineffect", "bilat", *OBLIGATIONS)
MEMBER_COLUMNS = ("atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", *OBLIGATIONS)
SOURCE_URL = "http://www.atopdata.org/"
SOURCE_TEXT = (
    "Leeds, Ritter, Mitchell and Long. 2002. \u201cAlliance Treaty Obligations and Provisions, 1815-1944.\u201d "
    "International Interactions 28: 237-60 (ATOP data v4.01)."
)


def atop_date(year: str, month: str, day: str, label: str, *, end: bool = False) -> date | None:
    """Return a date; ATOP writes 0 for unknown parts (a 0 year: no date at all)."""
    y = parse_int(year, f"{label} year", missing=("", "0", "-9"))
    if y is None:
        return None
    m = parse_int(month, f"{label} month", missing=("", "0", "-9")) or (12 if end else 1)
    d = parse_int(day, f"{label} day", missing=("", "0", "-9"))
    try:
        return date(y, m, d if d else (calendar.monthrange(y, m)[1] if end else 1))
    except (ValueError, OverflowError, calendar.IllegalMonthError):
        raise RowRejected(f"{label}: {year}-{month}-{day} is not a date") from None


def _precision(year: str, month: str, day: str) -> str:
    """How precise an ATOP date is: 0 (or blank, or -9) for an unknown month or day."""
    return precision_of(year, month, day, missing=("", "0", "-9"))


def _member(row: dict[str, str]) -> tuple[str, str]:
    """A member in its alliance."""
    return (row["atopid"], row["member"])


def _member_precisions(row: dict[str, str]) -> tuple[str, str]:
    return (
        _precision(row["yrent"], row["moent"], row["dayent"]),
        _precision(row["yrexit"], row["moexit"], row["dayexit"]),
    )


def _member_span(row: dict[str, str]) -> tuple[date | None, date | None]:
    """The member's [entry, exit) in this phase: ATOP's exit date is its last day."""
    joined = atop_date(row["yrent"], row["moent"], row["dayent"], "entry")
    left = atop_date(row["yrexit"], row["moexit"], row["dayexit"], "exit", end=True)
    withdrew = left + timedelta(days=1) if left else None
    if joined and withdrew and withdrew <= joined:
        withdrew = joined + timedelta(days=1)  # an exit on the day of entry: one day of membership
    return joined, withdrew


def _obligations(row: dict[str, str]) -> list[str]:
    return [provision for column, provision in OBLIGATIONS.items() if row[column] not in ("", "0")]


class AtopImporter(Importer):
    kind = "atop"
    dataset = "atop"
    version = "4.01"
    description = f"ATOP 4.01 ({ALLIANCE_FILE} and {MEMBER_FILE}: give either file or their folder)"
    source_url = SOURCE_URL
    source_text = SOURCE_TEXT
    # Per-member obligations and data to 2018: followed over COW where both describe an alliance.
    precedence = 20
    facts_later = True
    proposes_duplicates = True

    def read(self, path: Path, encoding: str | None) -> list[tuple[int | str, dict[str, str]]]:
        folder = path if path.is_dir() else path.parent
        files = {"alliance": folder / ALLIANCE_FILE, "member": folder / MEMBER_FILE}
        missing = [str(file) for file in files.values() if not file.exists()]
        if missing:
            raise ImportAborted(f"ATOP needs both files; not found: {', '.join(missing)}")
        rows: list[tuple[int | str, dict[str, str]]] = []
        for kind, columns in (("alliance", ALLIANCE_COLUMNS), ("member", MEMBER_COLUMNS)):
            text = decode(files[kind].read_bytes(), encoding)
            # cow4id, where given, is the alliance's number in COW Formal Alliances v4 (a crosswalk).
            optional = ("cow4id",) if kind == "alliance" else ()
            for number, row in read_rows(text, columns, optional=optional):
                rows.append((f"{files[kind].name} row {number}", {**row, "__file": kind}))
        members = [(number, row) for number, row in rows if row["__file"] == "member"]
        settle_periods(members, _member, _member_span, _obligations)
        settle_precisions(members, _member, _member_span, _member_precisions)
        return rows

    def prepare(self) -> None:
        self.resolver = NationResolver()
        self.agreements: dict[str, Agreement] = {}

    def import_row(self, number: int | str, row: dict[str, str]) -> None:
        if row["__file"] == "alliance":
            self.import_alliance(row)
        else:
            self.import_member(row)

    def import_alliance(self, row: dict[str, str]) -> None:
        atopid = row["atopid"]
        if not (atopid.isascii() and atopid.isdigit()):
            raise RowRejected(f"atopid: “{atopid}” is not an alliance number")
        start = atop_date(row["begyr"], row["begmo"], row["begday"], "start")
        if start is None:
            raise RowRejected("begyr: the alliance has no start year")
        end = atop_date(row["endyr"], row["endmo"], row["endday"], "end", end=True)
        in_effect = row["ineffect"] == "1"
        start_precision = _precision(row["begyr"], row["begmo"], row["begday"])
        ended = not (in_effect or end is None)
        previous = self.find(Agreement, atopid)[0]
        values: dict[str, Any] = {
            # A placeholder until finish() describes it (services.titles); a title already there is kept:
            # staff may have typed it, or the curated list given it.
            "title": previous.title if previous else f"ATOP alliance {atopid}",
            "title_origin": previous.title_origin if previous else TitleOrigin.GENERATED,
            "kind": AgreementKind.ALLIANCE,
            # Parties come from the member-level file: the scope is settled in finish().
            "scope": previous.scope if previous else AgreementScope.MULTILATERAL,
            "status": AgreementStatus.TERMINATED if ended else AgreementStatus.IN_FORCE,
            "signed_on": start,
            "signed_on_precision": start_precision,
            "in_force_from": start,
            "in_force_from_precision": start_precision,
            "ended_on": end + timedelta(days=1) if ended else None,
            "ended_on_precision": _precision(row["endyr"], row["endmo"], row["endday"]) if ended else DatePrecision.DAY,
            # What the members undertook, per member and phase (the member-level file), settled in finish().
            "provisions": previous.provisions if previous else [],
        }
        cow = parse_int(row.get("cow4id", ""), "cow4id", missing=("", "0", ".", "-9"))
        crosswalk = (("cow-alliances", str(cow)),) if cow else ()
        self.agreements[atopid] = self.upsert(Agreement, atopid, values, crosswalk=crosswalk)

    def import_member(self, row: dict[str, str]) -> None:
        atopid = row["atopid"]
        self.tried[atopid] += 1
        agreement = self.agreements.get(atopid) or self.find(Agreement, atopid)[0]
        if agreement is None:
            raise RowRejected(f"atopid {atopid}: no such alliance in {ALLIANCE_FILE}")
        self.agreements[atopid] = agreement
        nation = self.resolver.cow(parse_int(row["member"], "member"))
        if nation is None:
            raise RowRejected(f"member {row['member']} matches no nation: import cow-states first")
        joined, withdrew = _member_span(row)
        precisions = _member_precisions(row)
        if "__joined" in row:  # the period worked out over all the member's rows (see read())
            joined, withdrew = row["__joined"], row["__withdrew"]
            precisions = (row["__joined_precision"], row["__withdrew_precision"])
        obligations = row.get("__obligations", _obligations(row))
        self.add_period(agreement, nation, joined, withdrew, obligations, precisions=precisions, dataset_id=atopid)

    def finish(self) -> None:
        """Set each alliance's scope, provisions and generated title from its members, check the party rules,
        and give the well-known treaties among them their common names (partnerships/reference/treaties.csv)."""
        self.settle_agreements(self.agreements, "ATOP alliance")
        self.apply_reference_names()
