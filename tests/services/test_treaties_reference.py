"""The curated treaty list checked against the published files themselves, read here with the csv module.

Independent of the importers on purpose: a row is right when the files say
so, whatever the importers make of them.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
TREATIES = ROOT / "partnerships" / "reference" / "treaties.csv"
COLUMNS = [
    "key",
    "title",
    "acronyms",
    "other_names",
    "other_languages",
    "cow_alliance_ids",
    "atop_ids",
    "signed_on",
    "members",
    "citation",
    "citation_url",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return list(csv.DictReader(handle))


def _treaties() -> list[dict[str, str]]:
    return _rows(TREATIES)


def _alliances() -> dict[str, dict[str, dict]]:
    """Each dataset's alliances by id: start (year, month, day as written), members (COW codes), cow4id."""
    cow: dict[str, dict] = defaultdict(lambda: {"members": set()})
    for row in _rows(DATA / "cow" / "alliance_v4.1_by_member.csv"):
        alliance = cow[row["version4id"]]
        alliance["start"] = (row["all_st_year"], row["all_st_month"], row["all_st_day"])
        alliance["members"].add(int(row["ccode"]))
    atop: dict[str, dict] = {}
    for row in _rows(DATA / "atop" / "atop4.01_alliance-level.csv"):
        atop[row["atopid"]] = {
            "start": (row["begyr"], row["begmo"], row["begday"]),
            "members": set(),
            "cow4id": row["cow4id"],
        }
    for row in _rows(DATA / "atop" / "atop4.01_member-level.csv"):
        atop[row["atopid"]]["members"].add(int(row["member"]))
    return {"cow_alliance_ids": dict(cow), "atop_ids": atop}


def _cow_codes() -> dict[str, int]:
    return {row["stateabb"]: int(row["ccode"]) for row in _rows(DATA / "cow" / "states2016.csv")}


def test_the_list_has_its_columns_and_unique_keys() -> None:
    with TREATIES.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    treaties = _treaties()
    assert 25 <= len(treaties) <= 45
    assert len({row["key"] for row in treaties}) == len(treaties)
    for row in treaties:
        assert row["title"], row["key"]
        assert row["citation"], row["key"]
        assert row["cow_alliance_ids"] or row["atop_ids"], row["key"]


def test_no_name_is_given_to_two_treaties() -> None:
    """A name that meant two treaties could not find "that treaty" first."""
    owner: dict[str, str] = {}
    for row in _treaties():
        names = [row["title"], *row["acronyms"].split("|"), *row["other_names"].split("|")]
        names += [entry.split(":", 1)[1] for entry in row["other_languages"].split("|") if entry]
        for name in filter(None, (name.strip().lower() for name in names)):
            assert owner.setdefault(name, row["key"]) == row["key"], name


@pytest.mark.parametrize("row", _treaties(), ids=lambda row: row["key"])
def test_every_curated_id_is_that_treaty_in_the_files(row: dict[str, str]) -> None:
    alliances, codes = _alliances(), _cow_codes()
    signed = datetime.date.fromisoformat(row["signed_on"])
    expected = {codes[abbreviation] for abbreviation in row["members"].split()}
    assert len(expected) >= 2
    for column in ("cow_alliance_ids", "atop_ids"):
        for dataset_id in row[column].split():
            alliance = alliances[column].get(dataset_id)
            assert alliance is not None, f"{column} {dataset_id} is not in the file"
            year, month, day = (int(part) for part in alliance["start"])
            assert datetime.date(year, month, day) == signed, (column, dataset_id)
            missing = expected - alliance["members"]
            assert not missing, f"{column} {dataset_id} lacks members {sorted(missing)}"
    # Where both datasets code it, ATOP's own crosswalk (cow4id) names the same COW alliance.
    for atopid in row["atop_ids"].split():
        cow4id = alliances["atop_ids"][atopid]["cow4id"]
        if row["cow_alliance_ids"] and cow4id:
            assert cow4id in row["cow_alliance_ids"].split(), (atopid, cow4id)
